// Package twin serves the wellness dashboard and the digital twin: both
// read the patient's latest smoothed vital signs from the FHIR store.
package twin

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

// Manifest names of the functions.
const (
	WellnessFunction = "wellness"
	TwinFunction     = "twin"
)

func init() {
	service.RegisterHTTP([]string{WellnessFunction, TwinFunction}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, config.FromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return s.handlers, nil
	})
}
