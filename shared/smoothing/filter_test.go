package smoothing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func heartRateParams(t testing.TB) Params {
	t.Helper()
	p, err := ParamsFor(vitalsign.SeriesHeartRate)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// evenReadings returns one reading per value, interval apart from t0.
func evenReadings(interval time.Duration, values ...float64) []Reading {
	readings := make([]Reading, len(values))
	for i, v := range values {
		readings[i] = Reading{ID: fmt.Sprintf("r%05d", i), Time: t0.Add(time.Duration(i) * interval), Value: v}
	}
	return readings
}

func repeat(value float64, n int) []float64 {
	values := make([]float64, n)
	for i := range values {
		values[i] = value
	}
	return values
}

func mustSmooth(t *testing.T, p Params, readings []Reading) []Estimate {
	t.Helper()
	estimates, err := Smooth(p, readings)
	if err != nil {
		t.Fatalf("Smooth: %v", err)
	}
	return estimates
}

// TestSteadyStateGainMatchesRiccati checks the filter against the fixed
// point of the discrete Riccati recursion for a constant interval. With
// Q = q·Δt, the recursion P⁻ = P + Q, K = P⁻/(P⁻+R), P = (1−K)·P⁻ settles
// where P⁻ = Q + P⁻·R/(P⁻+R), that is P⁻² − Q·P⁻ − Q·R = 0, so
// P⁻ = (Q + sqrt(Q² + 4·Q·R))/2 and K = P⁻/(P⁻+R).
func TestSteadyStateGainMatchesRiccati(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q, r     float64
		interval time.Duration
	}{
		{0.1, 16, time.Minute},
		{0.1, 16, time.Second},
		{0.1, 16, 10 * time.Minute},
		{0.01, 2, time.Minute},
		{100.0 / secondsPerDay, 64, 12 * time.Hour},
		{5, 1, time.Minute},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("q=%g R=%g dt=%s", tt.q, tt.r, tt.interval), func(t *testing.T) {
			t.Parallel()
			p := Params{
				ProcessNoise: tt.q, MeasurementNoise: tt.r, ResetGap: 24 * time.Hour,
				GateSigma: 3.5, ShiftCount: 3, PriorMean: 50, PriorVariance: 1e6,
			}
			// A constant value keeps every innovation inside the gate.
			estimates := mustSmooth(t, p, evenReadings(tt.interval, repeat(50, 2000)...))
			q := tt.q * tt.interval.Seconds()
			predicted := (q + math.Sqrt(q*q+4*q*tt.r)) / 2
			wantGain := predicted / (predicted + tt.r)
			wantVariance := (1 - wantGain) * predicted

			last := estimates[len(estimates)-1]
			if relativeError(last.Gain, wantGain) > 1e-9 {
				t.Errorf("steady-state gain = %.12g, want %.12g", last.Gain, wantGain)
			}
			if relativeError(last.Variance, wantVariance) > 1e-9 {
				t.Errorf("steady-state variance = %.12g, want %.12g", last.Variance, wantVariance)
			}
		})
	}
}

func relativeError(got, want float64) float64 {
	return math.Abs(got-want) / math.Abs(want)
}

func TestVarianceReductionOnConstantSignal(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const truth, n, warmUp = 72.0, 5000, 100
	values := make([]float64, n)
	for i := range values {
		values[i] = truth + math.Sqrt(p.MeasurementNoise)*rng.NormFloat64()
	}
	estimates := mustSmooth(t, p, evenReadings(time.Minute, values...))

	var rawError, smoothError, reported float64
	for i, e := range estimates[warmUp:] {
		rawError += math.Pow(values[warmUp+i]-truth, 2)
		smoothError += math.Pow(e.Value-truth, 2)
		reported += e.Variance
	}
	count := float64(n - warmUp)
	rawError, smoothError, reported = rawError/count, smoothError/count, reported/count
	t.Logf("mean squared error: readings %.2f, estimates %.2f; mean reported variance %.2f", rawError, smoothError, reported)
	if smoothError > rawError/2 {
		t.Errorf("estimate error %.2f is not below half the reading error %.2f", smoothError, rawError)
	}
	// The random-walk model expects the truth to move, so on a constant
	// signal the reported variance must not understate the real error.
	if smoothError > reported {
		t.Errorf("estimate error %.2f exceeds the reported variance %.2f", smoothError, reported)
	}
}

