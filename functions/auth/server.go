package auth

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	firebaseauth "firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/authn"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/identity"
	"github.com/ihep/backend/shared/ratelimit"
	"github.com/ihep/backend/shared/service"
)

// Rate limits kept from the original design.
var (
	signupLimit  = ratelimit.Rule{Name: "auth-signup", Limit: 3, Window: time.Hour}
	loginLimit   = ratelimit.Rule{Name: "auth-login", Limit: 5, Window: 15 * time.Minute}
	refreshLimit = ratelimit.Rule{Name: "auth-refresh", Limit: 10, Window: time.Hour}
)

// Server holds the clients the auth functions share within one instance.
type Server struct {
	*service.Deps
	cfg      config.Base
	admin    *firebaseauth.Client
	identity *identity.Client
	verifier *authn.Verifier
	accounts *account.Store
	sessions *sessionStore
	limiter  *ratelimit.Limiter
	handlers map[string]http.Handler
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	if err := cfg.RequireIdentityAPIKey(); err != nil {
		return nil, err
	}
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Deps:     deps,
		cfg:      cfg,
		admin:    deps.Auth,
		identity: identity.New(cfg.IdentityAPIKey, cfg.AuthEmulatorHost),
		verifier: deps.Verifier,
		accounts: deps.Accounts,
		sessions: &sessionStore{firestore: deps.Firestore},
		limiter:  ratelimit.New(deps.Firestore),
	}
	s.handlers = deps.Handlers(map[string]service.Endpoint{
		"auth-signup":   {Methods: []string{http.MethodPost}, Serve: s.signup},
		"auth-login":    {Methods: []string{http.MethodPost}, Serve: s.login},
		"auth-refresh":  {Methods: []string{http.MethodPost}, Serve: s.refresh},
		"auth-logout":   {Methods: []string{http.MethodPost}, Serve: s.logout},
		"auth-validate": {Methods: []string{http.MethodGet}, Serve: s.validate},
	})
	return s, nil
}

// endpoints lists the functions this package registers.
var endpoints = map[string]bool{"auth-signup": true, "auth-login": true, "auth-refresh": true, "auth-logout": true, "auth-validate": true}

// Handler returns the named function's HTTP handler.
func (s *Server) Handler(name string) http.Handler {
	h, ok := s.handlers[name]
	if !ok {
		panic("auth: unknown function " + name)
	}
	return h
}

func (s *Server) audit(name string) *audit.Recorder {
	return s.Deps.Audit(name)
}

// allow applies a rate limit rule, returning 429 rate_limited when exceeded.
func (s *Server) allow(ctx context.Context, rule ratelimit.Rule, key string) error {
	return s.limiter.Enforce(ctx, rule, key, "Too many attempts. Please wait before trying again.")
}
