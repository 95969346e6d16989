// Package survey serves the condition survey: the caller's answers, stored
// as FHIR Conditions on their Patient and never in Firestore.
package survey

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