func TestGapResetsToPrior(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	tests := []struct {
		name      string
		gap       time.Duration
		wantReset Reset
	}{
		{"just under reset gap", p.ResetGap - time.Second, ResetNone},
		{"at reset gap", p.ResetGap, ResetNone},
		{"over reset gap", p.ResetGap + time.Second, ResetGap},
		{"a week", 7 * 24 * time.Hour, ResetGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			readings := evenReadings(time.Minute, repeat(70, 60)...)
			after := Reading{ID: "after", Time: readings[59].Time.Add(tt.gap), Value: 100}
			estimates := mustSmooth(t, p, append(readings, after))
			got := estimates[len(estimates)-1]
			if got.Reset != tt.wantReset {
				t.Errorf("Reset = %q, want %q", got.Reset, tt.wantReset)
			}
			if got.Outlier {
				t.Error("first reading after the gap flagged as outlier")
			}
			if tt.wantReset == ResetGap {
				want := p.PriorMean + p.PriorVariance/(p.PriorVariance+p.MeasurementNoise)*(100-p.PriorMean)
				if math.Abs(got.Value-want) > 1e-9 {
					t.Errorf("Value = %v, want %v from the prior", got.Value, want)
				}
			}
		})
	}
}

func TestGapClearsPendingOutliers(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings := evenReadings(time.Minute, append(repeat(70, 30), 130, 130)...)
	last := readings[len(readings)-1]
	readings = append(readings, Reading{ID: "z-after-gap", Time: last.Time.Add(p.ResetGap + time.Minute), Value: 130})
	estimates := mustSmooth(t, p, readings)
	for _, e := range estimates[30:32] {
		if !e.Outlier {
			t.Errorf("reading %s before the gap: Outlier = false, want true", e.ID)
		}
	}
	if got := estimates[32].Reset; got != ResetGap {
		t.Errorf("reading after the gap: Reset = %q, want %q", got, ResetGap)
	}
}

func TestGateHoldsEstimate(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	estimates := mustSmooth(t, p, evenReadings(time.Minute, append(repeat(70, 60), 130, 70, 20, 70)...))
	before := estimates[59]
	for _, i := range []int{60, 62} {
		e := estimates[i]
		if !e.Outlier || e.Gain != 0 {
			t.Errorf("reading %d: Outlier = %v, Gain = %v; want true, 0", i, e.Outlier, e.Gain)
		}
	}
	if estimates[60].Value != before.Value {
		t.Errorf("outlier moved the estimate from %v to %v", before.Value, estimates[60].Value)
	}
	if want := before.Variance + p.ProcessNoise*60; math.Abs(estimates[60].Variance-want) > 1e-9 {
		t.Errorf("outlier variance = %v, want the prediction %v", estimates[60].Variance, want)
	}
	if estimates[61].Outlier || estimates[63].Outlier {
		t.Error("reading at the usual level after an outlier was flagged")
	}
}

func TestGateEdge(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	base := mustSmooth(t, p, evenReadings(time.Minute, repeat(70, 60)...))
	last := base[len(base)-1].Checkpoint
	predicted := last.Variance + p.ProcessNoise*60
	edge := p.GateSigma * math.Sqrt(predicted+p.MeasurementNoise)
	next := t0.Add(60 * time.Minute)
	tests := []struct {
		name        string
		offset      float64
		wantOutlier bool
	}{
		{"inside above", edge * 0.999, false},
		{"outside above", edge * 1.001, true},
		{"inside below", -edge * 0.999, false},
		{"outside below", -edge * 1.001, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Reading{ID: "next", Time: next, Value: last.Mean + tt.offset}
			estimates, err := Continue(p, last, []Reading{r})
			if err != nil {
				t.Fatal(err)
			}
			if got := estimates[0].Outlier; got != tt.wantOutlier {
				t.Errorf("Outlier = %v, want %v (gate ±%.3f)", got, tt.wantOutlier, edge)
			}
		})
	}
}

