package vitals

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// store writes the valid candidates in one FHIR transaction of conditional
// creates, so that the store either keeps all of them or none, and a retry
// finds what an earlier attempt stored. It returns one result per candidate
// and the ids of the stored Observations.
func (s *Server) store(ctx context.Context, patientID string, candidates []candidate) ([]result, []string, error) {
	results := make([]result, len(candidates))
	firstByKey := map[string]int{}
	var entries []map[string]any
	var entryOwner []int
	for i, c := range candidates {
		results[i] = result{Index: c.index}
		if c.rejection != nil {
			results[i].Status, results[i].Code, results[i].Error = statusRejected, c.rejection.Code, c.rejection.Message
			continue
		}
		key := c.reading.IdentifierValue(patientID)
		if _, seen := firstByKey[key]; seen {
			continue // resolved below, from the first copy's outcome
		}
		firstByKey[key] = i
		entryOwner = append(entryOwner, i)
		entries = append(entries, map[string]any{
			"resource": c.reading.Observation(patientID),
			"request":  map[string]string{"method": "POST", "url": "Observation", "ifNoneExist": c.reading.IfNoneExist(patientID)},
		})
	}
	if len(entries) == 0 {
		return results, nil, nil
	}

	bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries}
	resp, err := s.FHIR.ExecuteBundle(ctx, bundle)
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	if len(resp.Entry) != len(entries) {
		return nil, nil, httpapi.Unavailable(fmt.Errorf("transaction returned %d entries for %d", len(resp.Entry), len(entries)))
	}
	var ids []string
	for j, entry := range resp.Entry {
		i := entryOwner[j]
		if entry.Response == nil || !strings.HasPrefix(entry.Response.Status, "20") {
			return nil, nil, httpapi.Unavailable(fmt.Errorf("transaction entry %d was not stored", j))
		}
		id := idFromLocation(entry.Response.Location)
		if strings.HasPrefix(entry.Response.Status, "201") {
			results[i].Status, results[i].ID = statusCreated, id
			ids = append(ids, id)
			continue
		}
		stored, err := s.storedValues(ctx, entry, id)
		if err != nil {
			return nil, nil, err
		}
		if !maps.Equal(stored, candidates[i].reading.Values) {
			conflictingDuplicate(&results[i], id)
			continue
		}
		results[i].Status, results[i].ID = statusDuplicate, id
		ids = append(ids, id)
	}
	// Later copies within the request follow the first copy, compared by
	// value with it.
	for i, c := range candidates {
		if c.rejection != nil || results[i].Status != "" {
			continue
		}
		first := firstByKey[c.reading.IdentifierValue(patientID)]
		switch {
		case !maps.Equal(candidates[first].reading.Values, c.reading.Values):
			conflictingDuplicate(&results[i], results[first].ID)
		case results[first].Status == statusRejected:
			results[i] = result{Index: c.index, Status: statusRejected, ID: results[first].ID, Code: results[first].Code, Error: results[first].Error}
		default:
			results[i].Status, results[i].ID = statusDuplicate, results[first].ID
		}
	}
	logging.FromContext(ctx).Info("vitals stored", logging.KeyPatientID, patientID, logging.KeyCount, len(ids))
	return results, ids, nil
}

// idFromLocation extracts the id from "Observation/ID" or
// "Observation/ID/_history/V", relative or absolute.
func idFromLocation(location string) string {
	_, rest, found := strings.Cut(location, "Observation/")
	if !found {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}
