package eventfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// pushBody is a push request as Pub/Sub sends it, with the snake_case
// duplicates and the delivery attempt that a dead-letter policy adds.
const pushBody = `{
  "message": {
    "data": "eyJoZWxsbyI6IndvcmxkIn0=",
    "attributes": {"action": "CreateResource"},
    "messageId": "4711",
    "message_id": "4711",
    "publishTime": "2026-03-01T10:00:00.123Z",
    "publish_time": "2026-03-01T10:00:00.123Z"
  },
  "subscription": "projects/demo-ihep/subscriptions/smooth-vitals",
  "deliveryAttempt": 2
}`

// structuredBody is a Pub/Sub message as the runner and Eventarc send it: a
// structured-mode CloudEvent whose data is the push request.
const structuredBody = `{
  "specversion": "1.0",
  "id": "4711",
  "type": "google.cloud.pubsub.topic.v1.messagePublished",
  "source": "//pubsub.googleapis.com/projects/demo-ihep/topics/fhir-changes",
  "time": "2026-03-01T10:00:00.123Z",
  "datacontenttype": "application/json",
  "data": {"message": {"data": "eyJoZWxsbyI6IndvcmxkIn0=", "messageId": "4711"}, "subscription": "projects/demo-ihep/subscriptions/smooth-vitals"}
}`

func newRequest(method, path, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// decode runs FromRequest on r and fails the test on an error.
func decode(t *testing.T, r *http.Request) event.Event {
	t.Helper()
	e, err := FromRequest(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatalf("FromRequest() = %v, want an event", err)
	}
	return e
}

// messageOf decodes the Pub/Sub message in the data of e as the event
// functions do.
func messageOf(t *testing.T, e event.Event) (data string, attributes map[string]string, id string) {
	t.Helper()
	var push struct {
		Message struct {
			Data       []byte            `json:"data"`
			Attributes map[string]string `json:"attributes"`
			MessageID  string            `json:"messageId"`
		} `json:"message"`
	}
	if err := json.Unmarshal(e.Data(), &push); err != nil {
		t.Fatalf("decode event data: %v", err)
	}
	return string(push.Message.Data), push.Message.Attributes, push.Message.MessageID
}

func TestFromRequestBinaryMode(t *testing.T) {
	t.Parallel()
	r := newRequest(http.MethodPost, "/smooth-vitals", "application/json", `{"message":{"data":"eyJoZWxsbyI6IndvcmxkIn0=","messageId":"4711"}}`)
	r.Header.Set("Ce-Specversion", "1.0")
	r.Header.Set("Ce-Id", "4711")
	r.Header.Set("Ce-Type", PubSubEventType)
	r.Header.Set("Ce-Source", PubSubSourcePrefix+"projects/demo-ihep/topics/fhir-changes")
	r.Header.Set("Ce-Time", "2026-03-01T10:00:00Z")

	e := decode(t, r)

	if e.ID() != "4711" {
		t.Errorf("id = %q, want 4711", e.ID())
	}
	if e.Type() != PubSubEventType {
		t.Errorf("type = %q, want %q", e.Type(), PubSubEventType)
	}
	if want := PubSubSourcePrefix + "projects/demo-ihep/topics/fhir-changes"; e.Source() != want {
		t.Errorf("source = %q, want %q", e.Source(), want)
	}
	if want := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC); !e.Time().Equal(want) {
		t.Errorf("time = %v, want %v", e.Time(), want)
	}
	if data, _, _ := messageOf(t, e); data != `{"hello":"world"}` {
		t.Errorf("message data = %q, want the published bytes", data)
	}
}

