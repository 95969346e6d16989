package appointments

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
)

// errNotFound answers a missing appointment and another patient's alike,
// so that ids of other patients' appointments are never confirmed.
var errNotFound = httpapi.NewError(http.StatusNotFound, "not_found", "No appointment with this id was found.")

// read returns one of the caller's appointments: GET ?id=.
func (s *Server) read(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.caller(r)
	if err != nil {
		return err
	}
	id, err := idParameter(r)
	if err != nil {
		return err
	}
	resource, meta, err := s.loadAudited(ctx, c, id)
	if err != nil {
		return err
	}
	if err := s.record(ctx, c, "appointment.read", audit.OutcomeSuccess, id); err != nil {
		return err
	}
	return respondOne(w, http.StatusOK, resource, meta)
}

func idParameter(r *http.Request) (string, error) {
	values := r.URL.Query()["id"]
	if len(values) != 1 || values[0] == "" {
		return "", badRequest("id_required", "Give exactly one appointment id: ?id=.")
	}
	if !fhir.ValidID(values[0]) {
		return "", errNotFound
	}
	return values[0], nil
}

// loadAudited loads one of the caller's appointments. An id that names
// another patient's appointment is recorded in the audit trail as denied
// and answered like a missing one.
func (s *Server) loadAudited(ctx context.Context, c caller, id string) (*appointment.Resource, fhir.Meta, error) {
	resource, meta, err := s.load(ctx, c.PatientID, id)
	if err == errOtherPatient {
		if err := s.record(ctx, c, "appointment.read", audit.OutcomeDenied, id); err != nil {
			return nil, fhir.Meta{}, err
		}
		return nil, fhir.Meta{}, errNotFound
	}
	return resource, meta, err
}

// errOtherPatient marks an appointment of another patient; callers turn it
// into errNotFound.
var errOtherPatient = httpapi.NewError(http.StatusNotFound, "not_found", "No appointment with this id was found.")

// load reads an appointment and checks that it is the patient's.
func (s *Server) load(ctx context.Context, patientID, id string) (*appointment.Resource, fhir.Meta, error) {
	meta, data, err := s.FHIR.Read(ctx, "Appointment", id)
	if fhir.IsNotFound(err) {
		return nil, fhir.Meta{}, errNotFound
	}
	if err != nil {
		return nil, fhir.Meta{}, httpapi.Unavailable(err)
	}
	resource, err := appointment.Decode(data)
	if err != nil {
		return nil, fhir.Meta{}, httpapi.Unavailable(err)
	}
	if resource.PatientID() != patientID {
		return nil, fhir.Meta{}, errOtherPatient
	}
	return resource, meta, nil
}
