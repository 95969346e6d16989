package catalog

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

// Manifest names of the functions.
const (
	ConditionsFunction = "conditions"
	ResourcesFunction  = "resources"
)

// maxArticleBody caps an article write: the longest body plus the other
// fields, with room for JSON escapes.
const maxArticleBody = 4 * catalog.MaxBodyLength

// Server serves the conditions and resources functions.
type Server struct {
	*service.Deps
	catalog  *catalog.Store
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
	s := &Server{Deps: deps, catalog: catalog.NewStore(deps.Firestore), now: time.Now}
	s.handlers = deps.Handlers(map[string]service.Endpoint{
		ConditionsFunction: {Methods: []string{http.MethodGet, http.MethodPost, http.MethodPatch}, Serve: s.serveConditions},
		ResourcesFunction:  {Methods: []string{http.MethodGet, http.MethodPost, http.MethodPatch}, Serve: s.serveResources},
	})
	return s, nil
}

// Handler returns the named function's HTTP handler.
func (s *Server) Handler(name string) http.Handler { return s.handlers[name] }

func (s *Server) serveConditions(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodPost:
		return s.createCondition(w, r)
	case http.MethodPatch:
		return s.updateCondition(w, r)
	}
	return s.listConditions(w, r)
}

func (s *Server) serveResources(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodPost:
		return s.createArticle(w, r)
	case http.MethodPatch:
		return s.updateArticle(w, r)
	}
	if r.URL.Query().Has("id") {
		return s.getArticle(w, r)
	}
	return s.listArticles(w, r)
}

// errNotFound is the 404 of an unknown slug or article id.
var errNotFound = httpapi.NewError(http.StatusNotFound, "not_found", "No catalog entry has this id.")

// storeError maps the catalog store's errors to responses.
func storeError(err error) error {
	var v *catalog.ValidationError
	switch {
	case errors.As(err, &v):
		return httpapi.NewError(http.StatusBadRequest, v.Code, v.Message)
	case errors.Is(err, catalog.ErrNotFound):
		return errNotFound
	case errors.Is(err, catalog.ErrExists):
		return httpapi.NewError(http.StatusConflict, "already_exists", "A condition with this slug already exists: change it with PATCH.")
	}
	var apiErr *httpapi.Error
	if errors.As(err, &apiErr) {
		return err
	}
	return httpapi.Unavailable(err)
}

// recordAdmin audits an admin write of one catalog entry.
func (s *Server) recordAdmin(ctx context.Context, function, uid, action, resourceType, id string) error {
	entry := audit.Entry{Actor: uid, Action: action, Outcome: audit.OutcomeSuccess, ResourceType: resourceType, ResourceID: id}
	if err := s.Audit(function).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return nil
}
