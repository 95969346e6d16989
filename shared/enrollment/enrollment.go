// Package enrollment stores a patient's enrollment in the digital-twin
// research program: the status and dates in Firestore (non-PHI), with the
// signed consent itself kept as a FHIR Consent on the Patient (PHI).
//
// It also defines what "not used for research" means: research use of a
// patient's data is allowed only for data collected inside the window that
// UsableForResearch checks. The patient's own care features (smoothing, the
// dashboard and the twin's health score) are not research use and keep
// working after a withdrawal.
package enrollment

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Collection holds one document per user id: enrollments/{uid}.
const Collection = "enrollments"

// Status is the state of an enrollment.
type Status string

// Statuses. A signed consent starts pending; an administrator approves it
// and then activates it. The patient may withdraw from any status.
const (
	StatusPending   Status = "pending"
	StatusApproved  Status = "approved"
	StatusActive    Status = "active"
	StatusWithdrawn Status = "withdrawn"
)

// Record is the Firestore document of one enrollment: status, dates and the
// id of the FHIR Consent, never the consent's content.
type Record struct {
	Status         Status `firestore:"status"`
	ConsentVersion string `firestore:"consentVersion"`
	// ConsentID is the FHIR Consent the patient signed for this enrollment.
	ConsentID string `firestore:"consentId"`
	// Generation counts the signings: a re-enrollment after a withdrawal
	// signs a new Consent with the next generation.
	Generation  int       `firestore:"generation"`
	SignedAt    time.Time `firestore:"signedAt"`
	ApprovedAt  time.Time `firestore:"approvedAt,omitempty"`
	ActivatedAt time.Time `firestore:"activatedAt,omitempty"`
	WithdrawnAt time.Time `firestore:"withdrawnAt,omitempty"`
	UpdatedAt   time.Time `firestore:"updatedAt"`
}

// Enrolled reports whether the record is a current enrollment, that is
// signed and not withdrawn.
func (r *Record) Enrolled() bool {
	return r != nil && r.Status != StatusWithdrawn && r.Status != ""
}

// UsableForResearch reports whether data collected at collectedAt may be
// used for research. That needs an active enrollment, or a withdrawn one
// that was active, and collection between the signing of the consent and
// the withdrawal. Data collected after a withdrawal is never usable, and
// neither is anything while the enrollment waits for approval.
func (r *Record) UsableForResearch(collectedAt time.Time) bool {
	if r == nil || r.ActivatedAt.IsZero() || collectedAt.Before(r.SignedAt) {
		return false
	}
	switch r.Status {
	case StatusActive:
		return true
	case StatusWithdrawn:
		return collectedAt.Before(r.WithdrawnAt)
	default:
		return false
	}
}

// Load returns the user's enrollment, or nil when they never enrolled.
func Load(ctx context.Context, fs *firestore.Client, uid string) (*Record, error) {
	snap, err := fs.Collection(Collection).Doc(uid).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get enrollment: %w", err)
	}
	return decode(snap)
}

// LoadTx reads the user's enrollment inside a transaction.
func LoadTx(tx *firestore.Transaction, fs *firestore.Client, uid string) (*Record, error) {
	snap, err := tx.Get(fs.Collection(Collection).Doc(uid))
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get enrollment: %w", err)
	}
	return decode(snap)
}

func decode(snap *firestore.DocumentSnapshot) (*Record, error) {
	var r Record
	if err := snap.DataTo(&r); err != nil {
		return nil, fmt.Errorf("decode enrollment: %w", err)
	}
	return &r, nil
}
