package twinscore

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ihep/backend/shared/news2"
	"github.com/ihep/backend/shared/vitalsign"
)

// Latest is the latest smoothed value of one series.
type Latest struct {
	// Value is the smoothed value in the canonical unit of the series.
	Value float64
	// ReadingTime is the instant of the latest reading behind Value.
	ReadingTime time.Time
}

// Input is the data the score is computed from.
type Input struct {
	Now time.Time
	// Latest holds an entry per series that has ever been measured; a
	// series without one is missing.
	Latest map[vitalsign.Series]Latest
}

// Band is the coarse reading of the health score.
type Band string

// The bands; BandUnknown means no vital was usable.
const (
	BandGood     Band = "good"
	BandModerate Band = "moderate"
	BandPoor     Band = "poor"
	BandUnknown  Band = "unknown"
)

// Vital is the assessment of one series.
type Vital struct {
	Series    vitalsign.Series
	Freshness Freshness
	// Measured is false when the series has no reading at all.
	Measured bool
	// Age is the time since the latest reading, 0 when not Measured.
	Age time.Duration
	// Parameter is the NEWS2 parameter the series is scored as; it is
	// empty for the diastolic series.
	Parameter news2.Parameter
	// Scored is true when the series counts in the score: a NEWS2
	// parameter that is fresh or stale.
	Scored bool
	// SubScore is the NEWS2 sub-score, 0 to 3, when Scored.
	SubScore int
	// Contribution is the number of points this vital took from 100.
	Contribution float64
}

// Result is the digital twin's health score.
type Result struct {
	// HealthScore is 0 to 100; it is 0 and meaningless when Band is
	// BandUnknown.
	HealthScore int
	Band        Band
	// Confidence is 0 to 1: the share of the five scored parameters that is
	// known, counting stale ones half.
	Confidence float64
	// Vitals lists every series in vitalsign.AllSeries order.
	Vitals []Vital
	// NEWS2 is the NEWS2 result over the usable vitals.
	NEWS2 news2.Result
}

var parameterOf = map[vitalsign.Series]news2.Parameter{
	vitalsign.SeriesRespiratoryRate:  news2.RespirationRate,
	vitalsign.SeriesOxygenSaturation: news2.OxygenSaturation,
	vitalsign.SeriesSystolic:         news2.SystolicBloodPressure,
	vitalsign.SeriesHeartRate:        news2.Pulse,
	vitalsign.SeriesBodyTemperature:  news2.Temperature,
}

// Compute scores in. It returns an error only for a zero Now or a series
// that package vitalsign does not know.
func Compute(in Input) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, err
	}
	vitals := assess(in)
	block := news2.Score(observations(in, vitals))
	for i := range vitals {
		if vitals[i].Scored {
			vitals[i].SubScore = subScore(block, vitals[i].Parameter)
		}
	}
	result := Result{Vitals: vitals, NEWS2: block, Confidence: confidence(vitals)}
	result.HealthScore, result.Band = healthScore(vitals)
	return result, nil
}

func (in Input) validate() error {
	var problems []error
	if in.Now.IsZero() {
		problems = append(problems, errors.New("now must be set"))
	}
	for series := range in.Latest {
		if !series.Valid() {
			problems = append(problems, fmt.Errorf("unknown series %q", series))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("invalid health score input: %w", err)
	}
	return nil
}

// assess classifies every series by freshness.
func assess(in Input) []Vital {
	var vitals []Vital
	for _, series := range vitalsign.AllSeries() {
		v := Vital{Series: series, Freshness: Missing, Parameter: parameterOf[series]}
		if latest, ok := in.Latest[series]; ok {
			v.Measured = true
			v.Age = max(0, in.Now.Sub(latest.ReadingTime))
			if !math.IsNaN(latest.Value) && !math.IsInf(latest.Value, 0) {
				v.Freshness = classify(series, v.Age)
			}
		}
		v.Scored = v.Parameter != "" && v.Freshness != Missing
		vitals = append(vitals, v)
	}
	return vitals
}

// observations passes the scored vitals, and only those, to NEWS2.
func observations(in Input, vitals []Vital) news2.Observations {
	var o news2.Observations
	fields := map[news2.Parameter]*news2.Measurement{
		news2.RespirationRate:       &o.RespirationRate,
		news2.OxygenSaturation:      &o.OxygenSaturation,
		news2.SystolicBloodPressure: &o.SystolicBloodPressure,
		news2.Pulse:                 &o.Pulse,
		news2.Temperature:           &o.Temperature,
	}
	for _, v := range vitals {
		if v.Scored {
			*fields[v.Parameter] = news2.Measured(in.Latest[v.Series].Value)
		}
	}
	return o
}

func subScore(block news2.Result, parameter news2.Parameter) int {
	for _, sub := range block.SubScores {
		if sub.Parameter == parameter {
			return sub.Score
		}
	}
	return 0
}

// confidence counts each of the five scorable parameters by its freshness.
func confidence(vitals []Vital) float64 {
	var weight float64
	for _, v := range vitals {
		if v.Parameter != "" {
			weight += v.Freshness.confidenceWeight()
		}
	}
	return weight / float64(len(parameterOf))
}

// healthScore applies the formula of the package comment and fills in each
// vital's contribution.
func healthScore(vitals []Vital) (int, Band) {
	aggregate, reds, scored := 0, 0, 0
	for _, v := range vitals {
		if v.Scored {
			scored++
			aggregate += v.SubScore
			if v.SubScore == 3 {
				reds++
			}
		}
	}
	if scored == 0 {
		return 0, BandUnknown
	}
	deduction := 5 * aggregate
	if reds > 0 {
		deduction += 10
	}
	if aggregate >= 7 {
		deduction += 20
	}
	for i := range vitals {
		vitals[i].Contribution = contribution(vitals[i], aggregate, reds)
	}
	score := max(0, 100-deduction)
	return score, bandOf(score)
}

func contribution(v Vital, aggregate, reds int) float64 {
	if !v.Scored {
		return 0
	}
	points := 5 * float64(v.SubScore)
	if v.SubScore == 3 {
		points += 10 / float64(reds)
	}
	if aggregate >= 7 {
		points += 20 * float64(v.SubScore) / float64(aggregate)
	}
	return points
}

func bandOf(score int) Band {
	switch {
	case score >= 80:
		return BandGood
	case score >= 50:
		return BandModerate
	default:
		return BandPoor
	}
}
