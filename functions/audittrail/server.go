package audittrail

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

// Server serves the audit function.
type Server struct {
	*service.Deps
	handler http.Handler
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: []string{http.MethodGet}, Serve: s.list},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }
