// Package catalog is the non-PHI learning content in Firestore: the
// conditions catalog that the survey offers and the articles filed under
// those conditions.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/validation"
)

// Firestore collections of the catalog.
const (
	ConditionsCollection = "conditions"
	ArticlesCollection   = "articles"
)

// Errors returned by the store.
var (
	ErrNotFound = errors.New("catalog entry not found")
	ErrExists   = errors.New("catalog entry already exists")
)

// ValidationError is a field or query that failed validation.
type ValidationError = validation.Error

var invalid = validation.New

// Condition is one entry of the conditions catalog, keyed by its slug.
type Condition struct {
	Slug        string    `firestore:"slug"`
	Name        string    `firestore:"name"`
	Description string    `firestore:"description"`
	Order       int       `firestore:"order"`
	Active      bool      `firestore:"active"`
	UpdatedAt   time.Time `firestore:"updatedAt"`
}

// slugPattern is lower-case words joined by single hyphens.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Limits of condition fields, in characters.
const (
	maxSlugLength        = 64
	maxConditionName     = 100
	maxDescriptionLength = 1000
)

// ValidSlug reports whether s has the form of a condition slug.
func ValidSlug(s string) bool {
	return len(s) <= maxSlugLength && slugPattern.MatchString(s)
}

// NormalizeCondition trims c's text and validates it.
func NormalizeCondition(c *Condition) error {
	c.Name = strings.TrimSpace(c.Name)
	c.Description = strings.TrimSpace(c.Description)
	switch {
	case !ValidSlug(c.Slug):
		return invalid("invalid_slug", "The slug must be lower-case letters and digits in words joined by single hyphens, at most %d characters, such as heart-disease.", maxSlugLength)
	case c.Name == "" || utf8.RuneCountInString(c.Name) > maxConditionName:
		return invalid("invalid_name", "The name must be 1 to %d characters long.", maxConditionName)
	case utf8.RuneCountInString(c.Description) > maxDescriptionLength:
		return invalid("invalid_description", "The description must be at most %d characters long.", maxDescriptionLength)
	case c.Order < 0 || c.Order > 10000:
		return invalid("invalid_order", "The order must be between 0 and 10000.")
	}
	return nil
}

// Store reads and writes the catalog.
type Store struct {
	firestore *firestore.Client
	now       func() time.Time
}

// NewStore returns a store over fs.
func NewStore(fs *firestore.Client) *Store {
	return &Store{firestore: fs, now: time.Now}
}

// MaxConditions bounds the catalog that Conditions reads.
const MaxConditions = 200

// Conditions returns the catalog in display order. Inactive conditions are
// left out unless includeInactive is set. The catalog is small, so it is
// read whole and sorted here, which needs no composite index.
func (s *Store) Conditions(ctx context.Context, includeInactive bool) ([]Condition, error) {
	snaps, err := s.firestore.Collection(ConditionsCollection).Limit(MaxConditions).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("list conditions: %w", err)
	}
	out := make([]Condition, 0, len(snaps))
	for _, snap := range snaps {
		var c Condition
		if err := snap.DataTo(&c); err != nil {
			return nil, fmt.Errorf("decode condition: %w", err)
		}
		if c.Active || includeInactive {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Condition) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	return out, nil
}

// ActiveSlugs returns the slugs of the active conditions, in display order.
func (s *Store) ActiveSlugs(ctx context.Context) ([]string, error) {
	conditions, err := s.Conditions(ctx, false)
	if err != nil {
		return nil, err
	}
	slugs := make([]string, len(conditions))
	for i, c := range conditions {
		slugs[i] = c.Slug
	}
	return slugs, nil
}

// CheckSlugs returns the distinct slugs of in, in catalog order, or a
// *ValidationError with code unknown_condition naming the first slug that
// is not an active condition.
func (s *Store) CheckSlugs(ctx context.Context, in []string) ([]string, error) {
	active, err := s.Conditions(ctx, false)
	if err != nil {
		return nil, err
	}
	return PickSlugs(active, in)
}

// PickSlugs is CheckSlugs over an already read list of active conditions.
func PickSlugs(active []Condition, in []string) ([]string, error) {
	known := make([]string, len(active))
	for i, c := range active {
		known[i] = c.Slug
	}
	for _, slug := range in {
		if !slices.Contains(known, slug) {
			return nil, invalid("unknown_condition", "Condition %q is not in the catalog: use one of %s.", truncate(slug, 64), strings.Join(known, ", "))
		}
	}
	var out []string
	for _, slug := range known {
		if slices.Contains(in, slug) {
			out = append(out, slug)
		}
	}
	return out, nil
}

// CreateCondition stores a new condition, or returns ErrExists.
func (s *Store) CreateCondition(ctx context.Context, c *Condition) error {
	if err := NormalizeCondition(c); err != nil {
		return err
	}
	c.UpdatedAt = s.now().UTC()
	_, err := s.firestore.Collection(ConditionsCollection).Doc(c.Slug).Create(ctx, c)
	if status.Code(err) == codes.AlreadyExists {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("create condition: %w", err)
	}
	return nil
}

// UpdateCondition applies change to a stored condition in a transaction and
// returns the result. The slug cannot change.
func (s *Store) UpdateCondition(ctx context.Context, slug string, change func(*Condition) error) (*Condition, error) {
	if !ValidSlug(slug) {
		return nil, ErrNotFound
	}
	ref := s.firestore.Collection(ConditionsCollection).Doc(slug)
	var updated Condition
	err := s.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := snap.DataTo(&updated); err != nil {
			return err
		}
		if err := change(&updated); err != nil {
			return err
		}
		updated.Slug = slug
		if err := NormalizeCondition(&updated); err != nil {
			return err
		}
		updated.UpdatedAt = s.now().UTC()
		return tx.Set(ref, &updated)
	})
	if err != nil {
		return nil, wrapUnlessKnown("update condition", err)
	}
	return &updated, nil
}

// wrapUnlessKnown leaves the store's own errors as they are and wraps the
// others with op.
func wrapUnlessKnown(op string, err error) error {
	var validation *ValidationError
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) || errors.As(err, &validation) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

var truncate = validation.Truncate
