package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
	server, err := NewServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, cfg: cfg, server: server}
}

func (h *harness) do(method, token, body string) (int, map[string]any) {
	h.t.Helper()
	r := httptest.NewRequest(method, "/profile", strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		h.t.Fatalf("%s /profile answered non-JSON %d %q", method, w.Code, w.Body)
	}
	return w.Code, out
}

func TestProfileDefaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	status, got := h.do(http.MethodGet, user.Token, "")
	if status != http.StatusOK {
		t.Fatalf("status = %d, body %v", status, got)
	}
	want := map[string]any{"id": user.UID, "email": user.Email, "fullName": "Test Patient", "preferredLanguage": "en",
		"timeZone": "UTC", "temperatureUnit": "F", "profileCompleted": false}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s = %v, want %v", key, got[key], value)
		}
	}
	notifications, _ := got["notifications"].(map[string]any)
	if notifications["push"] != true || notifications["email"] != false {
		t.Errorf("notifications = %v, want the defaults (push on, e-mail off)", notifications)
	}
}

func TestProfilePatchChangesOnlyGivenFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	status, got := h.do(http.MethodPatch, user.Token, `{"timeZone":"America/Chicago","temperatureUnit":"C","preferredLanguage":"es-mx","notifications":{"email":true}}`)
	if status != http.StatusOK {
		t.Fatalf("status = %d, body %v", status, got)
	}
	_, got = h.do(http.MethodGet, user.Token, "")
	if got["timeZone"] != "America/Chicago" || got["temperatureUnit"] != "C" || got["preferredLanguage"] != "es-MX" {
		t.Errorf("profile = %v, want America/Chicago, C, es-MX", got)
	}
	notifications, _ := got["notifications"].(map[string]any)
	if notifications["email"] != true || notifications["push"] != true {
		t.Errorf("notifications = %v, want e-mail on and push still on", notifications)
	}
	stored, err := h.server.Accounts.Load(context.Background(), user.UID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.TimeZone != "America/Chicago" {
		t.Errorf("stored time zone = %q, want America/Chicago", stored.TimeZone)
	}
}

func TestProfilePatchRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := []struct {
		name, body, code string
	}{
		{"unknown time zone", `{"timeZone":"Mars/Olympus_Mons"}`, "invalid_time_zone"},
		{"local time zone", `{"timeZone":"Local"}`, "invalid_time_zone"},
		{"path as time zone", `{"timeZone":"../../etc/passwd"}`, "invalid_time_zone"},
		{"temperature unit", `{"temperatureUnit":"K"}`, "invalid_temperature_unit"},
		{"language", `{"preferredLanguage":"not a tag"}`, "invalid_language"},
		{"empty full name", `{"fullName":"  "}`, "invalid_full_name"},
		{"e-mail", `{"email":"new@example.com"}`, "email_read_only"},
		{"unknown field", `{"role":"admin"}`, "unknown_field"},
		{"wrong type", `{"profileCompleted":"yes"}`, "invalid_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, got := h.do(http.MethodPatch, user.Token, tc.body)
			if status != http.StatusBadRequest || got["code"] != tc.code {
				t.Errorf("status %d code %v, want 400 %s", status, got["code"], tc.code)
			}
		})
	}
	_, got := h.do(http.MethodGet, user.Token, "")
	if got["timeZone"] != "UTC" || got["temperatureUnit"] != "F" {
		t.Errorf("a rejected patch changed the profile: %v", got)
	}
}

func TestProfileRenameReachesPatientAndIdentity(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	if status, got := h.do(http.MethodPatch, user.Token, `{"fullName":"Renamed Patient"}`); status != http.StatusOK || got["fullName"] != "Renamed Patient" {
		t.Fatalf("status %d body %v", status, got)
	}
	_, data, err := h.server.FHIR.Read(context.Background(), "Patient", user.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"text":"Renamed Patient"`)) {
		t.Errorf("patient name was not updated: %s", data)
	}
	record, err := h.server.Auth.GetUser(context.Background(), user.UID)
	if err != nil {
		t.Fatal(err)
	}
	if record.DisplayName != "Renamed Patient" {
		t.Errorf("display name = %q, want Renamed Patient", record.DisplayName)
	}
}

func TestProfileIsPerUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := testenv.NewUser(t, h.cfg)
	second := testenv.NewUser(t, h.cfg)

	h.do(http.MethodPatch, second.Token, `{"timeZone":"Asia/Tokyo","fullName":"Second Person"}`)
	_, got := h.do(http.MethodGet, first.Token, "")
	if got["id"] != first.UID || got["timeZone"] != "UTC" || got["fullName"] != "Test Patient" {
		t.Errorf("first user's profile = %v, want it untouched by the second user's change", got)
	}
	if status, got := h.do(http.MethodGet, "", ""); status != http.StatusUnauthorized || got["code"] != "token_missing" {
		t.Errorf("without token: %d %v, want 401 token_missing", status, got)
	}
}
