package auth

import (
	"net/http"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/notification"
)

// logout revokes every session of the caller: refresh tokens stop working
// and existing ID tokens get 401 token_revoked from every function. It also
// removes the caller's push devices, so that no notification reaches a
// device that is signed out. The app registers its token again after the
// next sign-in.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.verifier.Verify(ctx, r)
	if err != nil {
		return err
	}

	if err := s.verifier.Revoke(ctx, user.UID); err != nil {
		return httpapi.Unavailable(err)
	}
	removed, err := notification.RemoveAllDevices(ctx, s.Firestore, user.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.audit("auth-logout").Record(ctx, audit.Entry{Actor: user.UID, Action: "logout", Outcome: audit.OutcomeSuccess, Count: removed}); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, map[string]bool{"success": true})
}
