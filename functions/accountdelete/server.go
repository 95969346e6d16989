package accountdelete

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/service"
)

// Server serves the account-delete function.
type Server struct {
	*service.Deps
	retention Retention
	handler   http.Handler
	now       func() time.Time
	// afterStep, when set, runs after each deletion step; an error stops the
	// deletion there. Tests use it to interrupt a deletion.
	afterStep func(step string) error
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	deps, err := service.NewDeps(ctx, cfg.Base, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, retention: cfg.Retention, now: time.Now}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: []string{http.MethodDelete}, Serve: s.deleteAccount},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }
