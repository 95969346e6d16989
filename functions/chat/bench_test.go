package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/ratelimit"
	"github.com/ihep/backend/shared/testenv"
)

// BenchmarkChatOverhead measures the function's own time per request with
// one tool round trip: the request's total time minus the time spent waiting
// on the model server. That covers the token check, the rate limit, the
// profile read, the appointments tool on the FHIR engine and Firestore, the
// audit entry and the SDK's encoding. It prints p50 and p95.
//
//	go test ./functions/chat -run '^$' -bench ChatOverhead
func BenchmarkChatOverhead(b *testing.B) {
	testenv.Require(b)
	model := newFakeModel(b)
	waits := &waitClock{}
	cfg := Config{Base: testenv.Config(b), VertexLocation: "us-central1", VertexEndpoint: model.server.URL, Model: DefaultModel, ModelBudget: 30 * time.Second}
	server, err := newServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), waits)
	if err != nil {
		b.Fatal(err)
	}
	// The benchmark sends far more than the per-user limit. The limiter
	// still runs its Firestore transaction on every request.
	server.rule = ratelimit.Rule{Name: "chat-benchmark", Limit: 1 << 30, Window: time.Hour}
	user := testenv.NewUser(b, cfg.Base)
	providerID := "bench-" + testenv.UniqueID(b)
	if _, err := server.Firestore.Doc("providers/"+providerID).Set(context.Background(), map[string]any{"name": "Dr. Bench", "specialty": "Cardiology", "active": true}); err != nil {
		b.Fatal(err)
	}
	seedBenchAppointments(b, server, user.PatientID, providerID)
	body, err := json.Marshal(chatRequest{Messages: []chatMessage{{Role: roleUser, Content: "When is my next appointment?"}}})
	if err != nil {
		b.Fatal(err)
	}

	var overheads, totals []time.Duration
	b.ResetTimer()
	for b.Loop() {
		model.reply(callReply(toolAppointments, nil), textReply("Your next appointment is soon."))
		waits.reset()
		r := httptest.NewRequest(http.MethodPost, "/chat", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+user.Token)
		w := httptest.NewRecorder()
		started := time.Now()
		server.Handler().ServeHTTP(w, r)
		total := time.Since(started)
		if w.Code != http.StatusOK {
			b.Fatalf("status = %d: %s", w.Code, w.Body)
		}
		totals = append(totals, total)
		overheads = append(overheads, total-waits.total())
	}
	b.StopTimer()

	b.ReportMetric(ms(percentile(overheads, 50)), "overhead-p50-ms")
	b.ReportMetric(ms(percentile(overheads, 95)), "overhead-p95-ms")
	fmt.Printf("chat overhead per request (total minus model wait), %d requests: p50 %.2f ms, p95 %.2f ms; total p50 %.2f ms, p95 %.2f ms\n",
		len(overheads), ms(percentile(overheads, 50)), ms(percentile(overheads, 95)), ms(percentile(totals, 50)), ms(percentile(totals, 95)))
}

func seedBenchAppointments(b *testing.B, server *Server, patientID, providerID string) {
	for i := range 3 {
		resource := map[string]any{
			"resourceType":    "Appointment",
			"status":          "booked",
			"appointmentType": map[string]any{"coding": []any{map[string]any{"system": appointmentTypeSystem, "code": "telehealth"}}},
			"start":           time.Now().Add(time.Duration(i+1) * 24 * time.Hour).UTC().Format(time.RFC3339),
			"participant": []any{
				map[string]any{"actor": map[string]any{"reference": "Patient/" + patientID}, "status": "accepted"},
				map[string]any{"actor": map[string]any{"identifier": map[string]any{"system": providerIDSystem, "value": providerID}}, "status": "accepted"},
			},
		}
		if _, _, err := server.FHIR.Create(context.Background(), "Appointment", resource, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// waitClock is the model client's transport. It adds up the time from
// sending each request until its response body is read to the end or
// closed, which is the time spent waiting on the model server.
type waitClock struct {
	mu     sync.Mutex
	waited time.Duration
}

func (c *waitClock) RoundTrip(r *http.Request) (*http.Response, error) {
	started := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		c.add(time.Since(started))
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, started: started, clock: c}
	return resp, nil
}

func (c *waitClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waited += d
}

func (c *waitClock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waited = 0
}

func (c *waitClock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waited
}

type timedBody struct {
	io.ReadCloser
	started time.Time
	clock   *waitClock
	once    sync.Once
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.stop()
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.stop()
	return b.ReadCloser.Close()
}

func (b *timedBody) stop() {
	b.once.Do(func() { b.clock.add(time.Since(b.started)) })
}

func percentile(values []time.Duration, p int) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[(len(sorted)-1)*p/100]
}

func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
