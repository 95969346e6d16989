package notifications

import (
	"fmt"
	"net/http"
	"regexp"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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
// Both are idempotent.
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

	ref := notification.Devices(s.Firestore, uid).Doc(notification.DeviceID(req.Token))
	if r.Method == http.MethodDelete {
		if _, err := ref.Delete(ctx); err != nil {
			return httpapi.Unavailable(fmt.Errorf("remove device: %w", err))
		}
		return httpapi.Respond(w, http.StatusOK, deviceResponse{ID: ref.ID, Registered: false})
	}
	now := s.now().UTC()
	_, err = ref.Create(ctx, notification.Device{Token: req.Token, Platform: req.Platform, CreatedAt: now, UpdatedAt: now})
	switch {
	case status.Code(err) == codes.AlreadyExists:
		update := []firestore.Update{{Path: "updatedAt", Value: now}, {Path: "platform", Value: req.Platform}}
		if _, err := ref.Update(ctx, update); err != nil {
			return httpapi.Unavailable(fmt.Errorf("refresh device: %w", err))
		}
		return httpapi.Respond(w, http.StatusOK, deviceResponse{ID: ref.ID, Registered: true})
	case err != nil:
		return httpapi.Unavailable(fmt.Errorf("register device: %w", err))
	}
	if err := s.evictOldDevices(r, uid); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusCreated, deviceResponse{ID: ref.ID, Registered: true})
}

// evictOldDevices keeps the user's maxDevices most recently refreshed tokens.
func (s *Server) evictOldDevices(r *http.Request, uid string) error {
	ctx := r.Context()
	docs, err := notification.Devices(s.Firestore, uid).OrderBy("updatedAt", firestore.Desc).Offset(maxDevices).Documents(ctx).GetAll()
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("list old devices: %w", err))
	}
	for _, doc := range docs {
		if _, err := doc.Ref.Delete(ctx); err != nil {
			return httpapi.Unavailable(fmt.Errorf("remove old device: %w", err))
		}
	}
	if len(docs) > 0 {
		logging.FromContext(ctx).Info("old devices removed", logging.KeyUserID, uid, logging.KeyCount, len(docs))
	}
	return nil
}
