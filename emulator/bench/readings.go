package main

import (
	"encoding/json"
	"time"

	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// readingSource names the benchmark as the device of every reading.
const readingSource = "ihep-bench"

// simpleReading is one reading in the vitals function's plain JSON form.
type simpleReading struct {
	Type        string   `json:"type"`
	Value       *float64 `json:"value,omitempty"`
	Systolic    *float64 `json:"systolic,omitempty"`
	Diastolic   *float64 `json:"diastolic,omitempty"`
	EffectiveAt string   `json:"effectiveAt"`
	Source      string   `json:"source"`
}

// readingClock hands out distinct instants a second apart, so that no two
// heart-rate readings of a run share one (which would make the second a
// duplicate of the first).
type readingClock struct {
	next time.Time
}

// newReadingClock starts a day back, which leaves room for 86,400 readings
// before the vitals function would reject one as being in the future.
func newReadingClock() *readingClock {
	return &readingClock{next: time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)}
}

// heartRates returns n heart-rate readings at the clock's next instants.
func (c *readingClock) heartRates(n int) []simpleReading {
	out := make([]simpleReading, n)
	for i := range out {
		value := float64(60 + c.next.Unix()%40)
		out[i] = simpleReading{Type: string(vitalsign.HeartRate), Value: &value, EffectiveAt: c.next.Format(time.RFC3339), Source: readingSource}
		c.next = c.next.Add(time.Second)
	}
	return out
}

// simpleBody returns the body of a POST /vitals.
func simpleBody(readings []simpleReading) []byte {
	body, _ := json.Marshal(map[string]any{"readings": readings})
	return body
}

// transactionBody returns the transaction Bundle that the vitals function
// sends to the FHIR store for the same heart-rate readings: one
// conditional create per reading, built by the same code.
func transactionBody(patientID string, readings []simpleReading) (json.RawMessage, error) {
	entries := make([]map[string]any, len(readings))
	for i, in := range readings {
		at, err := time.Parse(time.RFC3339, in.EffectiveAt)
		if err != nil {
			return nil, err
		}
		reading := vitalobs.Reading{
			Kind:        vitalsign.HeartRate,
			Values:      map[vitalsign.Series]float64{vitalsign.SeriesHeartRate: *in.Value},
			EffectiveAt: at,
			Effective:   in.EffectiveAt,
			Source:      in.Source,
		}
		entries[i] = map[string]any{
			"resource": reading.Observation(patientID),
			"request":  map[string]string{"method": "POST", "url": "Observation", "ifNoneExist": reading.IfNoneExist(patientID)},
		}
	}
	return json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
}
