package export

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/testenv/fixture"
)

type harness struct {
	t      *testing.T
	cfg    config.Base
	server *Server
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	testenv.Require(t)
	cfg := testenv.Config(t)
	server, err := NewServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	tt, _ := t.(*testing.T)
	return &harness{t: tt, cfg: cfg, server: server}
}

// document is the export as a client parses it.
type document struct {
	ExportedAt string           `json:"exportedAt"`
	Profile    map[string]any   `json:"profile"`
	Enrollment map[string]any   `json:"enrollment"`
	Devices    []map[string]any `json:"devices"`
	Bundle     struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	} `json:"bundle"`
	Complete bool `json:"complete"`
}

func (d document) countByType() map[string]int {
	out := map[string]int{}
	for _, e := range d.Bundle.Entry {
		out[e.Resource["resourceType"].(string)]++
	}
	return out
}

func (h *harness) export(token, query string) (*httptest.ResponseRecorder, document) {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/export"+query, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	var doc document
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			h.t.Fatalf("export is not valid JSON: %v", err)
		}
	}
	return w, doc
}

func TestExportContainsWholeRecord(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	seeded := fixture.NewRecord(t, h.cfg, user, testenv.UniqueID(t))
	h.setPreferences(user.UID)

	w, doc := h.export(user.Token, "")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, body %s", w.Code, w.Body)
	}
	if !doc.Complete || doc.Bundle.ResourceType != "Bundle" || doc.Bundle.Type != "collection" {
		t.Errorf("document complete=%v bundle %s/%s, want a complete collection Bundle", doc.Complete, doc.Bundle.ResourceType, doc.Bundle.Type)
	}
	want := map[string]int{"Patient": 1, "Observation": 1, "Condition": 1, "Appointment": 1, "Consent": 1, "CareTeam": 1, "Communication": 1}
	got := doc.countByType()
	for resourceType, n := range want {
		if got[resourceType] != n {
			t.Errorf("%s entries = %d, want %d (seeded %v)", resourceType, got[resourceType], n, seeded.FHIR[resourceType])
		}
	}
	wantProfile := map[string]any{
		"userId": user.UID, "patientId": user.PatientID, "email": user.Email,
		"preferredLanguage": "es-MX", "timeZone": "America/Chicago", "temperatureUnit": "C",
		"notifications": map[string]any{"push": false, "email": true, "appointmentReminders": true, "newResources": true},
	}
	for key, want := range wantProfile {
		if diff := cmp.Diff(want, doc.Profile[key]); diff != "" {
			t.Errorf("profile %s (-want +got):\n%s", key, diff)
		}
	}
	if len(doc.Devices) != 1 || doc.Devices[0]["platform"] != "web" || doc.Devices[0]["token"] != nil {
		t.Errorf("devices = %v, want the one web device without its token", doc.Devices)
	}
	if got := communications(doc); len(got) != 1 || got[0]["category"] == nil || len(got[0]["payload"].([]any)) != 2 {
		t.Errorf("communications = %v, want the inbox entry with its kind, title and body", got)
	}
	if members := careTeamMembers(doc); len(members) != 1 || !strings.HasPrefix(members[0]["display"].(string), "Dr. Seed") {
		t.Errorf("care team members = %v, want the seeded provider by name", members)
	}
	if doc.Enrollment == nil {
		t.Error("enrollment missing from the export")
	} else if doc.Enrollment["status"] == nil || doc.Enrollment["consentVersion"] == nil || doc.Enrollment["ConsentID"] != nil {
		t.Errorf("enrollment = %v, want the API form with status and consentVersion and no internal fields", doc.Enrollment)
	}
	if !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition = %q, want an attachment", w.Header().Get("Content-Disposition"))
	}
}

// setPreferences stores preferences other than the defaults on the user's
// profile, as the profile function does.
func (h *harness) setPreferences(uid string) {
	h.t.Helper()
	ctx := context.Background()
	profile, err := h.server.Accounts.Load(ctx, uid)
	if err != nil {
		h.t.Fatal(err)
	}
	profile.PreferredLanguage, profile.TimeZone, profile.TemperatureUnit = "es-MX", "America/Chicago", "C"
	profile.Notifications = &account.NotificationPreferences{Email: true, AppointmentReminders: true, NewResources: true}
	if _, err := h.server.Firestore.Collection(account.ProfilesCollection).Doc(uid).Set(ctx, profile); err != nil {
		h.t.Fatal(err)
	}
}

// communications returns the export's Communication resources.
func communications(doc document) []map[string]any {
	var out []map[string]any
	for _, e := range doc.Bundle.Entry {
		if e.Resource["resourceType"] == "Communication" {
			out = append(out, e.Resource)
		}
	}
	return out
}

// careTeamMembers returns the member references of the export's CareTeam.
func careTeamMembers(doc document) []map[string]any {
	var out []map[string]any
	for _, e := range doc.Bundle.Entry {
		if e.Resource["resourceType"] != "CareTeam" {
			continue
		}
		participants, _ := e.Resource["participant"].([]any)
		for _, p := range participants {
			member, _ := p.(map[string]any)["member"].(map[string]any)
			out = append(out, member)
		}
	}
	return out
}

func TestExportPagesThroughObservations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.server.pageSize = 100
	user := testenv.NewUser(t, h.cfg)
	testenv.SeedObservations(t, h.server.FHIR, user.PatientID, 250)

	_, doc := h.export(user.Token, "")
	ids := map[string]bool{}
	for _, e := range doc.Bundle.Entry {
		if e.Resource["resourceType"] == "Observation" {
			ids[e.Resource["id"].(string)] = true
		}
	}
	if len(ids) != 250 || !doc.Complete {
		t.Errorf("distinct Observations = %d complete=%v, want 250 and complete", len(ids), doc.Complete)
	}
}

func TestExportIsOwnRecordOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := testenv.NewUser(t, h.cfg)
	other := testenv.NewUser(t, h.cfg)
	fixture.NewRecord(t, h.cfg, owner, testenv.UniqueID(t))

	_, doc := h.export(other.Token, "")
	for _, e := range doc.Bundle.Entry {
		if e.Resource["resourceType"] == "Patient" && e.Resource["id"] != other.PatientID {
			t.Errorf("export of another user contains Patient %v", e.Resource["id"])
		}
	}
	if got := doc.countByType(); got["Observation"] != 0 || got["Consent"] != 0 || got["CareTeam"] != 0 {
		t.Errorf("other user's export has %v, want only their own Patient", got)
	}
	w, _ := h.export(other.Token, "?patient="+owner.PatientID)
	if w.Code != http.StatusBadRequest {
		t.Errorf("export naming another patient = %d, want 400", w.Code)
	}
	if w, _ := h.export("", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("export without a token = %d, want 401", w.Code)
	}
}
