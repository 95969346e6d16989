// Package appointment maps IHEP's appointments onto FHIR R4 Appointment
// resources: the patient and provider participants, the appointment type
// coding and the statuses. The appointments function writes them and the
// reminder job reads them, both through this package.
package appointment

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Identifier and code systems of IHEP's Appointments.
const (
	// ProviderIdentifierSystem identifies a provider of the directory (the
	// Firestore providers collection) by its document id.
	ProviderIdentifierSystem = "https://ihep.app/fhir/sid/provider-id"
	// TypeSystem is the code system of appointmentType.coding[0].
	TypeSystem = "https://ihep.app/fhir/CodeSystem/appointment-type"
	// RequestIdentifierSystem identifies the create request an Appointment
	// came from, so that a retried request finds it instead of booking twice.
	RequestIdentifierSystem = "https://ihep.app/fhir/sid/appointment-request"
)

// Appointment types.
const (
	TypeTelehealth = "telehealth"
	TypeInPerson   = "in-person"
	TypeGroup      = "group"
)

// ValidType reports whether t is one of the appointment types.
func ValidType(t string) bool {
	return t == TypeTelehealth || t == TypeInPerson || t == TypeGroup
}

// Status is an appointment's status as the API shows it.
type Status string

// Statuses and the FHIR Appointment statuses they map onto.
const (
	StatusScheduled Status = "scheduled" // booked
	StatusCompleted Status = "completed" // fulfilled
	StatusCancelled Status = "cancelled" // cancelled
	StatusNoShow    Status = "no-show"   // noshow
)

var toFHIR = map[Status]string{
	StatusScheduled: "booked",
	StatusCompleted: "fulfilled",
	StatusCancelled: "cancelled",
	StatusNoShow:    "noshow",
}

// ParseStatus returns the status named s, or false.
func ParseStatus(s string) (Status, bool) {
	_, ok := toFHIR[Status(s)]
	return Status(s), ok
}

// FHIR returns the FHIR Appointment status of s.
func (s Status) FHIR() string { return toFHIR[s] }

// StatusFromFHIR maps a FHIR Appointment status back. Statuses IHEP never
// writes (proposed, pending, arrived, checked-in, waitlist,
// entered-in-error) return false.
func StatusFromFHIR(fhirStatus string) (Status, bool) {
	for status, code := range toFHIR {
		if code == fhirStatus {
			return status, true
		}
	}
	return "", false
}

