package appointments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
)

// Limits of the free-text fields, in characters.
const (
	maxLocation = 200
	maxNotes    = 2000
	maxBody     = 8 << 10
	// maxIdempotencyKey bounds the Idempotency-Key header.
	maxIdempotencyKey = 128
)

type createRequest struct {
	ProviderID string `json:"providerId"`
	Start      string `json:"start"`
	End        string `json:"end"`
	Type       string `json:"type"`
	Location   string `json:"location"`
	Notes      string `json:"notes"`
}

var errIdempotencyKeyReused = httpapi.NewError(http.StatusUnprocessableEntity, "idempotency_key_reused",
	"This Idempotency-Key was already used for a different booking: send a new key for a new booking.")

// create books an appointment. With an Idempotency-Key header, a retried
// request returns the appointment the first one booked (200) instead of
// booking again, and a different request with the same key gets 422.
func (s *Server) create(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.caller(r)
	if err != nil {
		return err
	}
	var req createRequest
	if err := httpapi.Decode(w, r, maxBody, &req); err != nil {
		return err
	}
	fields, err := s.validateCreate(req, c)
	if err != nil {
		return err
	}
	if fields.RequestID, err = requestID(r, c.UID); err != nil {
		return err
	}

	if existing, meta, ok, err := s.findByRequest(ctx, c.PatientID, fields.RequestID); err != nil || ok {
		if err != nil {
			return err
		}
		if !sameBooking(existing, fields) {
			return errIdempotencyKeyReused
		}
		if err := s.record(ctx, c, "appointment.read", audit.OutcomeSuccess, existing.ID); err != nil {
			return err
		}
		return respondOne(w, http.StatusOK, existing, meta)
	}
	if err := s.checkProvider(ctx, fields.ProviderID, fields.Type); err != nil {
		return err
	}

	var meta fhir.Meta
	var data []byte
	want := booking{Type: fields.Type, Start: fields.Start, End: fields.End, RequestID: fields.RequestID}
	err = s.bookWithoutOverlap(ctx, c.PatientID, want, func(ctx context.Context) error {
		var err error
		if meta, data, err = s.FHIR.Create(ctx, "Appointment", appointment.New(fields), ifNoneExist(fields.RequestID)); err != nil {
			return httpapi.Unavailable(err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	stored, err := appointment.Decode(data)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.record(ctx, c, "appointment.create", audit.OutcomeSuccess, meta.ID); err != nil {
		return err
	}
	// A concurrent request with the same key may have booked it first.
	status := http.StatusCreated
	if !meta.Created {
		if !sameBooking(stored, fields) {
			return errIdempotencyKeyReused
		}
		status = http.StatusOK
	}
	return respondOne(w, status, stored, meta)
}

func (s *Server) validateCreate(req createRequest, c caller) (appointment.Fields, error) {
	f := appointment.Fields{PatientID: c.PatientID, ProviderID: req.ProviderID, Type: req.Type, Location: req.Location, Notes: req.Notes, Created: s.now()}
	if req.ProviderID == "" {
		return f, badRequest("provider_required", "providerId is required.")
	}
	if !appointment.ValidType(req.Type) {
		return f, badRequest("invalid_type", "type must be telehealth, in-person or group.")
	}
	if utf8.RuneCountInString(req.Location) > maxLocation {
		return f, badRequest("location_too_long", "location may have at most 200 characters.")
	}
	if utf8.RuneCountInString(req.Notes) > maxNotes {
		return f, badRequest("notes_too_long", "notes may have at most 2000 characters.")
	}
	if req.Start == "" {
		return f, badRequest("start_required", "start is required.")
	}
	var err error
	if f.Start, err = parseInstant(req.Start, "start"); err != nil {
		return f, err
	}
	f.End = f.Start.Add(DefaultDuration)
	if req.End != "" {
		if f.End, err = parseInstant(req.End, "end"); err != nil {
			return f, err
		}
	}
	return f, checkPeriod(f.Start, f.End, s.now())
}

// requestID derives the stored request identifier from the caller and the
// Idempotency-Key header, or returns "" without the header. Hashing keeps
// the client's key out of the store and apart from other users' keys.
func requestID(r *http.Request, uid string) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	if len(key) > maxIdempotencyKey {
		return "", badRequest("invalid_idempotency_key", "The Idempotency-Key header may have at most 128 characters.")
	}
	sum := sha256.Sum256([]byte(uid + "\x00" + key))
	return hex.EncodeToString(sum[:]), nil
}

// sameBooking reports whether the stored appointment has the provider,
// type, period, location and notes of the create request f.
// NOTE: an identical retry after the appointment was rescheduled differs
// from the stored period, so it gets 422 instead of the moved booking.
func sameBooking(stored *appointment.Resource, f appointment.Fields) bool {
	start, end, err := stored.Period()
	if err != nil {
		return false
	}
	return stored.ProviderID() == f.ProviderID && stored.Type() == f.Type &&
		start.Equal(f.Start) && end.Equal(f.End) &&
		stored.Location() == f.Location && stored.Comment == f.Notes
}

func ifNoneExist(requestID string) string {
	if requestID == "" {
		return ""
	}
	return "identifier=" + appointment.RequestIdentifierSystem + "|" + requestID
}

// findByRequest returns the appointment an earlier request with the same
// key booked for this patient.
func (s *Server) findByRequest(ctx context.Context, patientID, requestID string) (*appointment.Resource, fhir.Meta, bool, error) {
	if requestID == "" {
		return nil, fhir.Meta{}, false, nil
	}
	params := url.Values{"identifier": {appointment.RequestIdentifierSystem + "|" + requestID}, "patient": {"Patient/" + patientID}}
	bundle, err := s.FHIR.Search(ctx, "Appointment", params)
	if err != nil {
		return nil, fhir.Meta{}, false, httpapi.Unavailable(err)
	}
	for _, entry := range bundle.Entry {
		found, err := appointment.Decode(entry.Resource)
		if err != nil {
			continue
		}
		// The search result carries no ETag header: read the resource for it.
		existing, meta, err := s.load(ctx, patientID, found.ID)
		if err != nil {
			return nil, fhir.Meta{}, false, err
		}
		return existing, meta, true, nil
	}
	return nil, fhir.Meta{}, false, nil
}