func TestFromRequestStructuredMode(t *testing.T) {
	t.Parallel()
	for _, contentType := range []string{"application/cloudevents+json", "application/cloudevents+json; charset=utf-8"} {
		t.Run(contentType, func(t *testing.T) {
			t.Parallel()
			e := decode(t, newRequest(http.MethodPost, "/smooth-vitals", contentType, structuredBody))

			if e.ID() != "4711" {
				t.Errorf("id = %q, want 4711", e.ID())
			}
			if want := PubSubSourcePrefix + "projects/demo-ihep/topics/fhir-changes"; e.Source() != want {
				t.Errorf("source = %q, want %q", e.Source(), want)
			}
			data, _, id := messageOf(t, e)
			if data != `{"hello":"world"}` {
				t.Errorf("message data = %q, want the published bytes", data)
			}
			if id != "4711" {
				t.Errorf("message id = %q, want 4711", id)
			}
		})
	}
}

func TestFromRequestPushRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		path       string
		wantSource string
	}{
		{"topic path", "/projects/demo-ihep/topics/fhir-changes", PubSubSourcePrefix + "projects/demo-ihep/topics/fhir-changes"},
		{"function name before topic", "/smooth-vitals/projects/demo-ihep/topics/fhir-changes", PubSubSourcePrefix + "projects/demo-ihep/topics/fhir-changes"},
		{"no topic in path", "/", PubSubSourcePrefix + "projects/demo-ihep/subscriptions/smooth-vitals"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := decode(t, newRequest(http.MethodPost, tc.path, "application/json", pushBody))

			if e.ID() != "4711" {
				t.Errorf("id = %q, want the message id 4711", e.ID())
			}
			if e.Type() != PubSubEventType {
				t.Errorf("type = %q, want %q", e.Type(), PubSubEventType)
			}
			if e.Source() != tc.wantSource {
				t.Errorf("source = %q, want %q", e.Source(), tc.wantSource)
			}
			if want := time.Date(2026, 3, 1, 10, 0, 0, 123e6, time.UTC); !e.Time().Equal(want) {
				t.Errorf("time = %v, want the publish time %v", e.Time(), want)
			}
			if e.DataContentType() != event.ApplicationJSON {
				t.Errorf("data content type = %q, want %q", e.DataContentType(), event.ApplicationJSON)
			}
			if !bytes.Equal(e.Data(), []byte(pushBody)) {
				t.Errorf("data = %s, want the push request", e.Data())
			}
			data, attributes, id := messageOf(t, e)
			if data != `{"hello":"world"}` {
				t.Errorf("message data = %q, want the published bytes", data)
			}
			if diff := cmp.Diff(map[string]string{"action": "CreateResource"}, attributes); diff != "" {
				t.Errorf("attributes (-want +got):\n%s", diff)
			}
			if id != "4711" {
				t.Errorf("message id = %q, want 4711", id)
			}
			if err := e.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestFromRequestRejectsNonEvents(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		contentType string
		headers     map[string]string
		body        string
		wantStatus  int
		wantCode    string
	}{
		{"empty body", "application/json", nil, "", 400, "not_an_event"},
		{"not JSON", "text/plain", nil, "hello, function", 400, "not_an_event"},
		{"JSON array", "application/json", nil, `[1, 2]`, 400, "not_an_event"},
		{"JSON without message", "application/json", nil, `{"subscription": "projects/p/subscriptions/s"}`, 400, "not_an_event"},
		{"message without id", "application/json", nil, `{"message": {"data": "e30="}}`, 400, "not_an_event"},
		{"message data not base64", "application/json", nil, `{"message": {"data": "not base64!", "messageId": "1"}}`, 400, "not_an_event"},
		{"message is a string", "application/json", nil, `{"message": "hello"}`, 400, "not_an_event"},
		{"structured event not JSON", "application/cloudevents+json", nil, `{"specversion": "1.0", "id": `, 400, "invalid_cloud_event"},
		{"structured event without id", "application/cloudevents+json", nil, `{"specversion": "1.0", "type": "t", "source": "//s"}`, 400, "invalid_cloud_event"},
		{"structured event of unknown version", "application/cloudevents+json", nil, `{"specversion": "9.9", "id": "1", "type": "t", "source": "//s"}`, 400, "invalid_cloud_event"},
		{"structured batch", "application/cloudevents-batch+json", nil, `[` + structuredBody + `]`, 400, "invalid_cloud_event"},
		{"binary event without source", "application/json", map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "1", "Ce-Type": "t"}, `{}`, 400, "invalid_cloud_event"},
		{"binary event of unknown version", "application/json", map[string]string{"Ce-Specversion": "0.1", "Ce-Id": "1"}, `{}`, 400, "not_an_event"},
		{"too large", "application/json", nil, `{"message": {"data": "` + strings.Repeat("A", MaxBody) + `", "messageId": "1"}}`, 413, "body_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRequest(http.MethodPost, "/projects/p/topics/t", tc.contentType, tc.body)
			for name, value := range tc.headers {
				r.Header.Set(name, value)
			}

			_, err := FromRequest(httptest.NewRecorder(), r)

			var apiErr *httpapi.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("FromRequest() = %v, want an *httpapi.Error", err)
			}
			if apiErr.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d", apiErr.Status, tc.wantStatus)
			}
			if apiErr.Code != tc.wantCode {
				t.Errorf("code = %q, want %q", apiErr.Code, tc.wantCode)
			}
		})
	}
}

