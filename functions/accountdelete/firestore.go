package accountdelete

import (
	"context"
	"fmt"

	"cloud.google.com/go/firestore"
	firebaseauth "firebase.google.com/go/v4/auth"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/enrollment"
	"github.com/ihep/backend/shared/notification"
)

// sessionsCollection is the collection of refresh-token records that
// auth-login writes, each with the user id.
const sessionsCollection = "sessions"

func (s *Server) deleteCareTeam(ctx context.Context, j *job) error {
	return s.deleteSubcollection(ctx, directory.CareTeamsCollection, j.uid, directory.MembersCollection)
}

// deleteDevices removes the user's devices with their owner documents.
func (s *Server) deleteDevices(ctx context.Context, j *job) error {
	if _, err := notification.RemoveAllDevices(ctx, s.Firestore, j.uid); err != nil {
		return err
	}
	return s.deleteDocument(ctx, s.Firestore.Collection(notification.DevicesCollection).Doc(j.uid))
}

func (s *Server) deleteInbox(ctx context.Context, j *job) error {
	return s.deleteSubcollection(ctx, notification.InboxesCollection, j.uid, notification.InboxEntries)
}

func (s *Server) deleteEnrollment(ctx context.Context, j *job) error {
	return s.deleteDocument(ctx, s.Firestore.Collection(enrollment.Collection).Doc(j.uid))
}

func (s *Server) deleteProfile(ctx context.Context, j *job) error {
	return s.deleteDocument(ctx, s.Firestore.Collection(account.ProfilesCollection).Doc(j.uid))
}

// deleteSessions removes the refresh-token records of the user.
func (s *Server) deleteSessions(ctx context.Context, j *job) error {
	return s.deleteAll(ctx, s.Firestore.Collection(sessionsCollection).Where("userId", "==", j.uid).Documents(ctx))
}

// recordDeletion writes the audit entry of the deletion once, however many
// attempts the deletion takes.
func (s *Server) recordDeletion(ctx context.Context, j *job) error {
	entry := audit.Entry{Actor: j.uid, Action: "account.delete", Outcome: audit.OutcomeSuccess, Reason: "retention=" + string(j.record.Retention), ResourceType: "Patient", ResourceIDs: j.record.PatientIDs, Count: j.record.FHIRResources}
	return s.Audit(FunctionName).RecordOnce(ctx, "account-delete-"+j.uid, entry)
}

// deleteIdentity ends every session of the user, so that no instance
// accepts their tokens any more, and deletes the Identity Platform user. A
// retry after a failure between the two needs a new sign-in.
func (s *Server) deleteIdentity(ctx context.Context, j *job) error {
	_, err := s.Auth.GetUser(ctx, j.uid)
	if firebaseauth.IsUserNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get identity platform user: %w", err)
	}
	if err := s.Verifier.Revoke(ctx, j.uid); err != nil {
		return err
	}
	if err := s.Auth.DeleteUser(ctx, j.uid); err != nil && !firebaseauth.IsUserNotFound(err) {
		return fmt.Errorf("delete identity platform user: %w", err)
	}
	return nil
}

// deleteSubcollection deletes parent/{uid}/child/* and then parent/{uid}.
func (s *Server) deleteSubcollection(ctx context.Context, parent, uid, child string) error {
	doc := s.Firestore.Collection(parent).Doc(uid)
	if err := s.deleteAll(ctx, doc.Collection(child).Documents(ctx)); err != nil {
		return err
	}
	return s.deleteDocument(ctx, doc)
}

func (s *Server) deleteAll(ctx context.Context, docs *firestore.DocumentIterator) error {
	snaps, err := docs.GetAll()
	if err != nil {
		return fmt.Errorf("list documents to delete: %w", err)
	}
	if len(snaps) == 0 {
		return nil
	}
	writer := s.Firestore.BulkWriter(ctx)
	jobs := make([]*firestore.BulkWriterJob, 0, len(snaps))
	for _, snap := range snaps {
		bj, err := writer.Delete(snap.Ref)
		if err != nil {
			return fmt.Errorf("queue delete: %w", err)
		}
		jobs = append(jobs, bj)
	}
	writer.End()
	for _, bj := range jobs {
		if _, err := bj.Results(); err != nil && status.Code(err) != codes.NotFound {
			return fmt.Errorf("delete document: %w", err)
		}
	}
	return nil
}

func (s *Server) deleteDocument(ctx context.Context, ref *firestore.DocumentRef) error {
	if _, err := ref.Delete(ctx); err != nil && status.Code(err) != codes.NotFound {
		return fmt.Errorf("delete %s: %w", ref.Path, err)
	}
	return nil
}