// Reference is a FHIR Reference with the parts IHEP uses.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Identifier is a FHIR Identifier.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// Participant is one entry of Appointment.participant.
type Participant struct {
	Actor  Reference `json:"actor"`
	Status string    `json:"status"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// CodeableConcept is a FHIR CodeableConcept with codings only.
type CodeableConcept struct {
	Coding []Coding `json:"coding"`
}

// Resource is the part of a FHIR Appointment IHEP reads and writes.
type Resource struct {
	ResourceType    string           `json:"resourceType"`
	ID              string           `json:"id,omitempty"`
	Identifier      []Identifier     `json:"identifier,omitempty"`
	Status          string           `json:"status"`
	AppointmentType *CodeableConcept `json:"appointmentType,omitempty"`
	Start           string           `json:"start"`
	End             string           `json:"end"`
	Created         string           `json:"created,omitempty"`
	Comment         string           `json:"comment,omitempty"`
	Participant     []Participant    `json:"participant"`

	// raw is the resource as read, so that an update keeps the elements
	// this type does not model.
	raw json.RawMessage
}

// Fields of a new Appointment.
type Fields struct {
	PatientID  string
	ProviderID string
	Type       string
	Start, End time.Time
	Location   string
	Notes      string
	// RequestID, when set, becomes an identifier of RequestIdentifierSystem.
	RequestID string
	Created   time.Time
}

// New returns a booked Appointment with f's fields. Instants are stored in
// UTC; the offset the client sent carries no meaning beyond the instant.
func New(f Fields) *Resource {
	r := &Resource{
		ResourceType:    "Appointment",
		Status:          StatusScheduled.FHIR(),
		AppointmentType: &CodeableConcept{Coding: []Coding{{System: TypeSystem, Code: f.Type}}},
		Start:           FormatInstant(f.Start),
		End:             FormatInstant(f.End),
		Comment:         f.Notes,
		Participant: []Participant{
			{Actor: Reference{Reference: "Patient/" + f.PatientID}, Status: "accepted"},
			{Actor: Reference{Identifier: &Identifier{System: ProviderIdentifierSystem, Value: f.ProviderID}}, Status: "accepted"},
		},
	}
	if !f.Created.IsZero() {
		r.Created = FormatInstant(f.Created)
	}
	if f.Location != "" {
		r.Participant = append(r.Participant, Participant{Actor: Reference{Type: "Location", Display: f.Location}, Status: "accepted"})
	}
	if f.RequestID != "" {
		r.Identifier = []Identifier{{System: RequestIdentifierSystem, Value: f.RequestID}}
	}
	return r
}

// Decode parses an Appointment.
func Decode(data []byte) (*Resource, error) {
	var r Resource
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode appointment: %w", err)
	}
	if r.ResourceType != "Appointment" {
		return nil, fmt.Errorf("decode appointment: resource type is %q", r.ResourceType)
	}
	r.raw = data
	return &r, nil
}

// PatientID returns the id of the Patient participant, or "".
func (r *Resource) PatientID() string {
	for _, p := range r.Participant {
		if id, ok := strings.CutPrefix(p.Actor.Reference, "Patient/"); ok {
			return id
		}
	}
	return ""
}

// ProviderID returns the directory id of the provider participant, or "".
func (r *Resource) ProviderID() string {
	for _, p := range r.Participant {
		if p.Actor.Identifier != nil && p.Actor.Identifier.System == ProviderIdentifierSystem {
			return p.Actor.Identifier.Value
		}
	}
	return ""
}

// HasRequestID reports whether the appointment was booked by the create
// request requestID (an identifier of RequestIdentifierSystem). It is false
// for an empty requestID.
func (r *Resource) HasRequestID(requestID string) bool {
	if requestID == "" {
		return false
	}
	for _, id := range r.Identifier {
		if id.System == RequestIdentifierSystem && id.Value == requestID {
			return true
		}
	}
	return false
}

// Location returns the display text of the Location participant, or "".
func (r *Resource) Location() string {
	for _, p := range r.Participant {
		if p.Actor.Type == "Location" {
			return p.Actor.Display
		}
	}
	return ""
}

// Type returns the appointment type code, or "".
func (r *Resource) Type() string {
	if r.AppointmentType == nil {
		return ""
	}
	for _, c := range r.AppointmentType.Coding {
		if c.System == TypeSystem {
			return c.Code
		}
	}
	return ""
}

// Period returns the start and end instants. An Appointment without both
// is not one IHEP wrote, and returns an error.
func (r *Resource) Period() (start, end time.Time, err error) {
	start, err = time.Parse(time.RFC3339Nano, r.Start)
	if err != nil {
		return start, end, fmt.Errorf("appointment %s has no valid start", r.ID)
	}
	end, err = time.Parse(time.RFC3339Nano, r.End)
	if err != nil {
		return start, end, fmt.Errorf("appointment %s has no valid end", r.ID)
	}
	return start, end, nil
}

// FormatInstant formats t as a FHIR instant in UTC.
func FormatInstant(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// Updated returns the resource as read with its status, start and end
// replaced by r's, for an update that keeps every other element.
func (r *Resource) Updated() (map[string]any, error) {
	doc := map[string]any{}
	if len(r.raw) > 0 {
		if err := json.Unmarshal(r.raw, &doc); err != nil {
			return nil, fmt.Errorf("decode appointment: %w", err)
		}
	}
	doc["resourceType"], doc["id"] = "Appointment", r.ID
	doc["status"], doc["start"], doc["end"] = r.Status, r.Start, r.End
	return doc, nil
}
