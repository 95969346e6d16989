package export

import (
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
)

// ProviderIdentifierSystem identifies a provider of the directory by its id.
const ProviderIdentifierSystem = "https://ihep.app/fhir/sid/provider-id"

// careTeam builds a FHIR CareTeam from the care-team links in Firestore.
func careTeam(patientID string, members []*firestore.DocumentSnapshot) map[string]any {
	participants := make([]map[string]any, 0, len(members))
	for _, snap := range members {
		data := snap.Data()
		participant := map[string]any{
			"member": map[string]any{"identifier": map[string]string{"system": ProviderIdentifierSystem, "value": snap.Ref.ID}},
		}
		if primary, _ := data["primary"].(bool); primary {
			participant["role"] = []map[string]string{{"text": "primary"}}
		}
		if linkedAt, ok := data["linkedAt"].(time.Time); ok {
			participant["period"] = map[string]string{"start": linkedAt.UTC().Format(time.RFC3339)}
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
// TODO: the inbox entry's field names (title, body, text, createdAt,
// readAt) are assumed, because the data contract fixes only the path; a
// field under another name is left out of the export.
func communication(patientID string, snap *firestore.DocumentSnapshot) map[string]any {
	data := snap.Data()
	out := map[string]any{
		"resourceType": "Communication",
		"id":           "notification-" + snap.Ref.ID,
		"status":       "completed",
		"recipient":    []map[string]string{{"reference": "Patient/" + patientID}},
	}
	var payload []map[string]string
	for _, key := range []string{"title", "body", "text"} {
		if text, ok := data[key].(string); ok && text != "" {
			payload = append(payload, map[string]string{"contentString": text})
		}
	}
	if payload != nil {
		out["payload"] = payload
	}
	if at, ok := data["createdAt"].(time.Time); ok {
		out["sent"] = at.UTC().Format(time.RFC3339)
	}
	if at, ok := data["readAt"].(time.Time); ok {
		out["received"] = at.UTC().Format(time.RFC3339)
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
