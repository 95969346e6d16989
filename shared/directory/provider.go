// Package directory is the provider directory and each user's care team in
// Firestore: provider records with their search keys, the directory search,
// and the ids-only links between a user and the providers they chose.
package directory

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/firestore"
	"golang.org/x/text/language"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/validation"
)

// ProvidersCollection holds one document per provider, keyed by provider id.
const ProvidersCollection = "providers"

// Appointment types a provider may accept; they are also the codes of the
// appointment-type CodeSystem used on FHIR Appointments.
const (
	AppointmentTelehealth = "telehealth"
	AppointmentInPerson   = "in-person"
	AppointmentGroup      = "group"
)

// AppointmentTypes lists every accepted appointment type.
var AppointmentTypes = []string{AppointmentTelehealth, AppointmentInPerson, AppointmentGroup}

// ErrNotFound means no provider has the id, or the provider is inactive.
var ErrNotFound = errors.New("provider not found")

// Provider is one directory entry. The fields after Active are search keys
// that Store derives from the others on every write.
type Provider struct {
	ID               string         `firestore:"-"`
	Name             string         `firestore:"name"`
	Specialty        string         `firestore:"specialty"`
	AppointmentTypes []string       `firestore:"appointmentTypes"`
	Telehealth       bool           `firestore:"telehealth"`
	Languages        []string       `firestore:"languages"`
	Address          string         `firestore:"address"`
	Phone            string         `firestore:"phone"`
	Email            string         `firestore:"email"`
	Location         *latlng.LatLng `firestore:"location"`
	Active           bool           `firestore:"active"`
	UpdatedAt        time.Time      `firestore:"updatedAt"`

	// NameKey is the lower-cased name, for prefix search and ordering.
	NameKey string `firestore:"nameKey"`
	// SpecialtyKey is the lower-cased specialty, for exact search.
	SpecialtyKey string `firestore:"specialtyKey"`
	// Facets holds one token per appointment type ("t:telehealth"), per
	// language and its base language ("l:es-mx", "l:es"), and per pair of
	// the two ("t:telehealth|l:es"). Firestore allows one array-contains
	// filter per query, so the pairs let one query filter on both.
	Facets []string `firestore:"facets"`
	// Geohash is the location's geohash, for distance search.
	Geohash string `firestore:"geohash"`
}

// ValidationError is a field or query that failed validation.
type ValidationError = validation.Error

var invalid = validation.New

// Field length limits, in characters.
const (
	maxNameLength    = 200
	maxAddressLength = 500
	maxPhoneLength   = 40
	maxLanguages     = 20
)

// Normalize validates p and fills its search keys: it trims text fields,
// canonicalises language tags and sets Telehealth from the appointment
// types. It returns the first problem as a *ValidationError.
func Normalize(p *Provider) error {
	p.Name = strings.TrimSpace(p.Name)
	p.Specialty = strings.TrimSpace(p.Specialty)
	p.Address = strings.TrimSpace(p.Address)
	p.Phone = strings.TrimSpace(p.Phone)
	p.Email = strings.TrimSpace(p.Email)
	switch {
	case p.Name == "" || utf8.RuneCountInString(p.Name) > maxNameLength:
		return invalid("invalid_name", "The name must be 1 to %d characters long.", maxNameLength)
	case p.Specialty == "" || utf8.RuneCountInString(p.Specialty) > maxNameLength:
		return invalid("invalid_specialty", "The specialty must be 1 to %d characters long.", maxNameLength)
	case utf8.RuneCountInString(p.Address) > maxAddressLength:
		return invalid("invalid_address", "The address must be at most %d characters long.", maxAddressLength)
	case utf8.RuneCountInString(p.Phone) > maxPhoneLength || strings.Trim(p.Phone, "+0123456789 ()-.") != "":
		return invalid("invalid_phone", "The phone number may contain only digits, spaces, +, (, ), - and . (at most %d characters).", maxPhoneLength)
	case p.Email != "" && !validEmail(p.Email):
		return invalid("invalid_email", "The e-mail address is invalid.")
	case p.Location == nil:
		return invalid("missing_location", "The location (latitude and longitude) is required.")
	case !validPoint(p.Location.Latitude, p.Location.Longitude):
		return invalid("invalid_location", "The latitude must be within -90 to 90 and the longitude within -180 to 180.")
	}
	types, err := normalizeTypes(p.AppointmentTypes)
	if err != nil {
		return err
	}
	langs, err := normalizeLanguages(p.Languages)
	if err != nil {
		return err
	}
	p.AppointmentTypes, p.Languages = types, langs
	p.Telehealth = slices.Contains(types, AppointmentTelehealth)
	p.NameKey = strings.ToLower(p.Name)
	p.SpecialtyKey = strings.ToLower(p.Specialty)
	p.Facets = facets(types, langs)
	p.Geohash = encodeGeohash(p.Location.Latitude, p.Location.Longitude, geohashPrecision)
	return nil
}

func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && addr.Name == ""
}

