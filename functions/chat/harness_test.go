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

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/survey"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/testenv/fixture"
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

// seedProvider stores an active directory entry.
func (h *harness) seedProvider(name, specialty string) string {
	h.t.Helper()
	return seedProvider(h.t, h.server, name, specialty)
}

// seedProvider stores an active directory entry with contact details.
func seedProvider(tb testing.TB, server *Server, name, specialty string) string {
	tb.Helper()
	p := &directory.Provider{
		Name: name, Specialty: specialty, AppointmentTypes: []string{directory.AppointmentTelehealth, directory.AppointmentInPerson},
		Languages: []string{"en", "es"}, Address: "100 Main St, Springfield", Phone: "+1 555 0100", Email: "office@clinic.example",
		Location: &latlng.LatLng{Latitude: 39.8, Longitude: -89.6}, Active: true,
	}
	return fixture.Provider(tb, server.Firestore, p)
}

// retireProvider marks a provider inactive, as the directory does when a
// provider leaves; care team links to it stay.
func (h *harness) retireProvider(id string) {
	h.t.Helper()
	if _, err := h.server.directory.Update(context.Background(), id, func(p *directory.Provider) error {
		p.Active = false
		return nil
	}); err != nil {
		h.t.Fatalf("retire provider: %v", err)
	}
}

// seedCareTeam links a provider to the user's care team.
func (h *harness) seedCareTeam(uid, providerID string, primary bool) {
	h.t.Helper()
	if _, _, err := h.server.directory.Link(context.Background(), uid, providerID, primary); err != nil {
		h.t.Fatalf("seed care team: %v", err)
	}
}

// seedArticle stores a published article about slugs through the catalog
// store and removes it when the test ends, since the articles collection
// is shared.
func (h *harness) seedArticle(title string, slugs []string) string {
	h.t.Helper()
	ctx := context.Background()
	if err := h.server.catalog.SeedConditions(ctx); err != nil {
		h.t.Fatalf("seed conditions: %v", err)
	}
	id := testenv.UniqueID(h.t)
	a := &catalog.Article{
		Title: title, Summary: "A short summary.", SourceURL: "https://learn.example/" + id,
		PublishedAt: time.Now().UTC(), Conditions: slugs, ReadingMinutes: 4, Published: true,
	}
	if _, err := h.server.catalog.PutArticle(ctx, id, a); err != nil {
		h.t.Fatalf("seed article: %v", err)
	}
	h.t.Cleanup(func() {
		_, _ = h.server.Firestore.Collection(catalog.ArticlesCollection).Doc(id).Delete(context.Background())
	})
	return id
}

// seedAppointment stores a booked Appointment.
func (h *harness) seedAppointment(patientID, providerID string, start time.Time, kind string) {
	h.t.Helper()
	storeAppointment(h.t, h.server, patientID, providerID, start, kind, appointment.StatusScheduled)
}

func (h *harness) seedAppointmentWithStatus(patientID, providerID string, start time.Time, kind string, status appointment.Status) {
	h.t.Helper()
	storeAppointment(h.t, h.server, patientID, providerID, start, kind, status)
}

// storeAppointment stores a 30-minute Appointment built by the shared
// appointment package, as the appointments function books it.
func storeAppointment(tb testing.TB, server *Server, patientID, providerID string, start time.Time, kind string, status appointment.Status) {
	tb.Helper()
	resource := appointment.New(appointment.Fields{
		PatientID: patientID, ProviderID: providerID, Type: kind,
		Start: start, End: start.Add(30 * time.Minute), Created: time.Now(),
	})
	resource.Status = status.FHIR()
	if _, _, err := server.FHIR.Create(context.Background(), "Appointment", resource, ""); err != nil {
		tb.Fatalf("seed appointment: %v", err)
	}
}

// seedCondition stores a condition-survey answer as the survey does.
func (h *harness) seedCondition(patientID, slug string) {
	h.t.Helper()
	if _, err := survey.Replace(context.Background(), h.server.FHIR, patientID, []string{slug}, nil, time.Now()); err != nil {
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
