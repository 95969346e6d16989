package auth

import (
	"errors"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/authn"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/identity"
)

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

var errInvalidRefreshToken = httpapi.NewError(http.StatusUnauthorized, "invalid_refresh_token", "The refresh token is not valid: sign in again.")

// refresh exchanges a refresh token this service issued for a new ID token,
// unless the user has logged out since it was issued.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var req refreshRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" || len(req.RefreshToken) > 4096 {
		return invalid("refresh_token_required", "The refresh token is required.")
	}

	now := time.Now().UTC()
	record, err := s.sessions.load(ctx, req.RefreshToken, now)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if record == nil {
		return errInvalidRefreshToken
	}
	if err := s.allow(ctx, refreshLimit, record.UserID); err != nil {
		return err
	}
	if revoked, err := s.verifier.RevokedSince(ctx, record.UserID, record.IssuedAt); err != nil {
		return httpapi.Unavailable(err)
	} else if revoked {
		_ = s.audit("auth-refresh").Record(ctx, audit.Entry{Actor: record.UserID, Action: "refresh", Outcome: audit.OutcomeDenied, Reason: "token_revoked"})
		return authn.ErrTokenRevoked
	}

	session, err := s.identity.Refresh(ctx, req.RefreshToken)
	if errors.Is(err, identity.ErrInvalidRefreshToken) {
		return errInvalidRefreshToken
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.sessions.touch(ctx, req.RefreshToken, now); err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.audit("auth-refresh").Record(ctx, audit.Entry{Actor: session.UserID, Action: "refresh", Outcome: audit.OutcomeSuccess}); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, sessionBody{Token: session.IDToken, RefreshToken: session.RefreshToken, ExpiresIn: session.ExpiresIn})
}
