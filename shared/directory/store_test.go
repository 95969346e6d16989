package directory

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	testenv.Require(t)
	fs, err := platform.NewFirestore(context.Background(), config.FromEnv())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })
	return NewStore(fs)
}

// putProvider stores a provider with the test's own specialty, so that a
// search filtered by that specialty returns only this test's providers.
func putProvider(t *testing.T, s *Store, specialty, name string, lat, lng float64, types, langs []string) string {
	t.Helper()
	id := testenv.UniqueID(t)
	p := &Provider{Name: name, Specialty: specialty, AppointmentTypes: types, Languages: langs, Phone: "+1 312 555 0100",
		Email: "office@example.org", Address: "1 Test Plaza", Location: &latlng.LatLng{Latitude: lat, Longitude: lng}, Active: true}
	if err := s.Put(context.Background(), id, p); err != nil {
		t.Fatalf("put provider %s: %v", name, err)
	}
	t.Cleanup(func() { _, _ = s.providers().Doc(id).Delete(context.Background()) })
	return id
}

func TestSearchNearMatchesHaversineTable(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	specialty := "distance " + testenv.UniqueID(t)
	lat, lng := 41.8781, -87.6298
	both := []string{AppointmentInPerson}
	en := []string{"en"}
	// Distances from the centre, computed by hand with the haversine
	// formula (R = 6371.0088 km), rounded to 0.1 km.
	want := []struct {
		name string
		km   float64
	}{
		{"North Near", 5.6}, {"East", 8.3}, {"North Far", 11.1}, {"Northeast", 13.9}, {"South", 22.2}, {"West", 24.8},
	}
	putProvider(t, s, specialty, "North Near", lat+0.05, lng, both, en)
	putProvider(t, s, specialty, "North Far", lat+0.1, lng, both, en)
	putProvider(t, s, specialty, "South", lat-0.2, lng, both, en)
	putProvider(t, s, specialty, "East", lat, lng+0.1, both, en)
	putProvider(t, s, specialty, "West", lat, lng-0.3, both, en)
	putProvider(t, s, specialty, "Northeast", lat+0.1, lng+0.1, both, en)
	putProvider(t, s, specialty, "Outside", lat+0.27, lng, both, en) // 30.0 km

	var got []Result
	token := ""
	for pages := 0; ; pages++ {
		page, err := s.Search(context.Background(), SearchQuery{Specialty: specialty, Near: &Point{lat, lng}, RadiusKm: 25, PageSize: 4, PageToken: token})
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		got = append(got, page.Results...)
		if token = page.NextPageToken; token == "" {
			break
		}
		if pages > 3 {
			t.Fatal("paging did not end")
		}
	}
	if len(got) != len(want) {
		t.Fatalf("found %d providers, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Provider.Name != w.name {
			t.Errorf("result %d = %s, want %s", i, got[i].Provider.Name, w.name)
		}
		if d := RoundKm(*got[i].DistanceKm); math.Abs(d-w.km) > 1e-9 {
			t.Errorf("%s: distance %.1f km, want %.1f", w.name, d, w.km)
		}
	}
}

