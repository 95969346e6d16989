package fsindex

import (
	"testing"
)

func TestCoversMatchesIndexFields(t *testing.T) {
	t.Parallel()
	file := &File{Indexes: []Index{
		{CollectionGroup: "items", QueryScope: "COLLECTION", Fields: []Field{
			{FieldPath: "a", Order: Ascending}, {FieldPath: "b", Order: Ascending},
			{FieldPath: "tags", ArrayConfig: Contains}, {FieldPath: "at", Order: Descending},
		}},
		{CollectionGroup: "items", QueryScope: "COLLECTION", Fields: []Field{
			{FieldPath: "a", Order: Ascending}, {FieldPath: "name", Order: Ascending}, {FieldPath: "__name__", Order: Ascending},
		}},
	}}
	cases := []struct {
		name  string
		query Query
		want  bool
	}{
		{"exact match", Query{Collection: "items", Equality: []string{"a", "b"}, ArrayContains: "tags", OrderBy: "at", Descending: true}, true},
		{"equalities in other order", Query{Collection: "items", Equality: []string{"b", "a"}, ArrayContains: "tags", OrderBy: "at", Descending: true}, true},
		{"trailing __name__ ignored", Query{Collection: "items", Equality: []string{"a"}, OrderBy: "name"}, true},
		{"wrong direction", Query{Collection: "items", Equality: []string{"a", "b"}, ArrayContains: "tags", OrderBy: "at"}, false},
		{"missing equality field", Query{Collection: "items", Equality: []string{"a"}, ArrayContains: "tags", OrderBy: "at", Descending: true}, false},
		{"other collection", Query{Collection: "other", Equality: []string{"a"}, OrderBy: "name"}, false},
		{"single field needs none", Query{Collection: "other", OrderBy: "name"}, true},
		{"equalities only need none", Query{Collection: "other", Equality: []string{"x", "y"}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := file.Covers(tc.query); got != tc.want {
				t.Errorf("Covers(%s) = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}
