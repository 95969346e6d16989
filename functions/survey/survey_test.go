package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

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

func (h *harness) do(method, token, body string) (int, map[string]any) {
	h.t.Helper()
	r := httptest.NewRequest(method, "/survey", strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		h.t.Fatalf("%s /survey answered non-JSON %d %q", method, w.Code, w.Body)
	}
	return w.Code, out
}

// storedConditions returns the codes of every Condition on the patient.
func (h *harness) storedConditions(patientID string) []string {
	h.t.Helper()
	bundle, err := h.server.FHIR.Search(context.Background(), "Condition", url.Values{"subject": {"Patient/" + patientID}})
	if err != nil {
		h.t.Fatal(err)
	}
	var codes []string
	for _, entry := range bundle.Entry {
		var c struct {
			Code struct {
				Coding []struct{ System, Code string }
			}
			Category []struct{ Coding []struct{ Code string } }
		}
		if err := json.Unmarshal(entry.Resource, &c); err != nil {
			h.t.Fatal(err)
		}
		if c.Code.Coding[0].System != survey.CodeSystem || c.Category[0].Coding[0].Code != "problem-list-item" {
			h.t.Errorf("condition coding = %+v, want the catalog code system and problem-list-item", c)
		}
		codes = append(codes, c.Code.Coding[0].Code)
	}
	return codes
}

func TestSurveyStoresConditionsInFHIR(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	status, got := h.do(http.MethodPost, user.Token, `{"conditions":["diabetes","hiv-aids","diabetes"]}`)
	if status != http.StatusOK || fmt.Sprint(got["conditions"]) != "[hiv-aids diabetes]" {
		t.Fatalf("status %d body %v, want 200 with [hiv-aids diabetes]", status, got)
	}
	if codes := h.storedConditions(user.PatientID); fmt.Sprint(codes) != "[hiv-aids diabetes]" && fmt.Sprint(codes) != "[diabetes hiv-aids]" {
		t.Errorf("FHIR Conditions = %v, want one per answer", codes)
	}
	if _, got := h.do(http.MethodGet, user.Token, ""); fmt.Sprint(got["conditions"]) != "[diabetes hiv-aids]" {
		t.Errorf("GET conditions = %v, want [diabetes hiv-aids]", got["conditions"])
	}
	profile, err := h.server.Accounts.Load(context.Background(), user.UID)
	if err != nil {
		t.Fatal(err)
	}
	if !profile.ProfileCompleted {
		t.Error("profileCompleted is false after the survey")
	}
	assertNoConditionInFirestore(t, h.server.Firestore, user.UID)
}

// assertNoConditionInFirestore reads every document named by the user id,
// in every top-level collection and its subcollections, and the audit
// entries about the user, and fails when one holds a condition slug.
func assertNoConditionInFirestore(t *testing.T, fs *firestore.Client, uid string) {
	t.Helper()
	ctx := context.Background()
	collections, err := fs.Collections(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	var docs []*firestore.DocumentSnapshot
	for _, coll := range collections {
		snap, err := coll.Doc(uid).Get(ctx)
		if err == nil {
			docs = append(docs, snap)
		}
		subs := coll.Doc(uid).Collections(ctx)
		for {
			sub, err := subs.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			all, err := sub.Documents(ctx).GetAll()
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, all...)
		}
	}
	audits, err := fs.Collection("auditLog").Where("actor", "==", uid).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, audits...)
	if len(docs) == 0 {
		t.Fatal("found no Firestore document of the user: the check would prove nothing")
	}
	for _, doc := range docs {
		data, _ := json.Marshal(doc.Data())
		for _, c := range catalog.DefaultConditions {
			if strings.Contains(string(data), c.Slug) || strings.Contains(string(data), c.Name) {
				t.Errorf("Firestore document %s holds condition %s", doc.Ref.Path, c.Slug)
			}
		}
	}
}

func TestSurveyReanswerReplacesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	for range 2 {
		if status, got := h.do(http.MethodPost, user.Token, `{"conditions":["cancer","mental-health"]}`); status != http.StatusOK {
			t.Fatalf("status %d body %v", status, got)
		}
	}
	if codes := h.storedConditions(user.PatientID); len(codes) != 2 {
		t.Errorf("after the same answers twice: Conditions %v, want 2", codes)
	}
	h.do(http.MethodPost, user.Token, `{"conditions":["mental-health","heart-disease"]}`)
	if codes := h.storedConditions(user.PatientID); len(codes) != 2 || !strings.Contains(fmt.Sprint(codes), "heart-disease") || strings.Contains(fmt.Sprint(codes), "cancer") {
		t.Errorf("after changing the answers: Conditions %v, want mental-health and heart-disease", codes)
	}
	h.do(http.MethodPost, user.Token, `{"conditions":[]}`)
	if codes := h.storedConditions(user.PatientID); len(codes) != 0 {
		t.Errorf("after answering none: Conditions %v, want none", codes)
	}
}

func TestSurveyRejectsBadAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := []struct{ name, body, code string }{
		{"unknown slug", `{"conditions":["flu"]}`, "unknown_condition"},
		{"missing field", `{}`, "missing_conditions"},
		{"not a list", `{"conditions":"diabetes"}`, "invalid_field"},
		{"extra field", `{"conditions":[],"notes":"x"}`, "unknown_field"},
	}
	for _, tc := range cases {
		if status, got := h.do(http.MethodPost, user.Token, tc.body); status != http.StatusBadRequest || got["code"] != tc.code {
			t.Errorf("%s: status %d code %v, want 400 %s", tc.name, status, got["code"], tc.code)
		}
	}
	if codes := h.storedConditions(user.PatientID); len(codes) != 0 {
		t.Errorf("rejected answers stored Conditions %v", codes)
	}
}

func TestSurveyIsPerUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := testenv.NewUser(t, h.cfg)
	second := testenv.NewUser(t, h.cfg)

	h.do(http.MethodPost, first.Token, `{"conditions":["diabetes"]}`)
	h.do(http.MethodPost, second.Token, `{"conditions":[]}`)
	if _, got := h.do(http.MethodGet, second.Token, ""); fmt.Sprint(got["conditions"]) != "[]" {
		t.Errorf("second user's answers = %v, want none", got["conditions"])
	}
	if _, got := h.do(http.MethodGet, first.Token, ""); fmt.Sprint(got["conditions"]) != "[diabetes]" {
		t.Errorf("first user's answers = %v after the second user answered, want [diabetes]", got["conditions"])
	}
}
