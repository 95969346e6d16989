package notifications

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/validation"
)

const (
	defaultInboxPage = 20
	maxInboxPage     = 100
	// maxMarkRead bounds the ids of one mark-read request.
	maxMarkRead = 100
)

type inboxItem struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	Title     string            `json:"title"`
	Body      string            `json:"body"`
	Data      map[string]string `json:"data,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	Read      bool              `json:"read"`
}

type inboxResponse struct {
	Notifications []inboxItem `json:"notifications"`
	NextCursor    string      `json:"nextCursor,omitempty"`
}

// inboxCursor continues a listing after the entry (CreatedAt, ID).
type inboxCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

type markReadRequest struct {
	IDs []string `json:"ids"`
}

type markReadResponse struct {
	Updated int `json:"updated"`
}

// inbox lists the caller's notifications, newest first (GET ?limit=&cursor=),
// or marks some read (POST {"ids": [...]}).
func (s *Server) inbox(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.markRead(w, r)
	}
	limit, after, err := parseInboxQuery(r)
	if err != nil {
		return err
	}
	uid, err := s.uid(r)
	if err != nil {
		return err
	}

	query := notification.Inbox(s.Firestore, uid).OrderBy("createdAt", firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc).Limit(limit + 1)
	if after != nil {
		query = query.StartAfter(after.CreatedAt, after.ID)
	}
	docs, err := query.Documents(r.Context()).GetAll()
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("list inbox: %w", err))
	}
	resp := inboxResponse{Notifications: []inboxItem{}}
	for i, doc := range docs {
		var e notification.InboxEntry
		if err := doc.DataTo(&e); err != nil {
			return httpapi.Unavailable(fmt.Errorf("decode inbox entry: %w", err))
		}
		if i == limit {
			last := resp.Notifications[limit-1]
			resp.NextCursor = encodeInboxCursor(inboxCursor{CreatedAt: last.CreatedAt, ID: last.ID})
			break
		}
		resp.Notifications = append(resp.Notifications, inboxItem{ID: doc.Ref.ID, Kind: e.Kind, Title: e.Title, Body: e.Body, Data: e.Data, CreatedAt: e.CreatedAt, Read: e.Read})
	}
	return httpapi.Respond(w, http.StatusOK, resp)
}

func parseInboxQuery(r *http.Request) (int, *inboxCursor, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return 0, nil, badRequest("invalid_query", "The query string is not valid URL encoding.")
	}
	for name := range values {
		if name != "limit" && name != "cursor" {
			return 0, nil, badRequest("unknown_parameter", "Unknown query parameter: use limit or cursor.")
		}
	}
	limit := defaultInboxPage
	if v := values.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxInboxPage {
			return 0, nil, badRequest("invalid_limit", "limit must be a whole number from 1 to 100.")
		}
		limit = n
	}
	v := values.Get("cursor")
	if v == "" {
		return limit, nil, nil
	}
	invalid := badRequest("invalid_cursor", "The cursor is not valid: list again without it.")
	data, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(data) > 1024 {
		return 0, nil, invalid
	}
	var c inboxCursor
	if json.Unmarshal(data, &c) != nil || c.CreatedAt.IsZero() || !validation.DocumentID(c.ID) {
		return 0, nil, invalid
	}
	return limit, &c, nil
}

func encodeInboxCursor(c inboxCursor) string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

// markRead marks the caller's entries read. Ids that name no entry of the
// caller are skipped, so the response never confirms another user's ids.
func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	uid, err := s.uid(r)
	if err != nil {
		return err
	}
	var req markReadRequest
	if err := httpapi.Decode(w, r, 16<<10, &req); err != nil {
		return err
	}
	if len(req.IDs) == 0 || len(req.IDs) > maxMarkRead {
		return badRequest("invalid_ids", "ids must list 1 to 100 notification ids.")
	}
	for i, id := range req.IDs {
		if !validation.DocumentID(id) {
			return badRequest("invalid_ids", fmt.Sprintf("ids[%d] is not a valid notification id.", i))
		}
	}

	now := s.now().UTC()
	updated := 0
	for _, id := range req.IDs {
		update := []firestore.Update{{Path: "read", Value: true}, {Path: "readAt", Value: now}}
		_, err := notification.Inbox(s.Firestore, uid).Doc(id).Update(ctx, update)
		switch {
		case status.Code(err) == codes.NotFound:
		case err != nil:
			return httpapi.Unavailable(fmt.Errorf("mark notification read: %w", err))
		default:
			updated++
		}
	}
	return httpapi.Respond(w, http.StatusOK, markReadResponse{Updated: updated})
}
