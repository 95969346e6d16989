package enrollment

import (
	"context"
	"errors"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/httpapi"
)

type signRequest struct {
	ConsentVersion string `json:"consentVersion"`
	Agree          *bool  `json:"agree"`
}

var (
	errConsentOutdated = httpapi.NewError(http.StatusConflict, "consent_outdated", "This consent version is no longer offered: read the current consent and sign that version.")
	errNotAgreed       = httpapi.NewError(http.StatusBadRequest, "consent_not_agreed", "Set agree to true to sign the consent.")
	errVersionMissing  = httpapi.NewError(http.StatusBadRequest, "consent_version_missing", "consentVersion is missing: send the version of the consent text you read.")
	// errEnrollmentChanged means a concurrent request changed the enrollment
	// between the read and the write; the client may simply retry.
	errEnrollmentChanged = httpapi.NewError(http.StatusConflict, "enrollment_changed", "The enrollment changed while this request ran: try again.")
)

// sign records the caller's agreement to the current consent: a FHIR
// Consent on their Patient and a pending enrollment. Signing again while
// enrolled returns the enrollment unchanged, so retries are safe.
func (s *Server) sign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	var req signRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	if err := checkSignRequest(req); err != nil {
		return err
	}
	patientID, err := s.PatientID(ctx, user.UID)
	if err != nil {
		return err
	}

	current, err := enrollment.Load(ctx, s.Firestore, user.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if current.Enrolled() {
		return httpapi.Respond(w, http.StatusOK, current.View())
	}
	rec, err := s.storeSignature(ctx, user.UID, patientID, current)
	if err != nil {
		return err
	}
	entry := audit.Entry{Actor: user.UID, Action: "enrollment.sign", Outcome: audit.OutcomeSuccess, ResourceType: "Consent", ResourceID: rec.ConsentID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusCreated, rec.View())
}

func checkSignRequest(req signRequest) error {
	switch {
	case req.ConsentVersion == "":
		return errVersionMissing
	case req.ConsentVersion != currentConsent.Version:
		return errConsentOutdated
	case req.Agree == nil || !*req.Agree:
		return errNotAgreed
	}
	return nil
}

// storeSignature creates the Consent (conditionally, keyed by the next
// generation) and then the pending enrollment that points at it. A crash
// in between leaves a Consent that the retry finds and links.
func (s *Server) storeSignature(ctx context.Context, uid, patientID string, previous *enrollment.Record) (*enrollment.Record, error) {
	generation := 1
	if previous != nil {
		generation = previous.Generation + 1
	}
	now := s.now().UTC().Truncate(time.Second)
	consent := newConsent(uid, patientID, currentConsent.Version, generation, now)
	id := consentIdentifier(uid, generation)
	meta, _, err := s.FHIR.Create(ctx, "Consent", consent, "identifier="+id.System+"|"+id.Value)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}

	rec := &enrollment.Record{Status: enrollment.StatusPending, ConsentVersion: currentConsent.Version, ConsentID: meta.ID, Generation: generation, SignedAt: now, UpdatedAt: now}
	ref := s.Firestore.Collection(enrollment.Collection).Doc(uid)
	err = s.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		latest, err := enrollment.LoadTx(tx, s.Firestore, uid)
		if err != nil {
			return err
		}
		if latest.Enrolled() || latest != nil && latest.Generation != generation-1 {
			return errEnrollmentChanged
		}
		return tx.Set(ref, rec)
	})
	if errors.Is(err, errEnrollmentChanged) {
		return nil, errEnrollmentChanged
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return rec, nil
}
