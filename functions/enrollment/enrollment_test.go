package enrollment

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

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/enrollment"
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
		t.Fatalf("NewServer: %v", err)
	}
	return &harness{t: t, cfg: cfg, server: server}
}

type response struct {
	status int
	body   map[string]any
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (h *harness) call(method, token string, body any) response {
	h.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	r := httptest.NewRequest(method, "/"+FunctionName, reader)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	out := response{status: w.Code}
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		h.t.Fatalf("%s answered %d with non-JSON %q", method, w.Code, w.Body)
	}
	return out
}

func (h *harness) sign(token string) response {
	h.t.Helper()
	return h.call(http.MethodPost, token, map[string]any{"consentVersion": currentConsent.Version, "agree": true})
}

func (h *harness) consent(id string) map[string]any {
	h.t.Helper()
	_, data, err := h.server.FHIR.Read(context.Background(), "Consent", id)
	if err != nil {
		h.t.Fatalf("read consent: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) record(uid string) *enrollment.Record {
	h.t.Helper()
	rec, err := enrollment.Load(context.Background(), h.server.Firestore, uid)
	if err != nil {
		h.t.Fatal(err)
	}
	return rec
}

func TestShowServesConsentText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	resp := h.call(http.MethodGet, user.Token, nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, body %v", resp.status, resp.body)
	}
	consent, _ := resp.body["consent"].(map[string]any)
	if consent["version"] != currentConsent.Version || len(consent["sections"].([]any)) == 0 {
		t.Errorf("consent = %v, want version %s with text", consent, currentConsent.Version)
	}
	if resp.body["enrollment"] != nil {
		t.Errorf("enrollment = %v, want null before signing", resp.body["enrollment"])
	}
}

func TestSignRejectsBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := []struct {
		name       string
		body       map[string]any
		wantStatus int
		wantCode   string
	}{
		{"outdated version", map[string]any{"consentVersion": "2025-06", "agree": true}, 409, "consent_outdated"},
		{"not agreed", map[string]any{"consentVersion": currentConsent.Version, "agree": false}, 400, "consent_not_agreed"},
		{"agree missing", map[string]any{"consentVersion": currentConsent.Version}, 400, "consent_not_agreed"},
		{"version missing", map[string]any{"agree": true}, 400, "consent_version_missing"},
		{"patient in body", map[string]any{"consentVersion": currentConsent.Version, "agree": true, "patientId": "x"}, 400, "unknown_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.call(http.MethodPost, user.Token, tc.body)
			if resp.status != tc.wantStatus || resp.str("code") != tc.wantCode {
				t.Errorf("got %d %q, want %d %q", resp.status, resp.str("code"), tc.wantStatus, tc.wantCode)
			}
		})
	}
	if rec := h.record(user.UID); rec != nil {
		t.Errorf("rejected requests stored an enrollment: %+v", rec)
	}
}

func TestSignStoresConsentAndPendingStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)

	resp := h.sign(user.Token)
	if resp.status != http.StatusCreated || resp.str("status") != "pending" {
		t.Fatalf("sign = %d %v, want 201 pending", resp.status, resp.body)
	}
	rec := h.record(user.UID)
	consent := h.consent(rec.ConsentID)
	if consent["status"] != "active" {
		t.Errorf("consent status = %v, want active", consent["status"])
	}
	if patient, _ := consent["patient"].(map[string]any); patient["reference"] != "Patient/"+user.PatientID {
		t.Errorf("consent patient = %v, want Patient/%s", consent["patient"], user.PatientID)
	}
	snap, err := h.server.Firestore.Collection(enrollment.Collection).Doc(user.UID).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"status": true, "consentVersion": true, "consentId": true, "generation": true, "signedAt": true, "updatedAt": true}
	for key := range snap.Data() {
		if !allowed[key] {
			t.Errorf("enrollment document has field %q beyond status, dates and ids", key)
		}
	}

	again := h.sign(user.Token)
	if again.status != http.StatusOK || h.record(user.UID).ConsentID != rec.ConsentID {
		t.Errorf("second sign = %d, consent %s; want 200 and the same consent %s", again.status, h.record(user.UID).ConsentID, rec.ConsentID)
	}
}

