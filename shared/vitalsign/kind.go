package vitalsign

import "slices"

// Coding system URIs used in FHIR Observation.code and Quantity.system.
const (
	LOINCSystem = "http://loinc.org"
	UCUMSystem  = "http://unitsofmeasure.org"
)

// Kind is a vital sign as posted in one FHIR Observation.
type Kind string

// The kinds the product accepts. The string values appear in the API.
const (
	HeartRate        Kind = "heart_rate"
	BloodPressure    Kind = "blood_pressure"
	OxygenSaturation Kind = "oxygen_saturation"
	BodyTemperature  Kind = "body_temperature"
	RespiratoryRate  Kind = "respiratory_rate"
)

// Coding is one LOINC code with its display text.
type Coding struct {
	Code    string
	Display string
}

// KindInfo describes a kind: its label, its LOINC codes and the series it
// splits into.
type KindInfo struct {
	Kind Kind
	// Label is a short English name for people, such as "Blood pressure".
	Label string
	// LOINC is the code IHEP writes in Observation.code.
	LOINC Coding
	// AlternativeLOINC lists further codes accepted on input for the same
	// kind; IHEP never writes them.
	AlternativeLOINC []Coding
	// Series lists the series the kind splits into, in component order.
	Series []Series
}

var kindTable = []KindInfo{
	{
		Kind:   HeartRate,
		Label:  "Heart rate",
		LOINC:  Coding{"8867-4", "Heart rate"},
		Series: []Series{SeriesHeartRate},
	},
	{
		Kind:   BloodPressure,
		Label:  "Blood pressure",
		LOINC:  Coding{"85354-9", "Blood pressure panel with all children optional"},
		Series: []Series{SeriesSystolic, SeriesDiastolic},
	},
	{
		Kind:  OxygenSaturation,
		Label: "Oxygen saturation",
		LOINC: Coding{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"},
		// The FHIR R4 oxygen saturation profile pairs 59408-5 with 2708-6,
		// and some clients send 2708-6 alone.
		AlternativeLOINC: []Coding{{"2708-6", "Oxygen saturation in Arterial blood"}},
		Series:           []Series{SeriesOxygenSaturation},
	},
	{
		Kind:   BodyTemperature,
		Label:  "Body temperature",
		LOINC:  Coding{"8310-5", "Body temperature"},
		Series: []Series{SeriesBodyTemperature},
	},
	{
		Kind:   RespiratoryRate,
		Label:  "Respiratory rate",
		LOINC:  Coding{"9279-1", "Respiratory rate"},
		Series: []Series{SeriesRespiratoryRate},
	},
}

// Kinds returns every kind in a fixed order.
func Kinds() []Kind {
	kinds := make([]Kind, len(kindTable))
	for i, info := range kindTable {
		kinds[i] = info.Kind
	}
	return kinds
}

// ParseKind returns the kind named s, or an error with code
// unknown_vital_kind.
func ParseKind(s string) (Kind, error) {
	if _, ok := lookupKind(Kind(s)); !ok {
		return "", newError(ErrUnknownKind, CodeUnknownKind, "",
			"Unknown vital sign kind. Use heart_rate, blood_pressure, oxygen_saturation, body_temperature or respiratory_rate.")
	}
	return Kind(s), nil
}

// Valid reports whether k is one of the kinds the product accepts.
func (k Kind) Valid() bool {
	_, ok := lookupKind(k)
	return ok
}

// Info returns the description of k; it is the zero KindInfo when k is not
// valid.
func (k Kind) Info() KindInfo {
	info, _ := lookupKind(k)
	info.AlternativeLOINC = slices.Clone(info.AlternativeLOINC)
	info.Series = slices.Clone(info.Series)
	return info
}

// Series returns the series that k splits into, or nil when k is not valid.
func (k Kind) Series() []Series {
	return k.Info().Series
}

// KindForLOINC returns the kind whose Observation code is code, accepting the
// alternative codes as well. An unknown code returns an error with code
// unknown_loinc_code. Component codes (systolic, diastolic) are not
// Observation codes here: look them up with [SeriesForComponentLOINC].
func KindForLOINC(code string) (Kind, error) {
	for _, info := range kindTable {
		if info.LOINC.Code == code {
			return info.Kind, nil
		}
		for _, alt := range info.AlternativeLOINC {
			if alt.Code == code {
				return info.Kind, nil
			}
		}
	}
	return "", newError(ErrUnknownCode, CodeUnknownCode, "",
		"Unknown LOINC code for a vital sign. Use 8867-4, 85354-9, 59408-5, 2708-6, 8310-5 or 9279-1.")
}

// SeriesForComponentLOINC returns the blood pressure series whose component
// code is code (8480-6 systolic, 8462-4 diastolic). Any other code returns an
// error with code unknown_loinc_code.
func SeriesForComponentLOINC(code string) (Series, error) {
	for _, series := range BloodPressure.Series() {
		if seriesTable[series].LOINC.Code == code {
			return series, nil
		}
	}
	return "", newError(ErrUnknownCode, CodeUnknownCode, "",
		"Unknown blood pressure component code. Use 8480-6 for systolic and 8462-4 for diastolic.")
}

func lookupKind(k Kind) (KindInfo, bool) {
	for _, info := range kindTable {
		if info.Kind == k {
			return info, true
		}
	}
	return KindInfo{}, false
}
