package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/account"
)

// benchPassword is the password of every account the benchmark creates.
const benchPassword = "bench-password-not-common"

// benchUser is a signed-in account with its FHIR Patient.
type benchUser struct {
	UID       string
	Email     string
	Token     string
	PatientID string
}

// newUser creates an account the way auth-signup does: an Identity Platform
// user, a FHIR Patient and a profile, then a password sign-in. It calls the
// emulators directly rather than auth-signup, because auth-signup allows 3
// sign-ups an hour from one client address and one run needs more.
func (s *stack) newUser(ctx context.Context) (*benchUser, error) {
	email := "bench-" + randomID() + "@example.com"
	created, err := s.auth.CreateUser(ctx, (&auth.UserToCreate{}).Email(email).Password(benchPassword).DisplayName("Bench Patient"))
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	user := &benchUser{UID: created.UID, Email: email}
	s.mu.Lock()
	s.users = append(s.users, user)
	s.mu.Unlock()

	profile, _, err := account.NewStore(s.firestore, s.fhir).Ensure(ctx, created.UID, "Bench Patient")
	if err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	user.PatientID = profile.PatientID
	session, err := s.identity.SignInWithPassword(ctx, email, benchPassword)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	user.Token = session.IDToken
	return user, nil
}

// randomID returns 12 random hex digits, for names no other run uses.
func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
