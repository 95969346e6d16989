package enrollment

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
)

var errNotEnrolled = httpapi.NewError(http.StatusNotFound, "not_enrolled", "You are not enrolled in the research program.")

// maxConsentUpdateAttempts bounds the retries of the Consent update when
// another writer changes it between the read and the write.
const maxConsentUpdateAttempts = 3

// withdraw ends the caller's enrollment at once: Firestore marks it
// withdrawn first, since research use checks that record, and then the
// Consent gets its new state (inactive, with the end of its period). A
// repeated withdrawal finishes a Consent update that failed before.
func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	rec, err := s.markWithdrawn(ctx, user.UID)
	if err != nil {
		return err
	}
	if err := s.deactivateConsent(ctx, rec.ConsentID, rec.WithdrawnAt); err != nil {
		return httpapi.Unavailable(err)
	}
	entry := audit.Entry{Actor: user.UID, Action: "enrollment.withdraw", Outcome: audit.OutcomeSuccess, ResourceType: "Consent", ResourceID: rec.ConsentID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, rec.View())
}

// markWithdrawn sets the withdrawn status and date unless already set.
func (s *Server) markWithdrawn(ctx context.Context, uid string) (*enrollment.Record, error) {
	var out *enrollment.Record
	ref := s.Firestore.Collection(enrollment.Collection).Doc(uid)
	err := s.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		rec, err := enrollment.LoadTx(tx, s.Firestore, uid)
		if err != nil {
			return err
		}
		if rec == nil {
			return errNotEnrolled
		}
		out = rec
		if rec.Status == enrollment.StatusWithdrawn {
			return nil
		}
		now := s.now().UTC()
		rec.Status, rec.WithdrawnAt, rec.UpdatedAt = enrollment.StatusWithdrawn, now, now
		return tx.Set(ref, rec)
	})
	if errors.Is(err, errNotEnrolled) {
		return nil, errNotEnrolled
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return out, nil
}

// deactivateConsent records the withdrawal as the Consent's new version,
// so its history keeps both the signing and the withdrawal.
func (s *Server) deactivateConsent(ctx context.Context, consentID string, withdrawnAt time.Time) error {
	for attempt := 1; ; attempt++ {
		meta, data, err := s.FHIR.Read(ctx, "Consent", consentID)
		if err != nil {
			return err
		}
		var consent map[string]any
		if err := json.Unmarshal(data, &consent); err != nil {
			return err
		}
		if consent["status"] == "inactive" {
			return nil
		}
		consent["status"] = "inactive"
		prov, _ := consent["provision"].(map[string]any)
		if prov == nil {
			prov = map[string]any{}
		}
		per, _ := prov["period"].(map[string]any)
		if per == nil {
			per = map[string]any{}
		}
		per["end"] = withdrawnAt.UTC().Format(time.RFC3339)
		prov["period"] = per
		consent["provision"] = prov
		_, err = s.FHIR.Update(ctx, "Consent", consentID, consent, meta.ETag)
		if !fhir.IsPreconditionFailed(err) || attempt == maxConsentUpdateAttempts {
			return err
		}
	}
}
