package notifications

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

// Server serves the devices and notifications functions.
type Server struct {
	*service.Deps
	handlers map[string]http.Handler
	now      func() time.Time
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, now: time.Now}
	s.handlers = deps.Handlers(map[string]service.Endpoint{
		DevicesFunction:       {Methods: []string{http.MethodPost, http.MethodDelete}, Serve: s.devices},
		NotificationsFunction: {Methods: []string{http.MethodGet, http.MethodPost}, Serve: s.inbox},
	})
	return s, nil
}

// Handler returns the named function's HTTP handler.
func (s *Server) Handler(name string) http.Handler { return s.handlers[name] }

// uid verifies the token and returns the caller's user id.
func (s *Server) uid(r *http.Request) (string, error) {
	user, err := s.Verifier.Verify(r.Context(), r)
	if err != nil {
		return "", err
	}
	return user.UID, nil
}

func badRequest(code, message string) *httpapi.Error {
	return httpapi.NewError(http.StatusBadRequest, code, message)
}
