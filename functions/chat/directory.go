package chat

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

// Firestore collections of the provider directory and care teams.
const (
	providersCollection = "providers"
	careTeamsCollection = "careTeams"
	membersCollection   = "members"
)

// maxCareTeam bounds how many care team members one read returns.
const maxCareTeam = 50

// provider is the part of a providers/{providerId} document the assistant
// reads. Address is a free-form string in the directory; other shapes are
// left out.
type provider struct {
	ID               string   `firestore:"-"`
	Name             string   `firestore:"name"`
	Specialty        string   `firestore:"specialty"`
	AppointmentTypes []string `firestore:"appointmentTypes"`
	Telehealth       bool     `firestore:"telehealth"`
	Languages        []string `firestore:"languages"`
	Address          any      `firestore:"address"`
	Phone            string   `firestore:"phone"`
	Email            string   `firestore:"email"`
	Active           bool     `firestore:"active"`
}

// careTeamMember is a careTeams/{uid}/members/{providerId} document.
type careTeamMember struct {
	ProviderID string    `firestore:"providerId"`
	Primary    bool      `firestore:"primary"`
	LinkedAt   time.Time `firestore:"linkedAt"`
}

// readCareTeam returns the members of the user's care team.
func readCareTeam(ctx context.Context, fs *firestore.Client, uid string) ([]careTeamMember, error) {
	snaps, err := fs.Collection(careTeamsCollection).Doc(uid).Collection(membersCollection).Limit(maxCareTeam).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read care team: %w", err)
	}
	members := make([]careTeamMember, 0, len(snaps))
	for _, snap := range snaps {
		var m careTeamMember
		if err := snap.DataTo(&m); err != nil {
			continue
		}
		if m.ProviderID == "" {
			m.ProviderID = snap.Ref.ID
		}
		members = append(members, m)
	}
	return members, nil
}

// readProviders returns the directory entries of the given ids that exist,
// inactive ones included: the caller decides whether to show them.
func readProviders(ctx context.Context, fs *firestore.Client, ids []string) (map[string]provider, error) {
	out := map[string]provider{}
	if len(ids) == 0 {
		return out, nil
	}
	refs := make([]*firestore.DocumentRef, 0, len(ids))
	for _, id := range ids {
		refs = append(refs, fs.Collection(providersCollection).Doc(id))
	}
	snaps, err := fs.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read providers: %w", err)
	}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		var p provider
		if err := snap.DataTo(&p); err != nil {
			continue
		}
		p.ID = snap.Ref.ID
		out[p.ID] = p
	}
	return out, nil
}

// addressText returns the provider's address when the directory stores it
// as one string.
func (p provider) addressText() string {
	s, _ := p.Address.(string)
	return s
}
