package vitals

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ihep/backend/shared/testenv"
)

func TestRecordAndList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	resp := h.postJSON(user.Token, map[string]any{"readings": []any{
		reading("heart_rate", 72, "/min", "2026-11-30T08:00:00+01:00"),
		bloodPressure(121, 79, "2026-11-30T08:01:00+01:00"),
		reading("body_temperature", 98.6, "[degF]", "2026-11-30T08:02:00+01:00"),
		reading("oxygen_saturation", 97, "%", "2026-11-30T08:03:00+01:00"),
		reading("respiratory_rate", 14, "/min", "2026-11-30T08:04:00+01:00"),
	}})
	if resp.status != http.StatusCreated {
		t.Fatalf("POST status = %d, body %s", resp.status, resp.raw)
	}
	for _, res := range resp.results() {
		if res.Status != "created" || res.ID == "" {
			t.Errorf("result %d = %+v, want created with an id", res.Index, res)
		}
	}

	list := h.get(user.Token, "").list()
	if len(list.Readings) != 5 {
		t.Fatalf("GET returned %d readings, want 5", len(list.Readings))
	}
	if list.Readings[0].Type != "respiratory_rate" || list.Readings[4].Type != "heart_rate" {
		t.Errorf("order = %s..%s, want newest first", list.Readings[0].Type, list.Readings[4].Type)
	}
	temp := list.Readings[2].Raw["body_temperature"]
	if math.Abs(temp.Value-37.0) > 0.001 || temp.Unit != "Cel" {
		t.Errorf("temperature stored as %v %s, want 37 Cel", temp.Value, temp.Unit)
	}
	bp := list.Readings[3].Raw
	if bp["systolic"].Value != 121 || bp["diastolic"].Value != 79 {
		t.Errorf("blood pressure = %v, want 121/79", bp)
	}
	if only := h.get(user.Token, "type=heart_rate").list(); len(only.Readings) != 1 {
		t.Errorf("type filter returned %d readings, want 1", len(only.Readings))
	}
}

func TestRecordIsIdempotent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	same := reading("heart_rate", 70, "/min", "2026-11-30T09:00:00Z")
	sameInstantOtherOffset := reading("heart_rate", 70, "/min", "2026-11-30T10:00:00+01:00")

	first := h.postJSON(user.Token, map[string]any{"readings": []any{same, sameInstantOtherOffset}})
	if first.status != http.StatusCreated {
		t.Fatalf("first POST = %d %s", first.status, first.raw)
	}
	results := first.results()
	if results[0].ID != results[1].ID || results[1].Status != "duplicate" {
		t.Errorf("in-request duplicate = %+v, want the first id marked duplicate", results)
	}
	second := h.postJSON(user.Token, map[string]any{"readings": []any{same}})
	if got := second.results()[0]; got.ID != results[0].ID || got.Status != "duplicate" {
		t.Errorf("retry = %+v, want duplicate of %s", got, results[0].ID)
	}
	otherSource := reading("heart_rate", 70, "/min", "2026-11-30T09:00:00Z")
	otherSource["source"] = "second-device"
	if got := h.postJSON(user.Token, map[string]any{"readings": []any{otherSource}}).results()[0]; got.Status != "created" {
		t.Errorf("same instant from another source = %+v, want created", got)
	}
	if n := len(h.get(user.Token, "").list().Readings); n != 2 {
		t.Errorf("stored %d readings, want 2", n)
	}
}

func TestDuplicateCounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	pulse := reading("heart_rate", 70, "/min", "2026-11-30T09:00:00Z")
	spo2 := reading("oxygen_saturation", 97, "%", "2026-11-30T09:00:00Z")
	if first := h.postJSON(user.Token, map[string]any{"readings": []any{pulse, spo2}}); first.status != http.StatusCreated {
		t.Fatalf("first POST = %d %s", first.status, first.raw)
	}

	retry := h.postJSON(user.Token, map[string]any{"readings": []any{pulse, spo2}})
	var counts recordResponse
	if err := json.Unmarshal(retry.raw, &counts); err != nil {
		t.Fatal(err)
	}
	if retry.status != http.StatusOK {
		t.Errorf("retry of stored readings = %d, want 200 (nothing new)", retry.status)
	}
	if counts.Stored != 0 || counts.Duplicates != 2 || counts.Rejected != 0 {
		t.Errorf("retry counts stored=%d duplicates=%d rejected=%d, want 0, 2, 0", counts.Stored, counts.Duplicates, counts.Rejected)
	}
}

