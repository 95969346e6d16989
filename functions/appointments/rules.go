package appointments

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/httpapi"
)

const (
	// ProvidersCollection is the provider directory in Firestore.
	ProvidersCollection = "providers"
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

// providerIDPattern keeps provider ids usable as Firestore document ids.
var providerIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

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

// provider is the part of a directory entry the function reads.
type provider struct {
	Active           *bool    `firestore:"active"`
	AppointmentTypes []string `firestore:"appointmentTypes"`
}

// checkProvider returns 404 provider_not_found unless the directory lists
// an active provider with this id, and 400 when the provider does not offer
// the appointment type.
func (s *Server) checkProvider(ctx context.Context, providerID, appointmentType string) error {
	notFound := httpapi.NewError(http.StatusNotFound, "provider_not_found", "No provider with this id is in the directory.")
	if !providerIDPattern.MatchString(providerID) {
		return notFound
	}
	snap, err := s.Firestore.Collection(ProvidersCollection).Doc(providerID).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return notFound
	}
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("get provider: %w", err))
	}
	var p provider
	if err := snap.DataTo(&p); err != nil {
		return httpapi.Unavailable(fmt.Errorf("decode provider: %w", err))
	}
	if p.Active != nil && !*p.Active {
		return notFound
	}
	if len(p.AppointmentTypes) > 0 && !slices.Contains(p.AppointmentTypes, appointmentType) {
		return badRequest("type_not_offered", "This provider does not offer this appointment type.")
	}
	return nil
}

// checkOverlap returns 409 overlap when another booked appointment of the
// patient overlaps [start, end). Group appointments overlap anything.
// skipID is the appointment being rescheduled.
//
// TODO: two requests that book overlapping times at the same moment can
// both pass this check, because the search and the write are not atomic.
// A per-patient lock (a Firestore lease around check and write) would
// close the gap at the cost of two more Firestore writes per booking.
func (s *Server) checkOverlap(ctx context.Context, patientID, skipID, appointmentType string, start, end time.Time) error {
	if appointmentType == appointment.TypeGroup {
		return nil
	}
	params := url.Values{
		"patient": {"Patient/" + patientID},
		"status":  {appointment.StatusScheduled.FHIR()},
		"date":    {"gt" + appointment.FormatInstant(start.Add(-MaxDuration)), "lt" + appointment.FormatInstant(end)},
		"_count":  {strconv.Itoa(overlapSearchCount)},
	}
	bundle, err := s.FHIR.Search(ctx, "Appointment", params)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	for _, entry := range bundle.Entry {
		other, err := appointment.Decode(entry.Resource)
		if err != nil || other.ID == skipID || other.Type() == appointment.TypeGroup {
			continue
		}
		otherStart, otherEnd, err := other.Period()
		if err != nil {
			continue
		}
		if otherStart.Before(end) && otherEnd.After(start) {
			return httpapi.NewError(http.StatusConflict, "overlap", "This time overlaps another of your appointments.")
		}
	}
	return nil
}
