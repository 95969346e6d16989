package enrollment

import (
	"net/http"

	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/httpapi"
)

type showResponse struct {
	Consent    consentDocument  `json:"consent"`
	Enrollment *enrollment.View `json:"enrollment"`
}

// show returns the current consent text and the caller's enrollment (null
// when they never enrolled). Both are non-PHI, so no audit entry is written.
func (s *Server) show(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	rec, err := enrollment.Load(ctx, s.Firestore, user.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, showResponse{Consent: currentConsent, Enrollment: rec.View()})
}
