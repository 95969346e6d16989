package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/patientdata"
)

// export streams the caller's record as one JSON document:
//
//	{"exportedAt", "profile", "enrollment", "devices", "bundle": {FHIR Bundle}, "complete": true}
//
// The status and headers go out before the FHIR store is paged through, so
// a failure half-way cannot become an error response. The document then
// ends without "complete": true, and the client must treat it as failed.
func (s *Server) export(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if r.URL.RawQuery != "" {
		return httpapi.NewError(http.StatusBadRequest, "unknown_parameter", "export takes no query parameters.")
	}
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	head, err := s.loadHead(ctx, user.UID)
	if err != nil {
		return err
	}
	patientID := head.Profile.PatientID
	// The entry is written before any PHI leaves, so an export that fails
	// half-way is still recorded as a successful read.
	entry := audit.Entry{Actor: user.UID, Action: "export.read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: patientID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}

	startStream(w)
	out := bufio.NewWriterSize(w, 64<<10)
	count, err := s.stream(ctx, out, w, user.UID, patientID, head)
	if err != nil && ctx.Err() != nil {
		// The client closed the connection: a client's choice, not a server
		// fault, and nothing more can reach it.
		logging.FromContext(ctx).Info("export cancelled by the client", logging.KeyUserID, user.UID, logging.KeyCount, count)
		return nil
	}
	if err != nil {
		return fmt.Errorf("export stopped after %d resources: %w", count, err)
	}
	logging.FromContext(ctx).Info("export finished", logging.KeyUserID, user.UID, logging.KeyCount, count)
	return nil
}

// head is the non-PHI part of the export, read before streaming starts.
type head struct {
	Profile    profileBody
	Enrollment *enrollment.View
	Devices    []deviceBody
}

// deviceBody is one device registered for push notifications. The FCM
// registration token itself is left out: it is an address for Google's
// push service, of no use to the user and better kept out of files.
type deviceBody struct {
	ID           string `json:"id"`
	Platform     string `json:"platform,omitempty"`
	RegisteredAt string `json:"registeredAt"`
	UpdatedAt    string `json:"updatedAt,omitempty"`
}

// profileBody is the account part of the export: the Firestore profile with
// the defaults of unset preferences filled in, and the e-mail address that
// Identity Platform holds. The full name is on the Patient in the bundle.
type profileBody struct {
	UserID    string `json:"userId"`
	PatientID string `json:"patientId"`
	Email     string `json:"email"`
	account.Settings
	ProfileCompleted bool   `json:"profileCompleted"`
	CreatedAt        string `json:"createdAt"`
	LastLoginAt      string `json:"lastLoginAt,omitempty"`
}

func (s *Server) loadHead(ctx context.Context, uid string) (*head, error) {
	profile, err := s.Profile(ctx, uid)
	if err != nil {
		return nil, err
	}
	user, err := s.Auth.GetUser(ctx, uid)
	if err != nil {
		return nil, httpapi.Unavailable(fmt.Errorf("get identity platform user: %w", err))
	}
	h := &head{Profile: profileBody{
		UserID:           uid,
		PatientID:        profile.PatientID,
		Email:            user.Email,
		Settings:         profile.Settings(),
		ProfileCompleted: profile.ProfileCompleted,
		CreatedAt:        formatTime(profile.CreatedAt),
		LastLoginAt:      formatTime(profile.LastLoginAt),
	}}
	record, err := enrollment.Load(ctx, s.Firestore, uid)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	h.Enrollment = record.View()
	if h.Devices, err = s.loadDevices(ctx, uid); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return h, nil
}

// loadDevices reads the user's registered devices; the notifications
// function keeps at most a handful per user.
func (s *Server) loadDevices(ctx context.Context, uid string) ([]deviceBody, error) {
	snaps, err := notification.Devices(s.Firestore, uid).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read devices: %w", err)
	}
	out := make([]deviceBody, 0, len(snaps))
	for _, snap := range snaps {
		var d notification.Device
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("decode device: %w", err)
		}
		out = append(out, deviceBody{ID: snap.Ref.ID, Platform: d.Platform, RegisteredAt: formatTime(d.CreatedAt), UpdatedAt: formatTime(d.UpdatedAt)})
	}
	return out, nil
}

// formatTime formats t as RFC 3339 in UTC, or returns "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func startStream(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="ihep-record.json"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
}

// stream writes the document and returns the number of resources written.
func (s *Server) stream(ctx context.Context, out *bufio.Writer, w http.ResponseWriter, uid, patientID string, h *head) (int, error) {
	now := s.now().UTC().Format(time.RFC3339)
	bw := &bundleWriter{out: out, flusher: flusherOf(w)}
	bw.raw(`{"exportedAt":`)
	bw.json(now)
	bw.raw(`,"profile":`)
	bw.json(h.Profile)
	bw.raw(`,"enrollment":`)
	bw.json(h.Enrollment)
	bw.raw(`,"devices":`)
	bw.json(h.Devices)
	bw.raw(`,"bundle":{"resourceType":"Bundle","type":"collection","timestamp":`)
	bw.json(now)
	bw.raw(`,"entry":[`)
	if bw.err != nil {
		return 0, bw.err
	}

	_, patient, err := s.FHIR.Read(ctx, "Patient", patientID)
	if err != nil {
		return 0, err
	}
	bw.entry(patient)
	for _, search := range patientdata.FHIRSearches {
		err := patientdata.EachPage(ctx, s.FHIR, patientID, search, s.pageSize, func(resources []json.RawMessage) error {
			for _, resource := range resources {
				bw.entry(resource)
			}
			return bw.flush()
		})
		if err != nil {
			return bw.count, err
		}
	}
	if err := s.writeFirestoreResources(ctx, bw, uid, patientID); err != nil {
		return bw.count, err
	}
	bw.raw(`]},"complete":true}`)
	return bw.count, bw.flush()
}

// writeFirestoreResources adds the care team and the notifications, which
// Firestore keeps, as FHIR CareTeam and Communication resources.
func (s *Server) writeFirestoreResources(ctx context.Context, bw *bundleWriter, uid, patientID string) error {
	members, err := s.directory.CareTeam(ctx, uid)
	if err != nil {
		return err
	}
	if len(members) > 0 {
		ids := make([]string, len(members))
		for i, m := range members {
			ids[i] = m.ProviderID
		}
		providers, err := s.directory.GetMany(ctx, ids)
		if err != nil {
			return err
		}
		bw.entryValue(careTeam(patientID, members, providers))
	}
	inbox := notification.Inbox(s.Firestore, uid).Documents(ctx)
	defer inbox.Stop()
	return eachDocument(inbox, func(snap *firestore.DocumentSnapshot) error {
		var e notification.InboxEntry
		if err := snap.DataTo(&e); err != nil {
			return fmt.Errorf("decode inbox entry: %w", err)
		}
		bw.entryValue(communication(patientID, snap.Ref.ID, e))
		return bw.flush()
	})
}