// serveOnce serves one request through a handler built around fn and
// returns the response and the handler's log output.
func serveOnce(t *testing.T, fn Func, r *http.Request) (*httptest.ResponseRecorder, string) {
	t.Helper()
	var logs bytes.Buffer
	h := newHandler("test-events", fn, logging.New(&logs, "debug"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, logs.String()
}

func TestHandlerStatusFollowsFunction(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		fn         Func
		wantStatus int
	}{
		{"handled", func(context.Context, event.Event) error { return nil }, http.StatusNoContent},
		{"failed", func(context.Context, event.Event) error { return errors.New("read observation: unavailable") }, http.StatusInternalServerError},
		{"panicked", func(context.Context, event.Event) error { panic("nil map") }, http.StatusInternalServerError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, _ := serveOnce(t, tc.fn, newRequest(http.MethodPost, "/projects/p/topics/t", "application/cloudevents+json", structuredBody))
			if w.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", w.Code, tc.wantStatus, w.Body)
			}
		})
	}
}

func TestHandlerLogsFailureWithEventID(t *testing.T) {
	t.Parallel()
	fail := func(context.Context, event.Event) error { return errors.New("read observation: unavailable") }

	w, logs := serveOnce(t, fail, newRequest(http.MethodPost, "/projects/p/topics/t", "application/cloudevents+json", structuredBody))

	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	if !strings.Contains(logs, "handle event 4711: read observation: unavailable") {
		t.Errorf("logs = %s, want the event id and the error", logs)
	}
	if strings.Contains(w.Body.String(), "read observation") {
		t.Errorf("response body = %s, want no internal error text", w.Body)
	}
}

func TestHandlerRejectsNonEventWithoutCalling(t *testing.T) {
	t.Parallel()
	const phi = "heart rate 212 for Jane Doe"
	cases := []struct {
		name        string
		method      string
		contentType string
		body        string
		wantStatus  int
	}{
		{"text body", http.MethodPost, "text/plain", phi, http.StatusBadRequest},
		{"JSON without message", http.MethodPost, "application/json", `{"note": "` + phi + `"}`, http.StatusBadRequest},
		{"broken structured event", http.MethodPost, "application/cloudevents+json", `{"specversion": "1.0", "data": "` + phi, http.StatusBadRequest},
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			called := false
			fn := func(context.Context, event.Event) error { called = true; return nil }

			w, logs := serveOnce(t, fn, newRequest(tc.method, "/projects/p/topics/t", tc.contentType, tc.body))

			if w.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if called {
				t.Error("the function was called for a request that is not an event")
			}
			if !strings.Contains(logs, "request rejected") {
				t.Errorf("logs = %s, want the rejection logged", logs)
			}
			if strings.Contains(logs, "Jane") || strings.Contains(w.Body.String(), "Jane") {
				t.Errorf("the request body reached the logs or the response:\nlogs: %s\nbody: %s", logs, w.Body)
			}
		})
	}
}
