package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/patientdata"
)

// export streams the caller's record as one JSON document:
//
//	{"exportedAt", "profile", "enrollment", "bundle": {FHIR Bundle}, "complete": true}
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
	patientID, err := s.PatientID(ctx, user.UID)
	if err != nil {
		return err
	}
	head, err := s.loadHead(ctx, user.UID)
	if err != nil {
		return err
	}
	// The entry is written before any PHI leaves, so an export that fails
	// half-way is still recorded as a successful read.
	entry := audit.Entry{Actor: user.UID, Action: "export.read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: patientID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}

	startStream(w)
	out := bufio.NewWriterSize(w, 64<<10)
	count, err := s.stream(ctx, out, w, user.UID, patientID, head)
	if err != nil {
		return fmt.Errorf("export stopped after %d resources: %w", count, err)
	}
	logging.FromContext(ctx).Info("export finished", logging.KeyUserID, user.UID, logging.KeyCount, count)
	return nil
}

// head is the non-PHI part of the export, read before streaming starts.
type head struct {
	Profile    map[string]any
	Enrollment *enrollment.Record
}

func (s *Server) loadHead(ctx context.Context, uid string) (*head, error) {
	snap, err := s.Firestore.Collection(account.ProfilesCollection).Doc(uid).Get(ctx)
	if err != nil && status.Code(err) != codes.NotFound {
		return nil, httpapi.Unavailable(err)
	}
	h := &head{Profile: map[string]any{}}
	if snap != nil && snap.Exists() {
		h.Profile = snap.Data()
	}
	if h.Enrollment, err = enrollment.Load(ctx, s.Firestore, uid); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return h, nil
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
	members, err := s.Firestore.Collection(patientdata.CareTeamsCollection).Doc(uid).Collection(patientdata.CareTeamMembers).Documents(ctx).GetAll()
	if err != nil {
		return fmt.Errorf("read care team: %w", err)
	}
	if len(members) > 0 {
		bw.entryValue(careTeam(patientID, members))
	}
	inbox := s.Firestore.Collection(patientdata.InboxesCollection).Doc(uid).Collection(patientdata.InboxEntries).Documents(ctx)
	defer inbox.Stop()
	return eachDocument(inbox, func(snap *firestore.DocumentSnapshot) error {
		bw.entryValue(communication(patientID, snap))
		return bw.flush()
	})
}
