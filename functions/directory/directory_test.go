package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
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

func (h *harness) do(function, method, target, token, body string) (int, map[string]any) {
	h.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler(function).ServeHTTP(w, r)
	if w.Code == http.StatusNoContent {
		return w.Code, nil
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		h.t.Fatalf("%s %s answered non-JSON %d %q", method, target, w.Code, w.Body)
	}
	return w.Code, out
}

// newProvider creates a provider through the admin API and deletes it when
// the test ends.
func (h *harness) newProvider(admin testenv.User, name, specialty string) string {
	h.t.Helper()
	body := fmt.Sprintf(`{"name":%q,"specialty":%q,"appointmentTypes":["telehealth","in-person"],"languages":["en","es"],
		"address":"100 Main St, Chicago, IL","phone":"+1 312 555 0101","email":"clinic@example.org","location":{"lat":41.88,"lng":-87.63}}`, name, specialty)
	status, got := h.do(ProvidersFunction, http.MethodPost, "/providers", admin.Token, body)
	if status != http.StatusCreated {
		h.t.Fatalf("create provider: %d %v", status, got)
	}
	id := got["id"].(string)
	h.t.Cleanup(func() {
		_, _ = h.server.Firestore.Collection(directory.ProvidersCollection).Doc(id).Delete(context.Background())
	})
	return id
}

func TestProvidersSearchOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	user := testenv.NewUser(t, h.cfg)
	specialty := "http " + testenv.UniqueID(t)
	h.newProvider(admin, "Dana Ortiz", specialty)
	h.newProvider(admin, "Eli Park", specialty)

	target := "/providers?specialty=" + strings.ReplaceAll(specialty, " ", "+") + "&near=41.88,-87.63&radiusKm=5&language=es&appointmentType=telehealth"
	status, got := h.do(ProvidersFunction, http.MethodGet, target, user.Token, "")
	if status != http.StatusOK {
		t.Fatalf("status %d body %v", status, got)
	}
	list := got["providers"].([]any)
	if len(list) != 2 {
		t.Fatalf("providers = %v, want 2", list)
	}
	first := list[0].(map[string]any)
	if first["distanceKm"] != 0.0 || first["telehealth"] != true || first["location"] == nil {
		t.Errorf("first provider = %v, want distance 0, telehealth and a location", first)
	}
}

func TestProvidersRejectBadSearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := []struct{ query, code string }{
		{"near=91,0", "invalid_near"},
		{"near=north", "invalid_near"},
		{"near=41,-87&radiusKm=500", "invalid_radius"},
		{"near=41,-87&radiusKm=far", "invalid_radius"},
		{"radiusKm=5", "radius_without_near"},
		{"appointmentType=phone", "invalid_appointment_type"},
		{"language=!!", "invalid_language"},
		{"pageSize=500", "invalid_page_size"},
		{"pageSize=ten", "invalid_page_size"},
		{"pageToken=abc", "invalid_page_token"},
		{"sort=name", "unknown_parameter"},
	}
	for _, tc := range cases {
		if status, got := h.do(ProvidersFunction, http.MethodGet, "/providers?"+tc.query, user.Token, ""); status != http.StatusBadRequest || got["code"] != tc.code {
			t.Errorf("?%s: %d %v, want 400 %s", tc.query, status, got["code"], tc.code)
		}
	}
}

func TestProviderWritesNeedAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	user := testenv.NewUser(t, h.cfg)
	id := h.newProvider(admin, "Fay Quinn", "admin "+testenv.UniqueID(t))

	if status, got := h.do(ProvidersFunction, http.MethodPost, "/providers", user.Token, `{"name":"X"}`); status != http.StatusForbidden || got["code"] != "admin_required" {
		t.Errorf("create as patient: %d %v, want 403 admin_required", status, got)
	}
	if status, got := h.do(ProvidersFunction, http.MethodPatch, "/providers?id="+id, user.Token, `{"active":false}`); status != http.StatusForbidden {
		t.Errorf("patch as patient: %d %v, want 403", status, got)
	}
	if status, got := h.do(ProvidersFunction, http.MethodPost, "/providers", admin.Token, `{"name":"No Location","specialty":"x","appointmentTypes":["group"],"languages":["en"]}`); status != http.StatusBadRequest || got["code"] != "missing_location" {
		t.Errorf("create without location: %d %v, want 400 missing_location", status, got)
	}
	if status, got := h.do(ProvidersFunction, http.MethodPatch, "/providers?id="+id, admin.Token, `{"active":false}`); status != http.StatusOK || got["active"] != false {
		t.Fatalf("deactivate: %d %v", status, got)
	}
	if status, _ := h.do(ProvidersFunction, http.MethodGet, "/providers?id="+id, user.Token, ""); status != http.StatusNotFound {
		t.Errorf("get inactive provider as patient: %d, want 404", status)
	}
}

func TestCareTeamLinkPrimaryAndUnlink(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	user := testenv.NewUser(t, h.cfg)
	specialty := "team " + testenv.UniqueID(t)
	first := h.newProvider(admin, "Gail Reyes", specialty)
	second := h.newProvider(admin, "Hal Stone", specialty)

	if status, got := h.do(CareTeamFunction, http.MethodPost, "/care-team", user.Token, fmt.Sprintf(`{"providerId":%q,"primary":true}`, first)); status != http.StatusCreated || got["primary"] != true {
		t.Fatalf("link first: %d %v", status, got)
	}
	if status, got := h.do(CareTeamFunction, http.MethodPost, "/care-team", user.Token, fmt.Sprintf(`{"providerId":%q,"primary":true}`, second)); status != http.StatusCreated {
		t.Fatalf("link second: %d %v", status, got)
	}
	if status, _ := h.do(CareTeamFunction, http.MethodPost, "/care-team", user.Token, fmt.Sprintf(`{"providerId":%q,"primary":true}`, second)); status != http.StatusOK {
		t.Errorf("link again: %d, want 200", status)
	}
	_, got := h.do(CareTeamFunction, http.MethodGet, "/care-team", user.Token, "")
	members := got["members"].([]any)
	if len(members) != 2 {
		t.Fatalf("members = %v, want 2", members)
	}
	top := members[0].(map[string]any)
	if top["providerId"] != second || top["primary"] != true || members[1].(map[string]any)["primary"] != false {
		t.Errorf("members = %v, want %s primary and first, the other demoted", members, second)
	}
	if top["provider"].(map[string]any)["name"] != "Hal Stone" {
		t.Errorf("member provider = %v, want Hal Stone's entry", top["provider"])
	}

	if status, _ := h.do(CareTeamFunction, http.MethodDelete, "/care-team?providerId="+first, user.Token, ""); status != http.StatusNoContent {
		t.Errorf("unlink: %d, want 204", status)
	}
	if status, got := h.do(CareTeamFunction, http.MethodDelete, "/care-team?providerId="+first, user.Token, ""); status != http.StatusNotFound || got["code"] != "not_linked" {
		t.Errorf("unlink twice: %d %v, want 404 not_linked", status, got)
	}
	if status, got := h.do(CareTeamFunction, http.MethodPost, "/care-team", user.Token, `{"providerId":"no-such-provider"}`); status != http.StatusNotFound || got["code"] != "provider_not_found" {
		t.Errorf("link unknown provider: %d %v, want 404 provider_not_found", status, got)
	}
}

func TestCareTeamIsPerUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	owner := testenv.NewUser(t, h.cfg)
	other := testenv.NewUser(t, h.cfg)
	id := h.newProvider(admin, "Ivy Tran", "per-user "+testenv.UniqueID(t))
	h.do(CareTeamFunction, http.MethodPost, "/care-team", owner.Token, fmt.Sprintf(`{"providerId":%q,"primary":true}`, id))

	if _, got := h.do(CareTeamFunction, http.MethodGet, "/care-team", other.Token, ""); len(got["members"].([]any)) != 0 {
		t.Errorf("other user's care team = %v, want empty", got["members"])
	}
	if status, got := h.do(CareTeamFunction, http.MethodDelete, "/care-team?providerId="+id, other.Token, ""); status != http.StatusNotFound {
		t.Errorf("other user unlinking: %d %v, want 404", status, got)
	}
	if _, got := h.do(CareTeamFunction, http.MethodGet, "/care-team", owner.Token, ""); len(got["members"].([]any)) != 1 {
		t.Errorf("owner's care team = %v after the other user's calls, want the one link", got["members"])
	}
}
