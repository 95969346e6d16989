package smoothvitals

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
)

// auditActor names the smoother in audit entries: it acts as a service,
// not on behalf of a signed-in user.
const auditActor = "service:" + FunctionName

// maxAuditedIDs bounds the ids listed in one audit entry. A larger batch is
// recorded by its count only, so the entry stays far below Firestore's
// 1 MiB document limit.
const maxAuditedIDs = 100

// recordSmoothed appends the audit entry of one smoothed batch, with the
// patient's user as the subject so that it appears in their audit trail.
func (s *Smoother) recordSmoothed(ctx context.Context, patientID string, rawIDs []string) error {
	uid, err := s.userOf(ctx, patientID)
	if fhir.IsNotFound(err) {
		// The account was deleted meanwhile, so no audit trail shows the entry.
		return nil
	}
	if err != nil {
		return err
	}
	entry := audit.Entry{Actor: auditActor, SubjectUID: uid, Action: FunctionName + ".write", Outcome: audit.OutcomeSuccess, ResourceType: "Observation", Count: len(rawIDs)}
	if len(rawIDs) <= maxAuditedIDs {
		entry.ResourceIDs = rawIDs
	}
	return audit.NewRecorder(s.firestore, FunctionName).Record(ctx, entry)
}

// userOf returns the user id on the Patient's account identifier. The link
// never changes, so it is kept in memory after the first read.
func (s *Smoother) userOf(ctx context.Context, patientID string) (string, error) {
	s.mu.Lock()
	uid, ok := s.users[patientID]
	s.mu.Unlock()
	if ok {
		return uid, nil
	}
	_, data, err := s.fhir.Read(ctx, "Patient", patientID)
	if err != nil {
		return "", fmt.Errorf("read patient for the audit entry: %w", err)
	}
	var patient struct {
		Identifier []struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
	}
	if err := json.Unmarshal(data, &patient); err != nil {
		return "", fmt.Errorf("decode patient: %w", err)
	}
	for _, id := range patient.Identifier {
		if id.System == account.PatientIdentifierSystem {
			uid = id.Value
		}
	}
	s.mu.Lock()
	if len(s.users) >= maxCachedUsers {
		s.users = map[string]string{}
	}
	s.users[patientID] = uid
	s.mu.Unlock()
	return uid, nil
}

// maxCachedUsers bounds the Patient-to-user cache, about 100 bytes an entry.
const maxCachedUsers = 10000
