// Package accountdelete serves account-delete, which closes a patient's
// account. It deletes the Identity Platform user and every Firestore
// document keyed by the user. The PHI in the FHIR store is deleted, or
// retained and de-linked, by the configured retention rule.
package accountdelete

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/service"
)

// FunctionName is the manifest name of the function.
const FunctionName = "account-delete"

func init() {
	service.RegisterHTTP([]string{FunctionName}, func(ctx context.Context) (map[string]http.Handler, error) {
		cfg, err := ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		s, err := NewServer(ctx, cfg, nil)
		if err != nil {
			return nil, err
		}
		return map[string]http.Handler{FunctionName: s.Handler()}, nil
	})
}
