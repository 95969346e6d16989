package audittrail

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// entryView is one audit entry as the API returns it: actor, record type
// and ids, action, outcome, time and the request's origin.
type entryView struct {
	At            string   `json:"at"`
	Actor         string   `json:"actor"`
	Action        string   `json:"action"`
	Outcome       string   `json:"outcome"`
	Reason        string   `json:"reason,omitempty"`
	Function      string   `json:"function"`
	ResourceType  string   `json:"resourceType,omitempty"`
	ResourceID    string   `json:"resourceId,omitempty"`
	ResourceIDs   []string `json:"resourceIds,omitempty"`
	ResourceCount int      `json:"resourceCount,omitempty"`
	RequestID     string   `json:"requestId,omitempty"`
	ClientIP      string   `json:"clientIp,omitempty"`
	UserAgent     string   `json:"userAgent,omitempty"`
}

type listResponse struct {
	Entries    []entryView `json:"entries"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

// pageCursor is the position after the last entry of a page: its time and
// document id, which break ties between entries of the same instant.
type pageCursor struct {
	At time.Time `json:"at"`
	ID string    `json:"id"`
}

// list returns the audit entries whose subject is the caller, newest first.
// The query filters on the verified user id, so a caller never gets
// another user's entries. Reading the trail is not itself audited.
func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	limit, cursor, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}

	query := s.Firestore.Collection(audit.Collection).Where("subjectUid", "==", user.UID).
		OrderBy("at", firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc).Limit(limit + 1)
	if cursor != nil {
		query = query.StartAfter(cursor.At, cursor.ID)
	}
	docs := query.Documents(ctx)
	defer docs.Stop()
	resp := listResponse{Entries: []entryView{}}
	var last pageCursor
	for {
		snap, err := docs.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if len(resp.Entries) == limit {
			resp.NextCursor = encodeCursor(last)
			break
		}
		var e audit.Entry
		if err := snap.DataTo(&e); err != nil {
			return httpapi.Internal(err)
		}
		resp.Entries = append(resp.Entries, view(e))
		last = pageCursor{At: e.At, ID: snap.Ref.ID}
	}
	return httpapi.Respond(w, http.StatusOK, resp)
}

func view(e audit.Entry) entryView {
	return entryView{
		At:            e.At.UTC().Format(time.RFC3339Nano),
		Actor:         e.Actor,
		Action:        e.Action,
		Outcome:       e.Outcome,
		Reason:        e.Reason,
		Function:      e.Function,
		ResourceType:  e.ResourceType,
		ResourceID:    e.ResourceID,
		ResourceIDs:   e.ResourceIDs,
		ResourceCount: max(e.Count, len(e.ResourceIDs)),
		RequestID:     e.RequestID,
		ClientIP:      e.ClientIP,
		UserAgent:     e.UserAgent,
	}
}

var (
	errInvalidLimit  = httpapi.NewError(http.StatusBadRequest, "invalid_limit", "limit must be a whole number from 1 to 200.")
	errInvalidCursor = httpapi.NewError(http.StatusBadRequest, "invalid_cursor", "cursor is invalid: pass the nextCursor of the previous page unchanged.")
)

// parseQuery reads limit and cursor and rejects every other parameter.
func parseQuery(raw string) (int, *pageCursor, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return 0, nil, httpapi.NewError(http.StatusBadRequest, "invalid_query", "The query string is not valid URL encoding.")
	}
	for name, vals := range values {
		if name != "limit" && name != "cursor" {
			return 0, nil, httpapi.NewError(http.StatusBadRequest, "unknown_parameter", "Unknown query parameter: use limit or cursor.")
		}
		if len(vals) > 1 {
			return 0, nil, httpapi.NewError(http.StatusBadRequest, "repeated_parameter", "Each query parameter may appear once.")
		}
	}
	limit := defaultPageSize
	if l := values.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > maxPageSize {
			return 0, nil, errInvalidLimit
		}
	}
	if c := values.Get("cursor"); c != "" {
		cursor, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		return limit, cursor, nil
	}
	return limit, nil, nil
}

func encodeCursor(c pageCursor) string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeCursor(s string) (*pageCursor, error) {
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errInvalidCursor
	}
	var c pageCursor
	if err := json.Unmarshal(data, &c); err != nil || c.At.IsZero() || c.ID == "" {
		return nil, errInvalidCursor
	}
	return &c, nil
}
