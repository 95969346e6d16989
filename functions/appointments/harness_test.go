package appointments

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

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/testenv/fixture"
)

type harness struct {
	t        *testing.T
	cfg      config.Base
	server   *Server
	provider string
}

// newHarness starts a server on the test's own FHIR store and seeds one
// active provider in the directory.
func newHarness(t *testing.T) *harness {
	t.Helper()
	testenv.Require(t)
	cfg := testenv.Config(t)
	h := &harness{t: t, cfg: cfg}
	h.server = h.newInstance()
	h.provider = h.seedProvider(true, []string{"telehealth", "in-person", "group"})
	return h
}

// newInstance starts another server on the harness's configuration, like a
// second instance of the function.
func (h *harness) newInstance() *Server {
	h.t.Helper()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	server, err := NewServer(context.Background(), h.cfg, logger)
	if err != nil {
		h.t.Fatalf("NewServer: %v", err)
	}
	return server
}

// seedProvider stores a directory entry through the directory store. A
// provider needs at least one appointment type, so nil types means
// telehealth only.
func (h *harness) seedProvider(active bool, types []string) string {
	h.t.Helper()
	if types == nil {
		types = []string{appointment.TypeTelehealth}
	}
	p := &directory.Provider{
		Name: "Test Clinic", Specialty: "Internal medicine", AppointmentTypes: types,
		Languages: []string{"en"}, Address: "1 Main St", Phone: "+1 555 0100", Email: "clinic@example.com",
		Location: firestoreGeoPoint(), Active: active,
	}
	return fixture.Provider(h.t, h.server.Firestore, p)
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r response) code() string {
	code, _ := r.body["code"].(string)
	return code
}

func (r response) str(key string) string {
	v, _ := r.body[key].(string)
	return v
}

func (r response) list() listResponse {
	var out listResponse
	_ = json.Unmarshal(r.raw, &out)
	return out
}

func (h *harness) do(method, query, token string, body any, header map[string]string) response {
	h.t.Helper()
	return h.doOn(h.server, method, query, token, body, header)
}

// doOn sends the request to server, one of several instances that share
// the harness's Firestore and FHIR store.
func (h *harness) doOn(server *Server, method, query, token string, body any, header map[string]string) response {
	h.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	r := httptest.NewRequest(method, "/appointments"+query, reader)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	server.Handler().ServeHTTP(w, r)
	out := response{status: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		h.t.Fatalf("non-JSON response %d: %s", w.Code, w.Body)
	}
	return out
}

// book creates an appointment and fails the test unless it is created.
func (h *harness) book(token string, start time.Time, minutes int, kind string) response {
	h.t.Helper()
	resp := h.do(http.MethodPost, "", token, h.request(start, minutes, kind), nil)
	if resp.status != http.StatusCreated {
		h.t.Fatalf("book at %s: %d %s", start.Format(time.RFC3339), resp.status, resp.raw)
	}
	return resp
}

func (h *harness) request(start time.Time, minutes int, kind string) map[string]any {
	return map[string]any{
		"providerId": h.provider, "type": kind,
		"start": start.Format(time.RFC3339), "end": start.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339),
	}
}

func (h *harness) patch(token, id, version string, body any) response {
	h.t.Helper()
	header := map[string]string{}
	if version != "" {
		header["If-Match"] = version
	}
	return h.do(http.MethodPatch, "?id="+id, token, body, header)
}

// auditEntries returns the appointments function's audit entries of uid.
func (h *harness) auditEntries(uid string) []audit.Entry {
	h.t.Helper()
	docs, err := h.server.Firestore.Collection(audit.Collection).
		Where("actor", "==", uid).Where("function", "==", FunctionName).Documents(context.Background()).GetAll()
	if err != nil {
		h.t.Fatalf("read audit log: %v", err)
	}
	out := make([]audit.Entry, 0, len(docs))
	for _, doc := range docs {
		var e audit.Entry
		if err := doc.DataTo(&e); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// tomorrowAt returns a time on a future day at the given UTC hour.
func tomorrowAt(hour int) time.Time {
	d := time.Now().UTC().AddDate(0, 0, 2)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, time.UTC)
}

func firestoreGeoPoint() *latlng.LatLng {
	return &latlng.LatLng{Latitude: 40.7128, Longitude: -74.006}
}
