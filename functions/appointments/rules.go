package appointments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/httpapi"
)

const (
	// DefaultDuration is the length of an appointment created without an end.
	DefaultDuration = 30 * time.Minute
	// MaxDuration bounds an appointment's length. The overlap check relies
	// on it: it looks back this far for appointments that are still running.
	MaxDuration = 12 * time.Hour
	// MaxLead is how far ahead an appointment may be booked.
	MaxLead = 2 * 366 * 24 * time.Hour
	// overlapSearchCount caps the appointments one overlap check reads; a
	// patient cannot have more booked ones inside MaxDuration plus the new
	// appointment's length without overlapping.
	overlapSearchCount = 200
)

// parseInstant parses an RFC 3339 date-time with an offset.
func parseInstant(value, field string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, badRequest("invalid_"+field, field+" must be an RFC 3339 date-time with an offset, such as 2027-03-14T10:00:00-04:00.")
	}
	return t, nil
}

// checkPeriod applies the rules every booked time must meet: in the future,
// not too far ahead, end after start and a bounded length.
func checkPeriod(start, end, now time.Time) error {
	switch {
	case !start.After(now):
		return badRequest("start_in_past", "start must be in the future.")
	case start.Sub(now) > MaxLead:
		return badRequest("start_too_far", "start must be within two years from now.")
	case !end.After(start):
		return badRequest("invalid_period", "end must be after start.")
	case end.Sub(start) > MaxDuration:
		return badRequest("invalid_period", fmt.Sprintf("An appointment may last at most %d hours.", int(MaxDuration.Hours())))
	}
	return nil
}

// checkProvider returns 404 provider_not_found unless the directory lists
// an active provider with this id, and 400 when the provider does not offer
// the appointment type.
func (s *Server) checkProvider(ctx context.Context, providerID, appointmentType string) error {
	p, err := s.directory.GetActive(ctx, providerID)
	if errors.Is(err, directory.ErrNotFound) {
		return httpapi.NewError(http.StatusNotFound, "provider_not_found", "No provider with this id is in the directory.")
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !slices.Contains(p.AppointmentTypes, appointmentType) {
		return badRequest("type_not_offered", "This provider does not offer this appointment type.")
	}
	return nil
}

// booking is a time a patient requests: a new appointment, or a new time
// for the appointment ID. Neither ID nor an appointment that carries
// RequestID (a retry of the same create) counts as an overlap.
type booking struct {
	Type       string
	Start, End time.Time
	ID         string
	RequestID  string
}

var errOverlap = httpapi.NewError(http.StatusConflict, "overlap", "This time overlaps another of your appointments.")

// bookWithoutOverlap runs write, the FHIR create or update that stores b,
// unless another booked appointment of the patient overlaps b. It holds the
// patient's lease around the check and the write, so that of two bookings
// that overlap each other only one is stored. Group appointments overlap
// anything and need neither check nor lease.
func (s *Server) bookWithoutOverlap(ctx context.Context, patientID string, b booking, write func(ctx context.Context) error) error {
	if b.Type == appointment.TypeGroup {
		return write(ctx)
	}
	return s.withPatientLease(ctx, patientID, func(ctx context.Context) error {
		if err := s.checkOverlap(ctx, patientID, b); err != nil {
			return err
		}
		return write(ctx)
	})
}

// checkOverlap returns 409 overlap when another booked appointment of the
// patient, other than a group one, overlaps b.
func (s *Server) checkOverlap(ctx context.Context, patientID string, b booking) error {
	params := url.Values{
		"patient": {"Patient/" + patientID},
		"status":  {appointment.StatusScheduled.FHIR()},
		"date":    {"gt" + appointment.FormatInstant(b.Start.Add(-MaxDuration)), "lt" + appointment.FormatInstant(b.End)},
		"_count":  {strconv.Itoa(overlapSearchCount)},
	}
	bundle, err := s.FHIR.Search(ctx, "Appointment", params)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	for _, entry := range bundle.Entry {
		other, err := appointment.Decode(entry.Resource)
		if err != nil || other.ID == b.ID || other.Type() == appointment.TypeGroup || other.HasRequestID(b.RequestID) {
			continue
		}
		otherStart, otherEnd, err := other.Period()
		if err != nil {
			continue
		}
		if otherStart.Before(b.End) && otherEnd.After(b.Start) {
			return errOverlap
		}
	}
	return nil
}
