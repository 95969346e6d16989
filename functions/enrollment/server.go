package enrollment

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/service"
)

// Server serves the twin-enrollment function.
type Server struct {
	*service.Deps
	handler http.Handler
	now     func() time.Time
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, now: time.Now}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPatch}, Serve: s.serve},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodPost:
		return s.sign(w, r)
	case http.MethodDelete:
		return s.withdraw(w, r)
	case http.MethodPatch:
		return s.review(w, r)
	default:
		return s.show(w, r)
	}
}
