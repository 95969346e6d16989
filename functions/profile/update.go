package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"cloud.google.com/go/firestore"
	firebaseauth "firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
)

// update changes the fields present in the body. A new full name goes to the
// FHIR Patient and to the Identity Platform display name; the other fields
// go to the Firestore profile.
func (s *Server) update(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	var req patchRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	p, err := s.Profile(ctx, user.UID)
	if err != nil {
		return err
	}

	if req.FullName != nil {
		if err := s.rename(ctx, user.UID, p.PatientID, *req.FullName); err != nil {
			return err
		}
	}
	req.apply(p)
	if err := s.store(ctx, user.UID, p); err != nil {
		return err
	}
	entry := audit.Entry{Actor: user.UID, Action: "profile.update", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: p.PatientID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	body, err := s.render(ctx, user.UID, p)
	if err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusOK, body)
}

// store writes the editable fields of the profile, leaving the Patient
// link and the login times alone.
func (s *Server) store(ctx context.Context, uid string, p *account.Profile) error {
	notifications := p.NotificationChoices()
	updates := []firestore.Update{
		{Path: "preferredLanguage", Value: p.PreferredLanguage},
		{Path: "timeZone", Value: p.TimeZone},
		{Path: "temperatureUnit", Value: p.TemperatureUnit},
		{Path: "profileCompleted", Value: p.ProfileCompleted},
		{Path: "notifications", Value: notifications},
	}
	if _, err := s.Firestore.Collection(account.ProfilesCollection).Doc(uid).Update(ctx, updates); err != nil {
		return httpapi.Unavailable(fmt.Errorf("update profile: %w", err))
	}
	return nil
}

// maxRenameAttempts bounds the read-modify-write of the Patient when
// another writer changes it in between.
const maxRenameAttempts = 3

// rename sets the name on the caller's Patient (guarded by its ETag, so a
// concurrent change to the Patient is never overwritten) and then the
// display name in Identity Platform.
func (s *Server) rename(ctx context.Context, uid, patientID, fullName string) error {
	var err error
	for range maxRenameAttempts {
		err = s.renamePatient(ctx, patientID, fullName)
		if !fhir.IsPreconditionFailed(err) {
			break
		}
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if _, err := s.Auth.UpdateUser(ctx, uid, (&firebaseauth.UserToUpdate{}).DisplayName(fullName)); err != nil {
		return httpapi.Unavailable(fmt.Errorf("update display name: %w", err))
	}
	return nil
}

func (s *Server) renamePatient(ctx context.Context, patientID, fullName string) error {
	meta, data, err := s.FHIR.Read(ctx, "Patient", patientID)
	if err != nil {
		return fmt.Errorf("read patient: %w", err)
	}
	var patient map[string]any
	if err := json.Unmarshal(data, &patient); err != nil {
		return fmt.Errorf("decode patient: %w", err)
	}
	// The new name becomes the usual one; names of other uses, such as
	// the official name a clinic recorded, stay.
	names := []any{map[string]string{"use": "usual", "text": fullName}}
	if old, ok := patient["name"].([]any); ok {
		for _, entry := range old {
			if name, ok := entry.(map[string]any); ok && name["use"] != nil && name["use"] != "usual" {
				names = append(names, name)
			}
		}
	}
	patient["name"] = names
	if _, err := s.FHIR.Update(ctx, "Patient", patientID, patient, meta.ETag); err != nil {
		return fmt.Errorf("update patient name: %w", err)
	}
	return nil
}
