package reminders

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

// Size of the benchmark's data: benchAppointments upcoming appointments,
// benchPerPatient per patient, all starting within the next 24 hours.
const (
	benchAppointments = 10000
	benchPerPatient   = 5
)

// BenchmarkReminderRun measures one reminder run over 10,000 upcoming
// appointments on the local stack. In "send-all" every appointment has a
// reminder due, because the markers are deleted between runs outside the
// timer. In "nothing-due" every reminder was sent already, the state of most
// runs. It reports the FHIR and Firestore calls per appointment.
//
//	go test -run '^$' -bench ReminderRun -benchtime 3x ./functions/reminders
func BenchmarkReminderRun(b *testing.B) {
	testenv.Require(b)
	ctx := context.Background()
	cfg := testenv.Config(b)
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		b.Fatal(err)
	}
	rec := newRecorder(b, cfg)
	now := time.Now().UTC().Truncate(time.Minute)
	seedBenchData(b, fhirClient, fs, now)
	reminder := New(fhirClient, fs, rec, slog.New(slog.NewJSONHandler(io.Discard, nil)))

	b.Run("send-all", func(b *testing.B) {
		var stats Stats
		for b.Loop() {
			b.StopTimer()
			deleteMarkers(b, fs, rec)
			b.StartTimer()
			if stats, err = reminder.Run(ctx, now); err != nil {
				b.Fatal(err)
			}
		}
		report(b, stats)
		if stats.Sent != benchAppointments {
			b.Errorf("sent %d reminders, want %d", stats.Sent, benchAppointments)
		}
	})
	b.Run("nothing-due", func(b *testing.B) {
		var stats Stats
		for b.Loop() {
			if stats, err = reminder.Run(ctx, now); err != nil {
				b.Fatal(err)
			}
		}
		report(b, stats)
		if stats.Sent != 0 {
			b.Errorf("sent %d reminders on a run with nothing due, want 0", stats.Sent)
		}
	})
	deleteMarkers(b, fs, rec)
}

func report(b *testing.B, stats Stats) {
	b.ReportMetric(float64(stats.Appointments), "appointments/run")
	b.ReportMetric(float64(stats.Sent), "sent/run")
	b.ReportMetric(float64(stats.FHIRCalls)/float64(stats.Appointments), "fhir-calls/appt")
	b.ReportMetric(float64(stats.FirestoreCalls)/float64(stats.Appointments), "firestore-calls/appt")
}

// seedBenchData stores the patients and appointments in transactions of a
// few thousand entries, and a profile with a time zone for each patient.
func seedBenchData(b *testing.B, fhirClient *fhir.Client, fs *firestore.Client, now time.Time) {
	ctx := context.Background()
	patients := benchAppointments / benchPerPatient
	const patientsPerBundle = 400
	zones := []string{"America/New_York", "Europe/Berlin", "Asia/Tokyo", ""}
	writer := fs.BulkWriter(ctx)
	for first := 0; first < patients; first += patientsPerBundle {
		var entries []map[string]any
		for p := first; p < min(first+patientsPerBundle, patients); p++ {
			uid := fmt.Sprintf("bench-%s-%d", testenv.UniqueID(b), p)
			ref := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", p)
			patient := map[string]any{"resourceType": "Patient", "identifier": []map[string]string{{"system": account.PatientIdentifierSystem, "value": uid}}}
			entries = append(entries, map[string]any{"fullUrl": ref, "resource": patient, "request": map[string]string{"method": "POST", "url": "Patient"}})
			for k := range benchPerPatient {
				i := p*benchPerPatient + k
				start := now.Add(time.Duration(i+1) * (24 * time.Hour) / benchAppointments)
				a := appointment.New(appointment.Fields{PatientID: "x", ProviderID: "prov-1", Type: appointment.TypeTelehealth, Start: start, End: start.Add(30 * time.Minute)})
				a.Participant[0].Actor.Reference = ref
				entries = append(entries, map[string]any{"resource": a, "request": map[string]string{"method": "POST", "url": "Appointment"}})
			}
			profile := account.Profile{PatientID: "bench", CreatedAt: now, TimeZone: zones[p%len(zones)]}
			if _, err := writer.Set(fs.Collection(account.ProfilesCollection).Doc(uid), profile); err != nil {
				b.Fatal(err)
			}
		}
		bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries}
		if _, err := fhirClient.ExecuteBundle(ctx, bundle); err != nil {
			b.Fatalf("seed bundle: %v", err)
		}
	}
	writer.End()
}

// deleteMarkers removes the markers of every reminder published so far,
// so that the next run sends them again.
func deleteMarkers(b *testing.B, fs *firestore.Client, rec *recorder) {
	writer := fs.BulkWriter(context.Background())
	for _, m := range rec.sent() {
		if _, err := writer.Delete(fs.Collection(MarkersCollection).Doc(m.ID)); err != nil {
			b.Fatal(err)
		}
	}
	writer.End()
	rec.mu.Lock()
	rec.messages = nil
	rec.mu.Unlock()
}