func TestLevelShiftRevisesPendingReadings(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	values := append(repeat(70, 60), repeat(110, 10)...)
	readings := evenReadings(time.Minute, values...)

	// Before the third shifted reading arrives, the first two are outliers.
	partial := mustSmooth(t, p, readings[:62])
	for _, e := range partial[60:62] {
		if !e.Outlier {
			t.Errorf("pending reading %s: Outlier = false before confirmation", e.ID)
		}
	}

	estimates := mustSmooth(t, p, readings)
	if got := estimates[60].Reset; got != ResetLevelShift {
		t.Errorf("first shifted reading: Reset = %q, want %q", got, ResetLevelShift)
	}
	for _, e := range estimates[60:] {
		if e.Outlier {
			t.Errorf("reading %s flagged after the level shift was confirmed", e.ID)
		}
		if math.Abs(e.Value-110) > 1e-9 {
			t.Errorf("reading %s: Value = %v, want 110", e.ID, e.Value)
		}
	}
	// Revisions keep the checkpoint from when the reading arrived.
	if pending := estimates[60].Checkpoint.Pending; len(pending) != 1 {
		t.Errorf("revised checkpoint has %d pending readings, want 1", len(pending))
	}
}

func TestArtefactPairDoesNotShiftLevel(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	estimates := mustSmooth(t, p, evenReadings(time.Minute, append(repeat(70, 60), 130, 135, 70, 70)...))
	for i, want := range map[int]bool{60: true, 61: true, 62: false, 63: false} {
		if estimates[i].Outlier != want {
			t.Errorf("reading %d: Outlier = %v, want %v", i, estimates[i].Outlier, want)
		}
	}
	if math.Abs(estimates[63].Value-70) > 0.5 {
		t.Errorf("estimate after the artefacts = %v, want about 70", estimates[63].Value)
	}
}

func TestLevelShiftMedianResistsOneArtefact(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	// Exercise starts; the first elevated reading is an artefact far above.
	estimates := mustSmooth(t, p, evenReadings(time.Minute, append(repeat(70, 60), 170, 105, 106, 107)...))
	if !estimates[60].Outlier {
		t.Error("artefact inside the level shift was not flagged in the re-run")
	}
	if got := estimates[63].Value; math.Abs(got-106) > 3 {
		t.Errorf("estimate after the shift = %v, want about 106", got)
	}
}

func TestOppositeSideRestartsRun(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	estimates := mustSmooth(t, p, evenReadings(time.Minute, append(repeat(70, 60), 130, 20, 130, 70)...))
	for i := 60; i < 63; i++ {
		if !estimates[i].Outlier {
			t.Errorf("reading %d: alternating outliers must not confirm a level shift", i)
		}
	}
}

func TestFirstReadingUsesWidePrior(t *testing.T) {
	t.Parallel()
	for _, series := range vitalsign.AllSeries() {
		p, err := ParamsFor(series)
		if err != nil {
			t.Fatal(err)
		}
		info := series.Info()
		for _, value := range []float64{info.Min, info.Max} {
			estimates := mustSmooth(t, p, []Reading{{ID: "a", Time: t0, Value: value}})
			e := estimates[0]
			if e.Outlier || e.Reset != ResetStart {
				t.Errorf("%s first reading %v: Outlier = %v, Reset = %q; want false, start", series, value, e.Outlier, e.Reset)
			}
			// The prior pulls the first estimate R/(P₀+R) of the way.
			if pull := math.Abs(e.Value - value); pull > 0.01*math.Abs(value-p.PriorMean)+1e-9 {
				t.Errorf("%s first reading %v: estimate %v is pulled %.3g towards the prior", series, value, e.Value, pull)
			}
		}
	}
}

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	for _, series := range vitalsign.AllSeries() {
		p, err := ParamsFor(series)
		if err != nil {
			t.Fatalf("ParamsFor(%q): %v", series, err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("ParamsFor(%q) invalid: %v", series, err)
		}
	}
	if _, err := ParamsFor("weight"); err == nil {
		t.Error("ParamsFor(weight) returned no error")
	}
	bad := Params{ProcessNoise: math.NaN(), MeasurementNoise: 0, GateSigma: -1, ShiftCount: 1, PriorMean: math.Inf(1)}
	if _, err := Smooth(bad, nil); err == nil {
		t.Error("Smooth accepted invalid parameters")
	}
}

