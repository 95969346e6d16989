package appointments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// The overlap check (a FHIR search) and the write that follows it (a FHIR
// create or update) are two requests to the store, so two bookings of one
// patient sent at once could both pass the check. A short lease per patient
// in Firestore makes check and write one critical section:
//
//   - The lease is a document whose id is a hash of the FHIR store and the
//     patient id. Firestore's create fails when the document exists, so at
//     most one request holds it.
//   - A lease expires ttl after it was written, measured by Firestore's
//     own clock (read time minus update time), so a crashed instance blocks
//     the patient for ttl at most and instance clocks do not matter.
//     A request that finds an expired lease deletes it with a precondition
//     on its update time, so only one request takes over a given lease.
//   - The holder runs its check and write under a deadline of hold,
//     counted from before it sent the create. The lease was written after
//     that instant, so the holder is done well before the lease can expire.
//   - The holder deletes the lease after the write, again with a
//     precondition, so it never deletes a lease that another request took.
//
// NOTE: mutual exclusion assumes that the FHIR store applies a write within
// ttl minus hold (20 s by default) of the cancellation of the request that
// sent it, and that a search returns every write that completed before it.
// The local engine meets both; the Healthcare API documents neither.
const (
	// leasesCollection holds the appointment leases: no fields but expireAt.
	leasesCollection = "appointmentLeases"
	// leaseCleanupAfter sets expireAt, for the TTL policy that deletes
	// leases left behind by crashed instances. Validity uses the lease's
	// ttl only.
	leaseCleanupAfter = 10 * time.Minute
	// minPause and maxPause bound the wait between two attempts to take a
	// held lease. The pause doubles from minPause and is jittered by ±50 %,
	// so waiting requests do not retry in step.
	minPause = 20 * time.Millisecond
	maxPause = 400 * time.Millisecond
)

// leaseTiming holds the durations of the patient lease.
type leaseTiming struct {
	// ttl is how long a lease stays valid when its holder never releases it.
	ttl time.Duration
	// hold bounds the holder's check and write, including the create of
	// the lease itself. It must stay well below ttl.
	hold time.Duration
	// wait bounds how long a request waits for another request's lease
	// before it returns 503 appointments_busy.
	wait time.Duration
}

// defaultLeaseTiming fits the function's 30 s timeout: a request waits
// 10 s at most and then holds the lease for 10 s at most.
var defaultLeaseTiming = leaseTiming{ttl: 30 * time.Second, hold: 10 * time.Second, wait: 10 * time.Second}

// errBusy is the response to a request that waited s.lease.wait for another
// change to the patient's appointments. A retry normally succeeds, so it is
// a 503.
var errBusy = &httpapi.Error{
	Status:     http.StatusServiceUnavailable,
	Code:       "appointments_busy",
	Message:    "Another change to your appointments is in progress. Please retry in a few seconds.",
	RetryAfter: 2 * time.Second,
}

// lease is the Firestore document of a held lease.
type lease struct {
	ExpireAt time.Time `firestore:"expireAt"`
}

func (s *Server) leaseRef(patientID string) *firestore.DocumentRef {
	sum := sha256.Sum256([]byte(s.Config.FHIRStore + "|" + patientID))
	return s.Firestore.Collection(leasesCollection).Doc(hex.EncodeToString(sum[:]))
}

// withPatientLease runs critical while it holds the patient's lease, with a
// context that ends after s.lease.hold. It waits for a lease another request
// holds, up to s.lease.wait or ctx's deadline, and returns errBusy after that.
func (s *Server) withPatientLease(ctx context.Context, patientID string, critical func(ctx context.Context) error) error {
	ref := s.leaseRef(patientID)
	giveUp := time.Now().Add(s.lease.wait)
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(giveUp) {
		giveUp = deadline
	}
	pause := minPause
	for {
		sent := time.Now()
		written, err := ref.Create(ctx, lease{ExpireAt: sent.Add(leaseCleanupAfter)})
		if err == nil {
			defer s.releaseLease(ctx, ref, written.UpdateTime)
			holdCtx, cancel := context.WithDeadline(ctx, sent.Add(s.lease.hold))
			defer cancel()
			return critical(holdCtx)
		}
		if status.Code(err) != codes.AlreadyExists {
			return httpapi.Unavailable(fmt.Errorf("create appointment lease: %w", err))
		}

		gone, err := s.breakExpiredLease(ctx, ref)
		if err != nil {
			return err
		}
		if gone {
			continue
		}
		jittered := time.Duration(float64(pause) * (0.5 + rand.Float64()))
		if time.Now().Add(jittered).After(giveUp) {
			return errBusy
		}
		if err := sleep(ctx, jittered); err != nil {
			return httpapi.Unavailable(err)
		}
		pause = min(2*pause, maxPause)
	}
}

// breakExpiredLease deletes the lease when it is older than s.lease.ttl, and
// reports whether the lease is gone, so that the caller retries at once.
func (s *Server) breakExpiredLease(ctx context.Context, ref *firestore.DocumentRef) (bool, error) {
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return true, nil
	}
	if err != nil {
		return false, httpapi.Unavailable(fmt.Errorf("read appointment lease: %w", err))
	}
	if snap.ReadTime.Sub(snap.UpdateTime) < s.lease.ttl {
		return false, nil
	}
	_, err = ref.Delete(ctx, firestore.LastUpdateTime(snap.UpdateTime))
	switch status.Code(err) {
	case codes.OK:
		logging.FromContext(ctx).Warn("expired appointment lease taken over", "lease_id", ref.ID)
		return true, nil
	case codes.FailedPrecondition, codes.NotFound:
		// Another request took it over or its holder released it.
		return true, nil
	default:
		return false, httpapi.Unavailable(fmt.Errorf("delete expired appointment lease: %w", err))
	}
}

// releaseLease deletes the lease written at updateTime. It runs even when
// the request was cancelled, since otherwise the patient waits s.lease.ttl.
func (s *Server) releaseLease(ctx context.Context, ref *firestore.DocumentRef, updateTime time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := ref.Delete(ctx, firestore.LastUpdateTime(updateTime))
	if err != nil {
		logging.FromContext(ctx).Error("failed to release appointment lease, which expires on its own", "lease_id", ref.ID, logging.KeyError, err.Error())
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