func validPoint(lat, lng float64) bool {
	return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

func normalizeTypes(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, invalid("missing_appointment_types", "At least one appointment type is required: %s.", strings.Join(AppointmentTypes, ", "))
	}
	var out []string
	for _, t := range in {
		if !slices.Contains(AppointmentTypes, t) {
			return nil, invalid("invalid_appointment_type", "Appointment type %q is unknown: use %s.", truncate(t, 40), strings.Join(AppointmentTypes, ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

func normalizeLanguages(in []string) ([]string, error) {
	if len(in) == 0 || len(in) > maxLanguages {
		return nil, invalid("invalid_languages", "Between 1 and %d languages (BCP 47 tags such as en or es-MX) are required.", maxLanguages)
	}
	var out []string
	for _, raw := range in {
		tag, err := CanonicalLanguage(raw)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out, nil
}

// CanonicalLanguage returns the canonical form of a BCP 47 language tag,
// such as "es-MX" for "es-mx", or a *ValidationError.
func CanonicalLanguage(raw string) (string, error) {
	tag, err := language.Parse(strings.TrimSpace(raw))
	if err != nil || tag == language.Und {
		return "", invalid("invalid_language", "Language %q is not a valid BCP 47 tag such as en or es-MX.", truncate(raw, 40))
	}
	return tag.String(), nil
}

// baseLanguage returns the language subtag of a canonical tag ("es" for
// "es-MX").
func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(tag, "-")
	return base
}

func facets(types, langs []string) []string {
	var langKeys []string
	for _, l := range langs {
		for _, key := range []string{strings.ToLower(l), baseLanguage(strings.ToLower(l))} {
			if !slices.Contains(langKeys, key) {
				langKeys = append(langKeys, key)
			}
		}
	}
	var out []string
	for _, t := range types {
		out = append(out, typeFacet(t))
	}
	for _, l := range langKeys {
		out = append(out, languageFacet(l))
	}
	for _, t := range types {
		for _, l := range langKeys {
			out = append(out, typeFacet(t)+"|"+languageFacet(l))
		}
	}
	return out
}

func typeFacet(t string) string     { return "t:" + t }
func languageFacet(l string) string { return "l:" + strings.ToLower(l) }

var truncate = validation.Truncate

// Store reads and writes the provider directory and care teams.
type Store struct {
	firestore *firestore.Client
	now       func() time.Time
}

// NewStore returns a store over fs.
func NewStore(fs *firestore.Client) *Store {
	return &Store{firestore: fs, now: time.Now}
}

func (s *Store) providers() *firestore.CollectionRef {
	return s.firestore.Collection(ProvidersCollection)
}

// Get returns a provider, active or not, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Provider, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	snap, err := s.providers().Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get provider: %w", err)
	}
	return decodeProvider(snap)
}

// GetActive returns an active provider, or ErrNotFound for a missing or
// inactive one.
func (s *Store) GetActive(ctx context.Context, id string) (*Provider, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, ErrNotFound
	}
	return p, nil
}

// GetMany returns the providers with the given ids in one batched read,
// keyed by id. Missing ids are absent from the map; inactive providers are
// included.
func (s *Store) GetMany(ctx context.Context, ids []string) (map[string]*Provider, error) {
	refs := make([]*firestore.DocumentRef, 0, len(ids))
	for _, id := range ids {
		if validID(id) {
			refs = append(refs, s.providers().Doc(id))
		}
	}
	out := make(map[string]*Provider, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	snaps, err := s.firestore.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("get providers: %w", err)
	}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		p, err := decodeProvider(snap)
		if err != nil {
			return nil, err
		}
		out[p.ID] = p
	}
	return out, nil
}

// Create normalizes p and stores it under a new id, which it returns.
func (s *Store) Create(ctx context.Context, p *Provider) (string, error) {
	ref := s.providers().NewDoc()
	if err := s.Put(ctx, ref.ID, p); err != nil {
		return "", err
	}
	return ref.ID, nil
}

// Put normalizes p and stores it under id, replacing any earlier version.
// Loading a fixed set of providers twice therefore stores each once.
func (s *Store) Put(ctx context.Context, id string, p *Provider) error {
	if !validID(id) {
		return invalid("invalid_provider_id", "Provider id %q is invalid: use 1 to 128 letters, digits, - or _.", truncate(id, 40))
	}
	if err := Normalize(p); err != nil {
		return err
	}
	p.ID = id
	p.UpdatedAt = s.now().UTC()
	if _, err := s.providers().Doc(id).Set(ctx, p); err != nil {
		return fmt.Errorf("store provider: %w", err)
	}
	return nil
}

// Update applies change to the stored provider and stores the result with
// fresh search keys, in a transaction so that concurrent updates do not
// overwrite each other. It returns ErrNotFound for an unknown id.
func (s *Store) Update(ctx context.Context, id string, change func(*Provider) error) (*Provider, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	ref := s.providers().Doc(id)
	var updated *Provider
	err := s.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		p, err := decodeProvider(snap)
		if err != nil {
			return err
		}
		if err := change(p); err != nil {
			return err
		}
		if err := Normalize(p); err != nil {
			return err
		}
		p.UpdatedAt = s.now().UTC()
		updated = p
		return tx.Set(ref, p)
	})
	var validation *ValidationError
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.As(err, &validation) {
		return nil, fmt.Errorf("update provider: %w", err)
	}
	return updated, err
}

func decodeProvider(snap *firestore.DocumentSnapshot) (*Provider, error) {
	var p Provider
	if err := snap.DataTo(&p); err != nil {
		return nil, fmt.Errorf("decode provider: %w", err)
	}
	p.ID = snap.Ref.ID
	return &p, nil
}

var validID = validation.DocumentID
