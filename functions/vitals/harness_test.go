package vitals

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/testenv"
)

type harness struct {
	t      *testing.T
	cfg    config.Base
	server *Server
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
	return &harness{t: t, cfg: cfg, server: server}
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

func (h *harness) post(token, contentType string, body []byte) response {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/vitals", bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return h.do(r, token)
}

func (h *harness) postJSON(token string, body any) response {
	h.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.post(token, "application/json", data)
}

func (h *harness) get(token, query string) response {
	h.t.Helper()
	return h.do(httptest.NewRequest(http.MethodGet, "/vitals?"+query, nil), token)
}

func (h *harness) do(r *http.Request, token string) response {
	h.t.Helper()
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	out := response{status: w.Code, raw: w.Body.Bytes()}
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		h.t.Fatalf("non-JSON response %d: %s", w.Code, w.Body)
	}
	return out
}

// results returns the per-reading results of a POST response.
func (r response) results() []result {
	var body recordResponse
	_ = json.Unmarshal(r.raw, &body)
	return body.Results
}

func (r response) list() listResponse {
	var body listResponse
	_ = json.Unmarshal(r.raw, &body)
	return body
}

func reading(kind string, value float64, unit, at string) map[string]any {
	return map[string]any{"type": kind, "value": value, "unit": unit, "effectiveAt": at, "source": "test-device"}
}

func bloodPressure(systolic, diastolic float64, at string) map[string]any {
	return map[string]any{"type": "blood_pressure", "systolic": systolic, "diastolic": diastolic, "unit": "mm[Hg]", "effectiveAt": at, "source": "test-cuff"}
}
