package appointments

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

// FunctionName is the manifest name of the function.
const FunctionName = "appointments"

// Server serves the appointments function.
type Server struct {
	*service.Deps
	handler   http.Handler
	directory *directory.Store
	now       func() time.Time
	lease     leaseTiming
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, directory: directory.NewStore(deps.Firestore), now: time.Now, lease: defaultLeaseTiming}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPatch}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: methods, Serve: s.serve},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// serve routes by method, and GET by whether an id is given:
// POST creates, GET lists (or reads ?id=), PATCH ?id= changes one.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	switch {
	case r.Method == http.MethodPost:
		return s.create(w, r)
	case r.Method == http.MethodPatch:
		return s.change(w, r)
	case r.URL.Query().Has("id"):
		return s.read(w, r)
	default:
		return s.list(w, r)
	}
}

// caller is the verified user and their Patient.
type caller struct {
	UID       string
	PatientID string
}

func (s *Server) caller(r *http.Request) (caller, error) {
	user, err := s.Verifier.Verify(r.Context(), r)
	if err != nil {
		return caller{}, err
	}
	patientID, err := s.PatientID(r.Context(), user.UID)
	return caller{UID: user.UID, PatientID: patientID}, err
}

// record writes an audit entry about one appointment, or about several
// when ids is set.
func (s *Server) record(ctx context.Context, c caller, action, outcome, id string, ids ...string) error {
	entry := audit.Entry{Actor: c.UID, Action: action, Outcome: outcome, ResourceType: "Appointment", ResourceID: id, ResourceIDs: ids}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return nil
}

func badRequest(code, message string) *httpapi.Error {
	return httpapi.NewError(http.StatusBadRequest, code, message)
}
