package auth

import (
	"net/http"

	"github.com/ihep/backend/shared/httpapi"
)

// validate reports whether the Bearer token is valid and who it belongs to.
// It makes no Firestore or FHIR call on the hot path beyond the cached
// revocation check, because the web client calls it on every page load.
func (s *Server) validate(w http.ResponseWriter, r *http.Request) error {
	user, err := s.verifier.Verify(r.Context(), r)
	if err != nil {
		return err
	}
	body := map[string]any{"user": map[string]any{"id": user.UID, "email": user.Email, "fullName": user.Name}}
	return httpapi.Respond(w, http.StatusOK, body)
}
