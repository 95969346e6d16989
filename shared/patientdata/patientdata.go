// Package patientdata lists the FHIR resource types that point at a
// patient's Patient and pages through them. Export and account deletion act
// on all of them. The Firestore data keyed by the user id lives in the
// packages of its features (shared/account, shared/directory,
// shared/enrollment, shared/notification).
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
