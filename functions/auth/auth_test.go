package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/testenv"
)

const testPassword = "correct-horse-battery"

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	email := testenv.UniqueEmail(t)

	signup := h.signup("  "+strings.ToUpper(email)+" ", testPassword)
	user, _ := signup.body["user"].(map[string]any)
	if user["email"] != email || user["fullName"] != "Test Patient" || user["profileCompleted"] != false || user["id"] == "" {
		t.Errorf("signup user = %v, want normalised e-mail, name, id, profileCompleted false", user)
	}
	if signup.str("token") == "" || signup.str("refreshToken") == "" || signup.body["expiresIn"] == float64(0) {
		t.Errorf("signup session fields missing: %v", signup.body)
	}

	login := h.call("auth-login", http.MethodPost, map[string]string{"email": email, "password": testPassword}, "")
	if login.status != http.StatusOK {
		t.Fatalf("login status = %d, body %v", login.status, login.body)
	}
	validate := h.call("auth-validate", http.MethodGet, nil, login.str("token"))
	if validate.status != http.StatusOK {
		t.Fatalf("validate status = %d, body %v", validate.status, validate.body)
	}
	if got := validate.body["user"].(map[string]any)["id"]; got != user["id"] {
		t.Errorf("validate user id = %v, want %v", got, user["id"])
	}

	refreshed := h.call("auth-refresh", http.MethodPost, map[string]string{"refreshToken": login.str("refreshToken")}, "")
	if refreshed.status != http.StatusOK || refreshed.str("token") == "" {
		t.Fatalf("refresh status = %d, body %v", refreshed.status, refreshed.body)
	}
	if got := h.call("auth-validate", http.MethodGet, nil, refreshed.str("token")); got.status != http.StatusOK {
		t.Fatalf("validate refreshed token status = %d, body %v", got.status, got.body)
	}

	uid := user["id"].(string)
	ctx := context.Background()
	if _, err := notification.RegisterDevice(ctx, h.server.Firestore, uid, "phone-"+uid, "ios", time.Now()); err != nil {
		t.Fatal(err)
	}

	logout := h.call("auth-logout", http.MethodPost, nil, refreshed.str("token"))
	if logout.status != http.StatusOK {
		t.Fatalf("logout status = %d, body %v", logout.status, logout.body)
	}
	devices, err := notification.Devices(h.server.Firestore, uid).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 0 {
		t.Errorf("%d push devices remain after logout, want 0", len(devices))
	}
	if testenv.DocumentExists(t, h.server.Firestore, notification.OwnersCollection+"/"+notification.DeviceID("phone-"+uid)) {
		t.Error("the device's owner document remains after logout")
	}
	for name, token := range map[string]string{"signup token": signup.str("token"), "login token": login.str("token"), "refreshed token": refreshed.str("token")} {
		if got := h.call("auth-validate", http.MethodGet, nil, token); got.status != http.StatusUnauthorized || got.code() != "token_revoked" {
			t.Errorf("validate %s after logout = %d %s, want 401 token_revoked", name, got.status, got.code())
		}
	}
	if got := h.call("auth-refresh", http.MethodPost, map[string]string{"refreshToken": login.str("refreshToken")}, ""); got.status != http.StatusUnauthorized {
		t.Errorf("refresh after logout = %d %s, want 401", got.status, got.code())
	}

	again := h.call("auth-login", http.MethodPost, map[string]string{"email": email, "password": testPassword}, "")
	if got := h.call("auth-validate", http.MethodGet, nil, again.str("token")); got.status != http.StatusOK {
		t.Errorf("validate after a new login = %d %s, want 200", got.status, got.code())
	}
	assertNoSecretsLogged(t, h.logs.String(), email, testPassword, "Test Patient", login.str("token"), login.str("refreshToken"))
}

func TestSignupCreatesProfileAndPatient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	uid := h.signup(testenv.UniqueEmail(t), testPassword).body["user"].(map[string]any)["id"].(string)

	profile, err := h.server.accounts.Load(context.Background(), uid)
	if err != nil {
		t.Fatalf("load profile: %v", err)
	}
	if profile.PatientID == "" {
		t.Fatal("profile has no patient id")
	}
	_, patient, err := h.server.accounts.FHIR().Read(context.Background(), "Patient", profile.PatientID)
	if err != nil {
		t.Fatalf("read patient: %v", err)
	}
	if !strings.Contains(string(patient), uid) || !strings.Contains(string(patient), account.PatientIdentifierSystem) {
		t.Errorf("patient lacks the user-id identifier: %s", patient)
	}
}

