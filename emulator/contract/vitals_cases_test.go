package contract

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

func vitalsCases() []apiCase {
	const fhirJSON = "application/fhir+json"
	post, get := http.MethodPost, http.MethodGet
	heartRate := func(value any, at string) map[string]any {
		return map[string]any{"type": "heart_rate", "value": value, "effectiveAt": at, "source": "contract-watch"}
	}
	readings := map[string]any{"readings": []any{
		heartRate(72, "{recent}"),
		map[string]any{"type": "blood_pressure", "systolic": 118, "diastolic": 76, "unit": "mm[Hg]", "effectiveAt": "{earlier}", "source": "contract-cuff"},
		map[string]any{"type": "body_temperature", "value": 98.4, "unit": "[degF]", "effectiveAt": "{recent}"},
	}}
	// Every reading breaks one rule, so the request stores nothing.
	rejected := map[string]any{"readings": []any{
		map[string]any{"type": "glucose", "value": 5, "effectiveAt": "{recent}"},
		heartRate(500, "{recent}"),
		heartRate(-1, "{recent}"),
		map[string]any{"type": "heart_rate", "value": 60, "unit": "mmHg", "effectiveAt": "{recent}"},
		map[string]any{"type": "heart_rate", "effectiveAt": "{recent}"},
		map[string]any{"type": "heart_rate", "value": 60, "systolic": 120, "effectiveAt": "{recent}"},
		map[string]any{"type": "blood_pressure", "systolic": 80, "diastolic": 90, "effectiveAt": "{recent}"},
		map[string]any{"type": "heart_rate", "value": 60},
		heartRate(60, "yesterday"),
		heartRate(60, "{future}"),
		map[string]any{"type": "heart_rate", "value": 60, "effectiveAt": "{recent}", "source": strings.Repeat("s", 129)},
	}}
	observation := func(code string, value float64, unit, at string) map[string]any {
		return map[string]any{
			"resourceType": "Observation", "status": "final",
			"code":              map[string]any{"coding": []any{map[string]any{"system": vitalsign.LOINCSystem, "code": code}}},
			"effectiveDateTime": at,
			"valueQuantity":     map[string]any{"value": value, "system": vitalsign.UCUMSystem, "code": unit},
		}
	}
	bundle := map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{
		map[string]any{"resource": observation("59408-5", 97, "%", "{earlier}")},
		map[string]any{"resource": observation("1234-5", 1, "%", "{earlier}")},
		map[string]any{"resource": map[string]any{"resourceType": "Observation", "status": "draft"}},
		map[string]any{"resource": map[string]any{"resourceType": "Patient"}},
		map[string]any{"resource": withSubject(observation("8867-4", 60, "/min", "{earlier}"), "Patient/someone-else")},
	}}
	tooMany := map[string]any{"readings": make([]any, 501)}
	for i := range 501 {
		tooMany["readings"].([]any)[i] = heartRate(60, "{recent}")
	}
	tooLarge := `{"readings":[{"type":"heart_rate","source":"` + strings.Repeat("s", 256<<10) + `"}]}`
	tooLargeFHIR := `{"resourceType":"Observation","note":"` + strings.Repeat("n", 4<<20) + `"}`

	return []apiCase{
		{name: "record", method: post, target: "/vitals", auth: tokenPatient, body: readings, status: 201, after: smoothFirstResult},
		{name: "record again", method: post, target: "/vitals", auth: tokenPatient, body: readings, status: 200, after: wantResultStatus("duplicate")},
		{name: "record changed value", method: post, target: "/vitals", auth: tokenPatient, body: map[string]any{"readings": []any{heartRate(99, "{recent}")}}, status: 422, after: wantResultCode("conflicting_duplicate")},
		{name: "record FHIR Observation", method: post, target: "/vitals", auth: tokenPatient, contentType: fhirJSON, body: observation("9279-1", 16, "/min", "{recent}"), status: 201},
		{name: "record FHIR Bundle partly", method: post, target: "/vitals", auth: tokenPatient, contentType: fhirJSON, body: bundle, status: 207},
		{name: "record all rejected", method: post, target: "/vitals", auth: tokenPatient, body: rejected, status: 422, after: wantResultStatus("rejected")},
		{name: "record empty body", method: post, target: "/vitals", auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "record invalid JSON", method: post, target: "/vitals", auth: tokenPatient, body: `{"readings":[`, status: 400, code: "invalid_json", docRejects: true},
		{name: "record invalid FHIR JSON", method: post, target: "/vitals", auth: tokenPatient, contentType: fhirJSON, body: "not json", status: 400, code: "invalid_json", docRejects: true},
		{name: "record wrong type", method: post, target: "/vitals", auth: tokenPatient, body: `{"readings":5}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "record unknown field", method: post, target: "/vitals", auth: tokenPatient, body: `{"readings":[],"patientId":"p1"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "record no readings", method: post, target: "/vitals", auth: tokenPatient, body: `{"readings":[]}`, status: 400, code: "no_readings", docRejects: true},
		{name: "record too many readings", method: post, target: "/vitals", auth: tokenPatient, body: tooMany, status: 400, code: "too_many_readings", docRejects: true},
		{name: "record invalid Bundle", method: post, target: "/vitals", auth: tokenPatient, contentType: fhirJSON, body: `{"resourceType":"Bundle","entry":5}`, status: 400, code: "invalid_bundle"},
		{name: "record other resource", method: post, target: "/vitals", auth: tokenPatient, contentType: fhirJSON, body: `{"resourceType":"Patient"}`, status: 400, code: "unsupported_resource", docRejects: true},
		{name: "record too large", method: post, target: "/vitals", auth: tokenPatient, body: tooLarge, status: 413, code: "body_too_large"},
		{name: "record FHIR too large", method: post, target: "/vitals", auth: tokenPatient, contentType: fhirJSON, body: tooLargeFHIR, status: 413, code: "body_too_large"},
		{name: "record not JSON", method: post, target: "/vitals", auth: tokenPatient, contentType: "text/csv", body: "heart_rate,72", status: 415, code: "unsupported_media_type"},

		{name: "list", method: get, target: "/vitals", auth: tokenPatient, status: 200, after: wantItems("readings", 5)},
		{name: "list first page", method: get, target: "/vitals?limit=1", auth: tokenPatient, status: 200, save: map[string]string{"nextCursor": "cursor"}},
		{name: "list next page", method: get, target: "/vitals?limit=1&cursor={cursor}", auth: tokenPatient, status: 200, after: wantItems("readings", 1)},
		{name: "list filtered", method: get, target: "/vitals?type=blood_pressure&from={dayAgo}&to={tomorrow}", auth: tokenPatient, status: 200, after: wantItems("readings", 1)},
		{name: "list empty", method: get, target: "/vitals", auth: tokenEmpty, status: 200, after: wantItems("readings", 0)},
		{name: "list bad encoding", method: get, target: "/vitals?type=%zz", auth: tokenPatient, status: 400, code: "invalid_query"},
		{name: "list unknown parameter", method: get, target: "/vitals?patient=p1", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "list repeated parameter", method: get, target: "/vitals?limit=1&limit=2", auth: tokenPatient, status: 400, code: "repeated_parameter"},
		{name: "list unknown type", method: get, target: "/vitals?type=glucose", auth: tokenPatient, status: 400, code: "invalid_type", docRejects: true},
		{name: "list invalid from", method: get, target: "/vitals?from=yesterday", auth: tokenPatient, status: 400, code: "invalid_from", docRejects: true},
		{name: "list invalid to", method: get, target: "/vitals?to=2026-13-01", auth: tokenPatient, status: 400, code: "invalid_to", docRejects: true},
		{name: "list empty range", method: get, target: "/vitals?from={tomorrow}&to={dayAgo}", auth: tokenPatient, status: 400, code: "invalid_range"},
		{name: "list limit too large", method: get, target: "/vitals?limit=201", auth: tokenPatient, status: 400, code: "invalid_limit", docRejects: true},
		{name: "list invalid cursor", method: get, target: "/vitals?cursor=bm90LWEtY3Vyc29y", auth: tokenPatient, status: 400, code: "invalid_cursor"},
	}
}

