package twin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// Server serves the wellness and twin functions.
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
		WellnessFunction: {Methods: []string{http.MethodGet}, Serve: s.wellness},
		TwinFunction:     {Methods: []string{http.MethodGet}, Serve: s.twin},
	})
	return s, nil
}

// Handler returns the named function's HTTP handler.
func (s *Server) Handler(name string) http.Handler { return s.handlers[name] }

// caller verifies the token and loads the caller's profile, which links
// to their Patient.
func (s *Server) caller(r *http.Request) (string, *account.Profile, error) {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return "", nil, err
	}
	profile, err := s.Profile(ctx, user.UID)
	return user.UID, profile, err
}

// latestAt loads the patient's smoothed estimates at each instant of asOf
// at once (zero means the newest) and records the read in the audit trail.
func (s *Server) latestAt(ctx context.Context, function, uid, patientID string, asOf ...time.Time) ([]map[vitalsign.Series]vitalobs.Estimate, error) {
	out := make([]map[vitalsign.Series]vitalobs.Estimate, len(asOf))
	g, gctx := errgroup.WithContext(ctx)
	for i, at := range asOf {
		g.Go(func() (err error) {
			out[i], err = vitalobs.LatestSmoothed(gctx, s.FHIR, patientID, at)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	entry := audit.Entry{Actor: uid, Action: function + ".read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: patientID}
	if err := s.Audit(function).Record(ctx, entry); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return out, nil
}
