package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// CareTeamsCollection holds one document per user id, whose members
// subcollection links the user to providers by id. A link carries no
// condition or other health data.
const (
	CareTeamsCollection = "careTeams"
	MembersCollection   = "members"
)

// MaxCareTeamSize bounds the providers one user can link.
const MaxCareTeamSize = 50

// Care team errors.
var (
	ErrNotLinked    = errors.New("provider is not on the care team")
	ErrCareTeamFull = invalid("care_team_full", "The care team already has %d providers: unlink one first.", MaxCareTeamSize)
)

const primaryFieldPath = "primary"

// Member links a user to one provider of their care team.
type Member struct {
	ProviderID string    `firestore:"providerId"`
	Primary    bool      `firestore:"primary"`
	LinkedAt   time.Time `firestore:"linkedAt"`
}

func (s *Store) members(uid string) *firestore.CollectionRef {
	return s.firestore.Collection(CareTeamsCollection).Doc(uid).Collection(MembersCollection)
}

// CareTeam returns the user's links, the primary provider first and the
// others in the order they were linked.
func (s *Store) CareTeam(ctx context.Context, uid string) ([]Member, error) {
	snaps, err := s.members(uid).Limit(MaxCareTeamSize + 1).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("list care team: %w", err)
	}
	out := make([]Member, 0, len(snaps))
	for _, snap := range snaps {
		var m Member
		if err := snap.DataTo(&m); err != nil {
			return nil, fmt.Errorf("decode care team member: %w", err)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Member) int {
		switch {
		case a.Primary != b.Primary:
			if a.Primary {
				return -1
			}
			return 1
		case !a.LinkedAt.Equal(b.LinkedAt):
			return a.LinkedAt.Compare(b.LinkedAt)
		}
		return strings.Compare(a.ProviderID, b.ProviderID)
	})
	return out, nil
}

// Link adds an active provider to the user's care team, or updates the
// existing link, and reports whether the link is new. With primary set, it
// demotes the current primary provider in the same transaction, so that
// concurrent calls leave exactly one primary. With primary unset, an
// existing primary link becomes an ordinary one.
func (s *Store) Link(ctx context.Context, uid, providerID string, primary bool) (Member, bool, error) {
	if !validID(providerID) {
		return Member{}, false, ErrNotFound
	}
	providerRef := s.providers().Doc(providerID)
	memberRef := s.members(uid).Doc(providerID)
	var (
		result  Member
		created bool
	)
	err := s.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		created = false
		providerSnap, err := tx.Get(providerRef)
		if status.Code(err) == codes.NotFound {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if active, _ := providerSnap.DataAt("active"); active != true {
			return ErrNotFound
		}
		// Read the whole team: the size check and the primary demotion need it,
		// and reading it in the transaction makes concurrent links conflict.
		team, err := tx.Documents(s.members(uid).Limit(MaxCareTeamSize + 1)).GetAll()
		if err != nil {
			return err
		}
		member := Member{ProviderID: providerID, Primary: primary, LinkedAt: s.now().UTC()}
		existing := slices.IndexFunc(team, func(snap *firestore.DocumentSnapshot) bool { return snap.Ref.ID == providerID })
		if existing >= 0 {
			if linkedAt, err := team[existing].DataAt("linkedAt"); err == nil {
				if t, ok := linkedAt.(time.Time); ok {
					member.LinkedAt = t
				}
			}
		} else if len(team) >= MaxCareTeamSize {
			return ErrCareTeamFull
		}
		if primary {
			for _, snap := range team {
				if isPrimary, _ := snap.DataAt(primaryFieldPath); isPrimary == true && snap.Ref.ID != providerID {
					if err := tx.Update(snap.Ref, []firestore.Update{{Path: primaryFieldPath, Value: false}}); err != nil {
						return err
					}
				}
			}
		}
		result, created = member, existing < 0
		return tx.Set(memberRef, member)
	})
	var validation *ValidationError
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.As(err, &validation) {
		return Member{}, false, fmt.Errorf("link provider: %w", err)
	}
	return result, created, err
}

// Unlink removes a provider from the user's care team, or returns
// ErrNotLinked.
func (s *Store) Unlink(ctx context.Context, uid, providerID string) error {
	if !validID(providerID) {
		return ErrNotLinked
	}
	_, err := s.members(uid).Doc(providerID).Delete(ctx, firestore.Exists)
	if status.Code(err) == codes.NotFound {
		return ErrNotLinked
	}
	if err != nil {
		return fmt.Errorf("unlink provider: %w", err)
	}
	return nil
}