func withSubject(obs map[string]any, reference string) map[string]any {
	obs["subject"] = map[string]any{"reference": reference}
	return obs
}

type recordBody struct {
	Results []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Code   string `json:"code"`
	} `json:"results"`
}

// smoothFirstResult stores a smoothed estimate of the first recorded
// reading, so that the listing shows a smoothed value beside a null one.
func smoothFirstResult(t *testing.T, f *fixture, r response) {
	var body recordBody
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Results) == 0 || body.Results[0].ID == "" {
		t.Fatalf("record response has no first result id: %s", r.body)
	}
	at, err := time.Parse(time.RFC3339, f.values["recent"])
	if err != nil {
		t.Fatal(err)
	}
	values := map[vitalsign.Series]float64{vitalsign.SeriesHeartRate: 71.5}
	f.storeEstimate(t, f.values["patientId"], body.Results[0].ID, vitalsign.HeartRate, at, values)
}

func wantResultStatus(status string) func(*testing.T, *fixture, response) {
	return func(t *testing.T, _ *fixture, r response) {
		for i, res := range decodeRecord(t, r).Results {
			if res.Status != status {
				t.Errorf("result %d status = %q (code %q), want %q", i, res.Status, res.Code, status)
			}
		}
	}
}

// wantResultCode fails unless every result was rejected with code.
func wantResultCode(code string) func(*testing.T, *fixture, response) {
	return func(t *testing.T, _ *fixture, r response) {
		for i, res := range decodeRecord(t, r).Results {
			if res.Status != "rejected" || res.Code != code {
				t.Errorf("result %d = %s %q, want rejected %q", i, res.Status, res.Code, code)
			}
		}
	}
}

func decodeRecord(t *testing.T, r response) recordBody {
	t.Helper()
	var body recordBody
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	return body
}

// wantItems fails unless the response's array field has n items.
func wantItems(field string, n int) func(*testing.T, *fixture, response) {
	return func(t *testing.T, _ *fixture, r response) {
		items, _ := r.json[field].([]any)
		if len(items) != n {
			t.Errorf("%s has %d items, want %d: %s", field, len(items), n, truncate(r.body, 400))
		}
	}
}
