// Package audit records who did what to which record, for the audit trail:
// ids, actions and outcomes only, never values.
package audit

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// Collection is the append-only audit trail. Functions only create entries;
// Firestore rules deny all client access.
const Collection = "auditLog"

// Outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// Entry is one audited event. ResourceType and ResourceID name a record
// (e.g. Patient and its id), never its content.
type Entry struct {
	Actor        string `firestore:"actor"`
	Action       string `firestore:"action"`
	Outcome      string `firestore:"outcome"`
	Reason       string `firestore:"reason,omitempty"`
	ResourceType string `firestore:"resourceType,omitempty"`
	ResourceID   string `firestore:"resourceId,omitempty"`
	// ResourceIDs lists the records of a batch operation.
	ResourceIDs []string `firestore:"resourceIds,omitempty"`
	// Count is the number of records an operation touched when they are too
	// many to list, such as an export or a deletion.
	Count      int       `firestore:"count,omitempty"`
	SubjectUID string    `firestore:"subjectUid,omitempty"`
	Function   string    `firestore:"function"`
	At         time.Time `firestore:"at"`
	RequestID  string    `firestore:"requestId,omitempty"`
	ClientIP   string    `firestore:"clientIp,omitempty"`
	UserAgent  string    `firestore:"userAgent,omitempty"`
}

// Recorder writes entries to Firestore and to the structured log.
type Recorder struct {
	firestore *firestore.Client
	function  string
	now       func() time.Time
}

// NewRecorder returns a recorder for the named function.
func NewRecorder(fs *firestore.Client, function string) *Recorder {
	return &Recorder{firestore: fs, function: function, now: time.Now}
}

// Record fills the request fields from ctx and stores e. The subject is the
// user whose data the event concerns; it defaults to the actor.
func (r *Recorder) Record(ctx context.Context, e Entry) error {
	e = r.prepare(ctx, e)
	if _, _, err := r.firestore.Collection(Collection).Add(ctx, e); err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// RecordOnce stores e under the document id key, like Record, unless an
// entry with that key exists. An operation that may run again after a
// failure, such as an account deletion, so leaves exactly one entry.
func (r *Recorder) RecordOnce(ctx context.Context, key string, e Entry) error {
	e = r.prepare(ctx, e)
	_, err := r.firestore.Collection(Collection).Doc(key).Create(ctx, e)
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// prepare fills the function, time and request fields and logs the entry.
func (r *Recorder) prepare(ctx context.Context, e Entry) Entry {
	req := httpapi.RequestFrom(ctx)
	e.Function = r.function
	e.At = r.now().UTC()
	e.RequestID, e.ClientIP, e.UserAgent = req.ID, req.ClientIP, req.UserAgent
	if e.Actor == "" {
		e.Actor = "anonymous"
	}
	if e.SubjectUID == "" {
		e.SubjectUID = e.Actor
	}
	logging.FromContext(ctx).Info("audit", "action", e.Action, "outcome", e.Outcome, logging.KeyUserID, e.Actor,
		logging.KeyResource, e.ResourceType+"/"+e.ResourceID, logging.KeyCount, max(e.Count, len(e.ResourceIDs)), "reason", e.Reason)
	return e
}
