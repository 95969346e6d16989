package vitals

import (
	"io"
	"net/http"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
)

const (
	// maxSimpleBody fits 500 plain readings with room to spare.
	maxSimpleBody = 256 << 10
	// maxFHIRBody fits a Bundle of 500 verbose Observations.
	maxFHIRBody = 4 << 20
)

// result is the outcome of one reading in the response.
type result struct {
	Index  int    `json:"index"`
	Status string `json:"status"`
	ID     string `json:"id,omitempty"`
	Code   string `json:"code,omitempty"`
	Error  string `json:"error,omitempty"`
}

// recordResponse counts new readings (stored), readings already stored
// with the same values (duplicates) and rejected readings.
type recordResponse struct {
	Stored     int      `json:"stored"`
	Duplicates int      `json:"duplicates"`
	Rejected   int      `json:"rejected"`
	Results    []result `json:"results"`
}

// record stores each valid reading as an Observation on the caller's
// Patient and reports, per reading, its id or why it was rejected.
func (s *Server) record(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	uid, patientID, err := s.caller(r)
	if err != nil {
		return err
	}
	candidates, err := s.parseReadings(w, r, patientID)
	if err != nil {
		return err
	}

	results, ids, err := s.store(ctx, patientID, candidates)
	if err != nil {
		return err
	}
	entry := audit.Entry{Actor: uid, Action: "vitals.create", Outcome: audit.OutcomeSuccess, ResourceType: "Observation", ResourceIDs: ids}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	summary := summarize(results)
	return httpapi.Respond(w, statusFor(summary), summary)
}

// parseReadings reads the plain JSON or the FHIR form, by content type.
func (s *Server) parseReadings(w http.ResponseWriter, r *http.Request, patientID string) ([]candidate, error) {
	if err := httpapi.RequireContentType(r, "application/json", "application/fhir+json"); err != nil {
		return nil, err
	}
	var candidates []candidate
	if httpapi.RequireContentType(r, "application/json") == nil {
		var req simpleRequest
		if err := httpapi.Decode(w, r, maxSimpleBody, &req); err != nil {
			return nil, err
		}
		if len(req.Readings) > MaxReadings {
			return nil, tooManyReadings()
		}
		candidates = fromSimple(req, s.now())
	} else {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFHIRBody))
		if err != nil {
			return nil, httpapi.NewError(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than the limit of 4 MiB.")
		}
		if candidates, err = fromFHIR(data, patientID, s.now()); err != nil {
			return nil, err
		}
	}
	if len(candidates) == 0 {
		return nil, badRequest("no_readings", "The request contains no readings.")
	}
	return candidates, nil
}

// statusFor returns 201 when every reading was accepted and at least one
// is new, 200 when every reading was already stored, 207 when some were
// rejected and others accepted, and 422 when all were rejected.
func statusFor(summary recordResponse) int {
	switch {
	case summary.Rejected == len(summary.Results):
		return http.StatusUnprocessableEntity
	case summary.Rejected > 0:
		return http.StatusMultiStatus
	case summary.Stored == 0:
		return http.StatusOK
	default:
		return http.StatusCreated
	}
}

// summarize counts the results by status, so that the counts always add
// up to the results.
func summarize(results []result) recordResponse {
	out := recordResponse{Results: results}
	for _, res := range results {
		switch res.Status {
		case statusCreated:
			out.Stored++
		case statusDuplicate:
			out.Duplicates++
		default:
			out.Rejected++
		}
	}
	return out
}
