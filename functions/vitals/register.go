// Package vitals records a patient's vital-sign readings in the FHIR store
// and lists them beside their smoothed estimates.
package vitals

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
