// Package smoothvitals smooths each patient's vital signs with a Kalman
// filter whenever the FHIR store reports a new or changed Observation, and
// stores each estimate as a derived Observation.
package smoothvitals

import (
	"context"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/eventfn"
	"github.com/ihep/backend/shared/platform"
)

// FunctionName is the manifest name of the function.
const FunctionName = "smooth-vitals"

var instance = platform.NewLazy(func(ctx context.Context) (*Smoother, error) {
	return NewSmoother(ctx, config.FromEnv(), nil)
})

func init() {
	config.RefuseEmulatorInProduction()
	eventfn.Register(FunctionName, func(ctx context.Context, e event.Event) error {
		s, err := instance.Get(ctx)
		if err != nil {
			return err // redelivered until setup succeeds
		}
		return s.HandleEvent(ctx, e)
	})
}
