// Package catalog serves the conditions catalog (public) and the learning
// resources filed under those conditions, with admin-only writes to both.
package catalog

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

func init() {
	service.RegisterHTTP([]string{ConditionsFunction, ResourcesFunction}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return s.handlers, nil
	})
}
