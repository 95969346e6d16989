package appointments

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/testenv"
)

// Rounds and requests per round of the concurrency tests, sent across
// several server instances that share Firestore and the FHIR store.
const (
	concurrentRounds   = 5
	concurrentRequests = 8
	instanceCount      = 3
)

// dayAt returns a time the given number of days ahead at the given UTC hour.
func dayAt(days, hour int) time.Time {
	d := time.Now().UTC().AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, time.UTC)
}

// concurrently sends n requests at the same moment, request i to instance
// i modulo the number of instances, and returns the responses in order.
func concurrently(instances []*Server, n int, send func(i int, server *Server) response) []response {
	results := make([]response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = send(i, instances[i%len(instances)])
		})
	}
	close(start)
	wg.Wait()
	return results
}

func (h *harness) instances(n int) []*Server {
	out := []*Server{h.server}
	for len(out) < n {
		out = append(out, h.newInstance())
	}
	return out
}

// scheduledBetween lists the ids of the user's scheduled appointments that
// start in [from, to).
func (h *harness) scheduledBetween(token string, from, to time.Time) []string {
	h.t.Helper()
	query := fmt.Sprintf("?status=scheduled&from=%s&to=%s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	var ids []string
	for _, a := range h.do(http.MethodGet, query, token, nil, nil).list().Appointments {
		ids = append(ids, a.ID)
	}
	return ids
}

// onlyOneWins checks that exactly one of the concurrent requests got
// success and every other one 409 overlap, and returns the winners' ids.
func onlyOneWins(t *testing.T, label string, results []response, success int) []string {
	t.Helper()
	var won []string
	for i, got := range results {
		switch {
		case got.status == success:
			won = append(won, got.str("id"))
		case got.status != http.StatusConflict || got.code() != "overlap":
			t.Errorf("%s %d = %d %s, want %d or 409 overlap", label, i, got.status, got.raw, success)
		}
	}
	if len(won) != 1 {
		t.Errorf("%s: %d of %d overlapping requests succeeded, want exactly 1", label, len(won), len(results))
	}
	return won
}

// assertLeaseReleased fails the test when the patient's lease document
// still exists after every request returned.
func (h *harness) assertLeaseReleased(patientID string) {
	h.t.Helper()
	_, err := h.server.leaseRef(patientID).Get(context.Background())
	if status.Code(err) != codes.NotFound {
		h.t.Errorf("lease document after the requests: err = %v, want NotFound", err)
	}
}

func TestConcurrentOverlappingBookings(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	instances := h.instances(instanceCount)

	for round := range concurrentRounds {
		base := dayAt(3, 2+3*round)
		results := concurrently(instances, concurrentRequests, func(i int, server *Server) response {
			kind := []string{"telehealth", "in-person"}[i%2]
			// Every pair overlaps: starts 5 minutes apart, each 60 minutes long.
			body := h.request(base.Add(time.Duration(5*i)*time.Minute), 60, kind)
			var header map[string]string
			if i%2 == 1 {
				header = map[string]string{"Idempotency-Key": fmt.Sprintf("round-%d-booking-%d", round, i)}
			}
			return h.doOn(server, http.MethodPost, "", user.Token, body, header)
		})

		won := onlyOneWins(t, fmt.Sprintf("round %d booking", round), results, http.StatusCreated)
		stored := h.scheduledBetween(user.Token, base, base.Add(time.Hour))
		if fmt.Sprint(stored) != fmt.Sprint(won) {
			t.Errorf("round %d: stored %v, want only the winner %v", round, stored, won)
		}
	}
	h.assertLeaseReleased(user.PatientID)
}

func TestConcurrentOverlappingReschedules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	instances := h.instances(instanceCount)

	for round := range concurrentRounds {
		day := 4 + round
		booked := make([]response, concurrentRequests)
		for i := range booked {
			booked[i] = h.book(user.Token, dayAt(day, 1+i), 30, []string{"telehealth", "in-person"}[i%2])
		}
		target := dayAt(day, 18)
		results := concurrently(instances, concurrentRequests, func(i int, server *Server) response {
			body := map[string]any{"start": target.Format(time.RFC3339), "end": target.Add(time.Hour).Format(time.RFC3339)}
			header := map[string]string{"If-Match": booked[i].str("version")}
			return h.doOn(server, http.MethodPatch, "?id="+booked[i].str("id"), user.Token, body, header)
		})

		won := onlyOneWins(t, fmt.Sprintf("round %d reschedule", round), results, http.StatusOK)
		stored := h.scheduledBetween(user.Token, target, target.Add(time.Hour))
		if fmt.Sprint(stored) != fmt.Sprint(won) {
			t.Errorf("round %d: the slot holds %v, want only the winner %v", round, stored, won)
		}
		if n := len(h.scheduledBetween(user.Token, dayAt(day, 0), dayAt(day+1, 0))); n != concurrentRequests {
			t.Errorf("round %d: %d scheduled appointments on the day, want %d (the losers keep their time)", round, n, concurrentRequests)
		}
	}
	h.assertLeaseReleased(user.PatientID)
}

func TestConcurrentIdempotentRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	body := h.request(dayAt(3, 9), 30, "telehealth")
	key := map[string]string{"Idempotency-Key": "booking-sent-eight-times"}

	results := concurrently(h.instances(instanceCount), concurrentRequests, func(_ int, server *Server) response {
		return h.doOn(server, http.MethodPost, "", user.Token, body, key)
	})
	created, ids := 0, map[string]bool{}
	for i, got := range results {
		switch got.status {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("retry %d = %d %s, want 201 or 200", i, got.status, got.raw)
		}
		ids[got.str("id")] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d created and %d distinct ids over %d retries, want 1 and 1", created, len(ids), concurrentRequests)
	}
	if n := len(h.do(http.MethodGet, "", user.Token, nil, nil).list().Appointments); n != 1 {
		t.Errorf("%d appointments stored, want 1", n)
	}
}

func TestHeldLeaseAnswersBusy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.server.lease.wait = 300 * time.Millisecond
	// Another instance is in the middle of a booking for this patient.
	ref := h.server.leaseRef(user.PatientID)
	if _, err := ref.Create(context.Background(), lease{ExpireAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("create lease: %v", err)
	}

	busy := h.do(http.MethodPost, "", user.Token, h.request(dayAt(3, 9), 30, "telehealth"), nil)
	if busy.status != http.StatusServiceUnavailable || busy.code() != "appointments_busy" {
		t.Errorf("booking under a held lease = %d %s, want 503 appointments_busy", busy.status, busy.raw)
	}
	if got := busy.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2", got)
	}
	if group := h.do(http.MethodPost, "", user.Token, h.request(dayAt(3, 9), 30, "group"), nil); group.status != http.StatusCreated {
		t.Errorf("group booking under a held lease = %d %s, want 201 (groups overlap anything)", group.status, group.raw)
	}

	if _, err := ref.Delete(context.Background()); err != nil {
		t.Fatalf("delete lease: %v", err)
	}
	h.book(user.Token, dayAt(3, 9), 30, "telehealth")
}

func TestExpiredLeaseTakenOver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.server.lease = leaseTiming{ttl: time.Second, hold: 500 * time.Millisecond, wait: 5 * time.Second}
	// An instance crashed while it held the patient's lease.
	if _, err := h.server.leaseRef(user.PatientID).Create(context.Background(), lease{ExpireAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("create lease: %v", err)
	}

	h.book(user.Token, dayAt(3, 9), 30, "telehealth")
	h.assertLeaseReleased(user.PatientID)
}
