package contract

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"firebase.google.com/go/v4/auth"
	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/identity"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// fixture holds the accounts and values the cases refer to by name.
type fixture struct {
	// top is the whole contract test, for clean-ups that must wait for the
	// last case.
	top       *testing.T
	cfg       config.Base
	fhir      *fhir.Client
	firestore *firestore.Client
	values    map[string]string
}

// Names of the saved ID tokens that every Bearer operation is tried with.
const (
	tokenPatient    = "patient"    // a patient with a day of smoothed vitals
	tokenEmpty      = "empty"      // a patient without data
	tokenIncomplete = "incomplete" // a user whose sign-up never made a profile
	tokenRevoked    = "revoked"    // a token issued before its user's logout
	tokenExpired    = "expired"    // the patient's claims, expired an hour ago
	tokenForeign    = "foreign"    // the patient's claims for another project
	// tokenNewUser gives the case an account of its own, for per-user
	// rate limits.
	tokenNewUser = "new user"
	// tokenFullTeam is a patient whose care team has the maximum size.
	tokenFullTeam = "full team"
	// tokenAdmin is a user with the custom claim role=admin.
	tokenAdmin = "admin"
	// tokenOldSignIn is a valid token of the patient whose sign-in is ten
	// minutes old.
	tokenOldSignIn = "old sign-in"
)

func newFixture(t *testing.T, h *harness, cfg config.Base) *fixture {
	t.Helper()
	ctx := context.Background()
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		t.Fatalf("FHIR client: %v", err)
	}
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatalf("Firestore client: %v", err)
	}
	f := &fixture{top: t, cfg: cfg, fhir: fhirClient, firestore: fs, values: map[string]string{"run": testenv.UniqueID(t)}}

	patient := testenv.NewUser(t, cfg)
	f.values[tokenPatient] = patient.Token
	f.values["patientEmail"] = patient.Email
	f.values["patientId"] = patient.PatientID
	f.values["password"] = testenv.TestPassword
	f.values[tokenEmpty] = testenv.NewUser(t, cfg).Token
	f.values[tokenIncomplete] = identityUser(t, cfg, nil)
	f.values[tokenAdmin] = identityUser(t, cfg, map[string]any{"role": "admin"})
	f.values[tokenRevoked] = h.revokedSession(t, f)
	f.values[tokenExpired] = unsignedToken(t, cfg.ProjectID, patient.UID, -2*time.Hour, 0)
	f.values[tokenForeign] = unsignedToken(t, "demo-other-project", patient.UID, 0, 0)
	f.values[tokenOldSignIn] = unsignedToken(t, cfg.ProjectID, patient.UID, 0, -10*time.Minute)
	f.values["patientUid"] = patient.UID

	now := time.Now().UTC()
	f.values["recent"] = now.Add(-10 * time.Minute).Format(time.RFC3339)
	f.values["earlier"] = now.Add(-70 * time.Minute).Format(time.RFC3339)
	f.values["future"] = now.Add(time.Hour).Format(time.RFC3339)
	f.values["dayAgo"] = now.Add(-24 * time.Hour).Format(time.RFC3339)
	f.values["tomorrow"] = now.Add(24 * time.Hour).Format(time.RFC3339)
	// Whole minutes ahead, for bookings.
	ahead := func(d time.Duration) string { return now.Truncate(time.Minute).Add(d).Format(time.RFC3339) }
	f.values["dayAfter"] = ahead(48 * time.Hour)
	f.values["dayAfterEnd"] = ahead(48*time.Hour + 30*time.Minute)
	f.values["threeDays"] = ahead(72 * time.Hour)
	f.values["fourDays"] = ahead(96 * time.Hour)
	f.values["fiveDays"] = ahead(120 * time.Hour)
	f.values["threeYears"] = ahead(3 * 366 * 24 * time.Hour)

	f.storeDay(t, patient.PatientID, now)
	f.values["providerId"] = f.storeProvider(t, "contract-"+f.values["run"])
	f.values[tokenFullTeam] = f.fullCareTeam(t)
	f.storeInbox(t, patient.UID, now)
	if err := catalog.NewStore(f.firestore).SeedConditions(ctx); err != nil {
		t.Fatalf("seed the conditions catalog: %v", err)
	}
	return f
}

