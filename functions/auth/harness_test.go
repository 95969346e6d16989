package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ihep/backend/shared/testenv"
)

// harness runs the auth functions in-process against the test stack, as one
// client address with its own FHIR store and a captured log.
type harness struct {
	t      *testing.T
	server *Server
	ip     string
	logs   *testenv.LogBuffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	testenv.Require(t)
	logs := &testenv.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	server, err := NewServer(context.Background(), testenv.Config(t), logger)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return &harness{t: t, server: server, ip: testenv.UniqueIP(t), logs: logs}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
}

func (r response) code() string {
	code, _ := r.body["code"].(string)
	return code
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// call sends a JSON request to the named function with an optional token.
func (h *harness) call(name, method string, body any, token string) response {
	h.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	return h.raw(name, method, reader, "application/json", token)
}

func (h *harness) raw(name, method string, body io.Reader, contentType, token string) response {
	h.t.Helper()
	r := httptest.NewRequest(method, "/"+name, body)
	r.RemoteAddr = h.ip + ":40000"
	if body != nil {
		r.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler(name).ServeHTTP(w, r)
	out := response{status: w.Code, header: w.Header()}
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
			h.t.Fatalf("%s answered %d with non-JSON body %q", name, w.Code, w.Body.String())
		}
	}
	return out
}

// signup creates a fresh account and returns the sign-up response.
func (h *harness) signup(email, password string) response {
	h.t.Helper()
	resp := h.call("auth-signup", http.MethodPost, map[string]string{"email": email, "password": password, "fullName": "Test Patient"}, "")
	if resp.status != http.StatusCreated {
		h.t.Fatalf("signup status = %d, body %v", resp.status, resp.body)
	}
	return resp
}

// unsignedToken builds an emulator-style token (alg none) with the claims.
func unsignedToken(claims map[string]any) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload, _ := json.Marshal(claims)
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

func assertNoSecretsLogged(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(strings.ToLower(logs), strings.ToLower(secret)) {
			t.Errorf("logs contain a secret or personal value %q", secret)
		}
	}
}

// withHeader calls a GET function with a raw Authorization header.
func (h *harness) withHeader(name, authorization string) response {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/"+name, nil)
	r.RemoteAddr = h.ip + ":40000"
	r.Header.Set("Authorization", authorization)
	w := httptest.NewRecorder()
	h.server.Handler(name).ServeHTTP(w, r)
	out := response{status: w.Code, header: w.Header()}
	_ = json.Unmarshal(w.Body.Bytes(), &out.body)
	return out
}
