// Package notifications delivers every notification of IHEP: the notify
// function takes each message of the notifications topic, writes it to the
// user's in-app inbox in Firestore and sends it to the user's devices with
// Firebase Cloud Messaging. The devices function registers and removes
// device tokens, and the notifications function lists the inbox and marks
// entries read.
package notifications

import (
	"context"
	"net/http"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/eventfn"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/service"
)

// Manifest names of the functions.
const (
	NotifyFunction        = "notify"
	DevicesFunction       = "devices"
	NotificationsFunction = "notifications"
)

var notifier = platform.NewLazy(func(ctx context.Context) (*Notifier, error) {
	return NewNotifier(ctx, ConfigFromEnv(), nil)
})

func init() {
	service.RegisterHTTP([]string{DevicesFunction, NotificationsFunction}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return s.handlers, nil
	})
	eventfn.Register(NotifyFunction, func(ctx context.Context, e event.Event) error {
		n, err := notifier.Get(ctx)
		if err != nil {
			return err // redelivered until setup succeeds
		}
		return n.HandleEvent(ctx, e)
	})
}
