package accountdelete

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/patientdata"
)

// handlePHI applies the retention rule to each Patient of the job.
func (s *Server) handlePHI(ctx context.Context, j *job) error {
	for _, patientID := range j.record.PatientIDs {
		var err error
		if s.retention == RetentionRetain {
			err = s.delinkPatient(ctx, j, patientID)
		} else {
			err = s.deletePatientData(ctx, j, patientID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deletePatientData deletes every resource of the Patient's compartment,
// a page at a time in batch bundles, and then the Patient. It searches
// the first page again after each batch, since deleting shifts the pages.
func (s *Server) deletePatientData(ctx context.Context, j *job, patientID string) error {
	for _, search := range patientdata.FHIRSearches {
		params := url.Values{search.Parameter: {"Patient/" + patientID}, "_count": {strconv.Itoa(patientdata.MaxPageSize)}, "_elements": {"id"}}
		for {
			bundle, err := s.FHIR.Search(ctx, search.ResourceType, params)
			if err != nil {
				return fmt.Errorf("find %s to delete: %w", search.ResourceType, err)
			}
			if len(bundle.Entry) == 0 {
				break
			}
			if err := s.deleteBatch(ctx, search.ResourceType, bundle.Entry); err != nil {
				return err
			}
			j.record.FHIRResources += len(bundle.Entry)
		}
	}
	if err := s.FHIR.Delete(ctx, "Patient", patientID); err != nil {
		return fmt.Errorf("delete patient: %w", err)
	}
	j.record.FHIRResources++
	return nil
}

func (s *Server) deleteBatch(ctx context.Context, resourceType string, entries []fhir.BundleEntry) error {
	requests := make([]map[string]any, 0, len(entries))
	for _, entry := range entries {
		requests = append(requests, map[string]any{"request": map[string]string{"method": "DELETE", "url": resourceType + "/" + resourceID(entry.Resource)}})
	}
	out, err := s.FHIR.ExecuteBundle(ctx, map[string]any{"resourceType": "Bundle", "type": "batch", "entry": requests})
	if err != nil {
		return fmt.Errorf("delete %s batch: %w", resourceType, err)
	}
	for _, entry := range out.Entry {
		if entry.Response == nil || !deleted(entry.Response.Status) {
			return fmt.Errorf("delete %s batch: an entry failed", resourceType)
		}
	}
	return nil
}

// deleted reports whether a batch entry's status means the resource is
// gone: deleted now (200, 204) or already missing (404, 410).
func deleted(status string) bool {
	code, _, _ := cutStatus(status)
	switch code {
	case 200, 204, 404, 410:
		return true
	}
	return false
}

func cutStatus(status string) (int, string, error) {
	if len(status) < 3 {
		return 0, "", fmt.Errorf("short status %q", status)
	}
	code, err := strconv.Atoi(status[:3])
	return code, status[3:], err
}

// delinkPatient keeps the Patient and its resources but removes the
// identifier that names the account and marks the Patient inactive.
func (s *Server) delinkPatient(ctx context.Context, j *job, patientID string) error {
	meta, data, err := s.FHIR.Read(ctx, "Patient", patientID)
	if fhir.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read patient: %w", err)
	}
	var patient map[string]any
	if err := json.Unmarshal(data, &patient); err != nil {
		return fmt.Errorf("decode patient: %w", err)
	}
	identifiers, _ := patient["identifier"].([]any)
	kept := make([]any, 0, len(identifiers))
	for _, item := range identifiers {
		if id, _ := item.(map[string]any); id["system"] != account.PatientIdentifierSystem {
			kept = append(kept, item)
		}
	}
	if len(kept) == len(identifiers) && patient["active"] == false {
		return nil
	}
	patient["identifier"] = kept
	if len(kept) == 0 {
		delete(patient, "identifier")
	}
	patient["active"] = false
	if _, err := s.FHIR.Update(ctx, "Patient", patientID, patient, meta.ETag); err != nil {
		return fmt.Errorf("de-link patient: %w", err)
	}
	j.record.FHIRResources++
	return nil
}

func resourceID(resource json.RawMessage) string {
	var head struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(resource, &head)
	return head.ID
}