func TestConflictingDuplicate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	first := h.postJSON(user.Token, map[string]any{"readings": []any{reading("heart_rate", 70, "/min", "2026-11-30T09:00:00Z")}})
	if first.status != http.StatusCreated {
		t.Fatalf("first POST = %d %s", first.status, first.raw)
	}
	storedID := first.results()[0].ID

	changed := h.postJSON(user.Token, map[string]any{"readings": []any{reading("heart_rate", 75, "/min", "2026-11-30T09:00:00Z")}})
	if changed.status != http.StatusUnprocessableEntity {
		t.Errorf("changed value = %d, want 422 (its only reading rejected)", changed.status)
	}
	if got := changed.results()[0]; got.Status != "rejected" || got.Code != "conflicting_duplicate" || got.ID != storedID {
		t.Errorf("changed value = %+v, want rejected conflicting_duplicate of %s", got, storedID)
	}

	inRequest := h.postJSON(user.Token, map[string]any{"readings": []any{
		reading("heart_rate", 60, "/min", "2026-11-30T10:00:00Z"),
		reading("heart_rate", 61, "/min", "2026-11-30T10:00:00Z"),
	}})
	if inRequest.status != http.StatusMultiStatus {
		t.Errorf("two values for one instant = %d, want 207", inRequest.status)
	}
	if got := inRequest.results(); len(got) != 2 || got[0].Status != "created" || got[1].Code != "conflicting_duplicate" {
		t.Errorf("two values for one instant = %+v, want created then conflicting_duplicate", got)
	}

	readings := h.get(user.Token, "").list().Readings
	if len(readings) != 2 {
		t.Fatalf("stored %d readings, want 2", len(readings))
	}
	for _, r := range readings {
		if got := r.Raw["heart_rate"].Value; r.ID == storedID && got != 70 {
			t.Errorf("stored heart rate changed to %v, want 70 kept", got)
		}
	}
}

func TestRecordValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	now := time.Now()
	ok := now.Add(-time.Hour).Format(time.RFC3339)
	cases := []struct {
		name    string
		reading map[string]any
		code    string
	}{
		{"heart rate too low", reading("heart_rate", 10, "/min", ok), "value_out_of_range"},
		{"heart rate too high", reading("heart_rate", 301, "/min", ok), "value_out_of_range"},
		{"spo2 above 100", reading("oxygen_saturation", 101, "%", ok), "value_out_of_range"},
		{"diastolic not below systolic", bloodPressure(80, 80, ok), "diastolic_not_below_systolic"},
		{"temperature too high", reading("body_temperature", 46, "Cel", ok), "value_out_of_range"},
		{"fahrenheit too low", reading("body_temperature", 70, "[degF]", ok), "value_out_of_range"},
		{"unknown unit", reading("heart_rate", 70, "beats/hour", ok), "unknown_unit"},
		{"unknown type", reading("glucose", 5, "mmol/L", ok), "unknown_vital_kind"},
		{"future reading", reading("heart_rate", 70, "/min", now.Add(6*time.Minute).Format(time.RFC3339)), "future_reading"},
		{"missing time", reading("heart_rate", 70, "/min", ""), "effective_time_required"},
		{"time without offset", reading("heart_rate", 70, "/min", "2026-11-30T08:00:00"), "invalid_effective_time"},
		{"date only", reading("heart_rate", 70, "/min", "2026-11-30"), "invalid_effective_time"},
		{"missing value", map[string]any{"type": "heart_rate", "effectiveAt": ok}, "value_required"},
		{"value for blood pressure", map[string]any{"type": "blood_pressure", "value": 120, "effectiveAt": ok}, "unexpected_value"},
		{"systolic for heart rate", map[string]any{"type": "heart_rate", "value": 70, "systolic": 120, "effectiveAt": ok}, "unexpected_value"},
		{"negative", reading("respiratory_rate", -3, "/min", ok), "value_negative"},
	}
	readings := []any{reading("heart_rate", 64, "/min", ok)}
	for _, tc := range cases {
		readings = append(readings, tc.reading)
	}
	resp := h.postJSON(user.Token, map[string]any{"readings": readings})
	if resp.status != http.StatusMultiStatus {
		t.Fatalf("status = %d, want 207; body %s", resp.status, resp.raw)
	}
	results := resp.results()
	if results[0].Status != "created" {
		t.Errorf("valid reading = %+v, want created", results[0])
	}
	for i, tc := range cases {
		got := results[i+1]
		if got.Status != "rejected" || got.Code != tc.code || got.Error == "" || got.ID != "" {
			t.Errorf("%s: result = %+v, want rejected %s with a message", tc.name, got, tc.code)
		}
	}
	if n := len(h.get(user.Token, "").list().Readings); n != 1 {
		t.Errorf("stored %d readings, want only the valid one", n)
	}
	if all := h.postJSON(user.Token, map[string]any{"readings": readings[1:3]}); all.status != http.StatusUnprocessableEntity {
		t.Errorf("all rejected status = %d, want 422", all.status)
	}
}

func TestRecordRequestErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	many := make([]any, MaxReadings+1)
	for i := range many {
		many[i] = reading("heart_rate", 70, "/min", time.Now().Add(-time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	cases := []struct {
		name, token, contentType, body string
		status                         int
		code                           string
	}{
		{"no token", "", "application/json", `{"readings":[]}`, 401, "token_missing"},
		{"empty list", user.Token, "application/json", `{"readings":[]}`, 400, "no_readings"},
		{"unknown field", user.Token, "application/json", `{"readings":[],"patientId":"x"}`, 400, "unknown_field"},
		{"wrong content type", user.Token, "text/csv", `hr,70`, 415, "unsupported_media_type"},
		{"fhir not a resource", user.Token, "application/fhir+json", `{"resourceType":"Patient"}`, 400, "unsupported_resource"},
		{"fhir not json", user.Token, "application/fhir+json", `<Observation/>`, 400, "invalid_json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			got := h.post(tc.token, tc.contentType, []byte(tc.body))
			if got.status != tc.status || got.code() != tc.code {
				t.Errorf("POST = %d %s, want %d %s", got.status, got.code(), tc.status, tc.code)
			}
		})
	}
	h.t = t
	if got := h.postJSON(user.Token, map[string]any{"readings": many}); got.status != 400 || got.code() != "too_many_readings" {
		t.Errorf("501 readings = %d %s, want 400 too_many_readings", got.status, got.code())
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	var readings []any
	for i := range 7 {
		at := "2026-11-29T12:00:00Z"
		if i >= 3 {
			at = fmt.Sprintf("2026-11-29T1%d:00:00Z", i)
		}
		r := reading("heart_rate", float64(60+i), "/min", at)
		r["source"] = fmt.Sprintf("device-%d", i) // three readings share one instant
		readings = append(readings, r)
	}
	if got := h.postJSON(user.Token, map[string]any{"readings": readings}); got.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", got.status, got.raw)
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 10; page++ {
		query := "limit=2"
		if cursor != "" {
			query += "&cursor=" + cursor
		}
		list := h.get(user.Token, query).list()
		for _, item := range list.Readings {
			if seen[item.ID] {
				t.Errorf("reading %s returned twice", item.ID)
			}
			seen[item.ID] = true
		}
		if cursor = list.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("paged through %d readings, want 7", len(seen))
	}
	for _, query := range []string{"cursor=%%%", "cursor=bm90LWpzb24", "limit=0", "limit=500", "from=yesterday", "patient=abc", "type=glucose", "from=2026-11-30T00:00:00Z&to=2026-11-29T00:00:00Z"} {
		if got := h.get(user.Token, query); got.status != http.StatusBadRequest {
			t.Errorf("GET ?%s = %d, want 400", query, got.status)
		}
	}
}

func TestUsersSeeOnlyTheirOwnReadings(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := testenv.NewUser(t, h.cfg)
	bob := testenv.NewUser(t, h.cfg)
	resp := h.postJSON(alice.Token, map[string]any{"readings": []any{reading("heart_rate", 88, "/min", "2026-11-30T08:00:00Z")}})
	aliceID := resp.results()[0].ID

	if n := len(h.get(bob.Token, "").list().Readings); n != 0 {
		t.Errorf("bob sees %d readings, want 0", n)
	}
	forged := (&cursor{Before: time.Now(), Seen: []string{aliceID}}).encode()
	if n := len(h.get(bob.Token, "cursor="+forged).list().Readings); n != 0 {
		t.Errorf("bob with a cursor naming alice's reading sees %d readings, want 0", n)
	}
	obs := map[string]any{"resourceType": "Observation", "status": "final", "subject": map[string]string{"reference": "Patient/" + alice.PatientID},
		"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8867-4"}}}, "effectiveDateTime": "2026-11-30T09:00:00Z",
		"valueQuantity": map[string]any{"value": 70, "system": "http://unitsofmeasure.org", "code": "/min"}}
	data, _ := json.Marshal(obs)
	if got := h.post(bob.Token, "application/fhir+json", data).results(); len(got) != 1 || got[0].Code != "subject_mismatch" {
		t.Errorf("bob writing to alice's patient = %+v, want subject_mismatch", got)
	}
	if n := len(h.get(alice.Token, "").list().Readings); n != 1 {
		t.Errorf("alice sees %d readings, want her 1", n)
	}
}

