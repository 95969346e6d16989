package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func decodeHandler() http.Handler {
	return Wrap(Options{Function: "test", CORSOrigins: []string{"https://app.example"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		[]string{http.MethodPost}, func(w http.ResponseWriter, r *http.Request) error {
			var body loginBody
			if err := Decode(w, r, 128, &body); err != nil {
				return err
			}
			return Respond(w, http.StatusOK, body)
		})
}

func TestDecodeRejectsBadBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
	}{
		{"valid", "application/json", `{"email":"a@b.c","password":"x"}`, 200, ""},
		{"charset parameter", "application/json; charset=utf-8", `{"email":"a"}`, 200, ""},
		{"wrong content type", "text/plain", `{"email":"a"}`, 415, "unsupported_media_type"},
		{"missing content type", "", `{"email":"a"}`, 415, "unsupported_media_type"},
		{"unknown field", "application/json", `{"email":"a","admin":true}`, 400, "unknown_field"},
		{"not json", "application/json", `email=a`, 400, "invalid_json"},
		{"truncated", "application/json", `{"email":"a"`, 400, "invalid_json"},
		{"empty", "application/json", ``, 400, "empty_body"},
		{"array", "application/json", `[1,2]`, 400, "invalid_json"},
		{"wrong type", "application/json", `{"email":5}`, 400, "invalid_field"},
		{"trailing data", "application/json", `{"email":"a"}{"email":"b"}`, 400, "invalid_json"},
		{"too large", "application/json", `{"email":"` + strings.Repeat("a", 500) + `"}`, 413, "body_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			decodeHandler().ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantCode == "" {
				return
			}
			var got body
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("error body is not JSON: %s", w.Body)
			}
			if got.Code != tc.wantCode || got.Error == "" {
				t.Errorf("error body = %+v, want code %s and a message", got, tc.wantCode)
			}
			if strings.Contains(got.Error, "aaaa") {
				t.Errorf("error message echoes the body: %q", got.Error)
			}
		})
	}
}

func TestWrapRejectsOtherMethods(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	decodeHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status = %d, want 405", w.Code)
	}
	if !strings.Contains(w.Header().Get("Allow"), "POST") {
		t.Errorf("Allow = %q, want POST listed", w.Header().Get("Allow"))
	}
}

func TestWrapHidesPanicsAndInternalErrors(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	handlers := map[string]HandlerFunc{
		"panic":    func(http.ResponseWriter, *http.Request) error { panic("secret detail") },
		"internal": func(http.ResponseWriter, *http.Request) error { return errors.New("secret detail") },
	}
	for name, fn := range handlers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			Wrap(Options{Logger: quiet}, []string{http.MethodGet}, fn).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != http.StatusInternalServerError {
				t.Fatalf("status = %d, want 500", w.Code)
			}
			if strings.Contains(w.Body.String(), "secret") {
				t.Errorf("response leaks the internal error: %s", w.Body)
			}
		})
	}
}

func TestWrapSetsRetryAfter(t *testing.T) {
	t.Parallel()
	fn := func(http.ResponseWriter, *http.Request) error {
		e := NewError(http.StatusTooManyRequests, "rate_limited", "Too many requests.")
		e.RetryAfter = 1500 * 1e6
		return e
	}
	w := httptest.NewRecorder()
	Wrap(Options{}, []string{http.MethodGet}, fn).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := w.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2 (rounded up)", got)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		method     string
		origin     string
		wantStatus int
		wantAllow  string
	}{
		{"preflight allowed", http.MethodOptions, "https://app.example", 204, "https://app.example"},
		{"preflight other origin", http.MethodOptions, "https://evil.example", 403, ""},
		{"request other origin", http.MethodPost, "https://evil.example", 415, ""},
		{"request allowed origin", http.MethodPost, "https://app.example", 415, "https://app.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, "/", nil)
			r.Header.Set("Origin", tc.origin)
			w := httptest.NewRecorder()
			decodeHandler().ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantAllow)
			}
		})
	}
}

func TestCORSHeaderLists(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodOptions, "/", nil)
	r.Header.Set("Origin", "https://app.example")
	r.Header.Set("Access-Control-Request-Method", http.MethodPatch)
	r.Header.Set("Access-Control-Request-Headers", "authorization, content-type, if-match")
	w := httptest.NewRecorder()
	decodeHandler().ServeHTTP(w, r)

	allowed := strings.Split(w.Header().Get("Access-Control-Allow-Headers"), ", ")
	for _, name := range []string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match"} {
		if !slices.Contains(allowed, name) {
			t.Errorf("Access-Control-Allow-Headers = %q, missing %s", allowed, name)
		}
	}
	exposed := strings.Split(w.Header().Get("Access-Control-Expose-Headers"), ", ")
	for _, name := range []string{"ETag", "Retry-After", "Content-Disposition"} {
		if !slices.Contains(exposed, name) {
			t.Errorf("Access-Control-Expose-Headers = %q, missing %s", exposed, name)
		}
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		remote string
		xff    string
		hops   int
		want   string
	}{
		{"peer when no proxies", "192.0.2.7:5000", "203.0.113.9", 0, "192.0.2.7"},
		{"last entry with one proxy", "10.0.0.1:5000", "198.51.100.1, 203.0.113.9", 1, "203.0.113.9"},
		{"spoofed entries ignored", "10.0.0.1:5000", "1.1.1.1, 203.0.113.9, 35.191.0.1", 2, "203.0.113.9"},
		{"too few entries falls back", "192.0.2.7:5000", "", 1, "192.0.2.7"},
		{"garbage entry falls back", "192.0.2.7:5000", "not-an-ip", 1, "192.0.2.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := ClientIP(r, tc.hops); got != tc.want {
				t.Errorf("ClientIP() = %q, want %q", got, tc.want)
			}
		})
	}
}
