package news2

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bandEdge is a value and the score the chart gives it. The tables list both
// sides of every threshold, plus rounding cases just inside each side.
type bandEdge struct {
	value float64
	want  int
}

func checkEdges(t *testing.T, score func(float64) int, edges []bandEdge) {
	t.Helper()
	for _, e := range edges {
		t.Run(fmt.Sprint(e.value), func(t *testing.T) {
			t.Parallel()
			if got := score(e.value); got != e.want {
				t.Errorf("score(%v) = %d, want %d", e.value, got, e.want)
			}
		})
	}
}

func TestRespirationRateScore(t *testing.T) {
	t.Parallel()
	checkEdges(t, RespirationRateScore, []bandEdge{
		{4, 3}, {8, 3}, {8.49, 3}, {8.5, 1}, {9, 1},
		{11, 1}, {11.49, 1}, {11.5, 0}, {12, 0},
		{20, 0}, {20.49, 0}, {20.5, 2}, {21, 2},
		{24, 2}, {24.49, 2}, {24.5, 3}, {25, 3}, {60, 3},
	})
}

func TestOxygenSaturationScale1Score(t *testing.T) {
	t.Parallel()
	checkEdges(t, OxygenSaturationScale1Score, []bandEdge{
		{70, 3}, {91, 3}, {91.49, 3}, {91.5, 2}, {92, 2},
		{93, 2}, {93.49, 2}, {93.5, 1}, {94, 1},
		{95, 1}, {95.49, 1}, {95.5, 0}, {96, 0}, {100, 0},
	})
}

func TestSystolicBloodPressureScore(t *testing.T) {
	t.Parallel()
	checkEdges(t, SystolicBloodPressureScore, []bandEdge{
		{60, 3}, {90, 3}, {90.49, 3}, {90.5, 2}, {91, 2},
		{100, 2}, {100.49, 2}, {100.5, 1}, {101, 1},
		{110, 1}, {110.49, 1}, {110.5, 0}, {111, 0},
		{219, 0}, {219.49, 0}, {219.5, 3}, {220, 3}, {260, 3},
	})
}

func TestPulseScore(t *testing.T) {
	t.Parallel()
	checkEdges(t, PulseScore, []bandEdge{
		{30, 3}, {40, 3}, {40.49, 3}, {40.5, 1}, {41, 1},
		{50, 1}, {50.49, 1}, {50.5, 0}, {51, 0},
		{90, 0}, {90.4, 0}, {90.5, 1}, {91, 1},
		{110, 1}, {110.49, 1}, {110.5, 2}, {111, 2},
		{130, 2}, {130.49, 2}, {130.5, 3}, {131, 3}, {200, 3},
	})
}

func TestTemperatureScore(t *testing.T) {
	t.Parallel()
	checkEdges(t, TemperatureScore, []bandEdge{
		{33, 3}, {35.0, 3}, {35.04, 3}, {35.06, 1}, {35.1, 1},
		{36.0, 1}, {36.04, 1}, {36.06, 0}, {36.1, 0},
		{38.0, 0}, {38.04, 0}, {38.06, 1}, {38.1, 1},
		{39.0, 1}, {39.04, 1}, {39.06, 2}, {39.1, 2}, {41, 2},
	})
}

func TestRiskFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		aggregate int
		red       bool
		want      Risk
	}{
		{0, false, RiskLow},
		{4, false, RiskLow},
		{3, true, RiskLowMedium},
		{4, true, RiskLowMedium},
		{5, false, RiskMedium},
		{5, true, RiskMedium},
		{6, true, RiskMedium},
		{7, false, RiskHigh},
		{7, true, RiskHigh},
		{15, true, RiskHigh},
	}
	for _, tt := range tests {
		if got := RiskFor(tt.aggregate, tt.red); got != tt.want {
			t.Errorf("RiskFor(%d, %v) = %q, want %q", tt.aggregate, tt.red, got, tt.want)
		}
	}
}

func TestScoreReportsUnmeasuredParameters(t *testing.T) {
	t.Parallel()
	got := Score(Observations{
		RespirationRate:       Measured(16),
		OxygenSaturation:      Measured(97),
		SystolicBloodPressure: Measured(120),
		Pulse:                 Measured(70),
		Temperature:           Measured(36.8),
	})
	want := Result{
		SubScores: []SubScore{
			{RespirationRate, true, 0},
			{OxygenSaturation, true, 0},
			{SupplementalOxygen, false, 0},
			{SystolicBloodPressure, true, 0},
			{Pulse, true, 0},
			{Consciousness, false, 0},
			{Temperature, true, 0},
		},
		Risk:    RiskLow,
		Missing: []Parameter{SupplementalOxygen, Consciousness},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Score mismatch (-want +got):\n%s", diff)
	}
}

func TestScoreAggregatesAvailableOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		observations  Observations
		wantAggregate int
		wantRed       bool
		wantRisk      Risk
		wantMissing   int
	}{
		{"nothing measured", Observations{}, 0, false, RiskLow, 7},
		{"one red score", Observations{Pulse: Measured(135)}, 3, true, RiskLowMedium, 6},
		{"medium", Observations{
			RespirationRate: Measured(22), Pulse: Measured(112), Temperature: Measured(38.5),
		}, 5, false, RiskMedium, 4},
		{"high", Observations{
			RespirationRate: Measured(26), OxygenSaturation: Measured(93),
			SystolicBloodPressure: Measured(105), Pulse: Measured(95),
		}, 7, true, RiskHigh, 3},
		{"NaN is missing", Observations{Pulse: Measured(math.NaN()), Temperature: Measured(math.Inf(1))}, 0, false, RiskLow, 7},
		{"unavailable value ignored", Observations{Pulse: Measurement{Value: 20}}, 0, false, RiskLow, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Score(tt.observations)
			if got.Aggregate != tt.wantAggregate {
				t.Errorf("Aggregate = %d, want %d", got.Aggregate, tt.wantAggregate)
			}
			if got.RedScore != tt.wantRed {
				t.Errorf("RedScore = %v, want %v", got.RedScore, tt.wantRed)
			}
			if got.Risk != tt.wantRisk {
				t.Errorf("Risk = %q, want %q", got.Risk, tt.wantRisk)
			}
			if len(got.Missing) != tt.wantMissing {
				t.Errorf("Missing = %v, want %d parameters", got.Missing, tt.wantMissing)
			}
			if got.Complete {
				t.Error("Complete = true without consciousness and oxygen")
			}
		})
	}
}
