// Package account links an Identity Platform user to their Firestore profile
// (non-PHI) and their FHIR Patient (PHI), creating whatever is missing.
package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/fhir"
)

// ProfilesCollection holds one non-PHI profile document per user id.
const ProfilesCollection = "profiles"

// PatientIdentifierSystem is the identifier system whose value is the user
// id, linking a FHIR Patient to its account.
const PatientIdentifierSystem = "https://ihep.app/fhir/sid/user-id"

// ErrNoProfile means the user has no profile yet (sign-up did not finish).
var ErrNoProfile = errors.New("profile not found")

// Profile is the non-PHI account state kept in Firestore. It holds no name,
// e-mail or health data: those live in Identity Platform and the FHIR store.
type Profile struct {
	PatientID        string    `firestore:"patientId"`
	ProfileCompleted bool      `firestore:"profileCompleted"`
	CreatedAt        time.Time `firestore:"createdAt"`
	LastLoginAt      time.Time `firestore:"lastLoginAt,omitempty"`
	// TemperatureUnit is the preferred display unit, "F" or "C"; empty
	// means the default, "F".
	TemperatureUnit string `firestore:"temperatureUnit,omitempty"`
	// PreferredLanguage is a BCP 47 tag such as "en" or "es-MX"; empty
	// means English.
	PreferredLanguage string `firestore:"preferredLanguage,omitempty"`
	// TimeZone is an IANA time zone name such as "America/Chicago"; empty
	// means UTC.
	TimeZone string `firestore:"timeZone,omitempty"`
	// Notifications holds the user's notification choices; nil means
	// DefaultNotifications.
	Notifications *NotificationPreferences `firestore:"notifications,omitempty"`
}

// NotificationPreferences is the user's choice of notifications. Each
// field switches one channel or one kind of message.
type NotificationPreferences struct {
	// Push sends notifications to the user's registered devices.
	Push bool `firestore:"push" json:"push"`
	// Email sends notifications by e-mail.
	Email bool `firestore:"email" json:"email"`
	// AppointmentReminders reminds the user of upcoming appointments.
	AppointmentReminders bool `firestore:"appointmentReminders" json:"appointmentReminders"`
	// NewResources announces new articles for the user's conditions.
	NewResources bool `firestore:"newResources" json:"newResources"`
}

// DefaultNotifications applies until the user changes a preference: push
// and appointment reminders on, e-mail and article announcements off.
var DefaultNotifications = NotificationPreferences{Push: true, AppointmentReminders: true}

// NotificationChoices returns the user's preferences, or the defaults when
// they never set any.
func (p *Profile) NotificationChoices() NotificationPreferences {
	if p.Notifications == nil {
		return DefaultNotifications
	}
	return *p.Notifications
}

// Store reads and creates accounts.
type Store struct {
	firestore *firestore.Client
	fhir      *fhir.Client
	now       func() time.Time
}

// NewStore returns a store over the given clients.
func NewStore(fs *firestore.Client, fhirClient *fhir.Client) *Store {
	return &Store{firestore: fs, fhir: fhirClient, now: time.Now}
}

// Load returns the user's profile, or ErrNoProfile.
func (s *Store) Load(ctx context.Context, uid string) (*Profile, error) {
	snap, err := s.firestore.Collection(ProfilesCollection).Doc(uid).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, ErrNoProfile
	}
	if err != nil {
		return nil, fmt.Errorf("get profile: %w", err)
	}
	var p Profile
	if err := snap.DataTo(&p); err != nil {
		return nil, fmt.Errorf("decode profile: %w", err)
	}
	return &p, nil
}

// PatientID returns the id of the user's FHIR Patient.
func (s *Store) PatientID(ctx context.Context, uid string) (string, error) {
	p, err := s.Load(ctx, uid)
	if err != nil {
		return "", err
	}
	if p.PatientID == "" {
		return "", ErrNoProfile
	}
	return p.PatientID, nil
}

// Ensure makes sure the user has a FHIR Patient and a profile, creating what
// is missing. It is idempotent, so a sign-up that failed half-way is
// repaired by the next call (at login). fullName goes only to the Patient.
func (s *Store) Ensure(ctx context.Context, uid, fullName string) (*Profile, bool, error) {
	existing, err := s.Load(ctx, uid)
	if err == nil && existing.PatientID != "" {
		return existing, false, nil
	}
	if err != nil && !errors.Is(err, ErrNoProfile) {
		return nil, false, err
	}
	patientID, err := s.ensurePatient(ctx, uid, fullName)
	if err != nil {
		return nil, false, err
	}
	profile := &Profile{PatientID: patientID, CreatedAt: s.now().UTC()}
	ref := s.firestore.Collection(ProfilesCollection).Doc(uid)
	if _, err := ref.Create(ctx, profile); status.Code(err) == codes.AlreadyExists {
		// A concurrent call won; fill in the Patient link if it lacks one.
		if _, err := ref.Set(ctx, map[string]any{"patientId": patientID}, firestore.MergeAll); err != nil {
			return nil, false, fmt.Errorf("link patient to profile: %w", err)
		}
		p, err := s.Load(ctx, uid)
		return p, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("create profile: %w", err)
	}
	return profile, true, nil
}

// TouchLogin records the time of a successful login.
func (s *Store) TouchLogin(ctx context.Context, uid string) error {
	_, err := s.firestore.Collection(ProfilesCollection).Doc(uid).Update(ctx, []firestore.Update{{Path: "lastLoginAt", Value: s.now().UTC()}})
	if err != nil {
		return fmt.Errorf("record last login: %w", err)
	}
	return nil
}

// ensurePatient creates the Patient unless one with the user's identifier
// exists (conditional create), and returns its id.
func (s *Store) ensurePatient(ctx context.Context, uid, fullName string) (string, error) {
	patient := map[string]any{
		"resourceType": "Patient",
		"active":       true,
		"identifier":   []map[string]string{{"system": PatientIdentifierSystem, "value": uid}},
	}
	if fullName != "" {
		patient["name"] = []map[string]string{{"text": fullName}}
	}
	meta, _, err := s.fhir.Create(ctx, "Patient", patient, "identifier="+PatientIdentifierSystem+"|"+uid)
	if err != nil {
		return "", fmt.Errorf("create patient: %w", err)
	}
	return meta.ID, nil
}

// FHIR returns the FHIR client the store uses.
func (s *Store) FHIR() *fhir.Client { return s.fhir }
