package chat

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/ihep/backend/shared/fhir"
)

// FHIR systems of the appointment contract.
const (
	appointmentTypeSystem = "https://ihep.app/fhir/CodeSystem/appointment-type"
	providerIDSystem      = "https://ihep.app/fhir/sid/provider-id"
)

// appointment is one booked visit of the patient.
type appointment struct {
	ID    string
	Start time.Time
	End   time.Time
	// Type is telehealth, in-person or group.
	Type       string
	ProviderID string
}

// fhirAppointment is the part of a FHIR Appointment that the assistant reads.
type fhirAppointment struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	Start           string `json:"start"`
	End             string `json:"end"`
	AppointmentType struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
	} `json:"appointmentType"`
	Participant []struct {
		Actor struct {
			Reference  string `json:"reference"`
			Identifier struct {
				System string `json:"system"`
				Value  string `json:"value"`
			} `json:"identifier"`
		} `json:"actor"`
	} `json:"participant"`
}

// readUpcomingAppointments returns the patient's booked appointments that
// start at or after now, soonest first, at most limit of them.
func readUpcomingAppointments(ctx context.Context, client *fhir.Client, patientID string, now time.Time, limit int) ([]appointment, error) {
	params := url.Values{
		"patient": {"Patient/" + patientID},
		"date":    {"ge" + now.UTC().Format(time.RFC3339)},
		"status":  {"booked"},
		"_sort":   {"date"},
		"_count":  {strconv.Itoa(limit)},
	}
	bundle, err := client.Search(ctx, "Appointment", params)
	if err != nil {
		return nil, err
	}
	var out []appointment
	for _, entry := range bundle.Entry {
		var raw fhirAppointment
		if err := json.Unmarshal(entry.Resource, &raw); err != nil || raw.Status != "booked" {
			continue
		}
		start, err := time.Parse(time.RFC3339, raw.Start)
		if err != nil || start.Before(now) {
			continue
		}
		a := appointment{ID: raw.ID, Start: start}
		a.End, _ = time.Parse(time.RFC3339, raw.End)
		for _, c := range raw.AppointmentType.Coding {
			if c.System == appointmentTypeSystem {
				a.Type = c.Code
			}
		}
		for _, p := range raw.Participant {
			if p.Actor.Identifier.System == providerIDSystem {
				a.ProviderID = p.Actor.Identifier.Value
			}
		}
		out = append(out, a)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
