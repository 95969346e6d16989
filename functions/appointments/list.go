package appointments

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
)

const (
	defaultPageSize = 50
	maxPageSize     = 100
)

type listQuery struct {
	from, to time.Time
	status   appointment.Status
	limit    int
	cursor   *pageCursor
}

type listResponse struct {
	Appointments []view `json:"appointments"`
	NextCursor   string `json:"nextCursor,omitempty"`
}

// list returns the caller's appointments ordered by start, one page at a
// time: GET ?from=&to=&status=&limit=&cursor=.
func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("invalid_query", "The query string is not valid URL encoding.")
	}
	q, err := parseListQuery(values)
	if err != nil {
		return err
	}
	c, err := s.caller(r)
	if err != nil {
		return err
	}

	bundle, err := s.FHIR.Search(ctx, "Appointment", searchParams(c.PatientID, q))
	if err != nil {
		return httpapi.Unavailable(err)
	}
	var found []*appointment.Resource
	for _, entry := range bundle.Entry {
		if resource, err := appointment.Decode(entry.Resource); err == nil && resource.PatientID() == c.PatientID {
			found = append(found, resource)
		}
	}
	page, next := cutPage(found, q.cursor, q.limit)

	resp := listResponse{Appointments: make([]view, 0, len(page))}
	ids := make([]string, 0, len(page))
	for _, resource := range page {
		resp.Appointments = append(resp.Appointments, viewOf(resource, ""))
		ids = append(ids, resource.ID)
	}
	if next != nil {
		resp.NextCursor = next.encode()
	}
	if err := s.record(ctx, c, "appointment.list", audit.OutcomeSuccess, "", ids...); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusOK, resp)
}

// listParameters are the query parameters a listing accepts. Anything else,
// such as a patient parameter, is rejected rather than ignored.
var listParameters = map[string]bool{"from": true, "to": true, "status": true, "limit": true, "cursor": true}

func parseListQuery(values url.Values) (listQuery, error) {
	q := listQuery{limit: defaultPageSize}
	for name, vals := range values {
		if !listParameters[name] {
			return q, badRequest("unknown_parameter", "Unknown query parameter: use from, to, status, limit or cursor (or id alone).")
		}
		if len(vals) != 1 {
			return q, badRequest("repeated_parameter", "Each query parameter may appear once.")
		}
	}
	var err error
	if v := values.Get("from"); v != "" {
		if q.from, err = parseInstant(v, "from"); err != nil {
			return q, err
		}
	}
	if v := values.Get("to"); v != "" {
		if q.to, err = parseInstant(v, "to"); err != nil {
			return q, err
		}
	}
	if !q.from.IsZero() && !q.to.IsZero() && !q.from.Before(q.to) {
		return q, badRequest("invalid_range", "from must be before to.")
	}
	if v := values.Get("status"); v != "" {
		status, ok := appointment.ParseStatus(v)
		if !ok {
			return q, badRequest("invalid_status", "status must be scheduled, completed, cancelled or no-show.")
		}
		q.status = status
	}
	if v := values.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return q, badRequest("invalid_limit", "limit must be a whole number from 1 to 100.")
		}
		q.limit = n
	}
	if v := values.Get("cursor"); v != "" {
		if q.cursor, err = decodePageCursor(v); err != nil {
			return q, err
		}
	}
	return q, nil
}

// searchParams builds the FHIR search of one page: the patient always
// comes from the token, and a cursor moves the lower bound forward.
func searchParams(patientID string, q listQuery) url.Values {
	params := url.Values{"patient": {"Patient/" + patientID}, "_sort": {"date"}}
	from := q.from
	seen := 0
	if q.cursor != nil {
		if q.cursor.After.After(from) {
			from = q.cursor.After
		}
		seen = len(q.cursor.Seen)
	}
	var dates []string
	if !from.IsZero() {
		dates = append(dates, "ge"+appointment.FormatInstant(from))
	}
	if !q.to.IsZero() {
		dates = append(dates, "lt"+appointment.FormatInstant(q.to))
	}
	if len(dates) > 0 {
		params["date"] = dates
	}
	if q.status != "" {
		params.Set("status", q.status.FHIR())
	}
	params.Set("_count", strconv.Itoa(q.limit+seen+1))
	return params
}
