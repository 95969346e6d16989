package enrollment

import (
	"context"
	"errors"
	"net/http"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/validation"
)

// RoleAdmin is the value of the "role" custom claim that administrators of
// the research program carry.
const RoleAdmin = "admin"

type reviewRequest struct {
	UID    string            `json:"uid"`
	Status enrollment.Status `json:"status"`
}

var (
	errAdminOnly         = httpapi.NewError(http.StatusForbidden, "admin_only", "Only administrators of the research program may change an enrollment's status.")
	errInvalidTransition = httpapi.NewError(http.StatusConflict, "invalid_transition", "The enrollment cannot move to this status from its current one: pending goes to approved, approved to active.")
	errInvalidStatus     = httpapi.NewError(http.StatusBadRequest, "invalid_status", "status must be approved or active.")
	errUIDMissing        = httpapi.NewError(http.StatusBadRequest, "uid_missing", "uid is missing: send the user id of the enrollment to change.")
)

// review lets an administrator move an enrollment forward: pending to
// approved, approved to active. The administrator names the patient's user
// id, which is the one place a request chooses whose record it touches.
func (s *Server) review(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if user.Role != RoleAdmin {
		return errAdminOnly
	}
	var req reviewRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	from, err := checkReviewRequest(req)
	if err != nil {
		return err
	}
	rec, err := s.transition(ctx, req.UID, from, req.Status)
	if err != nil {
		return err
	}
	entry := audit.Entry{Actor: user.UID, SubjectUID: req.UID, Action: "enrollment." + string(req.Status), Outcome: audit.OutcomeSuccess, ResourceType: "Consent", ResourceID: rec.ConsentID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, rec.View())
}

// checkReviewRequest returns the status the enrollment must have before.
func checkReviewRequest(req reviewRequest) (enrollment.Status, error) {
	if req.UID == "" {
		return "", errUIDMissing
	}
	if !validation.DocumentID(req.UID) {
		// No user has such an id, so no enrollment exists for it.
		return "", httpapi.ErrNotFound
	}
	switch req.Status {
	case enrollment.StatusApproved:
		return enrollment.StatusPending, nil
	case enrollment.StatusActive:
		return enrollment.StatusApproved, nil
	default:
		return "", errInvalidStatus
	}
}

// transition moves the enrollment from one status to the next. Repeating a
// transition that already happened returns the record unchanged.
func (s *Server) transition(ctx context.Context, uid string, from, to enrollment.Status) (*enrollment.Record, error) {
	var out *enrollment.Record
	ref := s.Firestore.Collection(enrollment.Collection).Doc(uid)
	err := s.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		rec, err := enrollment.LoadTx(tx, s.Firestore, uid)
		switch {
		case err != nil:
			return err
		case rec == nil:
			return httpapi.ErrNotFound
		case rec.Status == to:
			out = rec
			return nil
		case rec.Status != from:
			return errInvalidTransition
		}
		now := s.now().UTC()
		rec.Status, rec.UpdatedAt = to, now
		if to == enrollment.StatusApproved {
			rec.ApprovedAt = now
		} else {
			rec.ActivatedAt = now
		}
		out = rec
		return tx.Set(ref, rec)
	})
	var apiErr *httpapi.Error
	if errors.As(err, &apiErr) {
		return nil, apiErr
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return out, nil
}
