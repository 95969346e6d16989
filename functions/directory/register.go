// Package directory serves the provider directory (search, and admin-only
// writes) and the caller's care team of linked providers.
package directory

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

func init() {
	service.RegisterHTTP([]string{ProvidersFunction, CareTeamFunction}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return s.handlers, nil
	})
}
