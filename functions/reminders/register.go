// Package reminders sends appointment reminders. Cloud Scheduler triggers
// the appointment-reminders function every few minutes through Pub/Sub.
// Each run finds the booked appointments that start within the next
// 24 hours and publishes one reminder per appointment and window (24 hours
// and 1 hour ahead) to the notifications topic.
package reminders

import (
	"context"
	// The zone database is embedded because the deploy image may lack one,
	// and reminders show times in each user's zone.
	_ "time/tzdata"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/eventfn"
	"github.com/ihep/backend/shared/platform"
)

// FunctionName is the manifest name of the function.
const FunctionName = "appointment-reminders"

var instance = platform.NewLazy(func(ctx context.Context) (*Reminder, error) {
	return NewReminder(ctx, ConfigFromEnv(), nil)
})

func init() {
	config.RefuseEmulatorInProduction()
	eventfn.Register(FunctionName, func(ctx context.Context, e event.Event) error {
		r, err := instance.Get(ctx)
		if err != nil {
			return err // redelivered until setup succeeds
		}
		return r.HandleEvent(ctx, e)
	})
}
