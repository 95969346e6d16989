package directory

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

// Manifest names of the functions.
const (
	ProvidersFunction = "providers"
	CareTeamFunction  = "care-team"
)

// Server serves the providers and care-team functions.
type Server struct {
	*service.Deps
	directory *directory.Store
	handlers  map[string]http.Handler
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, directory: directory.NewStore(deps.Firestore)}
	s.handlers = deps.Handlers(map[string]service.Endpoint{
		ProvidersFunction: {Methods: []string{http.MethodGet, http.MethodPost, http.MethodPatch}, Serve: s.serveProviders},
		CareTeamFunction:  {Methods: []string{http.MethodGet, http.MethodPost, http.MethodDelete}, Serve: s.serveCareTeam},
	})
	return s, nil
}

// Handler returns the named function's HTTP handler.
func (s *Server) Handler(name string) http.Handler { return s.handlers[name] }

func (s *Server) serveProviders(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodPost:
		return s.createProvider(w, r)
	case http.MethodPatch:
		return s.updateProvider(w, r)
	}
	if r.URL.Query().Has("id") {
		return s.getProvider(w, r)
	}
	return s.search(w, r)
}

func (s *Server) serveCareTeam(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodPost:
		return s.link(w, r)
	case http.MethodDelete:
		return s.unlink(w, r)
	}
	return s.listCareTeam(w, r)
}

// Errors of unknown ids.
var (
	errProviderNotFound  = httpapi.NewError(http.StatusNotFound, "provider_not_found", "No active provider has this id.")
	errNotLinked         = httpapi.NewError(http.StatusNotFound, "not_linked", "This provider is not on your care team.")
	errMissingProviderID = httpapi.NewError(http.StatusBadRequest, "missing_provider_id", "providerId is required.")
)

// storeError maps the directory store's errors to responses.
func storeError(err error) error {
	var v *directory.ValidationError
	var apiErr *httpapi.Error
	switch {
	case errors.As(err, &v):
		return httpapi.NewError(http.StatusBadRequest, v.Code, v.Message)
	case errors.Is(err, directory.ErrNotFound):
		return errProviderNotFound
	case errors.Is(err, directory.ErrNotLinked):
		return errNotLinked
	case errors.As(err, &apiErr):
		return err
	}
	return httpapi.Unavailable(err)
}