func TestSearchNearAcrossAntimeridian(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	specialty := "antimeridian " + testenv.UniqueID(t)
	putProvider(t, s, specialty, "Far Side", 0, -179.99, []string{AppointmentTelehealth}, []string{"en"})

	page, err := s.Search(context.Background(), SearchQuery{Specialty: specialty, Near: &Point{0, 179.99}, RadiusKm: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != 1 || RoundKm(*page.Results[0].DistanceKm) != 2.2 {
		t.Fatalf("results = %+v, want Far Side at 2.2 km", page.Results)
	}
}

func TestSearchFiltersAndNameOrder(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	specialty := "filters " + testenv.UniqueID(t)
	putProvider(t, s, specialty, "Alice Adams", 40, -88, []string{AppointmentTelehealth, AppointmentInPerson}, []string{"en", "es-MX"})
	putProvider(t, s, specialty, "Alan Brooks", 40, -88, []string{AppointmentInPerson}, []string{"es"})
	putProvider(t, s, specialty, "Bea Chen", 40, -88, []string{AppointmentTelehealth}, []string{"zh", "en"})
	putProvider(t, s, specialty, "Albert Diaz", 40, -88, []string{AppointmentGroup}, []string{"en"})
	hidden := putProvider(t, s, specialty, "Alma Hidden", 40, -88, []string{AppointmentTelehealth}, []string{"es"})
	if _, err := s.Update(context.Background(), hidden, func(p *Provider) error { p.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		query SearchQuery
		want  []string
	}{
		{"all in name order", SearchQuery{}, []string{"Alan Brooks", "Albert Diaz", "Alice Adams", "Bea Chen"}},
		{"name prefix any case", SearchQuery{NamePrefix: "AL"}, []string{"Alan Brooks", "Albert Diaz", "Alice Adams"}},
		{"telehealth", SearchQuery{AppointmentType: AppointmentTelehealth}, []string{"Alice Adams", "Bea Chen"}},
		{"base language matches regional tag", SearchQuery{Language: "es"}, []string{"Alan Brooks", "Alice Adams"}},
		{"regional tag matches only itself", SearchQuery{Language: "es-mx"}, []string{"Alice Adams"}},
		{"type and language in one query", SearchQuery{AppointmentType: AppointmentInPerson, Language: "es"}, []string{"Alan Brooks", "Alice Adams"}},
		{"prefix with type and language", SearchQuery{NamePrefix: "ali", AppointmentType: AppointmentTelehealth, Language: "en"}, []string{"Alice Adams"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := tc.query
			q.Specialty = specialty
			page, err := s.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range page.Results {
				names = append(names, r.Provider.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.want) {
				t.Errorf("names = %v, want %v", names, tc.want)
			}
			if page.Queries != 1 {
				t.Errorf("queries = %d, want 1", page.Queries)
			}
		})
	}
}

func TestSearchPagesByName(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	specialty := "paging " + testenv.UniqueID(t)
	for i := range 5 {
		putProvider(t, s, specialty, fmt.Sprintf("Provider %d", i), 40, -88, []string{AppointmentInPerson}, []string{"en"})
	}
	var names []string
	token := ""
	for pages := 1; ; pages++ {
		page, err := s.Search(context.Background(), SearchQuery{Specialty: specialty, PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if page.DocumentsRead > 3 {
			t.Errorf("page %d read %d documents, want at most page size + 1", pages, page.DocumentsRead)
		}
		for _, r := range page.Results {
			names = append(names, r.Provider.Name)
		}
		if token = page.NextPageToken; token == "" {
			if pages != 3 {
				t.Errorf("pages = %d, want 3", pages)
			}
			break
		}
	}
	if want := "[Provider 0 Provider 1 Provider 2 Provider 3 Provider 4]"; fmt.Sprint(names) != want {
		t.Errorf("names = %v, want %s", names, want)
	}
	if _, err := s.Search(context.Background(), SearchQuery{Specialty: "other", PageSize: 2, PageToken: token + "x"}); err != ErrInvalidPageToken {
		t.Errorf("foreign page token: err = %v, want ErrInvalidPageToken", err)
	}
}

func TestConcurrentPrimaryLeavesOne(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	specialty := "primary " + testenv.UniqueID(t)
	uid := testenv.UniqueID(t)
	var ids []string
	for i := range 4 {
		ids = append(ids, putProvider(t, s, specialty, fmt.Sprintf("Doctor %d", i), 40, -88, []string{AppointmentInPerson}, []string{"en"}))
	}
	t.Cleanup(func() {
		for _, id := range ids {
			_, _ = s.members(uid).Doc(id).Delete(context.Background())
		}
	})

	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, len(ids))
		for i, id := range ids {
			wg.Go(func() { _, _, errs[i] = s.Link(context.Background(), uid, id, true) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: link %s: %v", round, ids[i], err)
			}
		}
		team, err := s.CareTeam(context.Background(), uid)
		if err != nil {
			t.Fatal(err)
		}
		primaries := 0
		for _, m := range team {
			if m.Primary {
				primaries++
			}
		}
		if len(team) != len(ids) || primaries != 1 {
			t.Fatalf("round %d: team of %d with %d primaries, want %d with 1", round, len(team), primaries, len(ids))
		}
		if !team[0].Primary {
			t.Errorf("round %d: the primary provider is not listed first", round)
		}
	}
}

func TestLinkRejectsInactiveProvider(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	id := putProvider(t, s, "inactive "+testenv.UniqueID(t), "Gone Doctor", 40, -88, []string{AppointmentInPerson}, []string{"en"})
	if _, err := s.Update(context.Background(), id, func(p *Provider) error { p.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Link(context.Background(), testenv.UniqueID(t), id, false); err != ErrNotFound {
		t.Errorf("link inactive provider: err = %v, want ErrNotFound", err)
	}
}
