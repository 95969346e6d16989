package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

// auditKey is what an expected audit entry must match.
type auditKey struct {
	Function, Action, Outcome, ResourceType string
}

// TestEveryPHIFunctionAudits calls each function that reads or writes PHI
// through the runner and checks that the call added exactly the expected
// audit entries, each with its request id, client address, user agent and
// time. Functions that touch no PHI must add none.
func TestEveryPHIFunctionAudits(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	cfg := config.FromEnv()
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	email, password := testenv.UniqueEmail(t), "audit-password-"+testenv.UniqueID(t)
	c.signup(email, password, "Audit Patient", &testenv.LogBuffer{})
	admin, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	user, err := admin.GetUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	newEntries(t, fs, user.UID, seen)

	success := func(function, action, resourceType string) []auditKey {
		return []auditKey{{function, action, audit.OutcomeSuccess, resourceType}}
	}
	reading := map[string]any{"readings": []map[string]any{{"type": "heart_rate", "value": 70, "effectiveAt": "2026-01-02T03:04:05Z", "source": "audit-test"}}}
	steps := []struct {
		name   string
		call   func()
		expect []auditKey
	}{
		{"auth-login", func() { c.login(email, password) }, success("auth-login", "login", "")},
		{"vitals create", func() { c.must(http.StatusCreated, http.MethodPost, "vitals", reading) }, success("vitals", "vitals.create", "Observation")},
		{"smoothing", func() { waitForSmoothingEntry(t, fs, user.UID) }, nil},
		{"vitals read", func() { c.must(http.StatusOK, http.MethodGet, "vitals", nil) }, success("vitals", "vitals.read", "Observation")},
		{"wellness", func() { c.must(http.StatusOK, http.MethodGet, "wellness", nil) }, success("wellness", "wellness.read", "Patient")},
		{"twin", func() { c.must(http.StatusOK, http.MethodGet, "twin", nil) }, success("twin", "twin.read", "Patient")},
		{"twin-enrollment show", func() { c.must(http.StatusOK, http.MethodGet, "twin-enrollment", nil) }, nil},
		{"twin-enrollment sign", func() {
			c.must(http.StatusCreated, http.MethodPost, "twin-enrollment", map[string]any{"consentVersion": "2026-01", "agree": true})
		}, success("twin-enrollment", "enrollment.sign", "Consent")},
		{"twin-enrollment withdraw", func() { c.must(http.StatusOK, http.MethodDelete, "twin-enrollment", nil) }, success("twin-enrollment", "enrollment.withdraw", "Consent")},
		{"chat", func() {
			c.must(http.StatusOK, http.MethodPost, "chat", map[string]any{"messages": []map[string]string{{"role": "user", "content": "How are my vitals?"}}})
		}, success("chat", "chat.read", "Patient")},
		{"audit", func() { c.must(http.StatusOK, http.MethodGet, "audit", nil) }, nil},
		{"export", func() { c.must(http.StatusOK, http.MethodGet, "export", nil) }, success("export", "export.read", "Patient")},
		{"account-delete", func() { c.must(http.StatusOK, http.MethodDelete, "account-delete", nil) }, success("account-delete", "account.delete", "Patient")},
	}
	smoothed := 0
	for _, step := range steps {
		step.call()
		entries := newEntries(t, fs, user.UID, seen)
		var got []auditKey
		for _, e := range entries {
			if e.Function == "smooth-vitals" {
				// Asynchronous: it runs whenever the Pub/Sub event arrives.
				smoothed++
				if e.Actor != "service:smooth-vitals" || e.Action != "smooth-vitals.write" || e.ResourceType != "Observation" || e.At.IsZero() {
					t.Errorf("smooth-vitals entry %+v, want the service actor writing Observations", e)
				}
				continue
			}
			got = append(got, auditKey{e.Function, e.Action, e.Outcome, e.ResourceType})
			if e.RequestID == "" || e.ClientIP == "" || e.UserAgent != c.userAgent || e.At.IsZero() || e.Actor != user.UID {
				t.Errorf("%s: entry %+v lacks the request id, client address, user agent, time or actor", step.name, e)
			}
		}
		if diff := cmp.Diff(step.expect, got); diff != "" {
			t.Errorf("%s: audit entries (-want +got):\n%s", step.name, diff)
		}
	}
	if smoothed == 0 {
		t.Error("smooth-vitals wrote smoothed Observations without an audit entry")
	}
}

// newEntries returns the user's audit entries whose ids are not in seen,
// and adds them to it.
func newEntries(t *testing.T, fs *firestore.Client, uid string, seen map[string]bool) []audit.Entry {
	t.Helper()
	snaps, err := fs.Collection(audit.Collection).Where("subjectUid", "==", uid).Documents(context.Background()).GetAll()
	if err != nil {
		t.Fatalf("read audit entries: %v", err)
	}
	var out []audit.Entry
	for _, snap := range snaps {
		if seen[snap.Ref.ID] {
			continue
		}
		seen[snap.Ref.ID] = true
		var e audit.Entry
		if err := snap.DataTo(&e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// waitForSmoothingEntry waits up to 20 s for smooth-vitals to audit its
// write of the user's smoothed Observations.
func waitForSmoothingEntry(t *testing.T, fs *firestore.Client, uid string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		snaps, err := fs.Collection(audit.Collection).Where("subjectUid", "==", uid).Where("function", "==", "smooth-vitals").Documents(context.Background()).GetAll()
		if err != nil {
			t.Fatalf("read audit entries: %v", err)
		}
		if len(snaps) > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Error("smooth-vitals left no audit entry within 20 s of the upload")
}
