package testenv

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/platform"
)

// Record is the data SeedRecord stored for a user: FHIR ids by resource
// type and the Firestore documents by path.
type Record struct {
	FHIR      map[string][]string
	Firestore []string
}

// Count returns the number of FHIR resources of the type in the record.
func (r Record) Count(resourceType string) int { return len(r.FHIR[resourceType]) }

// SeedRecord stores one of everything a patient can have, in the shapes of
// the shared data contracts: vitals, a survey Condition, an Appointment
// with notes, a research Consent, care-team links, a device token, an inbox
// entry and an enrollment. Every free-text field carries marker, so that a
// test can look for it where it must not appear.
func SeedRecord(t testing.TB, cfg config.Base, user User, marker string) Record {
	t.Helper()
	ctx := context.Background()
	client, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		t.Fatalf("fhir client: %v", err)
	}
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatalf("firestore client: %v", err)
	}
	rec := Record{FHIR: map[string][]string{}}
	patient := map[string]string{"reference": "Patient/" + user.PatientID}
	now := time.Now().UTC()
	resources := []map[string]any{
		{
			"resourceType": "Observation", "status": "final", "subject": patient,
			"code":              map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8867-4"}}},
			"effectiveDateTime": now.Add(-time.Hour).Format(time.RFC3339),
			"valueQuantity":     map[string]any{"value": 61.73914, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
			"device":            map[string]string{"display": "device " + marker},
			"note":              []map[string]string{{"text": "observation note " + marker}},
		},
		{
			"resourceType": "Condition", "subject": patient,
			"code":           map[string]any{"coding": []map[string]string{{"system": "https://ihep.app/fhir/CodeSystem/condition", "code": "diabetes"}}, "text": "condition " + marker},
			"clinicalStatus": map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}}},
			"category":       []map[string]any{{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}}}},
			"note":           []map[string]string{{"text": "condition note " + marker}},
		},
		{
			"resourceType": "Appointment", "status": "booked",
			"start": now.Add(48 * time.Hour).Format(time.RFC3339), "end": now.Add(49 * time.Hour).Format(time.RFC3339),
			"appointmentType": map[string]any{"coding": []map[string]string{{"system": "https://ihep.app/fhir/CodeSystem/appointment-type", "code": "telehealth"}}},
			"comment":         "appointment note " + marker,
			"participant": []map[string]any{
				{"actor": patient, "status": "accepted"},
				{"actor": map[string]any{"identifier": map[string]string{"system": "https://ihep.app/fhir/sid/provider-id", "value": "provider-" + marker}}, "status": "accepted"},
			},
		},
		{
			"resourceType": "Consent", "status": "active", "patient": patient, "dateTime": now.Format(time.RFC3339),
			"scope":    map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}}},
			"category": []map[string]any{{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/consentcategorycodes", "code": "research"}}}},
			"policy":   []map[string]string{{"uri": "https://ihep.app/consent/" + marker}},
		},
	}
	for _, resource := range resources {
		resourceType := resource["resourceType"].(string)
		meta, _, err := client.Create(ctx, resourceType, resource, "")
		if err != nil {
			t.Fatalf("seed %s: %v", resourceType, err)
		}
		rec.FHIR[resourceType] = append(rec.FHIR[resourceType], meta.ID)
	}

	docs := map[string]map[string]any{
		"careTeams/" + user.UID + "/members/provider-a":   {"providerId": "provider-a", "primary": true, "linkedAt": now},
		"devices/" + user.UID + "/tokens/" + UniqueID(t):  {"platform": "web", "createdAt": now},
		"inboxes/" + user.UID + "/entries/" + UniqueID(t): {"title": "Reminder", "body": "You have an appointment tomorrow.", "createdAt": now},
		"enrollments/" + user.UID:                         {"status": "pending", "consentVersion": "2026-01", "consentId": rec.FHIR["Consent"][0], "generation": 1, "signedAt": now, "updatedAt": now},
	}
	for path, data := range docs {
		if _, err := fs.Doc(path).Set(ctx, data); err != nil {
			t.Fatalf("seed %s: %v", path, err)
		}
		rec.Firestore = append(rec.Firestore, path)
	}
	return rec
}

// DocumentExists reports whether the Firestore document at path exists.
func DocumentExists(t testing.TB, fs *firestore.Client, path string) bool {
	t.Helper()
	_, err := fs.Doc(path).Get(context.Background())
	if status.Code(err) == codes.NotFound {
		return false
	}
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	return true
}

// SeedObservations stores n heart-rate Observations on the patient in
// batches, one minute apart, ending now.
func SeedObservations(t testing.TB, client *fhir.Client, patientID string, n int) {
	t.Helper()
	const perBundle = 1000
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	for first := 0; first < n; first += perBundle {
		var entries []map[string]any
		for i := first; i < min(n, first+perBundle); i++ {
			entries = append(entries, map[string]any{
				"request": map[string]string{"method": "POST", "url": "Observation"},
				"resource": map[string]any{
					"resourceType": "Observation", "status": "final",
					"subject":           map[string]string{"reference": "Patient/" + patientID},
					"category":          []map[string]any{{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}}}},
					"code":              map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}}},
					"effectiveDateTime": start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
					"valueQuantity":     map[string]any{"value": 60 + i%40, "unit": "beats/minute", "system": "http://unitsofmeasure.org", "code": "/min"},
				},
			})
		}
		bundle := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": entries}
		if _, err := client.ExecuteBundle(context.Background(), bundle); err != nil {
			t.Fatalf("seed observations %d-%d: %v", first, first+len(entries), err)
		}
	}
}
