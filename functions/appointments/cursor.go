package appointments

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/ihep/backend/shared/appointment"
)

// pageCursor continues a listing after the appointment that ended the last
// page: from the instant After on, skipping the ids at exactly After that
// were already returned. It names no patient; the token does.
type pageCursor struct {
	After time.Time `json:"a"`
	Seen  []string  `json:"s,omitempty"`
}

func decodePageCursor(value string) (*pageCursor, error) {
	invalid := badRequest("invalid_cursor", "The cursor is not valid: list again without it.")
	data, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(data) > 8<<10 {
		return nil, invalid
	}
	var c pageCursor
	if json.Unmarshal(data, &c) != nil || c.After.IsZero() || len(c.Seen) > maxPageSize {
		return nil, invalid
	}
	return &c, nil
}

func (c *pageCursor) encode() string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

// cutPage drops the appointments the cursor marks as returned and keeps limit
// appointments. The next cursor is nil when nothing follows.
func cutPage(found []*appointment.Resource, after *pageCursor, limit int) ([]*appointment.Resource, *pageCursor) {
	returned := map[string]bool{}
	if after != nil {
		for _, id := range after.Seen {
			returned[id] = true
		}
	}
	page := make([]*appointment.Resource, 0, limit)
	more := false
	for _, resource := range found {
		switch {
		case returned[resource.ID]:
		case len(page) < limit:
			page = append(page, resource)
		default:
			more = true
		}
	}
	if !more {
		return page, nil
	}
	lastStart, _, err := page[len(page)-1].Period()
	if err != nil {
		return page, nil
	}
	next := &pageCursor{After: lastStart}
	if after != nil && after.After.Equal(lastStart) {
		next.Seen = append(next.Seen, after.Seen...)
	}
	for _, resource := range page {
		if start, _, err := resource.Period(); err == nil && start.Equal(lastStart) {
			next.Seen = append(next.Seen, resource.ID)
		}
	}
	return page, next
}
