package accountdelete

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/account"
)

// JobsCollection keeps one document per deletion, accountDeletions/{uid}:
// the Patients the deletion covers, the steps done and the counts. It
// stays after the account is gone as the record that the deletion
// happened, and contains ids and dates only.
const JobsCollection = "accountDeletions"

// jobRecord is the Firestore document of a deletion.
type jobRecord struct {
	PatientIDs     []string  `firestore:"patientIds"`
	Retention      Retention `firestore:"retention"`
	StartedAt      time.Time `firestore:"startedAt"`
	CompletedSteps []string  `firestore:"completedSteps"`
	FHIRResources  int       `firestore:"fhirResources"`
	Attempts       int       `firestore:"attempts"`
}

// job is one run of a deletion.
type job struct {
	uid    string
	record jobRecord
}

func (s *Server) jobRef(uid string) *firestore.DocumentRef {
	return s.Firestore.Collection(JobsCollection).Doc(uid)
}

// startJob creates the job record or resumes it, and adds every Patient
// linked to the account: the profile's, and any whose identifier names
// the user (a login during a failed deletion can have made a new one).
func (s *Server) startJob(ctx context.Context, j *job) error {
	ids, err := s.linkedPatients(ctx, j.uid)
	if err != nil {
		return err
	}
	ref := s.jobRef(j.uid)
	return s.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		switch {
		case status.Code(err) == codes.NotFound:
			j.record = jobRecord{Retention: s.retention, StartedAt: s.now().UTC(), CompletedSteps: []string{}}
		case err != nil:
			return fmt.Errorf("get deletion job: %w", err)
		default:
			if err := snap.DataTo(&j.record); err != nil {
				return fmt.Errorf("decode deletion job: %w", err)
			}
		}
		for _, id := range ids {
			if !slices.Contains(j.record.PatientIDs, id) {
				j.record.PatientIDs = append(j.record.PatientIDs, id)
			}
		}
		j.record.Attempts++
		return tx.Set(ref, j.record)
	})
}

func (s *Server) linkedPatients(ctx context.Context, uid string) ([]string, error) {
	var ids []string
	profile, err := s.Accounts.Load(ctx, uid)
	if err == nil && profile.PatientID != "" {
		ids = append(ids, profile.PatientID)
	} else if err != nil && err != account.ErrNoProfile {
		return nil, err
	}
	bundle, err := s.FHIR.Search(ctx, "Patient", url.Values{"identifier": {account.PatientIdentifierSystem + "|" + uid}})
	if err != nil {
		return nil, err
	}
	for _, entry := range bundle.Entry {
		if id := resourceID(entry.Resource); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// markDone records a finished step. The job of a finished deletion stays.
func (s *Server) markDone(ctx context.Context, j *job, name string) error {
	if !slices.Contains(j.record.CompletedSteps, name) {
		j.record.CompletedSteps = append(j.record.CompletedSteps, name)
	}
	_, err := s.jobRef(j.uid).Update(ctx, []firestore.Update{
		{Path: "completedSteps", Value: firestore.ArrayUnion(name)},
		{Path: "fhirResources", Value: j.record.FHIRResources},
	})
	if err != nil {
		return fmt.Errorf("record deletion step %s: %w", name, err)
	}
	return nil
}
