package catalog

import (
	"testing"

	"github.com/ihep/backend/shared/fsindex"
)

// TestArticleQueriesHaveIndexes fails for each article query that
// firestore.indexes.json cannot serve; the emulator requires no indexes.
func TestArticleQueriesHaveIndexes(t *testing.T) {
	t.Parallel()
	file, err := fsindex.Load("../../firestore.indexes.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []ArticleQuery{{}, {Conditions: []string{"diabetes"}}, {Conditions: []string{"diabetes", "cancer"}, Text: "sleep"}} {
		if shape := articleShape(q); !file.Covers(shape) {
			t.Errorf("no index in firestore.indexes.json serves %s", shape)
		}
	}
}