func TestRecordFHIRExamples(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "data", "fhir-r4-examples")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("shared FHIR examples not present")
	}
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	want := map[string]string{
		"observation-example-satO2.json":         "created",
		"observation-example-heart-rate.json":    "invalid_effective_time", // date without a time
		"observation-example-bloodpressure.json": "invalid_effective_time",
	}
	for file, wantOutcome := range want {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var obs map[string]any
		if err := json.Unmarshal(data, &obs); err != nil {
			t.Fatal(err)
		}
		delete(obs, "subject") // the examples point at Patient/example
		body, _ := json.Marshal(obs)
		results := h.post(user.Token, "application/fhir+json", body).results()
		if len(results) != 1 {
			t.Fatalf("%s: %d results, want 1", file, len(results))
		}
		got := results[0].Status
		if got == "rejected" {
			got = results[0].Code
		}
		if got != wantOutcome {
			t.Errorf("%s: outcome %s, want %s", file, got, wantOutcome)
		}
	}
	if !strings.Contains(string(h.get(user.Token, "type=oxygen_saturation").raw), `"value":95`) {
		t.Error("SpO2 example not listed with value 95")
	}
}

// syntheaVitalCodes are the LOINC codes of the vital signs the function
// stores; a Synthea Observation with any other code is rejected.
var syntheaVitalCodes = map[string]bool{"8867-4": true, "85354-9": true, "9279-1": true, "8310-5": true, "2708-6": true, "59408-5": true}

// TestRecordSyntheaBundles posts whole Synthea patient bundles (a collection
// and a transaction, with urn:uuid subjects removed): each vital-sign
// Observation is stored once, everything else is rejected with a code, and a
// second upload stores nothing new.
func TestRecordSyntheaBundles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "data", "synthea")
	files := []string{"Tuyet839_Boyle917_3fc4d5b0-", "Bennett146_Swaniawski813_704c9750-"}
	h := newHarness(t)
	for _, prefix := range files {
		matches, _ := filepath.Glob(filepath.Join(dir, prefix+"*.json"))
		if len(matches) != 1 {
			t.Skipf("Synthea bundle %s* not present in %s", prefix, dir)
		}
		body, wantVitals := syntheaUpload(t, matches[0])
		user := testenv.NewUser(t, h.cfg)

		first := h.post(user.Token, "application/fhir+json", body)
		if first.status != http.StatusMultiStatus {
			t.Fatalf("%s: status %d, want 207 (vitals stored, the rest rejected): %s", prefix, first.status, first.raw)
		}
		created, rejected := 0, map[string]int{}
		for _, r := range first.results() {
			switch r.Status {
			case "created":
				created++
			case "rejected":
				rejected[r.Code]++
			default:
				t.Errorf("%s: entry %d has status %q on first upload", prefix, r.Index, r.Status)
			}
		}
		if created != wantVitals {
			t.Errorf("%s: %d readings created, want %d vital-sign Observations; rejections %v", prefix, created, wantVitals, rejected)
		}
		if rejected["unsupported_resource"] == 0 || rejected[""] != 0 {
			t.Errorf("%s: rejections %v, want every non-Observation rejected with a code", prefix, rejected)
		}

		for _, r := range h.post(user.Token, "application/fhir+json", body).results() {
			if r.Status == "created" {
				t.Errorf("%s: entry %d created again on the second upload", prefix, r.Index)
			}
		}
		listed := len(h.get(user.Token, "limit=100").list().Readings)
		if listed != min(wantVitals, 100) {
			t.Errorf("%s: %d readings listed, want %d", prefix, listed, min(wantVitals, 100))
		}
	}
}

// syntheaUpload reads a Synthea bundle, drops the subject and encounter
// references (they point into the bundle, not at the caller's Patient) and
// counts the Observations with a stored vital-sign code.
func syntheaUpload(t *testing.T, path string) ([]byte, int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		ResourceType string           `json:"resourceType"`
		Type         string           `json:"type"`
		Entry        []map[string]any `json:"entry"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatal(err)
	}
	vitals := 0
	for _, entry := range bundle.Entry {
		resource, _ := entry["resource"].(map[string]any)
		if resource["resourceType"] != "Observation" {
			continue
		}
		delete(resource, "subject")
		delete(resource, "encounter")
		code, _ := resource["code"].(map[string]any)
		codings, _ := code["coding"].([]any)
		for _, c := range codings {
			coding, _ := c.(map[string]any)
			if code, _ := coding["code"].(string); syntheaVitalCodes[code] {
				vitals++
				break
			}
		}
	}
	body, err := json.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return body, vitals
}
