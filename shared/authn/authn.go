// Package authn verifies the Identity Platform ID token on each request and
// checks that it has not been revoked, with a short per-user cache of the
// revocation state so that every request does not cost a lookup.
package authn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"firebase.google.com/go/v4/auth"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/httpapi"
)

// RevocationsCollection holds one document per user who logged out, with the
// instant of the logout in milliseconds. Identity Platform records revocation
// only to the second, which would let a token minted in the same second as a
// logout live on.
const RevocationsCollection = "revocations"

// Client errors returned by Verify, each with its own code.
var (
	ErrTokenMissing   = httpapi.NewError(http.StatusUnauthorized, "token_missing", "Sign in first: the Authorization header with a Bearer token is missing.")
	ErrTokenMalformed = httpapi.NewError(http.StatusUnauthorized, "token_malformed", "The Bearer token is malformed.")
	ErrTokenExpired   = httpapi.NewError(http.StatusUnauthorized, "token_expired", "The session has expired: refresh the token or sign in again.")
	ErrTokenRevoked   = httpapi.NewError(http.StatusUnauthorized, "token_revoked", "The session has ended: sign in again.")
	ErrTokenInvalid   = httpapi.NewError(http.StatusUnauthorized, "token_invalid", "The Bearer token is not valid: sign in again.")
)

// User is the verified caller.
type User struct {
	UID      string
	Email    string
	Name     string
	IssuedAt time.Time
	AuthTime time.Time
	// Role is the "role" custom claim, e.g. "admin"; empty for patients.
	Role string
}

// Verifier checks ID tokens. It is safe for concurrent use.
type Verifier struct {
	auth      *auth.Client
	firestore *firestore.Client
	decode    func(ctx context.Context, token string) (*auth.Token, error)
	ttl       time.Duration
	now       func() time.Time

	mu    sync.Mutex
	cache map[string]revocationState
}

type revocationState struct {
	validAfterMillis int64 // Identity Platform's tokensValidAfterTime
	revokedAtMillis  int64 // the last logout recorded in Firestore
	gone             bool  // user deleted or disabled
	fetched          time.Time
}

// NewVerifier returns a verifier. In emulator mode (the Auth emulator issues
// unsigned tokens) tokens are decoded locally with the same claim checks as
// the Admin SDK but no signature; otherwise the Admin SDK verifies the
// signature. The caller must have refused emulator mode outside demo-
// projects (config.Base.Validate).
func NewVerifier(authClient *auth.Client, fs *firestore.Client, projectID string, emulator bool, ttl time.Duration) *Verifier {
	v := &Verifier{auth: authClient, firestore: fs, ttl: ttl, now: time.Now, cache: map[string]revocationState{}}
	v.decode = authClient.VerifyIDToken
	if emulator {
		v.decode = func(_ context.Context, token string) (*auth.Token, error) {
			return decodeEmulatorToken(token, projectID, v.now())
		}
	}
	return v
}

// Verify authenticates the request's Bearer token. Errors are *httpapi.Error
// values (401 with a distinct code, or 503 when the check itself failed).
func (v *Verifier) Verify(ctx context.Context, r *http.Request) (*User, error) {
	raw, err := bearerToken(r)
	if err != nil {
		return nil, err
	}
	if !wellFormed(raw) {
		return nil, ErrTokenMalformed
	}
	token, err := v.decode(ctx, raw)
	switch {
	case err != nil && auth.IsIDTokenExpired(err), errors.Is(err, errExpired):
		return nil, ErrTokenExpired
	case err != nil:
		return nil, &httpapi.Error{Status: ErrTokenInvalid.Status, Code: ErrTokenInvalid.Code, Message: ErrTokenInvalid.Message, Err: errors.New("token rejected by verifier")}
	}
	if err := v.checkRevoked(ctx, token); err != nil {
		return nil, err
	}
	return userFromToken(token), nil
}

