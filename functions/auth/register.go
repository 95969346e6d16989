// Package auth holds the account functions: sign-up, login, token refresh,
// logout and token validation, backed by Identity Platform.
package auth

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

func init() {
	service.RegisterHTTP(slices.Collect(maps.Keys(endpoints)), func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return s.handlers, nil
	})
}
