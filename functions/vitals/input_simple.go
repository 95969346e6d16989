package vitals

import (
	"fmt"
	"time"

	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// simpleRequest is the plain JSON form of a POST.
type simpleRequest struct {
	Readings []simpleReading `json:"readings"`
}

type simpleReading struct {
	Type        string   `json:"type"`
	Value       *float64 `json:"value"`
	Systolic    *float64 `json:"systolic"`
	Diastolic   *float64 `json:"diastolic"`
	Unit        string   `json:"unit"`
	EffectiveAt string   `json:"effectiveAt"`
	Source      string   `json:"source"`
}

// fromSimple validates each reading of the plain JSON form.
func fromSimple(req simpleRequest, now time.Time) []candidate {
	out := make([]candidate, len(req.Readings))
	for i, in := range req.Readings {
		out[i] = candidate{index: i}
		kind, err := vitalsign.ParseKind(in.Type)
		if err != nil {
			out[i].rejection = fromVitalError(err)
			continue
		}
		values, rej := simpleValues(kind, in)
		if rej != nil {
			out[i].rejection = rej
			continue
		}
		out[i].reading, out[i].rejection = normalize(kind, values, in.EffectiveAt, in.Source, now)
	}
	return out
}

// simpleValues maps value or systolic/diastolic onto the kind's series and
// rejects fields that do not belong to the kind.
func simpleValues(kind vitalsign.Kind, in simpleReading) (map[vitalsign.Series]rawValue, *rejection) {
	if kind == vitalsign.BloodPressure {
		if in.Value != nil {
			return nil, reject("unexpected_value", "A blood pressure reading takes systolic and diastolic, not value.")
		}
		return map[vitalsign.Series]rawValue{
			vitalsign.SeriesSystolic:  {in.Systolic, in.Unit},
			vitalsign.SeriesDiastolic: {in.Diastolic, in.Unit},
		}, nil
	}
	if in.Systolic != nil || in.Diastolic != nil {
		return nil, reject("unexpected_value", fmt.Sprintf("A %s reading takes value, not systolic or diastolic.", kind.Info().Label))
	}
	return map[vitalsign.Series]rawValue{kind.Series()[0]: {in.Value, in.Unit}}, nil
}

// candidate is one incoming reading: valid, or rejected with a reason.
type candidate struct {
	index     int
	reading   vitalobs.Reading
	rejection *rejection
}
