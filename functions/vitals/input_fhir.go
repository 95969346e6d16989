package vitals

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// fhirSource names readings imported as FHIR without a device.
const fhirSource = "fhir-import"

// acceptedStatuses are the Observation statuses that carry a usable value.
var acceptedStatuses = map[string]bool{"final": true, "amended": true, "corrected": true, "preliminary": true}

type fhirBundle struct {
	ResourceType string `json:"resourceType"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

// fromFHIR validates an Observation or a Bundle of Observations. A body that
// is neither is a request error; a bad entry is a per-reading rejection.
func fromFHIR(data []byte, patientID string, now time.Time) ([]candidate, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, badRequest("invalid_json", "The request body is not valid FHIR JSON.")
	}
	switch head.ResourceType {
	case "Observation":
		return []candidate{fromObservation(0, data, patientID, now)}, nil
	case "Bundle":
		var bundle fhirBundle
		if err := json.Unmarshal(data, &bundle); err != nil {
			return nil, badRequest("invalid_bundle", "The Bundle could not be read.")
		}
		if len(bundle.Entry) > MaxReadings {
			return nil, tooManyReadings()
		}
		out := make([]candidate, len(bundle.Entry))
		for i, entry := range bundle.Entry {
			out[i] = fromObservation(i, entry.Resource, patientID, now)
		}
		return out, nil
	default:
		return nil, badRequest("unsupported_resource", "Send an Observation or a Bundle of Observations.")
	}
}

func fromObservation(index int, data json.RawMessage, patientID string, now time.Time) candidate {
	c := candidate{index: index}
	obs, err := vitalobs.Decode(data)
	if err != nil || obs.ResourceType != "Observation" {
		c.rejection = reject("unsupported_resource", "This entry is not an Observation.")
		return c
	}
	if !acceptedStatuses[obs.Status] {
		c.rejection = reject("invalid_status", "The Observation status must be final, amended, corrected or preliminary.")
		return c
	}
	if obs.Subject != nil && obs.Subject.Reference != "Patient/"+patientID {
		c.rejection = reject("subject_mismatch", "The Observation's subject must be your own Patient or absent.")
		return c
	}
	kind, err := vitalobs.KindOf(&obs.Code)
	if err != nil {
		c.rejection = fromVitalError(err)
		return c
	}
	values, rej := fhirValues(kind, obs)
	if rej != nil {
		c.rejection = rej
		return c
	}
	c.reading, c.rejection = normalize(kind, values, effectiveOf(obs), sourceOf(obs), now)
	return c
}

func fhirValues(kind vitalsign.Kind, obs *vitalobs.Observation) (map[vitalsign.Series]rawValue, *rejection) {
	values := map[vitalsign.Series]rawValue{}
	series := kind.Series()
	if len(series) == 1 {
		values[series[0]] = quantityValue(obs.ValueQuantity)
		return values, nil
	}
	for i := range obs.Component {
		component := &obs.Component[i]
		for _, coding := range component.Code.Coding {
			if coding.System != vitalsign.LOINCSystem {
				continue
			}
			if s, err := vitalsign.SeriesForComponentLOINC(coding.Code); err == nil {
				values[s] = quantityValue(component.ValueQuantity)
			}
		}
	}
	if len(values) != len(series) {
		return nil, reject("value_required", fmt.Sprintf("A %s Observation needs systolic (8480-6) and diastolic (8462-4) components.", kind.Info().Label))
	}
	return values, nil
}

func quantityValue(q *vitalobs.Quantity) rawValue {
	if q == nil {
		return rawValue{}
	}
	unit := q.Code
	if unit == "" || q.System != vitalsign.UCUMSystem {
		unit = q.Unit
	}
	return rawValue{value: q.Value, unit: unit}
}

// effectiveOf returns the instant of an Observation; a period counts by its
// start. A date without a time fails the later RFC 3339 check.
func effectiveOf(obs *vitalobs.Observation) string {
	switch {
	case obs.EffectiveDateTime != "":
		return obs.EffectiveDateTime
	case obs.EffectiveInstant != "":
		return obs.EffectiveInstant
	case obs.EffectivePeriod != nil:
		return obs.EffectivePeriod.Start
	}
	return ""
}

func sourceOf(obs *vitalobs.Observation) string {
	switch {
	case obs.Device != nil && obs.Device.Display != "":
		return obs.Device.Display
	case obs.Device != nil && obs.Device.Reference != "":
		return obs.Device.Reference
	case obs.Meta != nil && obs.Meta.Source != "":
		return obs.Meta.Source
	}
	return fhirSource
}

func tooManyReadings() error {
	return badRequest("too_many_readings", fmt.Sprintf("Send at most %d readings per request.", MaxReadings))
}
