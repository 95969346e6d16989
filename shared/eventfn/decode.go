package eventfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// MaxBody is the largest request body accepted. A Pub/Sub message carries
// at most 10 MB of data, which base64 turns into about 13.3 MB of a push
// request.
const MaxBody = 16 << 20

// Attributes of the CloudEvent that Eventarc makes of a Pub/Sub message.
const (
	PubSubEventType    = "google.cloud.pubsub.topic.v1.messagePublished"
	PubSubSourcePrefix = "//pubsub.googleapis.com/"
)

// topicPattern finds the topic named by a push endpoint's path, which may
// have a prefix: the function's name on the local runner.
var topicPattern = regexp.MustCompile(`projects/[^/]+/topics/[^/]+`)

// Client errors of FromRequest. The decoders' own error text is not logged,
// because some of it quotes the body.
var (
	errTooLarge     = httpapi.NewError(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than 16 MiB.")
	errUnreadable   = httpapi.NewError(http.StatusBadRequest, "unreadable_body", "The request body could not be read.")
	errNotAnEvent   = httpapi.NewError(http.StatusBadRequest, "not_an_event", "The request is neither a CloudEvent nor a Pub/Sub push request.")
	errInvalidEvent = httpapi.NewError(http.StatusBadRequest, "invalid_cloud_event", "The CloudEvent in the request could not be decoded.")
)

// pushRequest is the body Pub/Sub sends to a push endpoint. Pub/Sub adds
// fields that are not listed here (message_id, publish_time, orderingKey,
// deliveryAttempt), so unknown fields are allowed.
type pushRequest struct {
	Message *struct {
		Data        []byte            `json:"data"`
		Attributes  map[string]string `json:"attributes"`
		MessageID   string            `json:"messageId"`
		PublishTime time.Time         `json:"publishTime"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// FromRequest decodes the event in r: a CloudEvent in binary or structured
// mode, or a Pub/Sub push request. A push request becomes the CloudEvent
// that Eventarc makes of it. Its type is PubSubEventType, its id the message
// id, its source the topic named by the request path, its time the publish
// time and its data the push request itself. Every failure is a 4xx
// *httpapi.Error.
func FromRequest(w http.ResponseWriter, r *http.Request) (event.Event, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return event.Event{}, errTooLarge
		}
		return event.Event{}, errUnreadable
	}

	r.Body = io.NopCloser(bytes.NewReader(body))
	e, err := cehttp.NewEventFromHTTPRequest(r)
	switch {
	case errors.Is(err, binding.ErrUnknownEncoding):
		return fromPushRequest(r, body)
	case err != nil:
		return event.Event{}, errInvalidEvent
	}
	if err := e.Validate(); err != nil {
		return event.Event{}, &httpapi.Error{Status: http.StatusBadRequest, Code: errInvalidEvent.Code, Message: "The CloudEvent in the request lacks a required attribute or has an invalid one.", Err: err}
	}
	return *e, nil
}

// fromPushRequest builds the CloudEvent Eventarc makes of the Pub/Sub push
// request body.
func fromPushRequest(r *http.Request, body []byte) (event.Event, error) {
	var push pushRequest
	if err := json.Unmarshal(body, &push); err != nil || push.Message == nil || push.Message.MessageID == "" {
		return event.Event{}, errNotAnEvent
	}

	topic := topicPattern.FindString(r.URL.Path)
	if topic == "" {
		// The event functions do not read the source, so the message is
		// still handled. The subscription is the closest name of its origin.
		logging.FromContext(r.Context()).Warn("push endpoint path names no topic; the event's source is the subscription",
			"subscription", push.Subscription, logging.KeyMessageID, push.Message.MessageID)
		topic = push.Subscription
	}

	e := event.New()
	e.SetID(push.Message.MessageID)
	e.SetType(PubSubEventType)
	e.SetSource(PubSubSourcePrefix + topic)
	if !push.Message.PublishTime.IsZero() {
		e.SetTime(push.Message.PublishTime)
	}
	// The push request is valid JSON, so it becomes the data as it is
	// (SetData would mark a []byte as base64).
	e.SetDataContentType(event.ApplicationJSON)
	e.DataEncoded = body
	return e, nil
}
