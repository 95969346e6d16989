package vitals

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
	// idsPerSearch keeps _id searches well inside URL length limits.
	idsPerSearch = 50
)

type listQuery struct {
	kinds    []vitalsign.Kind
	from, to time.Time
	limit    int
	cursor   *cursor
}

// seriesValue is one value of a reading or estimate, in its unit.
type seriesValue struct {
	Value    float64  `json:"value"`
	Unit     string   `json:"unit"`
	Variance *float64 `json:"variance,omitempty"`
	Outlier  *bool    `json:"outlier,omitempty"`
}

type listItem struct {
	ID          string                  `json:"id"`
	Type        vitalsign.Kind          `json:"type"`
	EffectiveAt string                  `json:"effectiveAt"`
	Raw         map[string]seriesValue  `json:"raw"`
	Smoothed    map[string]*seriesValue `json:"smoothed"`
}

type listResponse struct {
	Readings   []listItem `json:"readings"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// list returns the caller's raw readings, newest first, each beside its
// smoothed estimate (null until the smoother has run).
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
	uid, patientID, err := s.caller(r)
	if err != nil {
		return err
	}

	raw, next, err := s.rawPage(ctx, patientID, q)
	if err != nil {
		return err
	}
	smoothed, err := s.smoothedFor(ctx, raw)
	if err != nil {
		return err
	}
	resp := buildList(raw, smoothed, next)
	entry := audit.Entry{Actor: uid, Action: "vitals.read", Outcome: audit.OutcomeSuccess, ResourceType: "Observation", ResourceIDs: idsOf(raw)}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, resp)
}

// listParameters are the query parameters GET accepts. Anything else, such
// as a patient or subject parameter, is rejected rather than ignored.
var listParameters = map[string]bool{"type": true, "from": true, "to": true, "limit": true, "cursor": true}

func parseListQuery(values url.Values) (listQuery, error) {
	q := listQuery{limit: defaultPageSize, kinds: vitalsign.Kinds()}
	for name, vals := range values {
		if !listParameters[name] {
			return q, badRequest("unknown_parameter", "Unknown query parameter: use type, from, to, limit or cursor.")
		}
		if len(vals) > 1 {
			return q, badRequest("repeated_parameter", "Each query parameter may appear once.")
		}
	}
	if t := values.Get("type"); t != "" {
		kind, err := vitalsign.ParseKind(t)
		if err != nil {
			return q, badRequest("invalid_type", "Unknown type: use heart_rate, blood_pressure, oxygen_saturation, body_temperature or respiratory_rate.")
		}
		q.kinds = []vitalsign.Kind{kind}
	}
	var err error
	if q.from, err = optionalTime(values.Get("from"), "from"); err != nil {
		return q, err
	}
	if q.to, err = optionalTime(values.Get("to"), "to"); err != nil {
		return q, err
	}
	if !q.from.IsZero() && !q.to.IsZero() && !q.from.Before(q.to) {
		return q, badRequest("invalid_range", "from must be before to.")
	}
	if l := values.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPageSize {
			return q, badRequest("invalid_limit", "limit must be a whole number from 1 to 200.")
		}
		q.limit = n
	}
	if c := values.Get("cursor"); c != "" {
		if q.cursor, err = decodeCursor(c); err != nil {
			return q, err
		}
	}
	return q, nil
}

func optionalTime(value, name string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, badRequest("invalid_"+name, name+" must be an RFC 3339 date-time with an offset.")
	}
	return t, nil
}

// rawPage fetches one page of raw readings, newest first.
func (s *Server) rawPage(ctx context.Context, patientID string, q listQuery) ([]*vitalobs.Observation, *cursor, error) {
	params := url.Values{
		"subject":  {"Patient/" + patientID},
		"code":     {vitalobs.CodeSearch(q.kinds...)},
		"_tag:not": {vitalobs.TagSystem + "|" + vitalobs.TagSmoothed},
		"_sort":    {"-date"},
	}
	var dates []string
	if !q.from.IsZero() {
		dates = append(dates, "ge"+q.from.UTC().Format(time.RFC3339Nano))
	}
	upper := "lt" + q.to.UTC().Format(time.RFC3339Nano)
	if q.cursor != nil {
		upper = "le" + q.cursor.Before.UTC().Format(time.RFC3339Nano)
	}
	if q.cursor != nil || !q.to.IsZero() {
		dates = append(dates, upper)
	}
	if len(dates) > 0 {
		params["date"] = dates
	}
	seen := 0
	if q.cursor != nil {
		seen = len(q.cursor.Seen)
	}
	params.Set("_count", strconv.Itoa(q.limit+seen+1))

	bundle, err := s.FHIR.Search(ctx, "Observation", params)
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	observations, err := decodeEntries(bundle.Entry)
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	return pageAfterCursor(observations, q.cursor, q.limit)
}

// smoothedFor fetches the smoothed Observation of each raw one, by id.
func (s *Server) smoothedFor(ctx context.Context, raw []*vitalobs.Observation) (map[string]*vitalobs.ParsedSmoothed, error) {
	out := map[string]*vitalobs.ParsedSmoothed{}
	for start := 0; start < len(raw); start += idsPerSearch {
		chunk := raw[start:min(start+idsPerSearch, len(raw))]
		ids := make([]string, len(chunk))
		for i, obs := range chunk {
			ids[i] = vitalobs.SmoothedID(obs.ID)
		}
		bundle, err := s.FHIR.Search(ctx, "Observation", url.Values{"_id": {strings.Join(ids, ",")}, "_count": {strconv.Itoa(len(ids))}})
		if err != nil {
			return nil, httpapi.Unavailable(err)
		}
		observations, err := decodeEntries(bundle.Entry)
		if err != nil {
			return nil, httpapi.Unavailable(err)
		}
		for _, obs := range observations {
			if parsed, err := vitalobs.ParseSmoothed(obs); err == nil {
				out[parsed.RawID] = parsed
			}
		}
	}
	return out, nil
}