// value returns a saved value, failing the test when it was never saved.
func (f *fixture) value(t *testing.T, key string) string {
	t.Helper()
	v, ok := f.values[key]
	if !ok {
		t.Fatalf("no saved value %q: an earlier case should have saved it", key)
	}
	return v
}

func (f *fixture) expand(s string) string { return expandAll(s, f.values) }

// identityUser creates an Identity Platform user with the given custom
// claims (none when nil) and no profile or Patient, and signs it in. Without
// claims it is an account whose sign-up stopped half-way.
func identityUser(t *testing.T, cfg config.Base, claims map[string]any) string {
	t.Helper()
	ctx := context.Background()
	admin, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		t.Fatalf("auth client: %v", err)
	}
	email := testenv.UniqueEmail(t)
	user, err := admin.CreateUser(ctx, (&auth.UserToCreate{}).Email(email).Password(testenv.TestPassword))
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	if claims != nil {
		if err := admin.SetCustomUserClaims(ctx, user.UID, claims); err != nil {
			t.Fatalf("set custom claims: %v", err)
		}
	}
	session, err := identity.New(cfg.IdentityAPIKey, cfg.AuthEmulatorHost).SignInWithPassword(ctx, email, testenv.TestPassword)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	return session.IDToken
}

// revokedSession signs a new account up and logs it out through the
// functions, saving its refresh token as "revokedRefresh", and returns its
// ID token. These set-up calls count toward no case.
func (h *harness) revokedSession(t *testing.T, f *fixture) string {
	t.Helper()
	clientIP := testenv.UniqueIP(t)
	signup := apiCase{method: http.MethodPost, target: "/auth-signup", body: map[string]string{"email": testenv.UniqueEmail(t), "password": testenv.TestPassword, "fullName": "Revoked Patient"}}
	req, _ := h.newRequest(t, f, signup, clientIP)
	resp := h.do(t, req)
	token, _ := resp.json["token"].(string)
	refresh, _ := resp.json["refreshToken"].(string)
	if resp.status != http.StatusCreated || token == "" {
		t.Fatalf("set-up sign-up = %d %s", resp.status, resp.body)
	}
	f.values["revokedRefresh"] = refresh
	f.values[tokenRevoked] = token
	logout := apiCase{method: http.MethodPost, target: "/auth-logout", auth: tokenRevoked}
	req, _ = h.newRequest(t, f, logout, clientIP)
	if resp := h.do(t, req); resp.status != http.StatusOK {
		t.Fatalf("set-up logout = %d %s", resp.status, resp.body)
	}
	return token
}

// unsignedToken builds an Auth emulator style token for uid, issued at
// now+shift, for the project, with a sign-in signedIn before the issue.
func unsignedToken(t *testing.T, project, uid string, shift, signedIn time.Duration) string {
	t.Helper()
	issued := time.Now().Add(shift)
	claims := map[string]any{"aud": project, "iss": "https://securetoken.google.com/" + project, "sub": uid,
		"iat": issued.Unix(), "exp": issued.Unix() + 3600, "auth_time": issued.Add(signedIn).Unix()}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	encode := base64.RawURLEncoding.EncodeToString
	return encode([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + encode(payload) + "."
}

// storeDay writes smoothed estimates of every vital an hour ago and a day
// before that, as the smoother would, so that wellness and twin have
// values and trends.
func (f *fixture) storeDay(t *testing.T, patientID string, now time.Time) {
	t.Helper()
	values := map[vitalsign.Series]float64{
		vitalsign.SeriesHeartRate: 74, vitalsign.SeriesSystolic: 121, vitalsign.SeriesDiastolic: 79,
		vitalsign.SeriesOxygenSaturation: 97, vitalsign.SeriesBodyTemperature: 36.8, vitalsign.SeriesRespiratoryRate: 15,
	}
	for _, at := range []time.Time{now.Add(-25 * time.Hour), now.Add(-time.Hour)} {
		for _, kind := range vitalsign.Kinds() {
			f.storeEstimate(t, patientID, testenv.UniqueID(t), kind, at, values)
		}
		values[vitalsign.SeriesHeartRate] += 6
	}
}

// storeEstimate writes the smoothed Observation of the raw reading rawID.
func (f *fixture) storeEstimate(t *testing.T, patientID, rawID string, kind vitalsign.Kind, at time.Time, values map[vitalsign.Series]float64) {
	t.Helper()
	raw := &vitalobs.StoredReading{ID: rawID, Kind: kind, EffectiveAt: at, Effective: at.Format(time.RFC3339), PatientID: patientID}
	var estimates []vitalobs.Smoothed
	for _, series := range kind.Series() {
		state := smoothing.State{Started: true, Time: at, Mean: values[series], Variance: 1}
		estimates = append(estimates, vitalobs.Smoothed{Series: series, Value: values[series], Variance: 1, State: state})
	}
	obs, err := vitalobs.SmoothedObservation(raw, estimates)
	if err != nil {
		t.Fatalf("build smoothed Observation: %v", err)
	}
	if _, err := f.fhir.Update(context.Background(), "Observation", obs.ID, obs, ""); err != nil {
		t.Fatalf("store smoothed Observation: %v", err)
	}
}

// storeProvider puts an active provider in the directory under id, offering
// telehealth and in-person appointments, and returns id. Its specialty and
// its place in the South Pacific keep it out of other tests' searches.
func (f *fixture) storeProvider(t *testing.T, id string) string {
	t.Helper()
	p := &directory.Provider{
		Name: "Dr. Contract Test", Specialty: "Contract Testing", AppointmentTypes: []string{"telehealth", "in-person"},
		Telehealth: true, Languages: []string{"en"}, Address: "1 Test Plaza, Chicago, IL", Phone: "+1 312 555 0100",
		Email: "contract@example.com", Location: &latlng.LatLng{Latitude: -45.1, Longitude: 170.2}, Active: true,
	}
	if err := directory.NewStore(f.firestore).Put(context.Background(), id, p); err != nil {
		t.Fatalf("store provider: %v", err)
	}
	t.Cleanup(func() {
		if _, err := f.firestore.Collection(directory.ProvidersCollection).Doc(id).Delete(context.Background()); err != nil {
			t.Errorf("delete provider %s: %v", id, err)
		}
	})
	return id
}

// fullCareTeam creates a patient whose care team has the maximum number of
// members and returns the patient's token.
func (f *fixture) fullCareTeam(t *testing.T) string {
	t.Helper()
	user := testenv.NewUser(t, f.cfg)
	members := f.firestore.Collection(directory.CareTeamsCollection).Doc(user.UID).Collection(directory.MembersCollection)
	batch := f.firestore.BulkWriter(context.Background())
	for i := range directory.MaxCareTeamSize {
		id := fmt.Sprintf("member-%02d", i)
		if _, err := batch.Set(members.Doc(id), directory.Member{ProviderID: id, LinkedAt: time.Now().UTC()}); err != nil {
			t.Fatalf("queue care team member: %v", err)
		}
	}
	batch.End()
	return user.Token
}

// deleteAtEnd returns a case's after function for a created Firestore
// document: it saves the response's field (the document id) as key, unless
// key is empty, and deletes the document when the contract test ends.
func deleteAtEnd(collection, field, key string) func(*testing.T, *fixture, response) {
	return func(t *testing.T, f *fixture, r response) {
		id, _ := r.json[field].(string)
		if id == "" {
			t.Fatalf("response has no %s: %s", field, r.body)
		}
		if key != "" {
			f.values[key] = id
		}
		f.top.Cleanup(func() {
			if _, err := f.firestore.Collection(collection).Doc(id).Delete(context.Background()); err != nil {
				f.top.Errorf("delete %s/%s: %v", collection, id, err)
			}
		})
	}
}

// storeInbox puts two unread notifications in the user's inbox, as the
// reminder job would.
func (f *fixture) storeInbox(t *testing.T, uid string, now time.Time) {
	t.Helper()
	inbox := notification.Inbox(f.firestore, uid)
	for i, id := range []string{"contract-1", "contract-2"} {
		createdAt := now.Add(time.Duration(-i) * time.Minute)
		entry := notification.InboxEntry{Kind: notification.KindAppointmentReminder, Title: "Appointment tomorrow", Body: "You have an appointment tomorrow.",
			Data: map[string]string{"appointmentId": "a1"}, CreatedAt: createdAt, ExpireAt: createdAt.Add(24 * time.Hour)}
		if _, err := inbox.Doc(id).Set(context.Background(), entry); err != nil {
			t.Fatalf("store inbox entry: %v", err)
		}
	}
}
