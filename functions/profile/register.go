// Package profile serves the caller's account profile: display name,
// preferred language, time zone, temperature unit, notification choices and
// whether the onboarding is complete.
package profile

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
