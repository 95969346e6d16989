package notifications

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/notification"
)

// maxDevices bounds the tokens of one user. Registering one more removes
// the token that was registered or refreshed longest ago.
const maxDevices = 10

// tokenPattern accepts FCM registration tokens: printable ASCII without
// spaces. maxTokenLength bounds them at 4 KiB.
var tokenPattern = regexp.MustCompile(`^[\x21-\x7e]+$`)

const maxTokenLength = 4096

var platforms = map[string]bool{"": true, "android": true, "ios": true, "web": true}

type deviceRequest struct {
	Token    string `json:"token"`
	Platform string `json:"platform"`
}

type deviceResponse struct {
	// ID is the token's document id (its SHA-256), never the token.
	ID         string `json:"id"`
	Registered bool   `json:"registered"`
}

// devices registers the caller's FCM token (POST) or removes it (DELETE).
// Both are idempotent. A token belongs to one user, so registering it moves
// it from the user who registered it before.
func (s *Server) devices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	uid, err := s.uid(r)
	if err != nil {
		return err
	}
	var req deviceRequest
	if err := httpapi.Decode(w, r, 8<<10, &req); err != nil {
		return err
	}
	if len(req.Token) > maxTokenLength || !tokenPattern.MatchString(req.Token) {
		return badRequest("invalid_token", "token must be an FCM registration token.")
	}
	if !platforms[req.Platform] {
		return badRequest("invalid_platform", "platform must be android, ios or web.")
	}

	id := notification.DeviceID(req.Token)
	if r.Method == http.MethodDelete {
		if _, err := notification.RemoveDevice(ctx, s.Firestore, uid, id, time.Time{}); err != nil {
			return httpapi.Unavailable(err)
		}
		return httpapi.Respond(w, http.StatusOK, deviceResponse{ID: id, Registered: false})
	}
	created, err := notification.RegisterDevice(ctx, s.Firestore, uid, req.Token, req.Platform, s.now().UTC())
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !created {
		return httpapi.Respond(w, http.StatusOK, deviceResponse{ID: id, Registered: true})
	}
	if err := s.evictOldDevices(r, uid); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusCreated, deviceResponse{ID: id, Registered: true})
}

// evictOldDevices keeps the user's maxDevices most recently refreshed tokens.
func (s *Server) evictOldDevices(r *http.Request, uid string) error {
	ctx := r.Context()
	docs, err := notification.Devices(s.Firestore, uid).OrderBy("updatedAt", firestore.Desc).Offset(maxDevices).Documents(ctx).GetAll()
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("list old devices: %w", err))
	}
	for _, doc := range docs {
		if _, err := notification.RemoveDevice(ctx, s.Firestore, uid, doc.Ref.ID, time.Time{}); err != nil {
			return httpapi.Unavailable(fmt.Errorf("remove old device: %w", err))
		}
	}
	if len(docs) > 0 {
		logging.FromContext(ctx).Info("old devices removed", logging.KeyUserID, uid, logging.KeyCount, len(docs))
	}
	return nil
}
