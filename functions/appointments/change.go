package appointments

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
)

// changeRequest is either a new status or a new time, never both.
type changeRequest struct {
	Status string `json:"status"`
	Start  string `json:"start"`
	End    string `json:"end"`
}

// transitions lists the statuses each status may change to. Only a
// scheduled appointment changes; the others are final.
var transitions = map[appointment.Status][]appointment.Status{
	appointment.StatusScheduled: {appointment.StatusCompleted, appointment.StatusCancelled, appointment.StatusNoShow},
}

// actionReschedule is the audit action of a new time.
const actionReschedule = "appointment.reschedule"

// rescheduled returns the booking of resource's new time, which reschedule
// has just set from valid instants.
func rescheduled(resource *appointment.Resource) booking {
	start, end, _ := resource.Period()
	return booking{Type: resource.Type(), Start: start, End: end, ID: resource.ID}
}

var errConflict = httpapi.NewError(http.StatusConflict, "conflict", "The appointment was changed since you read it: read it again and retry.")

// change reschedules an appointment or sets its status: PATCH ?id= with
// If-Match set to the version the client last read.
func (s *Server) change(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.caller(r)
	if err != nil {
		return err
	}
	id, err := idParameter(r)
	if err != nil {
		return err
	}
	var req changeRequest
	if err := httpapi.Decode(w, r, maxBody, &req); err != nil {
		return err
	}
	ifMatch := r.Header.Get("If-Match")
	if ifMatch == "" {
		return httpapi.NewError(http.StatusPreconditionRequired, "precondition_required", "Send the If-Match header with the appointment's version.")
	}
	resource, meta, err := s.loadAudited(ctx, c, id)
	if err != nil {
		return err
	}
	if !sameVersion(ifMatch, meta) {
		return errConflict
	}

	action, err := s.apply(req, resource)
	if err != nil {
		return err
	}
	// The store rejects the write if anyone changed the resource since the
	// read above, so only one of two concurrent changes wins.
	var newMeta fhir.Meta
	update := func(ctx context.Context) error {
		var err error
		newMeta, err = s.update(ctx, resource, meta.ETag)
		return err
	}
	if action == actionReschedule {
		err = s.bookWithoutOverlap(ctx, c.PatientID, rescheduled(resource), update)
	} else {
		err = update(ctx)
	}
	if err != nil {
		return err
	}
	if err := s.record(ctx, c, action, audit.OutcomeSuccess, id); err != nil {
		return err
	}
	return respondOne(w, http.StatusOK, resource, newMeta)
}

// update writes resource if its version is still etag.
func (s *Server) update(ctx context.Context, resource *appointment.Resource, etag string) (fhir.Meta, error) {
	updated, err := resource.Updated()
	if err != nil {
		return fhir.Meta{}, httpapi.Unavailable(err)
	}
	meta, err := s.FHIR.Update(ctx, "Appointment", resource.ID, updated, etag)
	if fhir.IsPreconditionFailed(err) {
		return fhir.Meta{}, errConflict
	}
	if err != nil {
		return fhir.Meta{}, httpapi.Unavailable(err)
	}
	return meta, nil
}

// apply applies the change that req requests to resource and returns the
// audit action.
func (s *Server) apply(req changeRequest, resource *appointment.Resource) (string, error) {
	current, _ := appointment.StatusFromFHIR(resource.Status)
	switch {
	case req.Status != "" && (req.Start != "" || req.End != ""):
		return "", badRequest("invalid_change", "Change either the status or the time, not both.")
	case req.Status != "":
		target, ok := appointment.ParseStatus(req.Status)
		if !ok {
			return "", badRequest("invalid_status", "status must be completed, cancelled or no-show.")
		}
		if !allowed(current, target) {
			return "", invalidTransition(current, target)
		}
		if err := s.checkStarted(resource, target); err != nil {
			return "", err
		}
		resource.Status = target.FHIR()
		return "appointment." + string(target), nil
	case req.Start != "":
		if current != appointment.StatusScheduled {
			return "", invalidTransition(current, appointment.StatusScheduled)
		}
		return actionReschedule, s.reschedule(req, resource)
	default:
		return "", badRequest("empty_change", "Send a status or a new start.")
	}
}

// checkStarted rejects marking an appointment completed or no-show before
// its start, because neither can have happened yet.
func (s *Server) checkStarted(resource *appointment.Resource, target appointment.Status) error {
	if target != appointment.StatusCompleted && target != appointment.StatusNoShow {
		return nil
	}
	start, _, err := resource.Period()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if s.now().Before(start) {
		return httpapi.NewError(http.StatusConflict, "invalid_transition",
			"An appointment cannot become "+string(target)+" before its start: cancel it instead, or wait until it has started.")
	}
	return nil
}

func allowed(from, to appointment.Status) bool {
	for _, next := range transitions[from] {
		if next == to {
			return true
		}
	}
	return false
}

func invalidTransition(from, to appointment.Status) error {
	return httpapi.NewError(http.StatusConflict, "invalid_transition", "A "+string(from)+" appointment cannot become "+string(to)+".")
}

// reschedule moves the appointment under the same period rules as a new
// one; change checks the overlap. Without an end it keeps its length.
func (s *Server) reschedule(req changeRequest, resource *appointment.Resource) error {
	oldStart, oldEnd, err := resource.Period()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	start, err := parseInstant(req.Start, "start")
	if err != nil {
		return err
	}
	end := start.Add(oldEnd.Sub(oldStart))
	if req.End != "" {
		if end, err = parseInstant(req.End, "end"); err != nil {
			return err
		}
	}
	if err := checkPeriod(start, end, s.now()); err != nil {
		return err
	}
	resource.Start, resource.End = appointment.FormatInstant(start), appointment.FormatInstant(end)
	return nil
}
