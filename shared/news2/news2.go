package news2

import "math"

// Parameter is one row of the NEWS2 chart.
type Parameter string

// The seven NEWS2 parameters, in chart order.
const (
	RespirationRate       Parameter = "respiration_rate"
	OxygenSaturation      Parameter = "oxygen_saturation"
	SupplementalOxygen    Parameter = "supplemental_oxygen"
	SystolicBloodPressure Parameter = "systolic_blood_pressure"
	Pulse                 Parameter = "pulse"
	Consciousness         Parameter = "consciousness"
	Temperature           Parameter = "temperature"
)

// Parameters returns the seven parameters in chart order.
func Parameters() []Parameter {
	return []Parameter{
		RespirationRate, OxygenSaturation, SupplementalOxygen,
		SystolicBloodPressure, Pulse, Consciousness, Temperature,
	}
}

// Measurement is an optional value: Available is false when there is none.
type Measurement struct {
	Value     float64
	Available bool
}

// Measured returns an available measurement of v.
func Measured(v float64) Measurement {
	return Measurement{Value: v, Available: true}
}

// Observations holds the parameters the app can measure, in the units of the
// chart. Consciousness and supplemental oxygen are absent on purpose.
type Observations struct {
	RespirationRate       Measurement // breaths/minute
	OxygenSaturation      Measurement // percent, scored on scale 1
	SystolicBloodPressure Measurement // mmHg
	Pulse                 Measurement // beats/minute
	Temperature           Measurement // degrees Celsius
}

// SubScore is the score of one parameter.
type SubScore struct {
	Parameter Parameter
	// Available is false when the parameter had no value; Score is then 0
	// and counts for nothing.
	Available bool
	// Score is 0 to 3.
	Score int
}

// Risk is the clinical risk band of an aggregate score.
type Risk string

// The NEWS2 clinical risk bands, lowest first.
const (
	RiskLow       Risk = "low"
	RiskLowMedium Risk = "low_medium"
	RiskMedium    Risk = "medium"
	RiskHigh      Risk = "high"
)

// Result is a NEWS2 score over the available parameters.
type Result struct {
	// SubScores lists all seven parameters in chart order, available or
	// not.
	SubScores []SubScore
	// Aggregate is the sum of the available sub-scores.
	Aggregate int
	// RedScore is true when any single parameter scored 3.
	RedScore bool
	// Risk is the band of Aggregate and RedScore.
	Risk Risk
	// Missing lists the parameters without a value, in chart order.
	Missing []Parameter
	// Complete is true only when all seven parameters were available.
	Complete bool
}

// Score scores every available observation and aggregates them. A value
// that is NaN or infinite counts as not available. Consciousness and
// supplemental oxygen are always missing.
func Score(o Observations) Result {
	scored := map[Parameter]struct {
		m     Measurement
		score func(float64) int
	}{
		RespirationRate:       {o.RespirationRate, RespirationRateScore},
		OxygenSaturation:      {o.OxygenSaturation, OxygenSaturationScale1Score},
		SystolicBloodPressure: {o.SystolicBloodPressure, SystolicBloodPressureScore},
		Pulse:                 {o.Pulse, PulseScore},
		Temperature:           {o.Temperature, TemperatureScore},
	}
	var result Result
	for _, parameter := range Parameters() {
		entry, measurable := scored[parameter]
		sub := SubScore{Parameter: parameter}
		if measurable && entry.m.Available && isFinite(entry.m.Value) {
			sub.Available = true
			sub.Score = entry.score(entry.m.Value)
		}
		result.add(sub)
	}
	result.Complete = len(result.Missing) == 0
	result.Risk = RiskFor(result.Aggregate, result.RedScore)
	return result
}

func (r *Result) add(sub SubScore) {
	r.SubScores = append(r.SubScores, sub)
	if !sub.Available {
		r.Missing = append(r.Missing, sub.Parameter)
		return
	}
	r.Aggregate += sub.Score
	r.RedScore = r.RedScore || sub.Score == 3
}

// RiskFor returns the risk band of an aggregate score, given whether any
// single parameter scored 3.
func RiskFor(aggregate int, redScore bool) Risk {
	switch {
	case aggregate >= 7:
		return RiskHigh
	case aggregate >= 5:
		return RiskMedium
	case redScore:
		return RiskLowMedium
	default:
		return RiskLow
	}
}

// RespirationRateScore scores a respiration rate in breaths/minute.
func RespirationRateScore(breathsPerMinute float64) int {
	switch v := math.Round(breathsPerMinute); {
	case v <= 8:
		return 3
	case v <= 11:
		return 1
	case v <= 20:
		return 0
	case v <= 24:
		return 2
	default:
		return 3
	}
}

// OxygenSaturationScale1Score scores an oxygen saturation in percent on
// SpO2 scale 1.
func OxygenSaturationScale1Score(percent float64) int {
	switch v := math.Round(percent); {
	case v <= 91:
		return 3
	case v <= 93:
		return 2
	case v <= 95:
		return 1
	default:
		return 0
	}
}

// SystolicBloodPressureScore scores a systolic blood pressure in mmHg.
func SystolicBloodPressureScore(mmHg float64) int {
	switch v := math.Round(mmHg); {
	case v <= 90:
		return 3
	case v <= 100:
		return 2
	case v <= 110:
		return 1
	case v <= 219:
		return 0
	default:
		return 3
	}
}

// PulseScore scores a pulse rate in beats/minute.
func PulseScore(beatsPerMinute float64) int {
	switch v := math.Round(beatsPerMinute); {
	case v <= 40:
		return 3
	case v <= 50:
		return 1
	case v <= 90:
		return 0
	case v <= 110:
		return 1
	case v <= 130:
		return 2
	default:
		return 3
	}
}

// TemperatureScore scores a body temperature in degrees Celsius. It rounds
// to whole tenths and compares those, so no value falls between two bands
// (such as between 35.0 and 35.1) and binary fractions cannot shift an edge.
func TemperatureScore(celsius float64) int {
	switch tenths := math.Round(celsius * 10); {
	case tenths <= 350:
		return 3
	case tenths <= 360:
		return 1
	case tenths <= 380:
		return 0
	case tenths <= 390:
		return 1
	default:
		return 2
	}
}

func isFinite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}
