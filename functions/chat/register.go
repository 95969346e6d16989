// Package chat serves the health assistant: a conversation grounded on the
// caller's own appointments, vital signs, care team and learning resources,
// answered by Gemini on Vertex AI, or by intent matching when no model is
// configured.
package chat

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/service"
)

// Function is the manifest name of the function.
const Function = "chat"

func init() {
	service.RegisterHTTP([]string{Function}, func(ctx context.Context) (map[string]http.Handler, error) {
		s, err := NewServer(ctx, ConfigFromEnv(), nil)
		if err != nil {
			return nil, err
		}
		return map[string]http.Handler{Function: s.Handler()}, nil
	})
}
