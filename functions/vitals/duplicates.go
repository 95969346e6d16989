package vitals

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// Result statuses of one reading.
const (
	statusCreated   = "created"
	statusDuplicate = "duplicate"
	statusRejected  = "rejected"
)

// conflictingDuplicate rejects a reading whose source, type and time match
// a stored one but whose value differs. The stored reading is kept, because
// the identifier makes a second Observation for that instant impossible.
func conflictingDuplicate(res *result, storedID string) {
	res.Status, res.ID = statusRejected, storedID
	res.Code = "conflicting_duplicate"
	res.Error = "A reading of this type from this source at this time is already stored with a different value; the stored value was kept."
}

// storedValues returns the values of the Observation the conditional
// create found: from the transaction response when the store includes the
// resource, else by reading it.
func (s *Server) storedValues(ctx context.Context, entry fhir.BundleEntry, id string) (map[vitalsign.Series]float64, error) {
	data := entry.Resource
	if len(data) == 0 {
		var err error
		if _, data, err = s.FHIR.Read(ctx, "Observation", id); err != nil {
			return nil, httpapi.Unavailable(fmt.Errorf("read stored reading: %w", err))
		}
	}
	obs, err := vitalobs.Decode(json.RawMessage(data))
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	stored, err := vitalobs.ParseStored(obs)
	if err != nil {
		// A reading IHEP cannot parse back was not written by IHEP with
		// these values, so it cannot match.
		return nil, nil
	}
	return stored.Values, nil
}
