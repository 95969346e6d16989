// Package patientdata lists the locations of a patient's data: the FHIR
// resource types that point at the Patient, and the Firestore documents
// keyed by the user id. Export and account deletion act on all of them.
package patientdata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/ihep/backend/shared/fhir"
)

// Search is one FHIR resource type in the Patient's compartment and the
// search parameter that selects a patient's resources of that type.
type Search struct {
	ResourceType string
	Parameter    string
}

// FHIRSearches lists every resource type IHEP stores about a patient,
// besides the Patient itself. A feature that stores a new type on the
// Patient adds it here, so export and deletion cover it.
var FHIRSearches = []Search{
	{ResourceType: "Observation", Parameter: "subject"},
	{ResourceType: "Condition", Parameter: "subject"},
	{ResourceType: "Appointment", Parameter: "patient"},
	{ResourceType: "Consent", Parameter: "patient"},
}

// MaxPageSize is the largest page the Cloud Healthcare API (and the local
// engine) returns for one search.
const MaxPageSize = 1000

// EachPage runs the search for the patient's resources of one type and
// calls fn with each page's entries, following the "next" links, so that
// only one page is in memory at a time.
func EachPage(ctx context.Context, client *fhir.Client, patientID string, search Search, pageSize int, fn func(resources []json.RawMessage) error) error {
	params := url.Values{search.Parameter: {"Patient/" + patientID}, "_count": {strconv.Itoa(pageSize)}}
	for params != nil {
		bundle, err := client.Search(ctx, search.ResourceType, params)
		if err != nil {
			return fmt.Errorf("page through %s: %w", search.ResourceType, err)
		}
		resources := make([]json.RawMessage, 0, len(bundle.Entry))
		for _, entry := range bundle.Entry {
			if len(entry.Resource) > 0 {
				resources = append(resources, entry.Resource)
			}
		}
		if err := fn(resources); err != nil {
			return err
		}
		params = bundle.NextPageParams()
	}
	return nil
}

// Firestore locations of a user's non-PHI data, by the shared data
// contracts: careTeams/{uid}/members/{providerId},
// devices/{uid}/tokens/{sha256 of the token} and
// inboxes/{uid}/entries/{notificationId}.
const (
	CareTeamsCollection = "careTeams"
	CareTeamMembers     = "members"
	DevicesCollection   = "devices"
	DeviceTokens        = "tokens"
	InboxesCollection   = "inboxes"
	InboxEntries        = "entries"
)
