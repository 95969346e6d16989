package chat

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/fhir"
)

// upcomingAppointment is one booked visit of the patient.
type upcomingAppointment struct {
	Start time.Time
	End   time.Time
	// Type is telehealth, in-person or group.
	Type       string
	ProviderID string
}

// readUpcomingAppointments returns the patient's booked appointments that
// start at or after now, soonest first, at most limit of them.
func readUpcomingAppointments(ctx context.Context, client *fhir.Client, patientID string, now time.Time, limit int) ([]upcomingAppointment, error) {
	booked := appointment.StatusScheduled.FHIR()
	params := url.Values{
		"patient": {"Patient/" + patientID},
		"date":    {"ge" + appointment.FormatInstant(now)},
		"status":  {booked},
		"_sort":   {"date"},
		"_count":  {strconv.Itoa(limit)},
	}
	bundle, err := client.Search(ctx, "Appointment", params)
	if err != nil {
		return nil, err
	}
	var out []upcomingAppointment
	for _, entry := range bundle.Entry {
		resource, err := appointment.Decode(entry.Resource)
		if err != nil || resource.Status != booked || resource.PatientID() != patientID {
			continue
		}
		start, end, err := resource.Period()
		if err != nil || start.Before(now) {
			continue
		}
		out = append(out, upcomingAppointment{Start: start, End: end, Type: resource.Type(), ProviderID: resource.ProviderID()})
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
