package twinscore

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/news2"
	"github.com/ihep/backend/shared/vitalsign"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// normal holds values that score 0 on every NEWS2 row.
var normal = map[vitalsign.Series]float64{
	vitalsign.SeriesHeartRate:        70,
	vitalsign.SeriesSystolic:         120,
	vitalsign.SeriesDiastolic:        80,
	vitalsign.SeriesOxygenSaturation: 97,
	vitalsign.SeriesBodyTemperature:  36.8,
	vitalsign.SeriesRespiratoryRate:  16,
}

// inputAt returns an input with every series in values measured age ago.
func inputAt(age time.Duration, values map[vitalsign.Series]float64) Input {
	in := Input{Now: now, Latest: map[vitalsign.Series]Latest{}}
	for series, v := range values {
		in.Latest[series] = Latest{Value: v, ReadingTime: now.Add(-age)}
	}
	return in
}

func with(base map[vitalsign.Series]float64, series vitalsign.Series, value float64) map[vitalsign.Series]float64 {
	out := map[vitalsign.Series]float64{}
	for s, v := range base {
		out[s] = v
	}
	out[series] = value
	return out
}

func without(base map[vitalsign.Series]float64, series vitalsign.Series) map[vitalsign.Series]float64 {
	out := with(base, series, 0)
	delete(out, series)
	return out
}

func mustCompute(t *testing.T, in Input) Result {
	t.Helper()
	result, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return result
}

func vitalOf(t *testing.T, r Result, series vitalsign.Series) Vital {
	t.Helper()
	for _, v := range r.Vitals {
		if v.Series == series {
			return v
		}
	}
	t.Fatalf("no vital for series %q", series)
	return Vital{}
}

func TestAllNormalAndFresh(t *testing.T) {
	t.Parallel()
	got := mustCompute(t, inputAt(time.Hour, normal))
	if got.HealthScore != 100 || got.Band != BandGood || got.Confidence != 1 {
		t.Errorf("score %d, band %q, confidence %v; want 100, good, 1", got.HealthScore, got.Band, got.Confidence)
	}
	wantMissing := []news2.Parameter{news2.SupplementalOxygen, news2.Consciousness}
	if diff := cmp.Diff(wantMissing, got.NEWS2.Missing); diff != "" {
		t.Errorf("NEWS2 missing parameters (-want +got):\n%s", diff)
	}
	if got.NEWS2.Complete {
		t.Error("NEWS2 block claims to be complete")
	}
	if len(got.Vitals) != len(vitalsign.AllSeries()) {
		t.Errorf("got %d vitals, want one per series", len(got.Vitals))
	}
}

func TestScoreFollowsFormula(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		values    map[vitalsign.Series]float64
		wantScore int
		wantBand  Band
	}{
		{"pulse 100 scores 1", with(normal, vitalsign.SeriesHeartRate, 100), 95, BandGood},
		{"aggregate 4 without a 3", with(with(normal, vitalsign.SeriesHeartRate, 120), vitalsign.SeriesRespiratoryRate, 22), 80, BandGood},
		{"single 3", with(normal, vitalsign.SeriesSystolic, 85), 75, BandModerate},
		{"aggregate 5", with(with(with(normal, vitalsign.SeriesHeartRate, 120), vitalsign.SeriesRespiratoryRate, 22.2), vitalsign.SeriesBodyTemperature, 38.5), 75, BandModerate},
		{"aggregate 5 with a 3", with(with(normal, vitalsign.SeriesOxygenSaturation, 90), vitalsign.SeriesBodyTemperature, 40), 65, BandModerate},
		{"aggregate 7", with(with(with(normal, vitalsign.SeriesOxygenSaturation, 93), vitalsign.SeriesHeartRate, 120), vitalsign.SeriesRespiratoryRate, 30), 35, BandPoor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustCompute(t, inputAt(time.Hour, tt.values))
			if got.HealthScore != tt.wantScore || got.Band != tt.wantBand {
				t.Errorf("score %d, band %q; want %d, %q (NEWS2 aggregate %d)",
					got.HealthScore, got.Band, tt.wantScore, tt.wantBand, got.NEWS2.Aggregate)
			}
		})
	}
}

// TestBandFollowsNEWS2Risk tries every combination of sub-scores of the five
// parameters and checks the band against the NEWS2 risk band, the score
// against the formula and the contributions against the deduction.
func TestBandFollowsNEWS2Risk(t *testing.T) {
	t.Parallel()
	// Values scoring 0, 1, 2 and 3 for each parameter.
	levels := map[vitalsign.Series][4]float64{
		vitalsign.SeriesRespiratoryRate:  {16, 10, 22, 30},
		vitalsign.SeriesOxygenSaturation: {97, 95, 93, 88},
		vitalsign.SeriesSystolic:         {120, 105, 95, 85},
		vitalsign.SeriesHeartRate:        {70, 100, 120, 140},
		vitalsign.SeriesBodyTemperature:  {37, 38.5, 39.5, 34.5},
	}
	wantBand := map[news2.Risk]Band{
		news2.RiskLow: BandGood, news2.RiskLowMedium: BandModerate,
		news2.RiskMedium: BandModerate, news2.RiskHigh: BandPoor,
	}
	series := []vitalsign.Series{
		vitalsign.SeriesRespiratoryRate, vitalsign.SeriesOxygenSaturation, vitalsign.SeriesSystolic,
		vitalsign.SeriesHeartRate, vitalsign.SeriesBodyTemperature,
	}
	for combination := range 1024 {
		values := map[vitalsign.Series]float64{}
		code := combination
		for _, s := range series {
			values[s] = levels[s][code%4]
			code /= 4
		}
		got := mustCompute(t, inputAt(time.Hour, values))
		label := fmt.Sprintf("combination %v", values)
		if want := wantBand[got.NEWS2.Risk]; got.Band != want {
			t.Fatalf("%s: band %q for NEWS2 risk %q, want %q", label, got.Band, got.NEWS2.Risk, want)
		}
		checkDeduction(t, label, got)
	}
}

