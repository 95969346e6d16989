// Package appointments keeps a patient's appointments as FHIR Appointment
// resources: create, list, read, reschedule, cancel, and mark completed or
// no-show. Changes carry the resource's version (If-Match), so two devices
// editing one appointment at once cannot overwrite each other.
package appointments

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

func init() {
	service.RegisterHTTP([]string{FunctionName}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return map[string]http.Handler{FunctionName: s.Handler()}, nil
	})
}
