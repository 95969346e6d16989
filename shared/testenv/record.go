package testenv

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/survey"
)

// Record is the data SeedRecord stored for a user: FHIR ids by resource
// type, the Firestore documents by path and the provider on the care team.
type Record struct {
	FHIR      map[string][]string
	Firestore []string
	// ProviderID is the directory entry that the care team links to.
	ProviderID string
}

// Count returns the number of FHIR resources of the type in the record.
func (r Record) Count(resourceType string) int { return len(r.FHIR[resourceType]) }

// SeedRecord stores one of everything a patient can have, in the shapes of
// the shared data contracts: vitals, a survey answer (Condition), an
// Appointment with notes, a research Consent, a care-team link, a device
// token, an inbox entry and an enrollment. Everything but the Observation
// and the Consent is built or stored by its feature's shared package
// (survey, directory, appointment, notification, enrollment), so it has
// exactly the shape that feature stores. Every free-text field carries
// marker, so that a test can look for it where it must not appear.
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
	rec.ProviderID = seedCareTeam(t, fs, user.UID)
	patient := map[string]string{"reference": "Patient/" + user.PatientID}
	now := time.Now().UTC()
	booked := appointment.New(appointment.Fields{
		PatientID: user.PatientID, ProviderID: rec.ProviderID, Type: appointment.TypeTelehealth,
		Start: now.Add(48 * time.Hour), End: now.Add(49 * time.Hour), Created: now,
		Location: "location " + marker, Notes: "appointment note " + marker,
	})
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
	meta, _, err := client.Create(ctx, "Appointment", booked, "")
	if err != nil {
		t.Fatalf("seed Appointment: %v", err)
	}
	rec.FHIR["Appointment"] = []string{meta.ID}
	rec.FHIR["Condition"] = seedSurveyAnswer(t, client, user.PatientID, marker)

	token := "fcm-token-" + UniqueID(t)
	inboxEntry := notification.InboxEntry{
		Kind: notification.KindAppointmentReminder, Title: "Appointment reminder", Body: "You have an appointment tomorrow.",
		Data: map[string]string{"appointmentId": rec.FHIR["Appointment"][0]}, CreatedAt: now, ExpireAt: now.Add(24 * time.Hour),
	}
	docs := map[*firestore.DocumentRef]any{
		notification.Devices(fs, user.UID).Doc(notification.DeviceID(token)): notification.Device{Token: token, Platform: "web", CreatedAt: now, UpdatedAt: now},
		notification.Inbox(fs, user.UID).Doc(UniqueID(t)):                    inboxEntry,
		fs.Collection(enrollment.Collection).Doc(user.UID): enrollment.Record{
			Status: enrollment.StatusPending, ConsentVersion: "2026-01", ConsentID: rec.FHIR["Consent"][0], Generation: 1, SignedAt: now, UpdatedAt: now,
		},
	}
	for ref, data := range docs {
		if _, err := ref.Set(ctx, data); err != nil {
			t.Fatalf("seed %s: %v", ref.Path, err)
		}
		// ref.Path is the full resource name; Record keeps the path below
		// the database's documents.
		_, path, _ := strings.Cut(ref.Path, "/documents/")
		rec.Firestore = append(rec.Firestore, path)
	}
	rec.Firestore = append(rec.Firestore, directory.CareTeamsCollection+"/"+user.UID+"/"+directory.MembersCollection+"/"+rec.ProviderID)
	return rec
}

// seedSurveyAnswer stores a diabetes answer of the condition survey, with
// marker in its display text, and returns the Condition ids.
func seedSurveyAnswer(t testing.TB, client *fhir.Client, patientID, marker string) []string {
	t.Helper()
	ctx := context.Background()
	names := map[string]string{"diabetes": "condition " + marker}
	if _, err := survey.Replace(ctx, client, patientID, []string{"diabetes"}, names, time.Now()); err != nil {
		t.Fatalf("seed survey answer: %v", err)
	}
	answers, err := survey.Answers(ctx, client, patientID)
	if err != nil || len(answers) != 1 {
		t.Fatalf("read seeded survey answer: %d answers, %v", len(answers), err)
	}
	return []string{answers[0].ConditionID}
}

// seedCareTeam stores a provider in the directory, links it to the user as
// the primary provider and returns its id. The provider is removed when the
// test ends; the link stays for the test to find or delete.
func seedCareTeam(t testing.TB, fs *firestore.Client, uid string) string {
	t.Helper()
	id := SeedProvider(t, fs, nil)
	if _, _, err := directory.NewStore(fs).Link(context.Background(), uid, id, true); err != nil {
		t.Fatalf("seed care team: %v", err)
	}
	return id
}

// SeedProvider stores p in the provider directory under a new id through
// the directory store, so that it has the shape the directory feature
// writes, and removes it when the test ends. A nil p stores an active
// provider named "Dr. Seed <id>". It returns the id.
func SeedProvider(t testing.TB, fs *firestore.Client, p *directory.Provider) string {
	t.Helper()
	id := UniqueID(t)
	if p == nil {
		p = &directory.Provider{
			Name: "Dr. Seed " + id, Specialty: "Primary Care", AppointmentTypes: []string{directory.AppointmentTelehealth},
			Languages: []string{"en"}, Location: &latlng.LatLng{Latitude: 41.88, Longitude: -87.63}, Active: true,
		}
	}
	if err := directory.NewStore(fs).Put(context.Background(), id, p); err != nil {
		t.Fatalf("seed provider: %v", err)
	}
	t.Cleanup(func() { _, _ = fs.Collection(directory.ProvidersCollection).Doc(id).Delete(context.Background()) })
	return id
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