func checkDeduction(t *testing.T, label string, got Result) {
	t.Helper()
	a := got.NEWS2.Aggregate
	deduction := 5 * a
	if got.NEWS2.RedScore {
		deduction += 10
	}
	if a >= 7 {
		deduction += 20
	}
	if want := max(0, 100-deduction); got.HealthScore != want {
		t.Fatalf("%s: score %d, want %d", label, got.HealthScore, want)
	}
	var sum float64
	for _, v := range got.Vitals {
		if v.Contribution < 0 {
			t.Fatalf("%s: %s contributes %v", label, v.Series, v.Contribution)
		}
		sum += v.Contribution
	}
	if math.Abs(sum-float64(deduction)) > 1e-9 {
		t.Fatalf("%s: contributions add up to %v, want %d", label, sum, deduction)
	}
}

func TestFreshnessLimits(t *testing.T) {
	t.Parallel()
	for _, series := range vitalsign.AllSeries() {
		l := Limits(series)
		tests := []struct {
			age  time.Duration
			want Freshness
		}{
			{-time.Hour, Fresh},
			{0, Fresh},
			{l.FreshFor, Fresh},
			{l.FreshFor + time.Second, Stale},
			{l.UsableFor, Stale},
			{l.UsableFor + time.Second, Missing},
		}
		for _, tt := range tests {
			got := vitalOf(t, mustCompute(t, inputAt(tt.age, normal)), series)
			if got.Freshness != tt.want {
				t.Errorf("%s at age %s: %q, want %q", series, tt.age, got.Freshness, tt.want)
			}
			if tt.age < 0 && got.Age != 0 {
				t.Errorf("%s read in the future: Age %s, want 0", series, got.Age)
			}
		}
	}
}

func TestMissingVitalIsNotCountedAsNormal(t *testing.T) {
	t.Parallel()
	got := mustCompute(t, inputAt(time.Hour, without(normal, vitalsign.SeriesSystolic)))
	systolic := vitalOf(t, got, vitalsign.SeriesSystolic)
	if systolic.Freshness != Missing || systolic.Measured || systolic.Scored {
		t.Errorf("systolic: %+v, want missing, not measured, not scored", systolic)
	}
	if got.Confidence != 0.8 {
		t.Errorf("Confidence = %v, want 0.8 with one of five parameters missing", got.Confidence)
	}
	if got.NEWS2.Aggregate != 0 || len(got.NEWS2.Missing) != 3 {
		t.Errorf("NEWS2 aggregate %d, missing %v; want 0 and three missing", got.NEWS2.Aggregate, got.NEWS2.Missing)
	}
}

func TestStaleVitalCountsInScoreHalfInConfidence(t *testing.T) {
	t.Parallel()
	in := inputAt(time.Hour, normal)
	in.Latest[vitalsign.SeriesSystolic] = Latest{Value: 85, ReadingTime: now.Add(-3 * day)}
	got := mustCompute(t, in)
	if systolic := vitalOf(t, got, vitalsign.SeriesSystolic); systolic.Freshness != Stale || systolic.SubScore != 3 {
		t.Errorf("systolic: %+v, want stale with sub-score 3", systolic)
	}
	if got.HealthScore != 75 || got.Band != BandModerate {
		t.Errorf("score %d, band %q; want 75, moderate", got.HealthScore, got.Band)
	}
	if got.Confidence != 0.9 {
		t.Errorf("Confidence = %v, want 0.9", got.Confidence)
	}
}

func TestExpiredVitalDropsOut(t *testing.T) {
	t.Parallel()
	in := inputAt(time.Hour, normal)
	in.Latest[vitalsign.SeriesHeartRate] = Latest{Value: 140, ReadingTime: now.Add(-4 * day)}
	got := mustCompute(t, in)
	pulse := vitalOf(t, got, vitalsign.SeriesHeartRate)
	if pulse.Freshness != Missing || !pulse.Measured || pulse.Age != 4*day {
		t.Errorf("heart rate: %+v, want measured, missing, age 4 days", pulse)
	}
	if got.HealthScore != 100 || got.Confidence != 0.8 {
		t.Errorf("score %d, confidence %v; want 100 and 0.8", got.HealthScore, got.Confidence)
	}
}

func TestNoUsableVitalGivesUnknownBand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Input
	}{
		{"nothing measured", Input{Now: now}},
		{"only diastolic", inputAt(time.Hour, map[vitalsign.Series]float64{vitalsign.SeriesDiastolic: 80})},
		{"everything expired", inputAt(30*day, normal)},
		{"NaN values", inputAt(time.Hour, map[vitalsign.Series]float64{vitalsign.SeriesHeartRate: math.NaN()})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustCompute(t, tt.in)
			if got.Band != BandUnknown || got.HealthScore != 0 || got.Confidence != 0 {
				t.Errorf("band %q, score %d, confidence %v; want unknown, 0, 0", got.Band, got.HealthScore, got.Confidence)
			}
		})
	}
}

func TestComputeRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	if _, err := Compute(Input{}); err == nil {
		t.Error("Compute accepted a zero Now")
	}
	in := inputAt(time.Hour, normal)
	in.Latest["weight"] = Latest{Value: 70, ReadingTime: now}
	if _, err := Compute(in); err == nil {
		t.Error("Compute accepted an unknown series")
	}
}
