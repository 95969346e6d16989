package vitals

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/vitalobs"
)

// cursor continues a listing: readings at or before Before, minus those at
// exactly Before that an earlier page already returned. It holds no patient
// id; the patient always comes from the token.
type cursor struct {
	Before time.Time `json:"b"`
	Seen   []string  `json:"s,omitempty"`
}

const maxCursorIDs = maxPageSize

func decodeCursor(value string) (*cursor, error) {
	invalid := httpapi.NewError(http.StatusBadRequest, "invalid_cursor", "The cursor is not valid: start the listing again without it.")
	data, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(data) > 16<<10 {
		return nil, invalid
	}
	var c cursor
	if err := json.Unmarshal(data, &c); err != nil || c.Before.IsZero() || len(c.Seen) > maxCursorIDs {
		return nil, invalid
	}
	return &c, nil
}

func (c *cursor) encode() string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

// pageAfterCursor drops readings an earlier page returned and cuts the page
// to limit, returning the cursor of the next page (nil on the last).
func pageAfterCursor(observations []*vitalobs.Observation, after *cursor, limit int) ([]*vitalobs.Observation, *cursor, error) {
	seen := map[string]bool{}
	if after != nil {
		for _, id := range after.Seen {
			seen[id] = true
		}
	}
	var page []*vitalobs.Observation
	more := false
	for _, obs := range observations {
		if seen[obs.ID] {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, obs)
	}
	if !more || len(page) == 0 {
		return page, nil, nil
	}
	last, err := effectiveInstant(page[len(page)-1])
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	next := &cursor{Before: last}
	if after != nil && after.Before.Equal(last) {
		next.Seen = append(next.Seen, after.Seen...)
	}
	for _, obs := range page {
		if t, err := effectiveInstant(obs); err == nil && t.Equal(last) {
			next.Seen = append(next.Seen, obs.ID)
		}
	}
	return page, next, nil
}

func effectiveInstant(obs *vitalobs.Observation) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, obs.EffectiveDateTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("observation %s has no precise effective time", obs.ID)
	}
	return t, nil
}

func decodeEntries(entries []fhir.BundleEntry) ([]*vitalobs.Observation, error) {
	out := make([]*vitalobs.Observation, 0, len(entries))
	for _, entry := range entries {
		if len(entry.Resource) == 0 {
			continue
		}
		obs, err := vitalobs.Decode(entry.Resource)
		if err != nil {
			return nil, fmt.Errorf("decode search entry: %w", err)
		}
		if obs.ResourceType == "Observation" {
			out = append(out, obs)
		}
	}
	return out, nil
}

func buildList(raw []*vitalobs.Observation, smoothed map[string]*vitalobs.ParsedSmoothed, next *cursor) listResponse {
	resp := listResponse{Readings: []listItem{}}
	for _, obs := range raw {
		reading, err := vitalobs.ParseStored(obs)
		if err != nil {
			continue // not a vital IHEP can show; never fails a listing
		}
		item := listItem{ID: obs.ID, Type: reading.Kind, EffectiveAt: obs.EffectiveDateTime, Raw: map[string]seriesValue{}, Smoothed: map[string]*seriesValue{}}
		for series, value := range reading.Values {
			item.Raw[string(series)] = seriesValue{Value: value, Unit: series.Unit().Code}
			item.Smoothed[string(series)] = nil
			if est, ok := smoothed[obs.ID]; ok {
				if v, ok := est.Values[series]; ok {
					variance, outlier := v.Variance, v.Outlier
					item.Smoothed[string(series)] = &seriesValue{Value: v.Value, Unit: series.Unit().Code, Variance: &variance, Outlier: &outlier}
				}
			}
		}
		resp.Readings = append(resp.Readings, item)
	}
	if next != nil {
		resp.NextCursor = next.encode()
	}
	return resp
}

func idsOf(observations []*vitalobs.Observation) []string {
	ids := make([]string, len(observations))
	for i, obs := range observations {
		ids[i] = obs.ID
	}
	return ids
}
