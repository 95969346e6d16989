package smoothvitals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/logging"
)

// queuesCollection holds one document per patient with pending work: the
// ids of raw Observations not yet smoothed and a lease naming the instance
// that smooths them. Ids only, never values or times.
const queuesCollection = "smoothingQueues"

// leaseTTL bounds how long a crashed instance blocks a patient's queue. It
// must stay below the subscription's ack deadline, so that the crashed
// holder's own redelivered message finds the lease expired and takes over.
const leaseTTL = 20 * time.Second

// drainBudget bounds how long one delivery keeps draining a queue that keeps
// filling. It stays well below the function's 120 s timeout in the manifest,
// so a drain never ends by being cut off mid-write.
const drainBudget = 45 * time.Second

// errDrainDeferred makes Pub/Sub redeliver the message, so the readings
// still queued when the budget ran out are smoothed by the next delivery.
var errDrainDeferred = errors.New("smoothing budget used up with readings still queued; deferred to the redelivery")

type queueDoc struct {
	Holder     string    `firestore:"holder"`
	LeaseUntil time.Time `firestore:"leaseUntil"`
	Pending    []string  `firestore:"pending"`
}

func (s *Smoother) queueRef(patientID string) *firestore.DocumentRef {
	sum := sha256.Sum256([]byte(s.cfg.FHIRStore + "|" + patientID))
	return s.firestore.Collection(queuesCollection).Doc(hex.EncodeToString(sum[:]))
}

// patientWork collects the readings of one patient that deliveries to this
// instance handed over while its worker was busy, with a channel per
// delivery for the outcome.
type patientWork struct {
	ids     []string
	waiters []chan error
}

// workTimeout bounds one worker round: a queue transaction and a drain.
const workTimeout = drainBudget + 30*time.Second

// enqueue hands a reading to this instance's worker for its patient,
// starting one if none runs, and waits until the reading is smoothed or is
// in the Firestore queue of another instance that holds the lease. Batching
// the deliveries of one instance keeps the queue document from becoming a
// point of contention: a 500-reading upload costs a few transactions, not
// 500.
func (s *Smoother) enqueue(ctx context.Context, patientID, rawID string) error {
	done := make(chan error, 1)
	s.mu.Lock()
	work, running := s.active[patientID]
	if !running {
		work = &patientWork{}
		s.active[patientID] = work
	}
	work.ids = append(work.ids, rawID)
	work.waiters = append(work.waiters, done)
	s.mu.Unlock()
	if !running {
		go s.work(context.WithoutCancel(ctx), patientID)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// work queues and drains the handed-over readings of one patient, round by
// round, until no delivery is waiting.
func (s *Smoother) work(ctx context.Context, patientID string) {
	for {
		s.mu.Lock()
		work := s.active[patientID]
		if len(work.ids) == 0 {
			delete(s.active, patientID)
			s.mu.Unlock()
			return
		}
		ids, waiters := work.ids, work.waiters
		work.ids, work.waiters = nil, nil
		s.mu.Unlock()

		roundCtx, cancel := context.WithTimeout(ctx, workTimeout)
		err := s.queueAndDrain(roundCtx, patientID, ids)
		cancel()
		for _, w := range waiters {
			w <- err
		}
	}
}

// queueAndDrain adds readings to their patient's Firestore queue. The
// caller that finds the lease free drains the queue. Every other caller
// returns at once, because the holder keeps draining until the queue is
// empty.
func (s *Smoother) queueAndDrain(ctx context.Context, patientID string, rawIDs []string) error {
	ref := s.queueRef(patientID)
	var holder bool
	err := s.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		doc, err := readQueue(tx, ref)
		if err != nil {
			return err
		}
		now := s.now()
		holder = doc.Holder == "" || !now.Before(doc.LeaseUntil)
		updates := map[string]any{"pending": firestore.ArrayUnion(toAny(rawIDs)...)}
		if holder {
			updates["holder"], updates["leaseUntil"] = s.holder, now.Add(leaseTTL)
		}
		return tx.Set(ref, updates, firestore.MergeAll)
	})
	if err != nil {
		return fmt.Errorf("enqueue readings: %w", err)
	}
	if !holder {
		return nil
	}
	return s.drain(ctx, patientID)
}

// drain smooths the queued readings batch by batch until none is left, then
// releases the lease. On failure, or when drainBudget is used up, it
// releases the lease and returns an error, so the message is redelivered
// and any instance can take over.
func (s *Smoother) drain(ctx context.Context, patientID string) error {
	ref := s.queueRef(patientID)
	deadline := s.now().Add(drainBudget)
	for {
		ids, err := s.claimBatch(ctx, ref)
		if err != nil || len(ids) == 0 {
			return err
		}
		if s.now().After(deadline) {
			s.release(context.WithoutCancel(ctx), ref)
			s.logger.Info("smoothing deferred", logging.KeyPatientID, patientID, logging.KeyCount, len(ids))
			return errDrainDeferred
		}
		start := s.now()
		if err := s.smooth(ctx, patientID, ids); err != nil {
			s.release(context.WithoutCancel(ctx), ref)
			return fmt.Errorf("smooth patient readings: %w", err)
		}
		if err := s.recordSmoothed(ctx, patientID, ids); err != nil {
			s.release(context.WithoutCancel(ctx), ref)
			return fmt.Errorf("audit smoothed readings: %w", err)
		}
		if _, err := ref.Update(ctx, []firestore.Update{{Path: "pending", Value: firestore.ArrayRemove(toAny(ids)...)}}); err != nil {
			s.release(context.WithoutCancel(ctx), ref)
			return fmt.Errorf("remove smoothed readings from queue: %w", err)
		}
		s.logger.Info("readings smoothed", logging.KeyPatientID, patientID, logging.KeyCount, len(ids), logging.KeyDurationMS, s.now().Sub(start).Milliseconds())
	}
}

// claimBatch renews the lease and returns the pending ids, or deletes the
// queue document and returns none when nothing is pending. It returns none
// too when another instance took the lease over.
func (s *Smoother) claimBatch(ctx context.Context, ref *firestore.DocumentRef) ([]string, error) {
	var ids []string
	err := s.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		ids = nil
		doc, err := readQueue(tx, ref)
		if err != nil || doc.Holder != s.holder {
			return err
		}
		if len(doc.Pending) == 0 {
			return tx.Delete(ref)
		}
		ids = doc.Pending
		return tx.Update(ref, []firestore.Update{{Path: "leaseUntil", Value: s.now().Add(leaseTTL)}})
	})
	if err != nil {
		return nil, fmt.Errorf("claim queued readings: %w", err)
	}
	return ids, nil
}

func (s *Smoother) release(ctx context.Context, ref *firestore.DocumentRef) {
	_, err := ref.Update(ctx, []firestore.Update{{Path: "leaseUntil", Value: time.Time{}}})
	if err != nil && status.Code(err) != codes.NotFound {
		s.logger.Error("could not release smoothing lease; it expires on its own", logging.KeyError, err.Error())
	}
}

func readQueue(tx *firestore.Transaction, ref *firestore.DocumentRef) (queueDoc, error) {
	var doc queueDoc
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return doc, nil
	}
	if err != nil {
		return doc, err
	}
	return doc, snap.DataTo(&doc)
}

func toAny(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
