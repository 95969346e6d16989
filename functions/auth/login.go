package auth

import (
	"errors"
	"net/http"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/identity"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

var errInvalidCredentials = httpapi.NewError(http.StatusUnauthorized, "invalid_credentials", "The e-mail address or password is incorrect.")

// login signs a user in. An unknown e-mail and a wrong password take the
// same path (one Identity Platform call) and get the same response.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var req loginRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return err
	}
	if req.Password == "" || len(req.Password) > 4*maxPasswordLength {
		return invalid("password_required", "The password is required.")
	}
	if err := s.allow(ctx, loginLimit, httpapi.RequestFrom(ctx).ClientIP+"|"+email); err != nil {
		return err
	}

	session, err := s.identity.SignInWithPassword(ctx, email, req.Password)
	if errors.Is(err, identity.ErrInvalidCredentials) {
		_ = s.audit("auth-login").Record(ctx, audit.Entry{Action: "login", Outcome: audit.OutcomeFailure, Reason: "invalid_credentials"})
		return errInvalidCredentials
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	// Repairs an account whose sign-up stopped half-way.
	profile, _, err := s.accounts.Ensure(ctx, session.UserID, session.DisplayName)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.accounts.TouchLogin(ctx, session.UserID); err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.recordSession(ctx, "auth-login", "login", session); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusOK, sessionResponse(session, session.DisplayName, profile.ProfileCompleted))
}
