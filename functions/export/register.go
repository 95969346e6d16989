// Package export serves the export function: the patient's complete record
// as a FHIR Bundle beside their non-PHI profile, streamed page by page so
// that a record of any size fits in the function's memory.
package export

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

// FunctionName is the manifest name of the function.
const FunctionName = "export"

func init() {
	service.RegisterHTTP([]string{FunctionName}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return map[string]http.Handler{FunctionName: s.Handler()}, nil
	})
}
