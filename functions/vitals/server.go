package vitals

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

// FunctionName is the manifest name of the function.
const FunctionName = "vitals"

// Server serves the vitals function.
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
		FunctionName: {Methods: []string{http.MethodGet, http.MethodPost}, Serve: s.serve},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.record(w, r)
	}
	return s.list(w, r)
}

// caller verifies the token and returns the caller's user and Patient ids.
func (s *Server) caller(r *http.Request) (uid, patientID string, err error) {
	user, err := s.Verifier.Verify(r.Context(), r)
	if err != nil {
		return "", "", err
	}
	patientID, err = s.PatientID(r.Context(), user.UID)
	return user.UID, patientID, err
}

func badRequest(code, message string) *httpapi.Error {
	return httpapi.NewError(http.StatusBadRequest, code, message)
}
