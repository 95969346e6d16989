package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/vitalobs"
)

const (
	// cleanupTimeout bounds the whole cleanup, which runs even after an
	// interrupt.
	cleanupTimeout = 5 * time.Minute
	// cleanupQuietWait bounds the wait for an idle stack before deleting.
	cleanupQuietWait = time.Minute
	// deletesPerBundle is the number of deletes in one batch Bundle.
	deletesPerBundle = 200
)

// cleanUp deletes what the benchmark wrote: the Observations stored through
// the vitals function with their smoothed estimates, the users' Patients,
// profiles and accounts, and the scratch FHIR stores. Firestore's audit
// entries and rate-limit counters stay, as they do for every user.
func (s *stack) cleanUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()

	// A smoother still at work would write estimates of readings deleted
	// meanwhile, so wait until the stack is idle first.
	if !s.waitQuiet(ctx, cleanupQuietWait) {
		progress("the stack is still busy after %s: deleting anyway, so some smoothed estimates may remain", cleanupQuietWait)
	}
	var names []string
	for _, ids := range s.written {
		for _, id := range ids {
			names = append(names, id, vitalobs.SmoothedID(id))
		}
	}
	errs := []error{s.deleteObservations(ctx, names)}
	for _, user := range s.users {
		errs = append(errs, s.deleteUser(ctx, user))
	}
	for _, store := range s.stores {
		errs = append(errs, s.deleteStore(ctx, store))
	}
	return errors.Join(errs...)
}

// deleteObservations deletes Observations by id in batch Bundles. An id
// that is not found fails only its own entry and counts as deleted.
func (s *stack) deleteObservations(ctx context.Context, ids []string) error {
	start := time.Now()
	failed := 0
	for first := 0; first < len(ids); first += deletesPerBundle {
		chunk := ids[first:min(first+deletesPerBundle, len(ids))]
		entries := make([]map[string]any, len(chunk))
		for i, id := range chunk {
			entries[i] = map[string]any{"request": map[string]string{"method": "DELETE", "url": "Observation/" + id}}
		}
		resp, err := s.fhir.ExecuteBundle(ctx, map[string]any{"resourceType": "Bundle", "type": "batch", "entry": entries})
		if err != nil {
			return fmt.Errorf("delete Observations: %w", err)
		}
		for _, entry := range resp.Entry {
			if entry.Response == nil || !strings.HasPrefix(entry.Response.Status, "2") && !strings.HasPrefix(entry.Response.Status, "404") {
				failed++
			}
		}
	}
	progress("deleted %d raw and smoothed Observation ids in %.1f s", len(ids), time.Since(start).Seconds())
	if failed > 0 {
		return fmt.Errorf("%d of %d Observation deletes failed", failed, len(ids))
	}
	return nil
}

func (s *stack) deleteUser(ctx context.Context, user *benchUser) error {
	var errs []error
	if user.PatientID != "" {
		errs = append(errs, s.fhir.Delete(ctx, "Patient", user.PatientID))
	}
	if _, err := s.firestore.Collection(account.ProfilesCollection).Doc(user.UID).Delete(ctx); err != nil {
		errs = append(errs, fmt.Errorf("delete profile: %w", err))
	}
	if err := s.auth.DeleteUser(ctx, user.UID); err != nil {
		errs = append(errs, fmt.Errorf("delete user: %w", err))
	}
	return errors.Join(errs...)
}

// deleteStore drops a scratch store from the local engine, which keeps
// every store in memory until it stops.
func (s *stack) deleteStore(ctx context.Context, name string) error {
	url := strings.TrimSuffix(s.cfg.FHIREndpoint, "/") + "/v1/" + name
	status, _, err := s.send(ctx, http.MethodDelete, url, "", nil)
	if err != nil {
		return fmt.Errorf("delete FHIR store %s: %w", name, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("delete FHIR store %s: status %d", name, status)
	}
	return nil
}
