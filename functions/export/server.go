package export

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/patientdata"
	"github.com/ihep/backend/shared/service"
)

// Server serves the export function.
type Server struct {
	*service.Deps
	handler http.Handler
	now     func() time.Time
	// pageSize is the number of resources fetched per FHIR search page.
	pageSize int
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, now: time.Now, pageSize: patientdata.MaxPageSize}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: []string{http.MethodGet}, Serve: s.export},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }
