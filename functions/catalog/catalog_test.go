package catalog

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
	"time"

	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/survey"
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
	if err := server.catalog.SeedConditions(context.Background()); err != nil {
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
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		h.t.Fatalf("%s %s answered non-JSON %d %q", method, target, w.Code, w.Body)
	}
	return w.Code, out
}

// newCondition creates an active condition of the test's own through the
// API, so that articles filed under it are the test's alone.
func (h *harness) newCondition(admin testenv.User) string {
	h.t.Helper()
	slug := testenv.UniqueID(h.t)
	status, got := h.do(ConditionsFunction, http.MethodPost, "/conditions", admin.Token, fmt.Sprintf(`{"slug":%q,"name":"Test condition","order":900}`, slug))
	if status != http.StatusCreated {
		h.t.Fatalf("create condition: %d %v", status, got)
	}
	h.t.Cleanup(func() {
		_, _ = h.server.Firestore.Collection(catalog.ConditionsCollection).Doc(slug).Delete(context.Background())
	})
	return slug
}

func (h *harness) newArticle(admin testenv.User, title, slug string, published time.Time) string {
	h.t.Helper()
	body := fmt.Sprintf(`{"title":%q,"summary":"A summary of %s.","body":"Some words to read.","conditions":[%q],"publishedAt":%q}`,
		title, title, slug, published.UTC().Format(time.RFC3339))
	status, got := h.do(ResourcesFunction, http.MethodPost, "/resources", admin.Token, body)
	if status != http.StatusCreated {
		h.t.Fatalf("create article: %d %v", status, got)
	}
	id := got["id"].(string)
	h.t.Cleanup(func() {
		_, _ = h.server.Firestore.Collection(catalog.ArticlesCollection).Doc(id).Delete(context.Background())
	})
	return id
}

func titles(body map[string]any) []string {
	var out []string
	list, _ := body["articles"].([]any)
	for _, item := range list {
		out = append(out, item.(map[string]any)["title"].(string))
	}
	return out
}

func TestConditionsArePublic(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	status, got := h.do(ConditionsFunction, http.MethodGet, "/conditions", "", "")
	if status != http.StatusOK {
		t.Fatalf("status %d body %v", status, got)
	}
	var slugs []string
	for _, item := range got["conditions"].([]any) {
		slugs = append(slugs, item.(map[string]any)["slug"].(string))
	}
	if want := "hiv-aids diabetes cancer heart-disease mental-health"; !strings.HasPrefix(strings.Join(slugs, " "), want) {
		t.Errorf("slugs = %v, want the five defaults first, in order", slugs)
	}
}

func TestCatalogWritesNeedAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := []struct {
		function, method, target, body string
	}{
		{ConditionsFunction, http.MethodPost, "/conditions", `{"slug":"x-test","name":"X"}`},
		{ConditionsFunction, http.MethodPatch, "/conditions?slug=diabetes", `{"active":false}`},
		{ResourcesFunction, http.MethodPost, "/resources", `{"title":"T","summary":"S","body":"B","conditions":["diabetes"]}`},
		{ResourcesFunction, http.MethodPatch, "/resources?id=any", `{"published":false}`},
	}
	for _, tc := range cases {
		if status, got := h.do(tc.function, tc.method, tc.target, user.Token, tc.body); status != http.StatusForbidden || got["code"] != "admin_required" {
			t.Errorf("%s %s as patient: %d %v, want 403 admin_required", tc.method, tc.target, status, got["code"])
		}
		if status, _ := h.do(tc.function, tc.method, tc.target, "", tc.body); status != http.StatusUnauthorized {
			t.Errorf("%s %s without token: %d, want 401", tc.method, tc.target, status)
		}
	}
	if _, got := h.do(ConditionsFunction, http.MethodGet, "/conditions", "", ""); !strings.Contains(fmt.Sprint(got), "diabetes") {
		t.Error("a rejected write changed the catalog")
	}
}

func TestAdminUpdatesAndDeactivatesCondition(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	slug := h.newCondition(admin)

	status, got := h.do(ConditionsFunction, http.MethodPatch, "/conditions?slug="+slug, admin.Token, `{"name":"Renamed","active":false}`)
	if status != http.StatusOK || got["name"] != "Renamed" || got["active"] != false {
		t.Fatalf("patch: %d %v", status, got)
	}
	if _, got := h.do(ConditionsFunction, http.MethodGet, "/conditions", "", ""); strings.Contains(fmt.Sprint(got), slug) {
		t.Error("an inactive condition is still listed")
	}
	if status, got := h.do(ConditionsFunction, http.MethodPost, "/conditions", admin.Token, fmt.Sprintf(`{"slug":%q,"name":"Again"}`, slug)); status != http.StatusConflict {
		t.Errorf("create existing slug: %d %v, want 409", status, got)
	}
	if status, got := h.do(ConditionsFunction, http.MethodPatch, "/conditions?slug=no-such-slug", admin.Token, `{"name":"X"}`); status != http.StatusNotFound {
		t.Errorf("patch unknown slug: %d %v, want 404", status, got)
	}
	if status, got := h.do(ConditionsFunction, http.MethodPost, "/conditions", admin.Token, `{"slug":"Bad Slug","name":"X"}`); status != http.StatusBadRequest || got["code"] != "invalid_slug" {
		t.Errorf("bad slug: %d %v, want 400 invalid_slug", status, got)
	}
}

func TestResourcesFilterPageAndSearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	user := testenv.NewUser(t, h.cfg)
	slug := h.newCondition(admin)
	other := h.newCondition(admin)
	day := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h.newArticle(admin, "Sleep and recovery", slug, day)
	h.newArticle(admin, "Walking after surgery", slug, day.Add(24*time.Hour))
	h.newArticle(admin, "Sleep hygiene basics", slug, day.Add(48*time.Hour))
	h.newArticle(admin, "Other topic sleep", other, day.Add(72*time.Hour))

	// Newest first, two per page.
	var all []string
	token := ""
	for pages := 1; ; pages++ {
		status, got := h.do(ResourcesFunction, http.MethodGet, "/resources?pageSize=2&condition="+slug+"&pageToken="+token, user.Token, "")
		if status != http.StatusOK {
			t.Fatalf("page %d: %d %v", pages, status, got)
		}
		all = append(all, titles(got)...)
		token, _ = got["nextPageToken"].(string)
		if token == "" || pages > 3 {
			break
		}
	}
	if want := "[Sleep hygiene basics Walking after surgery Sleep and recovery]"; fmt.Sprint(all) != want {
		t.Errorf("titles = %v, want %s", all, want)
	}

	_, got := h.do(ResourcesFunction, http.MethodGet, "/resources?q=SLEEP&condition="+slug+","+other, user.Token, "")
	if want := "[Other topic sleep Sleep hygiene basics Sleep and recovery]"; fmt.Sprint(titles(got)) != want {
		t.Errorf("text search titles = %v, want %s", titles(got), want)
	}
	if status, got := h.do(ResourcesFunction, http.MethodGet, "/resources?condition=flu", user.Token, ""); status != http.StatusBadRequest || got["code"] != "unknown_condition" {
		t.Errorf("unknown condition: %d %v, want 400 unknown_condition", status, got)
	}
	if status, got := h.do(ResourcesFunction, http.MethodGet, "/resources?pageToken=garbage&condition="+slug, user.Token, ""); status != http.StatusBadRequest || got["code"] != "invalid_page_token" {
		t.Errorf("bad page token: %d %v, want 400 invalid_page_token", status, got)
	}
	if status, got := h.do(ResourcesFunction, http.MethodGet, "/resources?topic=x", user.Token, ""); status != http.StatusBadRequest || got["code"] != "unknown_parameter" {
		t.Errorf("unknown parameter: %d %v, want 400 unknown_parameter", status, got)
	}
}

func TestResourcesDefaultToSurveyConditions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	user := testenv.NewUser(t, h.cfg)
	slug := h.newCondition(admin)
	h.newArticle(admin, "Only for the survey condition", slug, time.Now().Add(-time.Hour))
	if _, err := survey.Replace(context.Background(), h.server.FHIR, user.PatientID, []string{slug}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}

	status, got := h.do(ResourcesFunction, http.MethodGet, "/resources", user.Token, "")
	if status != http.StatusOK {
		t.Fatalf("status %d body %v", status, got)
	}
	if fmt.Sprint(got["conditions"]) != "["+slug+"]" || fmt.Sprint(titles(got)) != "[Only for the survey condition]" {
		t.Errorf("conditions %v titles %v, want the survey's condition and its article", got["conditions"], titles(got))
	}
}

func TestUnpublishedArticleIsHidden(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	user := testenv.NewUser(t, h.cfg)
	slug := h.newCondition(admin)
	id := h.newArticle(admin, "Soon withdrawn", slug, time.Now().Add(-time.Hour))

	if status, got := h.do(ResourcesFunction, http.MethodGet, "/resources?id="+id, user.Token, ""); status != http.StatusOK || got["body"] != "Some words to read." {
		t.Fatalf("get article: %d %v", status, got)
	}
	if status, got := h.do(ResourcesFunction, http.MethodPatch, "/resources?id="+id, admin.Token, `{"published":false}`); status != http.StatusOK || got["published"] != false {
		t.Fatalf("unpublish: %d %v", status, got)
	}
	if _, got := h.do(ResourcesFunction, http.MethodGet, "/resources?condition="+slug, user.Token, ""); len(titles(got)) != 0 {
		t.Errorf("list after unpublish = %v, want none", titles(got))
	}
	if status, _ := h.do(ResourcesFunction, http.MethodGet, "/resources?id="+id, user.Token, ""); status != http.StatusNotFound {
		t.Errorf("get unpublished as patient: %d, want 404", status)
	}
	if status, _ := h.do(ResourcesFunction, http.MethodGet, "/resources?id="+id, admin.Token, ""); status != http.StatusOK {
		t.Errorf("get unpublished as admin: %d, want 200", status)
	}
}

func TestArticleValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := testenv.NewAdmin(t, h.cfg)
	cases := []struct{ name, body, code string }{
		{"no content", `{"title":"T","summary":"S","conditions":["diabetes"]}`, "missing_content"},
		{"http source", `{"title":"T","summary":"S","sourceUrl":"http://example.org/a","readingMinutes":3,"conditions":["diabetes"]}`, "invalid_source_url"},
		{"link without reading time", `{"title":"T","summary":"S","sourceUrl":"https://example.org/a","conditions":["diabetes"]}`, "invalid_reading_minutes"},
		{"unknown condition", `{"title":"T","summary":"S","body":"B","conditions":["flu"]}`, "unknown_condition"},
		{"no condition", `{"title":"T","summary":"S","body":"B","conditions":[]}`, "invalid_conditions"},
		{"bad date", `{"title":"T","summary":"S","body":"B","conditions":["diabetes"],"publishedAt":"yesterday"}`, "invalid_published_at"},
		{"missing title", `{"summary":"S","body":"B","conditions":["diabetes"]}`, "invalid_title"},
	}
	for _, tc := range cases {
		if status, got := h.do(ResourcesFunction, http.MethodPost, "/resources", admin.Token, tc.body); status != http.StatusBadRequest || got["code"] != tc.code {
			t.Errorf("%s: %d %v, want 400 %s", tc.name, status, got["code"], tc.code)
		}
	}
}
