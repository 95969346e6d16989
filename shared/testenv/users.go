package testenv

import (
	"context"
	"testing"

	"firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/identity"
	"github.com/ihep/backend/shared/platform"
)

// User is a signed-in test account with its FHIR Patient.
type User struct {
	UID       string
	Email     string
	Token     string
	PatientID string
}

// TestPassword is the password of every account NewUser creates.
const TestPassword = "test-password-not-common"

// NewUser creates an Identity Platform user with a profile and a Patient in
// cfg's FHIR store, and signs it in, the way sign-up does.
func NewUser(t testing.TB, cfg config.Base) User {
	t.Helper()
	ctx := context.Background()
	admin, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		t.Fatalf("auth client: %v", err)
	}
	email := UniqueEmail(t)
	created, err := admin.CreateUser(ctx, (&auth.UserToCreate{}).Email(email).Password(TestPassword).DisplayName("Test Patient"))
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatalf("firestore client: %v", err)
	}
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		t.Fatalf("fhir client: %v", err)
	}
	profile, _, err := account.NewStore(fs, fhirClient).Ensure(ctx, created.UID, "Test Patient")
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	session, err := identity.New(cfg.IdentityAPIKey, cfg.AuthEmulatorHost).SignInWithPassword(ctx, email, TestPassword)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	return User{UID: created.UID, Email: email, Token: session.IDToken, PatientID: profile.PatientID}
}

// WithRole sets the "role" custom claim on the user and signs in again, so
// that the returned token carries the claim.
func WithRole(t testing.TB, cfg config.Base, user User, role string) User {
	t.Helper()
	ctx := context.Background()
	admin, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		t.Fatalf("auth client: %v", err)
	}
	if err := admin.SetCustomUserClaims(ctx, user.UID, map[string]any{"role": role}); err != nil {
		t.Fatalf("set role claim: %v", err)
	}
	session, err := identity.New(cfg.IdentityAPIKey, cfg.AuthEmulatorHost).SignInWithPassword(ctx, user.Email, TestPassword)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	user.Token = session.IDToken
	return user
}