func TestReviewMovesPendingToActive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	patient := testenv.NewUser(t, h.cfg)
	admin := testenv.WithRole(t, h.cfg, testenv.NewUser(t, h.cfg), RoleAdmin)
	h.sign(patient.Token)

	if resp := h.call(http.MethodPatch, patient.Token, map[string]any{"uid": patient.UID, "status": "approved"}); resp.status != http.StatusForbidden || resp.str("code") != "admin_only" {
		t.Errorf("patient approving = %d %q, want 403 admin_only", resp.status, resp.str("code"))
	}
	if resp := h.call(http.MethodPatch, admin.Token, map[string]any{"uid": patient.UID, "status": "active"}); resp.status != http.StatusConflict || resp.str("code") != "invalid_transition" {
		t.Errorf("activating a pending enrollment = %d %q, want 409 invalid_transition", resp.status, resp.str("code"))
	}
	if resp := h.call(http.MethodPatch, admin.Token, map[string]any{"uid": "no-such-user", "status": "approved"}); resp.status != http.StatusNotFound {
		t.Errorf("approving an unknown user = %d, want 404", resp.status)
	}
	if resp := h.call(http.MethodPatch, admin.Token, map[string]any{"uid": patient.UID, "status": "withdrawn"}); resp.status != http.StatusBadRequest || resp.str("code") != "invalid_status" {
		t.Errorf("admin withdrawing = %d %q, want 400 invalid_status", resp.status, resp.str("code"))
	}

	for _, status := range []string{"approved", "active"} {
		resp := h.call(http.MethodPatch, admin.Token, map[string]any{"uid": patient.UID, "status": status})
		if resp.status != http.StatusOK || resp.str("status") != status {
			t.Fatalf("move to %s = %d %v", status, resp.status, resp.body)
		}
	}
	rec := h.record(patient.UID)
	if rec.ApprovedAt.IsZero() || rec.ActivatedAt.IsZero() {
		t.Errorf("record = %+v, want approval and activation dates", rec)
	}
	if !rec.UsableForResearch(time.Now()) {
		t.Error("data of an active enrollment is not usable for research")
	}
}

func TestWithdrawIsImmediate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	patient := testenv.NewUser(t, h.cfg)
	admin := testenv.WithRole(t, h.cfg, testenv.NewUser(t, h.cfg), RoleAdmin)

	if resp := h.call(http.MethodDelete, patient.Token, nil); resp.status != http.StatusNotFound || resp.str("code") != "not_enrolled" {
		t.Errorf("withdraw before signing = %d %q, want 404 not_enrolled", resp.status, resp.str("code"))
	}
	h.sign(patient.Token)
	h.call(http.MethodPatch, admin.Token, map[string]any{"uid": patient.UID, "status": "approved"})
	h.call(http.MethodPatch, admin.Token, map[string]any{"uid": patient.UID, "status": "active"})
	before := time.Now()

	resp := h.call(http.MethodDelete, patient.Token, nil)
	if resp.status != http.StatusOK || resp.str("status") != "withdrawn" {
		t.Fatalf("withdraw = %d %v, want 200 withdrawn", resp.status, resp.body)
	}
	rec := h.record(patient.UID)
	consent := h.consent(rec.ConsentID)
	if consent["status"] != "inactive" {
		t.Errorf("consent status after withdrawal = %v, want inactive", consent["status"])
	}
	if meta, _ := consent["meta"].(map[string]any); meta["versionId"] == "1" {
		t.Errorf("withdrawal did not add a Consent version: meta %v", meta)
	}
	if !rec.UsableForResearch(before.Add(-time.Millisecond)) {
		t.Error("data collected before the withdrawal is not usable")
	}
	if rec.UsableForResearch(time.Now()) {
		t.Error("data collected after the withdrawal is usable for research")
	}
	if again := h.call(http.MethodDelete, patient.Token, nil); again.status != http.StatusOK {
		t.Errorf("second withdrawal = %d, want 200", again.status)
	}
	if resp := h.call(http.MethodPatch, admin.Token, map[string]any{"uid": patient.UID, "status": "active"}); resp.status != http.StatusConflict {
		t.Errorf("activating a withdrawn enrollment = %d, want 409", resp.status)
	}

	resign := h.sign(patient.Token)
	if resign.status != http.StatusCreated || resign.str("status") != "pending" {
		t.Fatalf("re-enrolment = %d %v, want 201 pending", resign.status, resign.body)
	}
	if newRec := h.record(patient.UID); newRec.ConsentID == rec.ConsentID || newRec.Generation != 2 {
		t.Errorf("re-enrolment record = %+v, want a new Consent and generation 2", newRec)
	}
}