func TestExtremeInputsStayFinite(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	values := []float64{
		70, math.MaxFloat64, -math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1),
		1e308, 1e308, 1e308, -1e308, -1e308, -1e308, 0, math.SmallestNonzeroFloat64, 70, 71,
	}
	var readings []Reading
	for i, v := range values {
		// Pairs of readings share an instant (Δt = 0); the last ones are
		// centuries apart.
		at := t0.Add(time.Duration(i/2) * time.Minute)
		if i >= len(values)-2 {
			at = time.Date(9000+i, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		readings = append(readings, Reading{ID: fmt.Sprintf("x%02d", i), Time: at, Value: v})
	}
	readings = append(readings, Reading{ID: "early", Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Value: 70})
	extreme := p
	extreme.ProcessNoise = math.MaxFloat64 / 2
	for _, params := range []Params{p, extreme} {
		for _, e := range mustSmooth(t, params, readings) {
			if !finite(e.Value) || !finite(e.Variance) || !finite(e.Gain) || !(e.Variance > 0) {
				t.Errorf("reading %s: Value %v, Variance %v, Gain %v; want finite, variance > 0", e.ID, e.Value, e.Variance, e.Gain)
			}
		}
	}
}

func TestNonFiniteReadingIsOutlier(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	estimates := mustSmooth(t, p, evenReadings(time.Minute, 70, math.NaN(), 70, math.Inf(1), math.Inf(1), math.Inf(1), 70))
	for _, i := range []int{1, 3, 4, 5} {
		if !estimates[i].Outlier {
			t.Errorf("reading %d (non-finite): Outlier = false", i)
		}
	}
	if estimates[6].Outlier || estimates[6].Reset != ResetNone {
		t.Errorf("reading after non-finite ones: Outlier %v, Reset %q", estimates[6].Outlier, estimates[6].Reset)
	}
}

func TestEarlierTimeCountsAsNoTime(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	s := InitialState(p)
	s.Started, s.Time, s.AnchorTime, s.Mean, s.Variance = true, t0, t0, 70, 5
	got, revised := step(p, s, Reading{ID: "b", Time: t0.Add(-time.Hour), Value: 70})
	if revised != nil || got.Variance >= 5 || got.Reset != ResetNone {
		t.Errorf("reading before the state: %+v, want an update with no added process noise", got)
	}
}

func TestSameInstantReadings(t *testing.T) {
	t.Parallel()
	p := heartRateParams(t)
	readings := []Reading{
		{ID: "b", Time: t0, Value: 72},
		{ID: "a", Time: t0, Value: 70},
		{ID: "c", Time: t0, Value: 74},
	}
	estimates := mustSmooth(t, p, readings)
	for i, want := range []string{"a", "b", "c"} {
		if estimates[i].ID != want {
			t.Errorf("estimate %d: ID %q, want %q (ties ordered by id)", i, estimates[i].ID, want)
		}
	}
	// With Δt = 0 the variance only shrinks: three readings of variance R.
	if got, want := estimates[2].Variance, p.MeasurementNoise/3; math.Abs(got-want) > 0.01 {
		t.Errorf("variance after three simultaneous readings = %v, want about %v", got, want)
	}
}

func finite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}

func TestPriorGateCoversPlausibleRange(t *testing.T) {
	t.Parallel()
	for _, series := range vitalsign.AllSeries() {
		p, _ := ParamsFor(series)
		info := series.Info()
		reach := p.GateSigma * math.Sqrt(p.PriorVariance+p.MeasurementNoise)
		if p.PriorMean-reach > info.Min || p.PriorMean+reach < info.Max {
			t.Errorf("%s: prior gate %.1f..%.1f does not cover the plausible range %v..%v",
				series, p.PriorMean-reach, p.PriorMean+reach, info.Min, info.Max)
		}
	}
}
