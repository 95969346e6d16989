package directory

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

// benchProviders is the size of the benchmark's directory.
const benchProviders = 10_000

// benchMetros are the centres the benchmark's providers cluster around:
// 20 US metro areas, 500 providers each, spread with a standard deviation of
// 15 km, like a national directory.
var benchMetros = []Point{
	{41.88, -87.63}, {40.71, -74.01}, {34.05, -118.24}, {29.76, -95.37}, {33.45, -112.07},
	{39.95, -75.17}, {29.42, -98.49}, {32.72, -117.16}, {32.78, -96.80}, {37.34, -121.89},
	{30.27, -97.74}, {30.33, -81.66}, {39.96, -83.00}, {35.23, -80.84}, {39.77, -86.16},
	{37.77, -122.42}, {47.61, -122.33}, {39.74, -104.99}, {38.91, -77.04}, {42.36, -71.06},
}

var benchSpecialties = []string{"Primary Care", "Infectious Disease", "Endocrinology", "Oncology", "Cardiology", "Psychiatry",
	"Behavioral Health", "Nutrition", "Nephrology", "Pulmonology", "Neurology", "Dermatology"}

var benchLanguages = []string{"en", "es", "zh", "vi", "ar", "fr", "ko", "ru", "hi", "pl"}

var benchNames = []string{"Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jones", "Kim", "Lopez",
	"Martin", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Singh", "Tran", "Usman", "Vargas", "Walker", "Young", "Zhang"}

// benchStore returns a store on a Firestore project of the benchmark's own,
// filled with benchProviders providers. Loading takes a while, so it is
// skipped when the project already holds them from an earlier run.
func benchStore(b *testing.B) *Store {
	b.Helper()
	testenv.Require(b)
	cfg := config.FromEnv()
	cfg.ProjectID = "demo-ihep-bench-directory"
	ctx := context.Background()
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = fs.Close() })
	s := NewStore(fs)

	last, err := s.Get(ctx, fmt.Sprintf("bench-%05d", benchProviders-1))
	if err == nil && last.Active {
		return s
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(7, 11))
	writer := fs.BulkWriter(ctx)
	for i := range benchProviders {
		metro := benchMetros[i%len(benchMetros)]
		p := &Provider{
			Name:             fmt.Sprintf("Dr. %c. %s", 'A'+rng.IntN(26), benchNames[rng.IntN(len(benchNames))]),
			Specialty:        benchSpecialties[rng.IntN(len(benchSpecialties))],
			AppointmentTypes: pick(rng, AppointmentTypes, 1+rng.IntN(2)),
			Languages:        append([]string{"en"}, pick(rng, benchLanguages[1:], rng.IntN(2))...),
			Phone:            "+1 555 0100",
			Location:         &latlng.LatLng{Latitude: metro.Lat + rng.NormFloat64()*15/111.2, Longitude: metro.Lng + rng.NormFloat64()*15/(111.2*math.Cos(metro.Lat*math.Pi/180))},
			Active:           true,
		}
		if err := Normalize(p); err != nil {
			b.Fatal(err)
		}
		if _, err := writer.Set(s.providers().Doc(fmt.Sprintf("bench-%05d", i)), p); err != nil {
			b.Fatal(err)
		}
	}
	writer.End()
	b.Logf("loaded %d providers in %.1f s", benchProviders, time.Since(start).Seconds())
	return s
}

func pick(rng *rand.Rand, from []string, n int) []string {
	order := rng.Perm(len(from))
	out := make([]string, 0, n)
	for _, i := range order[:n] {
		out = append(out, from[i])
	}
	return out
}

// BenchmarkDirectorySearch measures searches of a 10,000-provider directory
// on the Firestore emulator. Besides ns/op it reports the p50 and p95
// latency in milliseconds, the Firestore queries and the documents read per
// search. Run it with
//
//	go test ./shared/directory -run '^$' -bench DirectorySearch -benchtime 100x
//
// NOTE: the Firestore emulator serves a query by scanning the collection,
// so its latency grows with the collection and shows little about
// production, where the composite indexes serve each query. The documents
// read per search are the figure that carries over.
func BenchmarkDirectorySearch(b *testing.B) {
	s := benchStore(b)
	chicago := &Point{41.88, -87.63}
	cases := []struct {
		name  string
		query SearchQuery
	}{
		{"name-prefix", SearchQuery{NamePrefix: "dr. m"}},
		{"specialty-type-language", SearchQuery{Specialty: "cardiology", AppointmentType: AppointmentTelehealth, Language: "es"}},
		{"near-5km", SearchQuery{Near: chicago, RadiusKm: 5}},
		{"near-25km-specialty", SearchQuery{Near: chicago, RadiusKm: 25, Specialty: "primary care"}},
		{"near-25km-type-language", SearchQuery{Near: chicago, RadiusKm: 25, AppointmentType: AppointmentInPerson, Language: "es"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			latencies := make([]float64, 0, b.N)
			queries, docs, results := 0, 0, 0
			for b.Loop() {
				start := time.Now()
				page, err := s.Search(ctx, tc.query)
				if err != nil {
					b.Fatal(err)
				}
				latencies = append(latencies, float64(time.Since(start).Microseconds())/1000)
				queries += page.Queries
				docs += page.DocumentsRead
				results += len(page.Results)
			}
			slices.Sort(latencies)
			n := float64(len(latencies))
			b.ReportMetric(percentile(latencies, 0.50), "p50-ms")
			b.ReportMetric(percentile(latencies, 0.95), "p95-ms")
			b.ReportMetric(float64(queries)/n, "queries/search")
			b.ReportMetric(float64(docs)/n, "docs-read/search")
			b.ReportMetric(float64(results)/n, "results/search")
		})
	}
}

// percentile returns the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, rank)]
}
