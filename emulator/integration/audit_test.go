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
	"github.com/ihep/backend/shared/manifest"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/testenv/fixture"
)

// auditKey is what an expected audit entry must match.
type auditKey struct {
	Function, Action, Outcome, ResourceType string
}

// walkStep is one call of the audit walk: the manifest function it calls
// and the audit entries it must add.
type walkStep struct {
	function string
	name     string
	call     func()
	expect   []auditKey
}

// notWalked lists the HTTPS functions of the manifest that the audit walk
// deliberately leaves out, each with the reason. Every other HTTPS
// function must have a step.
var notWalked = map[string]string{}

// TestEveryPHIFunctionAudits calls every HTTPS function of the manifest as
// one user through the runner; sign-up runs in-process (see client.signup).
// It checks that each call added exactly the expected audit entries, each
// with its request id, client address, user agent and time. Functions that
// touch no PHI must add none.
func TestEveryPHIFunctionAudits(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	cfg := config.FromEnv()
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	email, password := testenv.UniqueEmail(t), "audit-password-"+testenv.UniqueID(t)
	providerID := fixture.Provider(t, fs, nil)
	seedCatalog(t, fs)
	var uid string
	steps := auditWalk(c, fs, &uid, email, password, providerID, func() {
		c.signup(email, password, "Audit Patient", &testenv.LogBuffer{})
		user, err := admin.GetUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		uid = user.UID
	}, func() { waitForSmoothingEntry(t, fs, uid) })
	checkWalkCoversManifest(t, steps)

	seen := map[string]bool{}
	smoothed := 0
	for _, step := range steps {
		step.call()
		var got []auditKey
		for _, e := range newEntries(t, fs, uid, seen) {
			if e.Function == "smooth-vitals" {
				// Asynchronous: it runs whenever the Pub/Sub event arrives.
				smoothed++
				if e.Actor != "service:smooth-vitals" || e.Action != "smooth-vitals.write" || e.ResourceType != "Observation" || e.At.IsZero() {
					t.Errorf("smooth-vitals entry %+v, want the service actor writing Observations", e)
				}
				continue
			}
			got = append(got, auditKey{e.Function, e.Action, e.Outcome, e.ResourceType})
			if e.Function == "appointment-reminders" {
				// A scheduled job: no request, and the service is the actor.
				if e.Actor != "service:appointment-reminders" || e.ResourceID == "" || e.At.IsZero() {
					t.Errorf("%s: entry %+v, want the service actor and the appointment id", step.name, e)
				}
				continue
			}
			if e.RequestID == "" || e.ClientIP == "" || e.UserAgent != c.userAgent || e.At.IsZero() || e.Actor != uid {
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

// auditWalk returns the steps of the walk in order. signup creates the
// account and sets *uid, and waitForSmoothing waits for the smoother's
// entry.
func auditWalk(c *client, fs *firestore.Client, uid *string, email, password, providerID string, signup, waitForSmoothing func()) []walkStep {
	success := func(function, action, resourceType string) []auditKey {
		return []auditKey{{function, action, audit.OutcomeSuccess, resourceType}}
	}
	get := func(function string) func() { return func() { c.must(http.StatusOK, http.MethodGet, function, nil) } }
	reading := map[string]any{"readings": []map[string]any{{"type": "heart_rate", "value": 70, "effectiveAt": "2026-01-02T03:04:05Z", "source": "audit-test"}}}
	chat := map[string]any{"messages": []map[string]string{{"role": "user", "content": "How are my vitals and appointments? Show me resources."}}}
	device := map[string]string{"token": "walk-token-" + testenv.UniqueID(c.t), "platform": "web"}
	var appointmentID, version, notificationID string
	return []walkStep{
		{"auth-signup", "auth-signup", signup, success("auth-signup", "signup", "")},
		{"auth-login", "auth-login", func() { c.login(email, password) }, success("auth-login", "login", "")},
		{"auth-validate", "auth-validate", get("auth-validate"), nil},
		{"auth-refresh", "auth-refresh", func() {
			c.must(http.StatusOK, http.MethodPost, "auth-refresh", map[string]string{"refreshToken": c.refreshToken})
		}, success("auth-refresh", "refresh", "")},
		{"profile", "profile read", get("profile"), success("profile", "profile.read", "Patient")},
		{"profile", "profile update", func() {
			c.must(http.StatusOK, http.MethodPatch, "profile", map[string]any{"fullName": "Audit Patient Renamed", "timeZone": "America/Chicago"})
		}, success("profile", "profile.update", "Patient")},
		{"vitals", "vitals create", func() { c.must(http.StatusCreated, http.MethodPost, "vitals", reading) }, success("vitals", "vitals.create", "Observation")},
		{"smooth-vitals", "smoothing", waitForSmoothing, nil},
		{"vitals", "vitals read", get("vitals"), success("vitals", "vitals.read", "Observation")},
		{"wellness", "wellness", get("wellness"), success("wellness", "wellness.read", "Patient")},
		{"twin", "twin", get("twin"), success("twin", "twin.read", "Patient")},
		{"twin-enrollment", "twin-enrollment show", get("twin-enrollment"), nil},
		{"twin-enrollment", "twin-enrollment sign", func() {
			c.must(http.StatusCreated, http.MethodPost, "twin-enrollment", map[string]any{"consentVersion": "2026-01", "agree": true})
		}, success("twin-enrollment", "enrollment.sign", "Consent")},
		{"twin-enrollment", "twin-enrollment withdraw", func() { c.must(http.StatusOK, http.MethodDelete, "twin-enrollment", nil) }, success("twin-enrollment", "enrollment.withdraw", "Consent")},
		{"conditions", "conditions", get("conditions"), nil},
		{"survey", "survey answer", func() {
			c.must(http.StatusOK, http.MethodPost, "survey", map[string]any{"conditions": []string{"diabetes"}})
		}, success("survey", "survey.answer", "Patient")},
		{"survey", "survey read", get("survey"), success("survey", "survey.read", "Patient")},
		{"resources", "resources of the survey", get("resources"), success("resources", "survey.read", "Patient")},
		{"resources", "resources of a condition", get("resources?condition=diabetes"), nil},
		{"providers", "providers search", get("providers?q=dr"), nil},
		{"care-team", "care-team link", func() {
			c.must(http.StatusCreated, http.MethodPost, "care-team", map[string]any{"providerId": providerID, "primary": true})
		}, nil},
		{"care-team", "care-team list", get("care-team"), nil},
		{"appointments", "appointments book", func() { appointmentID, version = c.bookAppointment(providerID, "walk notes") }, success("appointments", "appointment.create", "Appointment")},
		{"appointments", "appointments list", get("appointments"), success("appointments", "appointment.list", "Appointment")},
		{"appointments", "appointments read", func() { c.must(http.StatusOK, http.MethodGet, "appointments?id="+appointmentID, nil) }, success("appointments", "appointment.read", "Appointment")},
		{"appointment-reminders", "reminders and notify", func() { notificationID = c.runReminders(fs, *uid) }, success("appointment-reminders", "appointment.remind", "Appointment")},
		{"notifications", "notifications list", get("notifications"), nil},
		{"notifications", "notifications mark read", func() {
			c.must(http.StatusOK, http.MethodPost, "notifications", map[string]any{"ids": []string{notificationID}})
		}, nil},
		{"devices", "devices register", func() { c.must(http.StatusCreated, http.MethodPost, "devices", device) }, nil},
		{"chat", "chat", func() { c.must(http.StatusOK, http.MethodPost, "chat", chat) }, success("chat", "chat.read", "Patient")},
		{"appointments", "appointments cancel", func() { c.cancelAppointment(appointmentID, version) }, success("appointments", "appointment.cancelled", "Appointment")},
		{"devices", "devices remove", func() { c.must(http.StatusOK, http.MethodDelete, "devices", device) }, nil},
		{"care-team", "care-team unlink", func() { c.must(http.StatusNoContent, http.MethodDelete, "care-team?providerId="+providerID, nil) }, nil},
		{"audit", "audit", get("audit"), nil},
		{"export", "export", get("export"), success("export", "export.read", "Patient")},
		{"auth-logout", "auth-logout", func() { c.must(http.StatusOK, http.MethodPost, "auth-logout", nil) }, success("auth-logout", "logout", "")},
		{"auth-login", "auth-login again", func() { c.login(email, password) }, success("auth-login", "login", "")},
		{"account-delete", "account-delete", func() { c.must(http.StatusOK, http.MethodDelete, "account-delete", nil) }, success("account-delete", "account.delete", "Patient")},
	}
}

// checkWalkCoversManifest fails unless every HTTPS function of the manifest
// is walked or listed in notWalked, and every name of either is in the
// manifest.
func checkWalkCoversManifest(t *testing.T, steps []walkStep) {
	t.Helper()
	m, err := manifest.Load("../../functions/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	walked := map[string]bool{}
	for _, step := range steps {
		if _, ok := m.Function(step.function); !ok {
			t.Errorf("step %q names %q, which is not in the manifest", step.name, step.function)
		}
		walked[step.function] = true
	}
	for name := range notWalked {
		if _, ok := m.Function(name); !ok {
			t.Errorf("notWalked names %q, which is not in the manifest", name)
		}
	}
	for _, f := range m.Functions {
		if f.Trigger.Kind() != manifest.KindHTTPS {
			continue
		}
		_, skipped := notWalked[f.Name]
		switch {
		case walked[f.Name] && skipped:
			t.Errorf("%s is walked and also listed in notWalked", f.Name)
		case !walked[f.Name] && !skipped:
			t.Errorf("HTTPS function %s is neither walked nor listed in notWalked with a reason", f.Name)
		}
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
