package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

type harness struct {
	t      *testing.T
	cfg    Config
	server *Server
	// model is nil for an offline harness.
	model *fakeModel
	logs  *testenv.LogBuffer
}

// newHarness builds a chat server on the test stack. Online, its model is a
// fakeModel; offline, it has no model, as on the local stack.
func newHarness(t *testing.T, online bool) *harness {
	t.Helper()
	testenv.Require(t)
	h := &harness{t: t, cfg: Config{Base: testenv.Config(t), Model: DefaultModel, ModelBudget: 10 * time.Second}, logs: &testenv.LogBuffer{}}
	if online {
		h.model = newFakeModel(t)
		h.cfg.VertexLocation = "us-central1"
		h.cfg.VertexEndpoint = h.model.server.URL
	}
	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	server, err := NewServer(context.Background(), h.cfg, logger)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	server.retryDelay = 20 * time.Millisecond
	h.server = server
	return h
}

type response struct {
	status int
	header http.Header
	body   chatResponse
	code   string
}

// send posts a conversation of alternating user and assistant messages
// that starts and ends with the user.
func (h *harness) send(token string, texts ...string) response {
	h.t.Helper()
	messages := make([]chatMessage, len(texts))
	for i, text := range texts {
		messages[i] = chatMessage{Role: roleUser, Content: text}
		if i%2 == 1 {
			messages[i].Role = roleAssistant
		}
	}
	body, err := json.Marshal(chatRequest{Messages: messages})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.post(token, body)
}

func (h *harness) post(token string, body []byte) response {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/chat", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	out := response{status: w.Code, header: w.Header()}
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		h.t.Fatalf("non-JSON response %d: %s", w.Code, w.Body)
	}
	var failure struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &failure)
	out.code = failure.Code
	return out
}

// assertLogsOmit fails when any of texts reached the logs.
func (h *harness) assertLogsOmit(texts ...string) {
	h.t.Helper()
	logs := h.logs.String()
	for _, text := range texts {
		if strings.Contains(logs, text) {
			h.t.Errorf("logs contain %q", text)
		}
	}
}

// seedProvider stores a directory entry in the contract's shape.
func (h *harness) seedProvider(name, specialty string, active bool) string {
	h.t.Helper()
	id := testenv.UniqueID(h.t)
	doc := map[string]any{
		"name": name, "specialty": specialty, "appointmentTypes": []string{"telehealth", "in-person"},
		"telehealth": true, "languages": []string{"en", "es"}, "address": "100 Main St, Springfield",
		"phone": "+1 555 0100", "email": id + "@clinic.example", "active": active,
	}
	h.set("providers/"+id, doc)
	return id
}

// seedCareTeam links a provider to the user's care team.
func (h *harness) seedCareTeam(uid, providerID string, primary bool) {
	h.t.Helper()
	h.set("careTeams/"+uid+"/members/"+providerID, map[string]any{"providerId": providerID, "primary": primary, "linkedAt": time.Now().UTC()})
}

// seedArticle stores a published article about slugs and removes it when
// the test ends, since the articles collection is shared.
func (h *harness) seedArticle(title string, slugs []string) string {
	h.t.Helper()
	id := testenv.UniqueID(h.t)
	h.set("articles/"+id, map[string]any{
		"title": title, "summary": "A short summary.", "sourceUrl": "https://learn.example/" + id,
		"publishedAt": time.Now().UTC(), "conditions": slugs, "readingMinutes": 4, "published": true,
	})
	h.t.Cleanup(func() { _, _ = h.server.Firestore.Doc("articles/" + id).Delete(context.Background()) })
	return id
}

func (h *harness) set(path string, doc map[string]any) {
	h.t.Helper()
	if _, err := h.server.Firestore.Doc(path).Set(context.Background(), doc); err != nil {
		h.t.Fatalf("seed %s: %v", path, err)
	}
}

// seedAppointment stores a booked Appointment in the contract's shape.
func (h *harness) seedAppointment(patientID, providerID string, start time.Time, kind string) {
	h.t.Helper()
	h.seedAppointmentWithStatus(patientID, providerID, start, kind, "booked")
}

func (h *harness) seedAppointmentWithStatus(patientID, providerID string, start time.Time, kind, status string) {
	h.t.Helper()
	resource := map[string]any{
		"resourceType": "Appointment",
		"status":       status,
		"appointmentType": map[string]any{"coding": []any{map[string]any{
			"system": appointmentTypeSystem, "code": kind,
		}}},
		"start": start.UTC().Format(time.RFC3339),
		"end":   start.Add(30 * time.Minute).UTC().Format(time.RFC3339),
		"participant": []any{
			map[string]any{"actor": map[string]any{"reference": "Patient/" + patientID}, "status": "accepted"},
			map[string]any{"actor": map[string]any{"identifier": map[string]any{"system": providerIDSystem, "value": providerID}}, "status": "accepted"},
		},
	}
	if _, _, err := h.server.FHIR.Create(context.Background(), "Appointment", resource, ""); err != nil {
		h.t.Fatalf("seed appointment: %v", err)
	}
}

// seedCondition stores an active condition-survey answer.
func (h *harness) seedCondition(patientID, slug string) {
	h.t.Helper()
	resource := map[string]any{
		"resourceType": "Condition",
		"subject":      map[string]any{"reference": "Patient/" + patientID},
		"clinicalStatus": map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active",
		}}},
		"category": []any{map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item",
		}}}},
		"code": map[string]any{"coding": []any{map[string]any{"system": conditionSystem, "code": slug}}},
	}
	if _, _, err := h.server.FHIR.Create(context.Background(), "Condition", resource, ""); err != nil {
		h.t.Fatalf("seed condition: %v", err)
	}
}

// seedHeartRate stores a smoothed heart rate as the smoother would.
func (h *harness) seedHeartRate(patientID string, at time.Time, value float64) {
	h.t.Helper()
	raw := &vitalobs.StoredReading{ID: testenv.UniqueID(h.t), Kind: vitalsign.HeartRate, EffectiveAt: at, Effective: at.Format(time.RFC3339), PatientID: patientID}
	estimate := vitalobs.Smoothed{Series: vitalsign.SeriesHeartRate, Value: value, Variance: 1, State: smoothing.State{Started: true, Time: at, Mean: value, Variance: 1}}
	obs, err := vitalobs.SmoothedObservation(raw, []vitalobs.Smoothed{estimate})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.server.FHIR.Update(context.Background(), "Observation", obs.ID, obs, ""); err != nil {
		h.t.Fatalf("seed heart rate: %v", err)
	}
}
