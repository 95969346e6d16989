package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/identity"
)

// sessionsCollection records each refresh token this service issued, keyed
// by its SHA-256, with the user and the issue time. Refresh accepts only
// known tokens issued after the user's last logout. Identity Platform
// rejects revoked refresh tokens itself, but the Auth emulator does not, and
// the record also keeps tokens minted outside this API from being refreshed
// here.
const sessionsCollection = "sessions"

// sessionLifetime bounds how long an unused refresh token stays usable.
const sessionLifetime = 30 * 24 * time.Hour

type sessionRecord struct {
	UserID    string    `firestore:"userId"`
	IssuedAt  time.Time `firestore:"issuedAt"`
	ExpireAt  time.Time `firestore:"expireAt"`
	LastUseAt time.Time `firestore:"lastUseAt"`
}

type sessionStore struct {
	firestore *firestore.Client
}

func tokenKey(refreshToken string) string {
	sum := sha256.Sum256([]byte(refreshToken))
	return hex.EncodeToString(sum[:])
}

func (s *sessionStore) save(ctx context.Context, uid, refreshToken string, now time.Time) error {
	rec := sessionRecord{UserID: uid, IssuedAt: now, ExpireAt: now.Add(sessionLifetime), LastUseAt: now}
	if _, err := s.firestore.Collection(sessionsCollection).Doc(tokenKey(refreshToken)).Set(ctx, rec); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// load returns the record of a refresh token, or nil when it is unknown or
// expired.
func (s *sessionStore) load(ctx context.Context, refreshToken string, now time.Time) (*sessionRecord, error) {
	snap, err := s.firestore.Collection(sessionsCollection).Doc(tokenKey(refreshToken)).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	var rec sessionRecord
	if err := snap.DataTo(&rec); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	if !now.Before(rec.ExpireAt) {
		return nil, nil
	}
	return &rec, nil
}

func (s *sessionStore) touch(ctx context.Context, refreshToken string, now time.Time) error {
	_, err := s.firestore.Collection(sessionsCollection).Doc(tokenKey(refreshToken)).Update(ctx, []firestore.Update{
		{Path: "lastUseAt", Value: now}, {Path: "expireAt", Value: now.Add(sessionLifetime)},
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// recordSession stores the new session and writes the audit entry of a
// successful sign-up or login.
func (s *Server) recordSession(ctx context.Context, function, action string, session *identity.Session) error {
	if err := s.sessions.save(ctx, session.UserID, session.RefreshToken, time.Now().UTC()); err != nil {
		return httpapi.Unavailable(err)
	}
	entry := audit.Entry{Actor: session.UserID, Action: action, Outcome: audit.OutcomeSuccess}
	if err := s.audit(function).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return nil
}