func (v *Verifier) checkRevoked(ctx context.Context, token *auth.Token) error {
	state, err := v.revocation(ctx, token.UID)
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("check token revocation: %w", err))
	}
	issuedMillis := token.IssuedAt * 1000
	switch {
	case state.gone:
		return ErrTokenRevoked
	case issuedMillis < state.validAfterMillis:
		return ErrTokenRevoked
	case state.revokedAtMillis > 0 && issuedMillis <= state.revokedAtMillis:
		// iat has one-second precision, so a token of the logout's second
		// counts as revoked; Logout waits out that second before it returns.
		return ErrTokenRevoked
	}
	return nil
}

func (v *Verifier) revocation(ctx context.Context, uid string) (revocationState, error) {
	now := v.now()
	v.mu.Lock()
	state, ok := v.cache[uid]
	v.mu.Unlock()
	if ok && now.Sub(state.fetched) < v.ttl {
		return state, nil
	}
	state, err := v.fetchRevocation(ctx, uid)
	if err != nil {
		return revocationState{}, err
	}
	state.fetched = now
	v.mu.Lock()
	v.cache[uid] = state
	v.mu.Unlock()
	return state, nil
}

func (v *Verifier) fetchRevocation(ctx context.Context, uid string) (revocationState, error) {
	var state revocationState
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		user, err := v.auth.GetUser(gctx, uid)
		if auth.IsUserNotFound(err) {
			state.gone = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("get user: %w", err)
		}
		state.validAfterMillis = user.TokensValidAfterMillis
		state.gone = state.gone || user.Disabled
		return nil
	})
	var revokedAt int64
	g.Go(func() error {
		var err error
		revokedAt, err = v.loadRevokedAt(gctx, uid)
		return err
	})
	err := g.Wait()
	state.revokedAtMillis = revokedAt
	return state, err
}

func (v *Verifier) loadRevokedAt(ctx context.Context, uid string) (int64, error) {
	snap, err := v.firestore.Collection(RevocationsCollection).Doc(uid).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get revocation: %w", err)
	}
	millis, _ := snap.Data()["revokedAtMillis"].(int64)
	return millis, nil
}

// Revoke ends every session of uid: Identity Platform revokes the refresh
// tokens, Firestore records the instant with millisecond precision for all
// instances, and this instance's cache learns it at once. It then waits for
// the next whole second, so that tokens minted after it returns are newer
// than the revocation.
func (v *Verifier) Revoke(ctx context.Context, uid string) error {
	if err := v.auth.RevokeRefreshTokens(ctx, uid); err != nil {
		return fmt.Errorf("revoke refresh tokens: %w", err)
	}
	now := v.now()
	millis := now.UnixMilli()
	_, err := v.firestore.Collection(RevocationsCollection).Doc(uid).Set(ctx, map[string]any{
		"revokedAtMillis": millis,
		"expireAt":        now.Add(time.Hour), // TTL: ID tokens live one hour at most
	})
	if err != nil {
		return fmt.Errorf("record revocation: %w", err)
	}
	v.mu.Lock()
	delete(v.cache, uid)
	v.mu.Unlock()
	wait := time.Until(now.Truncate(time.Second).Add(time.Second))
	select {
	case <-time.After(wait):
	case <-ctx.Done():
	}
	return nil
}

func bearerToken(r *http.Request) (string, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "", ErrTokenMissing
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", ErrTokenMalformed
	}
	return strings.TrimSpace(token), nil
}

func userFromToken(token *auth.Token) *User {
	user := &User{
		UID:      token.UID,
		IssuedAt: time.Unix(token.IssuedAt, 0),
		AuthTime: time.Unix(token.AuthTime, 0),
	}
	user.Email, _ = token.Claims["email"].(string)
	user.Name, _ = token.Claims["name"].(string)
	user.Role, _ = token.Claims["role"].(string)
	return user
}

// RevokedSince reports whether the user logged out (or was disabled or
// deleted) at or after since, bypassing the cache.
func (v *Verifier) RevokedSince(ctx context.Context, uid string, since time.Time) (bool, error) {
	state, err := v.fetchRevocation(ctx, uid)
	if err != nil {
		return false, err
	}
	sinceMillis := since.UnixMilli()
	return state.gone || state.validAfterMillis > sinceMillis || state.revokedAtMillis >= sinceMillis, nil
}
