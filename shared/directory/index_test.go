package directory

import (
	"testing"

	"github.com/ihep/backend/shared/fsindex"
)

// TestSearchQueriesHaveIndexes plans every combination of search filters
// and fails for each query that firestore.indexes.json cannot serve. The
// Firestore emulator requires no indexes, so this is the only check
// before production would reject the query.
func TestSearchQueriesHaveIndexes(t *testing.T) {
	t.Parallel()
	file, err := fsindex.Load("../../firestore.indexes.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, specialty := range []string{"", "cardiology"} {
		for _, apptType := range []string{"", AppointmentTelehealth} {
			for _, lang := range []string{"", "es"} {
				for _, prefix := range []string{"", "ali"} {
					for _, near := range []*Point{nil, {Lat: 41.9, Lng: -87.6}} {
						q := SearchQuery{Specialty: specialty, AppointmentType: apptType, Language: lang, NamePrefix: prefix, Near: near}
						shape := planSearch(q).Shape
						if !file.Covers(shape) {
							t.Errorf("no index in firestore.indexes.json serves %s (search %+v)", shape, q)
						}
					}
				}
			}
		}
	}
}
