package accountdelete

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// freshLogin is the maximum age of the caller's sign-in, so that a stolen
// session alone cannot delete an account.
const freshLogin = 5 * time.Minute

var errLoginNotFresh = httpapi.NewError(http.StatusUnauthorized, "login_not_fresh", "Deleting the account needs a recent sign-in: sign in again and retry within 5 minutes.")

type deleteResponse struct {
	Deleted   bool      `json:"deleted"`
	Retention Retention `json:"retention"`
	// FHIRResources counts the resources deleted, or de-linked Patients
	// when PHI is retained, over every attempt of the deletion.
	FHIRResources int `json:"fhirResources"`
}

// step is one part of a deletion. Each is idempotent, so a deletion that
// stopped anywhere completes when it runs again from the start.
type step struct {
	name string
	run  func(ctx context.Context, j *job) error
}

// steps lists the deletion in order. The Identity Platform user goes last,
// because the caller needs it to sign in and retry a deletion that failed.
// TODO: documents without the user id in their path stay until they
// expire or empty: revocations/{uid} (1-hour TTL), rate-limit counters,
// the reminder job's sent markers (keyed by a hash of appointment id,
// window and start, kept a week after the start), the smoother's queue of
// pending Observation ids and an appointment lease that a crashed instance
// left (10-minute TTL). They contain ids and times only.
func (s *Server) steps() []step {
	return []step{
		{"start", s.startJob},
		{"fhir", s.handlePHI},
		{"care-team", s.deleteCareTeam},
		{"devices", s.deleteDevices},
		{"inbox", s.deleteInbox},
		{"enrollment", s.deleteEnrollment},
		{"sessions", s.deleteSessions},
		{"audit", s.recordDeletion},
		{"profile", s.deleteProfile},
		{"identity", s.deleteIdentity},
	}
}

// deleteAccount runs every step for the caller, who must have signed in
// within the last five minutes (the token's auth_time).
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if s.now().Sub(user.AuthTime) > freshLogin {
		return errLoginNotFresh
	}

	j := &job{uid: user.UID}
	logger := logging.FromContext(ctx)
	for _, st := range s.steps() {
		if err := st.run(ctx, j); err != nil {
			return httpapi.Unavailable(fmt.Errorf("account deletion step %s: %w", st.name, err))
		}
		if err := s.markDone(ctx, j, st.name); err != nil {
			return httpapi.Unavailable(err)
		}
		if s.afterStep != nil {
			if err := s.afterStep(st.name); err != nil {
				return httpapi.Unavailable(fmt.Errorf("account deletion stopped after step %s: %w", st.name, err))
			}
		}
	}
	logger.Info("account deleted", logging.KeyUserID, user.UID, logging.KeyCount, j.record.FHIRResources, "retention", string(s.retention))
	return httpapi.Respond(w, http.StatusOK, deleteResponse{Deleted: true, Retention: s.retention, FHIRResources: j.record.FHIRResources})
}
