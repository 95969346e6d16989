package vitalsign

import "slices"

// Series is one stream of scalar values that smoothing and scoring work on.
// It is also the key under which smoothed values are stored.
type Series string

// The series the product smooths. Blood pressure splits into two.
const (
	SeriesHeartRate        Series = "heart_rate"
	SeriesSystolic         Series = "systolic"
	SeriesDiastolic        Series = "diastolic"
	SeriesOxygenSaturation Series = "oxygen_saturation"
	SeriesBodyTemperature  Series = "body_temperature"
	SeriesRespiratoryRate  Series = "respiratory_rate"
)

// Unit is a UCUM unit: Code goes in Quantity.code, Display in Quantity.unit.
type Unit struct {
	Code    string
	Display string
}

// SeriesInfo describes a series: its code, canonical unit and plausible
// range.
type SeriesInfo struct {
	Series Series
	Kind   Kind
	// Label is a short English name for people, such as "Systolic blood
	// pressure"; error messages use it in lower case.
	Label string
	// LOINC is the code of the Observation, or of the component for the
	// blood pressure series.
	LOINC Coding
	// Unit is the canonical unit that values are stored and compared in.
	Unit Unit
	// AcceptedUnits lists every unit spelling that Canonicalize accepts for
	// this series, canonical code first.
	AcceptedUnits []string
	// Min and Max bound a plausible value, inclusive, in the canonical unit.
	Min, Max float64
}

// Plausible ranges, in canonical units. They are wide on purpose (see the
// package comment) and sized for adults measured at home. They are estimates
// chosen to catch slips and faults, not clinical thresholds.
var seriesTable = map[Series]SeriesInfo{
	SeriesHeartRate: {
		Series: SeriesHeartRate, Kind: HeartRate, Label: "Heart rate",
		LOINC:         Coding{"8867-4", "Heart rate"},
		Unit:          Unit{"/min", "beats/minute"},
		AcceptedUnits: []string{"/min", "1/min", "{beats}/min", "{beat}/min", "beats/min", "bpm"},
		// Below 20 /min or above 300 /min a wrist or finger sensor has lost
		// the pulse or counted noise.
		Min: 20, Max: 300,
	},
	SeriesSystolic: {
		Series: SeriesSystolic, Kind: BloodPressure, Label: "Systolic blood pressure",
		LOINC:         Coding{"8480-6", "Systolic blood pressure"},
		Unit:          Unit{"mm[Hg]", "mmHg"},
		AcceptedUnits: []string{"mm[Hg]", "mmHg"},
		// Below 40 mmHg a home cuff has failed to find a pulse; above
		// 300 mmHg is past the scale of common cuffs.
		Min: 40, Max: 300,
	},
	SeriesDiastolic: {
		Series: SeriesDiastolic, Kind: BloodPressure, Label: "Diastolic blood pressure",
		LOINC:         Coding{"8462-4", "Diastolic blood pressure"},
		Unit:          Unit{"mm[Hg]", "mmHg"},
		AcceptedUnits: []string{"mm[Hg]", "mmHg"},
		Min:           20, Max: 200,
	},
	SeriesOxygenSaturation: {
		Series: SeriesOxygenSaturation, Kind: OxygenSaturation, Label: "Oxygen saturation",
		LOINC:         Coding{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"},
		Unit:          Unit{"%", "%"},
		AcceptedUnits: []string{"%"},
		// Pulse oximeter accuracy is usually stated only down to 70 %. A
		// reading under 50 % from a person using an app at home is a sensor
		// fault, or a fraction such as 0.97 sent with a percent unit.
		Min: 50, Max: 100,
	},
	SeriesBodyTemperature: {
		Series: SeriesBodyTemperature, Kind: BodyTemperature, Label: "Body temperature",
		LOINC:         Coding{"8310-5", "Body temperature"},
		Unit:          Unit{"Cel", "°C"},
		AcceptedUnits: []string{"Cel", "°C", "[degF]", "°F"},
		// 25-45 °C spans deep hypothermia to lethal hyperthermia; values
		// outside it are ambient or Fahrenheit readings sent as Celsius.
		Min: 25, Max: 45,
	},
	SeriesRespiratoryRate: {
		Series: SeriesRespiratoryRate, Kind: RespiratoryRate, Label: "Respiratory rate",
		LOINC:         Coding{"9279-1", "Respiratory rate"},
		Unit:          Unit{"/min", "breaths/minute"},
		AcceptedUnits: []string{"/min", "1/min", "{breaths}/min", "{breath}/min", "breaths/min"},
		// Wearable and manual counts below 4 /min or above 80 /min are
		// counting errors rather than breathing.
		Min: 4, Max: 80,
	},
}

var seriesOrder = []Series{
	SeriesHeartRate, SeriesSystolic, SeriesDiastolic,
	SeriesOxygenSaturation, SeriesBodyTemperature, SeriesRespiratoryRate,
}

// AllSeries returns every series in a fixed order.
func AllSeries() []Series {
	return slices.Clone(seriesOrder)
}

// ParseSeries returns the series named s, or an error with code
// unknown_vital_series.
func ParseSeries(s string) (Series, error) {
	if !Series(s).Valid() {
		return "", newError(ErrUnknownSeries, CodeUnknownSeries, "",
			"Unknown vital sign series. Use heart_rate, systolic, diastolic, oxygen_saturation, body_temperature or respiratory_rate.")
	}
	return Series(s), nil
}

// Valid reports whether s is one of the series the product smooths.
func (s Series) Valid() bool {
	_, ok := seriesTable[s]
	return ok
}

// Info returns the description of s; it is the zero SeriesInfo when s is not
// valid.
func (s Series) Info() SeriesInfo {
	info := seriesTable[s]
	info.AcceptedUnits = slices.Clone(info.AcceptedUnits)
	return info
}

// Kind returns the kind that s belongs to, or "" when s is not valid.
func (s Series) Kind() Kind {
	return seriesTable[s].Kind
}

// Unit returns the canonical unit of s.
func (s Series) Unit() Unit {
	return seriesTable[s].Unit
}
