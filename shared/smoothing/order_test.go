package smoothing

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/vitalsign"
	"github.com/ihep/backend/shared/vitalsim"
)

// simulatedHeartRate returns the heart rate copies of a simulated recording,
// in arrival order, as smoothing readings.
func simulatedHeartRate(t testing.TB, seed uint64, days int) ([]Reading, []vitalsim.Reading) {
	t.Helper()
	return simulatedSeries(t, vitalsign.SeriesHeartRate, seed, days)
}

// simulatedSeries returns the copies of one series of a simulated recording,
// in arrival order, as smoothing readings.
func simulatedSeries(t testing.TB, series vitalsign.Series, seed uint64, days int) ([]Reading, []vitalsim.Reading) {
	t.Helper()
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	data, err := vitalsim.Generate(vitalsim.DefaultConfig(seed, start, days))
	if err != nil {
		t.Fatal(err)
	}
	arrivals := data.Series(series)
	readings := make([]Reading, len(arrivals))
	for i, r := range arrivals {
		readings[i] = Reading{ID: r.ID, Time: r.Time, Value: r.Value}
	}
	return readings, arrivals
}

func TestOrderAndDuplicatesDoNotChangeResult(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings, _ := simulatedHeartRate(t, 11, 2)
	want := mustSmooth(t, p, uniqueChronological(readings))

	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("shuffle %d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 99))
			shuffled := slices.Clone(readings)
			// Extra copies of a tenth of the readings, some in another zone.
			for _, r := range readings[:len(readings)/10] {
				r.Time = r.Time.In(time.FixedZone("UTC+5", 5*3600))
				shuffled = append(shuffled, r)
			}
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := mustSmooth(t, p, shuffled)
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("shuffled input changed the result (-ordered +shuffled):\n%s", diff)
			}
		})
	}
}

func TestConflictingDuplicatesIgnoreInputOrder(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings := evenReadings(time.Minute, repeat(70, 20)...)
	conflicting := append(slices.Clone(readings),
		Reading{ID: readings[5].ID, Time: readings[5].Time, Value: 69},
		Reading{ID: readings[9].ID, Time: readings[9].Time.Add(-30 * time.Second), Value: 90},
	)
	first := mustSmooth(t, p, conflicting)
	slices.Reverse(conflicting)
	second := mustSmooth(t, p, conflicting)
	if diff := gocmp.Diff(first, second); diff != "" {
		t.Errorf("conflicting copies resolved differently by input order (-forward +reverse):\n%s", diff)
	}
	if len(first) != 20 {
		t.Errorf("got %d estimates, want one per id (20)", len(first))
	}
	if first[5].Value == mustSmooth(t, p, readings)[5].Value {
		t.Error("copy with the smaller value was not the one kept")
	}
}

func TestContinueMatchesFullRun(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings, _ := simulatedHeartRate(t, 5, 2)
	ordered := uniqueChronological(readings)
	full := mustSmooth(t, p, ordered)

	// Resume after every reading that left outliers pending, where a
	// revision crosses the checkpoint, and after a sample of the others.
	var splits []int
	for k := range full {
		if len(full[k].Checkpoint.Pending) > 0 || k%97 == 0 {
			splits = append(splits, k)
		}
	}
	t.Logf("resumed after %d of %d readings", len(splits), len(full))
	if len(splits) < 20 {
		t.Fatalf("only %d split points; the data has too few pending outliers to test", len(splits))
	}
	for _, k := range splits {
		prefix := mustSmooth(t, p, ordered[:k+1])
		rest, err := Continue(p, prefix[k].Checkpoint, ordered[k+1:])
		if err != nil {
			t.Fatalf("Continue after reading %d: %v", k, err)
		}
		// reflect.DeepEqual is exact and much faster than go-cmp; go-cmp
		// explains a failure.
		if merged := mergeByID(prefix, rest); !reflect.DeepEqual(full, merged) {
			t.Fatalf("resuming after reading %d differs from the full run (-full +resumed):\n%s", k, gocmp.Diff(full, merged))
		}
	}
}

func TestContinueRejectsReadingBeforeCheckpoint(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings := evenReadings(time.Minute, repeat(70, 10)...)
	estimates := mustSmooth(t, p, readings)
	checkpoint := estimates[5].Checkpoint
	tests := []struct {
		name    string
		reading Reading
	}{
		{"earlier time", Reading{ID: "zz", Time: readings[4].Time, Value: 70}},
		{"the checkpoint reading", readings[5]},
		{"same time smaller id", Reading{ID: "a", Time: readings[5].Time, Value: 70}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Continue(p, checkpoint, []Reading{tt.reading, readings[9]})
			if !errors.Is(err, ErrBeforeCheckpoint) {
				t.Errorf("error = %v, want ErrBeforeCheckpoint", err)
			}
		})
	}
	sameTimeLargerID := Reading{ID: readings[5].ID + "b", Time: readings[5].Time, Value: 70}
	if _, err := Continue(p, checkpoint, []Reading{sameTimeLargerID}); err != nil {
		t.Errorf("reading at the checkpoint time with a larger id: %v", err)
	}
}

func TestLateReadingByContinue(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings := evenReadings(time.Minute, append(repeat(70, 30), repeat(72, 30)...)...)
	late := readings[40]
	delivered := slices.Delete(slices.Clone(readings), 40, 41)
	stored := mustSmooth(t, p, delivered)

	// The caller resumes from the last stored reading before the late one.
	resumeAt := 39
	resumed, err := Continue(p, stored[resumeAt].Checkpoint, append([]Reading{late}, delivered[resumeAt+1:]...))
	if err != nil {
		t.Fatal(err)
	}
	got := mergeByID(stored, resumed)
	want := mustSmooth(t, p, readings)
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("late reading handled by Continue differs from a full run (-full +resumed):\n%s", diff)
	}
}

func uniqueChronological(readings []Reading) []Reading {
	seen := map[string]bool{}
	var out []Reading
	for _, r := range readings {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Reading) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	})
	return out
}

// mergeByID stores estimates the way a caller does: by reading id, later
// ones replacing earlier ones, listed in (time, id) order.
func mergeByID(batches ...[]Estimate) []Estimate {
	byID := map[string]Estimate{}
	for _, batch := range batches {
		for _, e := range batch {
			byID[e.ID] = e
		}
	}
	out := make([]Estimate, 0, len(byID))
	for _, e := range byID {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Estimate) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	})
	return out
}

func TestCheckpointSurvivesJSON(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings := evenReadings(time.Minute, append(repeat(70, 30), 71.5, 130, 131, 72)...)
	full := mustSmooth(t, p, readings)

	// Reading 32 leaves two outliers pending, the hardest state to restore.
	encoded, err := json.Marshal(full[32].Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	var restored State
	if err := json.Unmarshal(encoded, &restored); err != nil {
		t.Fatal(err)
	}
	if len(restored.Pending) != 2 {
		t.Fatalf("restored checkpoint has %d pending readings, want 2", len(restored.Pending))
	}
	got, err := Continue(p, restored, readings[33:])
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(full[33:], got); diff != "" {
		t.Errorf("resuming from a JSON checkpoint differs (-full +resumed):\n%s", diff)
	}
}
