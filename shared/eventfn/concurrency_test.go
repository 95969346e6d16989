package eventfn

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"
)

// Functions served by the concurrency tests, both with a deliveryRecorder:
// one registered with Register and one with the Functions Framework's own
// functions.CloudEvent, to show the failure that Register avoids.
const (
	registeredFunction  = "eventfn-test-register"
	sdkReceiverFunction = "eventfn-test-sdk-receiver"
)

// Shape of the concurrent delivery: how many bursts of how many messages,
// how many requests at once, and how many messages per abandoned one. With
// these values, functions.CloudEvent hung in 19 of 20 runs on a 2-core
// machine, and Register in none of 10.
const (
	deliveryRounds      = 2
	deliveryMessages    = 3000
	deliveryConcurrency = 64
	abandonEvery        = 4
	// abandonAfter is how long a client that gives up waits first.
	abandonAfter = 30 * time.Millisecond
	// hangTimeout is how long a request may take before it counts as hung.
	// Every handler call returns within milliseconds.
	hangTimeout = 5 * time.Second
)

var (
	registeredRecorder  = newDeliveryRecorder()
	sdkReceiverRecorder = newDeliveryRecorder()

	serveOnceForTests sync.Once
	serveAddress      string
)

func init() {
	Register(registeredFunction, registeredRecorder.handle)
	functions.CloudEvent(sdkReceiverFunction, sdkReceiverRecorder.handle)
}

// deliveryRecorder is an event function that records each call. Messages
// whose id starts with "abandoned-" wait until their request's context ends,
// as slow work does when the client gives up; others return at once.
type deliveryRecorder struct {
	mu sync.Mutex
	// calls counts the calls per event id.
	calls map[string]int
	// endedOnArrival lists the events whose call got a context that had
	// already ended.
	endedOnArrival []string
	// foreignContext lists the events whose call got a context carrying
	// another request's execution id.
	foreignContext []string
	// withoutExecutionID counts the calls whose context carries no
	// execution id, which the framework adds to HTTP functions only.
	withoutExecutionID int
}

func newDeliveryRecorder() *deliveryRecorder {
	return &deliveryRecorder{calls: map[string]int{}}
}

func (d *deliveryRecorder) handle(ctx context.Context, e event.Event) error {
	d.mu.Lock()
	d.calls[e.ID()]++
	if ctx.Err() != nil {
		d.endedOnArrival = append(d.endedOnArrival, e.ID())
	}
	switch executionID := funcframework.ExecutionIDFromContext(ctx); executionID {
	case "":
		d.withoutExecutionID++
	case e.ID():
	default:
		d.foreignContext = append(d.foreignContext, e.ID())
	}
	d.mu.Unlock()

	if !strings.HasPrefix(e.ID(), "abandoned-") {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * hangTimeout):
		return fmt.Errorf("context of abandoned event %s did not end", e.ID())
	}
}

