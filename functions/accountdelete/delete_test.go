package accountdelete

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	firebaseauth "firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/testenv"
)

type harness struct {
	t      *testing.T
	cfg    config.Base
	server *Server
}

func newHarness(t *testing.T, retention Retention) *harness {
	t.Helper()
	testenv.Require(t)
	return newHarnessFor(t, testenv.Config(t), retention)
}

// newHarnessFor runs a server of its own on an existing configuration.
func newHarnessFor(t *testing.T, cfg config.Base, retention Retention) *harness {
	t.Helper()
	server, err := NewServer(context.Background(), Config{Base: cfg, Retention: retention}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return &harness{t: t, cfg: cfg, server: server}
}

func (h *harness) call(token string) (int, map[string]any) {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodDelete, "/"+FunctionName, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		h.t.Fatalf("account-delete answered %d with non-JSON %q", w.Code, w.Body)
	}
	return w.Code, body
}

// seed stores a whole record and a refresh-token session for the user.
func (h *harness) seed(user testenv.User) testenv.Record {
	h.t.Helper()
	rec := testenv.SeedRecord(h.t, h.cfg, user, testenv.UniqueID(h.t))
	path := sessionsCollection + "/" + testenv.UniqueID(h.t)
	if _, err := h.server.Firestore.Doc(path).Set(context.Background(), map[string]any{"userId": user.UID, "issuedAt": time.Now()}); err != nil {
		h.t.Fatal(err)
	}
	rec.Firestore = append(rec.Firestore, path, account.ProfilesCollection+"/"+user.UID)
	return rec
}

func (h *harness) fhirExists(resourceType, id string) bool {
	h.t.Helper()
	_, _, err := h.server.FHIR.Read(context.Background(), resourceType, id)
	if fhir.IsNotFound(err) {
		return false
	}
	if err != nil {
		h.t.Fatalf("read %s/%s: %v", resourceType, id, err)
	}
	return true
}

// assertAccountGone checks the Identity Platform user, every seeded
// Firestore document and the single audit entry of the deletion.
func (h *harness) assertAccountGone(user testenv.User, rec testenv.Record) {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.server.Auth.GetUser(ctx, user.UID); !firebaseauth.IsUserNotFound(err) {
		h.t.Errorf("identity platform user still exists (err %v)", err)
	}
	for _, path := range rec.Firestore {
		if testenv.DocumentExists(h.t, h.server.Firestore, path) {
			h.t.Errorf("firestore document %s still exists", path)
		}
	}
	entries, err := h.server.Firestore.Collection(audit.Collection).Where("subjectUid", "==", user.UID).Where("action", "==", "account.delete").Documents(ctx).GetAll()
	if err != nil {
		h.t.Fatal(err)
	}
	if len(entries) != 1 {
		h.t.Errorf("account.delete audit entries = %d, want exactly 1", len(entries))
	}
}

func (h *harness) assertPHIDeleted(user testenv.User, rec testenv.Record) {
	h.t.Helper()
	if h.fhirExists("Patient", user.PatientID) {
		h.t.Error("Patient still exists")
	}
	for resourceType, ids := range rec.FHIR {
		for _, id := range ids {
			if h.fhirExists(resourceType, id) {
				h.t.Errorf("%s/%s still exists", resourceType, id)
			}
		}
	}
}

func TestDeleteRemovesWholeAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, RetentionDelete)
	user := testenv.NewUser(t, h.cfg)
	other := testenv.NewUser(t, h.cfg)
	rec := h.seed(user)
	otherRec := h.seed(other)

	status, body := h.call(user.Token)
	if status != http.StatusOK || body["deleted"] != true || body["retention"] != "delete" {
		t.Fatalf("delete = %d %v, want 200 deleted", status, body)
	}
	h.assertAccountGone(user, rec)
	h.assertPHIDeleted(user, rec)
	for resourceType, ids := range otherRec.FHIR {
		if !h.fhirExists(resourceType, ids[0]) {
			t.Errorf("another user's %s was deleted", resourceType)
		}
	}
	if status, body := h.call(user.Token); status != http.StatusUnauthorized {
		t.Errorf("token after deletion = %d %v, want 401", status, body)
	}
}

func TestDeleteRetainsAndDelinksPHI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, RetentionRetain)
	user := testenv.NewUser(t, h.cfg)
	rec := h.seed(user)

	if status, body := h.call(user.Token); status != http.StatusOK || body["retention"] != "retain" {
		t.Fatalf("delete = %d %v, want 200 retain", status, body)
	}
	h.assertAccountGone(user, rec)
	for resourceType, ids := range rec.FHIR {
		if !h.fhirExists(resourceType, ids[0]) {
			t.Errorf("retained %s/%s is gone", resourceType, ids[0])
		}
	}
	_, data, err := h.server.FHIR.Read(context.Background(), "Patient", user.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	var patient struct {
		Active     bool              `json:"active"`
		Identifier []json.RawMessage `json:"identifier"`
	}
	if err := json.Unmarshal(data, &patient); err != nil {
		t.Fatal(err)
	}
	if patient.Active || len(patient.Identifier) != 0 {
		t.Errorf("retained Patient active=%v identifiers=%d, want inactive without the account identifier", patient.Active, len(patient.Identifier))
	}
}

func TestDeleteNeedsFreshLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, RetentionDelete)
	user := testenv.NewUser(t, h.cfg)
	h.server.now = func() time.Time { return time.Now().Add(6 * time.Minute) }

	status, body := h.call(user.Token)
	if status != http.StatusUnauthorized || body["code"] != "login_not_fresh" {
		t.Errorf("stale login = %d %v, want 401 login_not_fresh", status, body)
	}
	if !h.fhirExists("Patient", user.PatientID) {
		t.Error("a rejected deletion removed the Patient")
	}
}

func TestDeleteResumesAfterEachStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, RetentionDelete)
	steps := h.server.steps()
	for _, st := range steps[:len(steps)-1] {
		t.Run(st.name, func(t *testing.T) {
			user := testenv.NewUser(t, h.cfg)
			rec := h.seed(user)
			interrupted := newHarnessFor(t, h.cfg, RetentionDelete)
			interrupted.server.afterStep = func(name string) error {
				if name == st.name {
					return errors.New("interrupted by the test")
				}
				return nil
			}

			if status, _ := interrupted.call(user.Token); status != http.StatusServiceUnavailable {
				t.Fatalf("interrupted delete = %d, want 503", status)
			}
			resumed := newHarnessFor(t, h.cfg, RetentionDelete)
			if status, body := resumed.call(user.Token); status != http.StatusOK {
				t.Fatalf("resumed delete = %d %v, want 200", status, body)
			}
			resumed.assertAccountGone(user, rec)
			resumed.assertPHIDeleted(user, rec)
		})
	}
}
