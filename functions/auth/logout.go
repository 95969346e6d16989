package auth

import (
	"net/http"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
)

// logout revokes every session of the caller: refresh tokens stop working
// and existing ID tokens get 401 token_revoked from every function.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.verifier.Verify(ctx, r)
	if err != nil {
		return err
	}

	if err := s.verifier.Revoke(ctx, user.UID); err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.audit("auth-logout").Record(ctx, audit.Entry{Actor: user.UID, Action: "logout", Outcome: audit.OutcomeSuccess}); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, map[string]bool{"success": true})
}