// startServer serves the registered functions through the Functions
// Framework, once per test binary, because a function registers only once.
func startServer(t *testing.T) string {
	t.Helper()
	serveOnceForTests.Do(func() {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
		listener.Close()
		go func() { _ = funcframework.StartHostPort("127.0.0.1", port) }()
		serveAddress = "127.0.0.1:" + port
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", serveAddress)
		if err == nil {
			conn.Close()
			return serveAddress
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Functions Framework is not serving at %s: %v", serveAddress, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deliveryResult is what the client saw for one message.
type deliveryResult struct {
	id     string
	status int
	err    error
}

// postEvent posts one binary-mode CloudEvent with the given id, tagging the
// request with the same execution id, and gives up after timeout.
func postEvent(client *http.Client, url, id string, timeout time.Duration) deliveryResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"message":{"messageId":"`+id+`"}}`))
	if err != nil {
		return deliveryResult{id: id, err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Id", id)
	req.Header.Set("Ce-Type", PubSubEventType)
	req.Header.Set("Ce-Source", PubSubSourcePrefix+"projects/demo-ihep/topics/eventfn-test")
	req.Header.Set("Function-Execution-Id", id)
	resp, err := client.Do(req)
	if err != nil {
		return deliveryResult{id: id, err: err}
	}
	resp.Body.Close()
	return deliveryResult{id: id, status: resp.StatusCode}
}

// deliverConcurrently posts deliveryRounds bursts of deliveryMessages events
// to function, deliveryConcurrency at once. The client of every
// abandonEvery-th message gives up within abandonAfter, mostly while its
// call is still running. After each burst one more event is posted on its
// own. It checks that no request hangs: every request the client kept gets
// a 2xx, and its message was handled exactly once with a live context of
// its own request.
func deliverConcurrently(t *testing.T, function string, recorder *deliveryRecorder) {
	t.Helper()
	url := "http://" + startServer(t) + "/" + function
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: deliveryConcurrency}}
	defer client.CloseIdleConnections()

	var ids []string
	for round := range deliveryRounds {
		burst := make([]string, deliveryMessages)
		for i := range burst {
			burst[i] = fmt.Sprintf("kept-%d-%d", round, i)
			if i%abandonEvery == 0 {
				burst[i] = fmt.Sprintf("abandoned-%d-%d", round, i)
			}
		}
		for _, result := range postConcurrently(client, url, burst) {
			if strings.HasPrefix(result.id, "kept-") {
				checkAnswered(t, result)
			}
		}
		probe := fmt.Sprintf("kept-%d-probe", round)
		checkAnswered(t, postEvent(client, url, probe, hangTimeout))
		ids = append(append(ids, burst...), probe)
	}

	recorder.mu.Lock()
	defer recorder.mu.Unlock()
	for _, id := range ids {
		calls := recorder.calls[id]
		switch {
		case strings.HasPrefix(id, "kept-") && calls != 1:
			t.Errorf("event %s was handled %d times, want exactly once", id, calls)
		case calls > 1:
			t.Errorf("abandoned event %s was handled %d times, want at most once", id, calls)
		}
	}
	for _, id := range recorder.endedOnArrival {
		if strings.HasPrefix(id, "kept-") {
			t.Errorf("event %s was handled with a context that had already ended, although its client waited", id)
		}
	}
	if len(recorder.foreignContext) > 0 {
		t.Errorf("%d events were handled with another request's context: %v", len(recorder.foreignContext), recorder.foreignContext)
	}
}

// postConcurrently posts an event for each id, deliveryConcurrency at once,
// and returns what the client saw. Abandoned events time out within
// abandonAfter, the others after hangTimeout.
func postConcurrently(client *http.Client, url string, ids []string) []deliveryResult {
	queue := make(chan string)
	results := make(chan deliveryResult, len(ids))
	var workers sync.WaitGroup
	for range deliveryConcurrency {
		workers.Go(func() {
			for id := range queue {
				timeout := hangTimeout
				if strings.HasPrefix(id, "abandoned-") {
					timeout = rand.N(abandonAfter)
				}
				results <- postEvent(client, url, id, timeout)
			}
		})
	}
	for _, id := range ids {
		queue <- id
	}
	close(queue)
	workers.Wait()
	close(results)

	var all []deliveryResult
	for result := range results {
		all = append(all, result)
	}
	return all
}

func checkAnswered(t *testing.T, result deliveryResult) {
	t.Helper()
	switch {
	case result.err != nil:
		t.Errorf("request of event %s failed: %v", result.id, result.err)
	case result.status < 200 || result.status > 299:
		t.Errorf("request of event %s answered %d, want a 2xx", result.id, result.status)
	}
}

func TestRegisterServesConcurrentDeliveries(t *testing.T) {
	deliverConcurrently(t, registeredFunction, registeredRecorder)

	registeredRecorder.mu.Lock()
	defer registeredRecorder.mu.Unlock()
	if registeredRecorder.withoutExecutionID > 0 {
		t.Errorf("%d calls got a context without the request's execution id, want the request's own context", registeredRecorder.withoutExecutionID)
	}
}

// TestSDKReceiverServesConcurrentDeliveries runs the same deliveries against
// functions.CloudEvent. It fails, because the SDK's receiver loses track of
// messages under concurrency, so it runs only when
// EVENTFN_TEST_SDK_RECEIVER=1 is set.
func TestSDKReceiverServesConcurrentDeliveries(t *testing.T) {
	if os.Getenv("EVENTFN_TEST_SDK_RECEIVER") != "1" {
		t.Skip("set EVENTFN_TEST_SDK_RECEIVER=1 to show the failure of functions.CloudEvent under concurrent deliveries")
	}
	deliverConcurrently(t, sdkReceiverFunction, sdkReceiverRecorder)
}
