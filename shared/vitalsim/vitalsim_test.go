package vitalsim

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

var start = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func mustGenerate(t *testing.T, cfg Config) Dataset {
	t.Helper()
	data, err := Generate(cfg)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return data
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	first := mustGenerate(t, DefaultConfig(42, start, 2))
	second := mustGenerate(t, DefaultConfig(42, start, 2))
	if !reflect.DeepEqual(first, second) {
		t.Error("two runs with the same config differ")
	}
	other := mustGenerate(t, DefaultConfig(43, start, 2))
	if reflect.DeepEqual(first, other) {
		t.Error("seeds 42 and 43 gave the same data")
	}
}

func TestZeroRatesGiveCleanChronologicalData(t *testing.T) {
	t.Parallel()
	data := mustGenerate(t, Config{Seed: 1, Start: start, Days: 1})
	if got, want := len(data.Arrivals), 2*minutesPerDay; got != want {
		t.Errorf("got %d readings, want %d (two series, every minute)", got, want)
	}
	for _, series := range []vitalsign.Series{vitalsign.SeriesHeartRate, vitalsign.SeriesOxygenSaturation} {
		readings := data.Series(series)
		for i, r := range readings {
			if r.Artefact || r.Duplicate {
				t.Fatalf("%s reading %s: Artefact %v, Duplicate %v with zero rates", series, r.ID, r.Artefact, r.Duplicate)
			}
			if i > 0 && !readings[i-1].Time.Before(r.Time) {
				t.Fatalf("%s reading %s arrived out of time order with no late batches", series, r.ID)
			}
		}
	}
}

func TestRatesLeaveTruthUnchanged(t *testing.T) {
	t.Parallel()
	clean := mustGenerate(t, Config{Seed: 9, Start: start, Days: 2})
	noisy := mustGenerate(t, DefaultConfig(9, start, 2))
	truth := map[string]float64{}
	for _, r := range clean.Arrivals {
		truth[r.ID] = r.Truth
	}
	for _, r := range noisy.Arrivals {
		if want, ok := truth[r.ID]; !ok || r.Truth != want {
			t.Fatalf("reading %s: truth %v, want %v from the clean run", r.ID, r.Truth, want)
		}
	}
}

func TestDefaultDataHasEveryImperfection(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		data := mustGenerate(t, DefaultConfig(seed, start, 7))
		for _, series := range []vitalsign.Series{vitalsign.SeriesHeartRate, vitalsign.SeriesOxygenSaturation} {
			checkImperfections(t, seed, series, data.Series(series))
		}
	}
}

func checkImperfections(t *testing.T, seed uint64, series vitalsign.Series, arrivals []Reading) {
	t.Helper()
	var artefacts, duplicates, outOfOrder int
	originals := map[string]Reading{}
	for i, r := range arrivals {
		if err := vitalsign.CheckValue(series, r.Value); err != nil {
			t.Errorf("seed %d %s reading %s: implausible value: %v", seed, series, r.ID, err)
		}
		if r.Duplicate {
			duplicates++
		} else if r.Artefact {
			artefacts++
		}
		if previous, seen := originals[r.ID]; seen && (previous.Value != r.Value || !previous.Time.Equal(r.Time)) {
			t.Errorf("seed %d %s reading %s: copies differ", seed, series, r.ID)
		}
		originals[r.ID] = r
		if i > 0 && r.Time.Before(arrivals[i-1].Time) {
			outOfOrder++
		}
	}
	unique := len(originals)
	artefactShare := float64(artefacts) / float64(unique)
	duplicateShare := float64(duplicates) / float64(unique)
	if artefactShare < 0.02 || artefactShare > 0.08 {
		t.Errorf("seed %d %s: %.1f %% artefacts, want 3 %% at rest and more in activity", seed, series, 100*artefactShare)
	}
	if duplicateShare < 0.005 || duplicateShare > 0.015 {
		t.Errorf("seed %d %s: %.2f %% duplicates, want about 1 %%", seed, series, 100*duplicateShare)
	}
	if outOfOrder == 0 {
		t.Errorf("seed %d %s: no reading arrived out of time order", seed, series)
	}
	if longest := longestGap(arrivals); longest < time.Hour {
		t.Errorf("seed %d %s: longest gap %s, want device-off gaps of an hour or more", seed, series, longest)
	}
}

func longestGap(arrivals []Reading) time.Duration {
	times := make([]time.Time, len(arrivals))
	for i, r := range arrivals {
		times[i] = r.Time
	}
	slices.SortFunc(times, time.Time.Compare)
	var longest time.Duration
	for i := 1; i < len(times); i++ {
		longest = max(longest, times[i].Sub(times[i-1]))
	}
	return longest
}

func TestTruthIsPhysiological(t *testing.T) {
	t.Parallel()
	data := mustGenerate(t, DefaultConfig(5, start, 7))
	bounds := map[vitalsign.Series][2]float64{
		vitalsign.SeriesHeartRate:        {35, 160},
		vitalsign.SeriesOxygenSaturation: {85, 100},
	}
	for _, r := range data.Arrivals {
		b := bounds[r.Series]
		if r.Truth < b[0] || r.Truth > b[1] {
			t.Errorf("%s reading %s: truth %.1f outside %v", r.Series, r.ID, r.Truth, b)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	cfg := Config{Days: 0, ArtefactRate: 0.5, DuplicateRate: -1, LateBatchRate: 2, GapsPerDay: 25}
	_, err := Generate(cfg)
	if err == nil {
		t.Fatal("Generate accepted an invalid config")
	}
	for _, want := range []string{"days", "start", "artefact rate", "duplicate rate", "late batch rate", "gaps per day"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
