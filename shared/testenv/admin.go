package testenv

import (
	"context"
	"testing"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/identity"
	"github.com/ihep/backend/shared/platform"
)

// NewAdmin creates a user as NewUser does, gives it the custom claim
// role=admin and signs it in again, so that its token carries the claim.
func NewAdmin(t testing.TB, cfg config.Base) User {
	t.Helper()
	user := NewUser(t, cfg)
	ctx := context.Background()
	admin, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		t.Fatalf("auth client: %v", err)
	}
	if err := admin.SetCustomUserClaims(ctx, user.UID, map[string]any{"role": "admin"}); err != nil {
		t.Fatalf("set admin claim: %v", err)
	}
	session, err := identity.New(cfg.IdentityAPIKey, cfg.AuthEmulatorHost).SignInWithPassword(ctx, user.Email, TestPassword)
	if err != nil {
		t.Fatalf("sign in admin: %v", err)
	}
	user.Token = session.IDToken
	return user
}
