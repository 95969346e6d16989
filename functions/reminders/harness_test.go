package reminders

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

type harness struct {
	t         *testing.T
	cfg       config.Base
	fhir      *fhir.Client
	firestore *firestore.Client
	published *recorder
	reminder  *Reminder
}

// recorder publishes to a topic of the test's own on the Pub/Sub emulator
// and keeps what it published, so tests count the reminders sent.
type recorder struct {
	mu        sync.Mutex
	publisher *notification.Publisher
	messages  []notification.Message
	// fail makes Publish fail, as an unavailable Pub/Sub would.
	fail bool
}

func (r *recorder) Publish(ctx context.Context, m notification.Message) (string, error) {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail {
		return "", context.DeadlineExceeded
	}
	id, err := r.publisher.Publish(ctx, m)
	if err == nil {
		r.mu.Lock()
		r.messages = append(r.messages, m)
		r.mu.Unlock()
	}
	return id, err
}

func (r *recorder) setFailing(fail bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = fail
}

func (r *recorder) sent() []notification.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notification.Message(nil), r.messages...)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	testenv.Require(t)
	ctx := context.Background()
	cfg := testenv.Config(t)
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(t, cfg)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return &harness{t: t, cfg: cfg, fhir: fhirClient, firestore: fs, published: rec, reminder: New(fhirClient, fs, rec, logger)}
}

// newRecorder returns a recorder on a new topic of the test's own.
func newRecorder(t testing.TB, cfg config.Base) *recorder {
	t.Helper()
	ctx := context.Background()
	ps, err := platform.NewPubSub(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	topic := "projects/" + cfg.ProjectID + "/topics/" + testenv.UniqueID(t)
	if _, err := ps.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	rec := &recorder{publisher: notification.NewPublisher(ps, topic)}
	t.Cleanup(func() {
		rec.publisher.Stop()
		_ = ps.TopicAdminClient.DeleteTopic(context.Background(), &pubsubpb.DeleteTopicRequest{Topic: topic})
		_ = ps.Close()
	})
	return rec
}

// newUser creates a user whose profile sets zone.
func (h *harness) newUser(zone string) testenv.User {
	h.t.Helper()
	user := testenv.NewUser(h.t, h.cfg)
	if zone != "" {
		_, err := h.firestore.Collection(account.ProfilesCollection).Doc(user.UID).Update(context.Background(), []firestore.Update{{Path: "timeZone", Value: zone}})
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return user
}

// book stores a booked Appointment straight in the FHIR store, so that
// tests can place it at any instant relative to their simulated clock.
func (h *harness) book(user testenv.User, start time.Time) (string, string) {
	h.t.Helper()
	fields := appointment.Fields{PatientID: user.PatientID, ProviderID: "prov-1", Type: appointment.TypeInPerson, Start: start, End: start.Add(30 * time.Minute), Location: "Room 12", Notes: "HIV follow-up"}
	meta, _, err := h.fhir.Create(context.Background(), "Appointment", appointment.New(fields), "")
	if err != nil {
		h.t.Fatalf("create appointment: %v", err)
	}
	return meta.ID, meta.ETag
}

// change applies edit to a stored Appointment.
func (h *harness) change(id string, edit func(*appointment.Resource)) {
	h.t.Helper()
	ctx := context.Background()
	meta, data, err := h.fhir.Read(ctx, "Appointment", id)
	if err != nil {
		h.t.Fatal(err)
	}
	resource, err := appointment.Decode(data)
	if err != nil {
		h.t.Fatal(err)
	}
	edit(resource)
	updated, err := resource.Updated()
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.fhir.Update(ctx, "Appointment", id, updated, meta.ETag); err != nil {
		h.t.Fatal(err)
	}
}

// run runs the job as the scheduler would at now.
func (h *harness) run(now time.Time) Stats {
	h.t.Helper()
	stats, err := h.reminder.Run(context.Background(), now)
	if err != nil {
		h.t.Fatalf("run at %s: %v", now.Format(time.RFC3339), err)
	}
	return stats
}

// sentFor returns the reminders published for one appointment.
func (h *harness) sentFor(appointmentID string) []notification.Message {
	var out []notification.Message
	for _, m := range h.published.sent() {
		if m.Data["appointmentId"] == appointmentID {
			out = append(out, m)
		}
	}
	return out
}
