package notifications

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/testenv"
)

type harness struct {
	t        *testing.T
	cfg      config.Base
	server   *Server
	notifier *Notifier
	fcm      *fakeFCM
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	testenv.Require(t)
	cfg := testenv.Config(t)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	server, err := NewServer(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	fcm := newFakeFCM(t, "demo-fcm")
	notifier, err := NewNotifier(context.Background(), Config{Base: cfg, FCMEndpoint: fcm.server.URL, FCMProjectID: "demo-fcm"}, logger)
	if err != nil {
		t.Fatalf("NewNotifier: %v", err)
	}
	return &harness{t: t, cfg: cfg, server: server, notifier: notifier, fcm: fcm}
}

type response struct {
	status int
	body   map[string]any
	raw    []byte
}

func (r response) code() string {
	code, _ := r.body["code"].(string)
	return code
}

func (h *harness) call(function, method, query, token string, body any) response {
	h.t.Helper()
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	r := httptest.NewRequest(method, "/"+function+query, reader)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler(function).ServeHTTP(w, r)
	out := response{status: w.Code, raw: w.Body.Bytes()}
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		h.t.Fatalf("non-JSON response %d: %s", w.Code, w.Body)
	}
	return out
}

func (h *harness) register(token, fcmToken string) {
	h.t.Helper()
	if got := h.call(DevicesFunction, http.MethodPost, "", token, map[string]string{"token": fcmToken, "platform": "android"}); got.status != http.StatusCreated {
		h.t.Fatalf("register %s: %d %s", fcmToken, got.status, got.raw)
	}
}

// event wraps data as the CloudEvent Eventarc makes of a Pub/Sub message.
func pubsubEvent(t *testing.T, data []byte) event.Event {
	t.Helper()
	e := event.New()
	e.SetID(testenv.UniqueID(t))
	e.SetType("google.cloud.pubsub.topic.v1.messagePublished")
	e.SetSource("//pubsub.googleapis.com/projects/demo-ihep/topics/notifications")
	body := map[string]any{"message": map[string]any{"data": data, "messageId": e.ID()}, "subscription": "projects/demo-ihep/subscriptions/notify-push"}
	if err := e.SetData("application/json", body); err != nil {
		t.Fatal(err)
	}
	return e
}

func reminder(t *testing.T, uid, id string, at time.Time) notification.Message {
	t.Helper()
	return notification.Message{
		ID: id, UID: uid, Kind: notification.KindAppointmentReminder, Title: "Appointment reminder",
		Body: "You have an appointment tomorrow at 10:00 EST.", Data: map[string]string{"appointmentId": "a1"}, CreatedAt: at,
	}
}

func (h *harness) deliver(m notification.Message) error {
	h.t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.notifier.HandleEvent(context.Background(), pubsubEvent(h.t, data))
}

func (h *harness) inboxEntry(uid, id string) (entry, bool) {
	h.t.Helper()
	snap, err := inboxOf(h.server.Firestore, uid).Doc(id).Get(context.Background())
	if err != nil {
		return entry{}, false
	}
	var e entry
	if err := snap.DataTo(&e); err != nil {
		h.t.Fatal(err)
	}
	return e, true
}

func (h *harness) deviceCount(uid string) int {
	h.t.Helper()
	docs, err := devicesOf(h.server.Firestore, uid).Documents(context.Background()).GetAll()
	if err != nil {
		h.t.Fatal(err)
	}
	return len(docs)
}
