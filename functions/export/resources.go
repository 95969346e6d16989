package export

import (
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/notification"
)

// ProviderIdentifierSystem identifies a provider of the directory by its id.
const ProviderIdentifierSystem = "https://ihep.app/fhir/sid/provider-id"

// careTeam builds a FHIR CareTeam from the care-team links, the primary
// provider first. A provider still in the directory is named by display;
// providers maps provider ids to their directory entries.
func careTeam(patientID string, members []directory.Member, providers map[string]*directory.Provider) map[string]any {
	participants := make([]map[string]any, 0, len(members))
	for _, m := range members {
		member := map[string]any{"identifier": map[string]string{"system": ProviderIdentifierSystem, "value": m.ProviderID}}
		if p, ok := providers[m.ProviderID]; ok {
			member["display"] = p.Name
		}
		participant := map[string]any{"member": member}
		if m.Primary {
			participant["role"] = []map[string]string{{"text": "primary"}}
		}
		if !m.LinkedAt.IsZero() {
			participant["period"] = map[string]string{"start": m.LinkedAt.UTC().Format(time.RFC3339)}
		}
		participants = append(participants, participant)
	}
	return map[string]any{
		"resourceType": "CareTeam",
		"id":           "care-team",
		"status":       "active",
		"subject":      map[string]string{"reference": "Patient/" + patientID},
		"participant":  participants,
	}
}

// communication builds a FHIR Communication from one in-app notification.
// Notification text is PHI-free by contract, so it is copied as is.
func communication(patientID, id string, e notification.InboxEntry) map[string]any {
	out := map[string]any{
		"resourceType": "Communication",
		"id":           "notification-" + id,
		"status":       "completed",
		"recipient":    []map[string]string{{"reference": "Patient/" + patientID}},
	}
	if !e.CreatedAt.IsZero() {
		out["sent"] = formatTime(e.CreatedAt)
	}
	if e.Kind != "" {
		out["category"] = []map[string]string{{"text": e.Kind}}
	}
	var payload []map[string]string
	for _, text := range []string{e.Title, e.Body} {
		if text != "" {
			payload = append(payload, map[string]string{"contentString": text})
		}
	}
	if payload != nil {
		out["payload"] = payload
	}
	if e.Read && !e.ReadAt.IsZero() {
		out["received"] = formatTime(e.ReadAt)
	}
	return out
}

// eachDocument calls fn with each document of the iterator.
func eachDocument(docs *firestore.DocumentIterator, fn func(*firestore.DocumentSnapshot) error) error {
	for {
		snap, err := docs.Next()
		if err == iterator.Done {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(snap); err != nil {
			return err
		}
	}
}
