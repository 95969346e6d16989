// Package eventfn serves the event functions, which Pub/Sub triggers, as
// plain HTTP functions of the Functions Framework. Each request is decoded
// into a CloudEvent and handled with its own context, and its outcome is
// written to its own response.
//
// The framework's own functions.CloudEvent (functions-framework-go v1.9.2)
// serves through the CloudEvents SDK's EventReceiver (sdk-go v2.16.2), which
// passes every request's message through one channel that all requests
// share. A request whose goroutine gives up before taking a message leaves
// the next message blocked on that channel until a later request arrives,
// so a function that serves concurrent requests can stall and then handle
// every message one request late.
package eventfn

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
)

// Func handles one event. It returns nil when the event is handled or can
// never succeed (after logging why), and an error to have it delivered
// again.
type Func func(ctx context.Context, e event.Event) error

// Register registers fn with the Functions Framework as the HTTP function
// name, served by Handler.
func Register(name string, fn Func) {
	functions.HTTP(name, Handler(name, fn).ServeHTTP)
}

// Handler returns the handler that decodes each POST request into an event
// (see FromRequest) and calls fn with the request's context. It responds
// with 204 when fn returns nil, and with 500 when fn returns an error or
// panics, so that Pub/Sub delivers the message again. A request that is not
// an event gets a 4xx with a stable code. Pub/Sub retries a 4xx like any
// other failure, so such a message reaches the dead-letter topic after the
// subscription's maximum delivery attempts and is never dropped silently.
func Handler(name string, fn Func) http.Handler {
	return newHandler(name, fn, nil)
}

// newHandler is Handler with the base logger; nil means the default.
func newHandler(name string, fn Func, logger *slog.Logger) http.Handler {
	opts := httpapi.Options{Function: name, ProjectID: config.FromEnv().ProjectID, Logger: logger}
	return httpapi.Wrap(opts, []string{http.MethodPost}, func(w http.ResponseWriter, r *http.Request) error {
		e, err := FromRequest(w, r)
		if err != nil {
			return err
		}
		if err := fn(r.Context(), e); err != nil {
			return httpapi.Internal(fmt.Errorf("handle event %s: %w", e.ID(), err))
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