func TestSignupRejections(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	existing := testenv.UniqueEmail(t)
	h.signup(existing, testPassword)

	cases := []struct {
		name     string
		body     map[string]string
		wantCode string
		status   int
	}{
		{"existing email", map[string]string{"email": strings.ToUpper(existing), "password": testPassword, "fullName": "A"}, "email_exists", 409},
		{"short password", map[string]string{"email": testenv.UniqueEmail(t), "password": "short1", "fullName": "A"}, "weak_password", 400},
		{"common password", map[string]string{"email": testenv.UniqueEmail(t), "password": "Password123", "fullName": "A"}, "weak_password", 400},
		{"missing password", map[string]string{"email": testenv.UniqueEmail(t), "fullName": "A"}, "password_required", 400},
		{"missing email", map[string]string{"password": testPassword, "fullName": "A"}, "email_required", 400},
		{"invalid email", map[string]string{"email": "not-an-email", "password": testPassword, "fullName": "A"}, "invalid_email", 400},
		{"display-name email", map[string]string{"email": "Eve <eve@example.com>", "password": testPassword, "fullName": "A"}, "invalid_email", 400},
		{"huge email", map[string]string{"email": strings.Repeat("a", 5000) + "@example.com", "password": testPassword, "fullName": "A"}, "invalid_email", 400},
		{"blank name", map[string]string{"email": testenv.UniqueEmail(t), "password": testPassword, "fullName": "   "}, "full_name_required", 400},
		{"long name", map[string]string{"email": testenv.UniqueEmail(t), "password": testPassword, "fullName": strings.Repeat("n", 201)}, "invalid_full_name", 400},
		{"control character in name", map[string]string{"email": testenv.UniqueEmail(t), "password": testPassword, "fullName": "A\x00B"}, "invalid_full_name", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			got := h.call("auth-signup", http.MethodPost, tc.body, "")
			if got.status != tc.status || got.code() != tc.wantCode {
				t.Errorf("signup = %d %s, want %d %s", got.status, got.code(), tc.status, tc.wantCode)
			}
		})
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	email := testenv.UniqueEmail(t)
	h.signup(email, testPassword)

	wrong := h.call("auth-login", http.MethodPost, map[string]string{"email": email, "password": "wrong-password-1"}, "")
	unknown := h.call("auth-login", http.MethodPost, map[string]string{"email": testenv.UniqueEmail(t), "password": "wrong-password-1"}, "")
	for name, got := range map[string]response{"wrong password": wrong, "unknown email": unknown} {
		if got.status != http.StatusUnauthorized || got.code() != "invalid_credentials" {
			t.Errorf("%s = %d %s, want 401 invalid_credentials", name, got.status, got.code())
		}
	}
	if wrong.str("error") != unknown.str("error") {
		t.Errorf("messages differ: %q vs %q", wrong.str("error"), unknown.str("error"))
	}
}

func TestLoginRepairsHalfFinishedSignup(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	email := testenv.UniqueEmail(t)
	uid, err := h.server.createUser(context.Background(), email, testPassword, "Half Done")
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	if _, err := h.server.accounts.Load(context.Background(), uid); err == nil {
		t.Fatal("profile exists before login, want none")
	}

	login := h.call("auth-login", http.MethodPost, map[string]string{"email": email, "password": testPassword}, "")
	if login.status != http.StatusOK {
		t.Fatalf("login status = %d, body %v", login.status, login.body)
	}
	profile, err := h.server.accounts.Load(context.Background(), uid)
	if err != nil || profile.PatientID == "" {
		t.Fatalf("profile after login = %+v, %v; want one with a patient id", profile, err)
	}
	if profile.LastLoginAt.IsZero() {
		t.Error("lastLoginAt not recorded")
	}
}

func TestValidateTokenErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	uid := h.signup(testenv.UniqueEmail(t), testPassword).body["user"].(map[string]any)["id"].(string)
	project := h.server.cfg.ProjectID
	now := time.Now().Unix()
	claims := func(aud string, iat, exp int64) map[string]any {
		return map[string]any{"aud": aud, "iss": "https://securetoken.google.com/" + aud, "sub": uid, "iat": iat, "exp": exp, "auth_time": iat}
	}
	cases := []struct {
		name     string
		header   string
		wantCode string
	}{
		{"missing", "", "token_missing"},
		{"wrong scheme", "Basic abc", "token_malformed"},
		{"empty bearer", "Bearer ", "token_malformed"},
		{"garbage", "Bearer not.a.token", "token_malformed"},
		{"expired", "Bearer " + unsignedToken(claims(project, now-7200, now-3600)), "token_expired"},
		{"other project", "Bearer " + unsignedToken(claims("demo-other", now, now+3600)), "token_invalid"},
		{"issued in the future", "Bearer " + unsignedToken(claims(project, now+3600, now+7200)), "token_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			r := h.raw("auth-validate", http.MethodGet, nil, "", "")
			if tc.header != "" {
				r = h.withHeader("auth-validate", tc.header)
			}
			if r.status != http.StatusUnauthorized || r.code() != tc.wantCode {
				t.Errorf("validate = %d %s, want 401 %s", r.status, r.code(), tc.wantCode)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("signup per ip", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		for i := range 3 {
			h.signup(testenv.UniqueEmail(t), testPassword)
			_ = i
		}
		got := h.call("auth-signup", http.MethodPost, map[string]string{"email": testenv.UniqueEmail(t), "password": testPassword, "fullName": "A"}, "")
		assertRateLimited(t, got)
	})
	t.Run("login per ip and email", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		email := testenv.UniqueEmail(t)
		h.signup(email, testPassword)
		for range 5 {
			h.call("auth-login", http.MethodPost, map[string]string{"email": email, "password": "wrong-password-1"}, "")
		}
		assertRateLimited(t, h.call("auth-login", http.MethodPost, map[string]string{"email": email, "password": testPassword}, ""))
		other := h.call("auth-login", http.MethodPost, map[string]string{"email": testenv.UniqueEmail(t), "password": "wrong-password-1"}, "")
		if other.status != http.StatusUnauthorized {
			t.Errorf("login for another e-mail from the same ip = %d, want 401 (own limit)", other.status)
		}
	})
	t.Run("refresh per user", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		refresh := h.signup(testenv.UniqueEmail(t), testPassword).str("refreshToken")
		for i := range 10 {
			if got := h.call("auth-refresh", http.MethodPost, map[string]string{"refreshToken": refresh}, ""); got.status != http.StatusOK {
				t.Fatalf("refresh %d = %d %s, want 200", i+1, got.status, got.code())
			}
		}
		assertRateLimited(t, h.call("auth-refresh", http.MethodPost, map[string]string{"refreshToken": refresh}, ""))
	})
}

func assertRateLimited(t *testing.T, got response) {
	t.Helper()
	if got.status != http.StatusTooManyRequests || got.code() != "rate_limited" {
		t.Fatalf("status = %d %s, want 429 rate_limited", got.status, got.code())
	}
	if got.header.Get("Retry-After") == "" {
		t.Error("Retry-After header missing")
	}
}

func TestRefreshRejectsUnknownToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	got := h.call("auth-refresh", http.MethodPost, map[string]string{"refreshToken": "not-a-token-we-issued"}, "")
	if got.status != http.StatusUnauthorized || got.code() != "invalid_refresh_token" {
		t.Errorf("refresh = %d %s, want 401 invalid_refresh_token", got.status, got.code())
	}
	if got := h.call("auth-refresh", http.MethodPost, map[string]string{}, ""); got.status != http.StatusBadRequest {
		t.Errorf("refresh without token = %d, want 400", got.status)
	}
}

func TestRequestBodyRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct {
		name        string
		body        string
		contentType string
		status      int
		code        string
	}{
		{"over size cap", `{"email":"` + strings.Repeat("a", 70<<10) + `"}`, "application/json", 413, "body_too_large"},
		{"wrong content type", `{"email":"a@b.co","password":"x"}`, "text/plain", 415, "unsupported_media_type"},
		{"unknown field", `{"email":"a@b.co","password":"x","role":"admin"}`, "application/json", 400, "unknown_field"},
		{"not json", `email=a@b.co`, "application/json", 400, "invalid_json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			got := h.raw("auth-login", http.MethodPost, strings.NewReader(tc.body), tc.contentType, "")
			if got.status != tc.status || got.code() != tc.code {
				t.Errorf("login = %d %s, want %d %s", got.status, got.code(), tc.status, tc.code)
			}
		})
	}
	if got := h.raw("auth-login", http.MethodGet, nil, "", ""); got.status != http.StatusMethodNotAllowed {
		t.Errorf("GET auth-login = %d, want 405", got.status)
	}
}
