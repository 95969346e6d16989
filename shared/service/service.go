// Package service assembles what every HTTPS function shares: validated
// config, the clients built once per instance, token verification, and the
// registration of handlers with the Functions Framework.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"cloud.google.com/go/firestore"
	"firebase.google.com/go/v4/auth"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/authn"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/platform"
)

// Deps holds the clients of one function instance.
type Deps struct {
	Config    config.Base
	Auth      *auth.Client
	Firestore *firestore.Client
	FHIR      *fhir.Client
	Verifier  *authn.Verifier
	Accounts  *account.Store
	// Logger is the base logger; nil means the default JSON logger.
	Logger *slog.Logger

	patients patientCache
}

// NewDeps validates cfg and builds the clients.
func NewDeps(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Deps, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	if err := cfg.RequireFHIR(); err != nil {
		return nil, err
	}
	authClient, err := platform.NewAuth(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		return nil, err
	}
	return &Deps{
		Config:    cfg,
		Auth:      authClient,
		Firestore: fs,
		FHIR:      fhirClient,
		Verifier:  authn.NewVerifier(authClient, fs, cfg.ProjectID, cfg.UsesEmulators(), cfg.RevocationCacheTTL),
		Accounts:  account.NewStore(fs, fhirClient),
		Logger:    logger,
	}, nil
}

// Endpoint is one HTTPS function: the methods it accepts and its handler.
type Endpoint struct {
	Methods []string
	Serve   httpapi.HandlerFunc
}

// Handlers wraps each endpoint with the shared HTTP layer.
func (d *Deps) Handlers(endpoints map[string]Endpoint) map[string]http.Handler {
	out := make(map[string]http.Handler, len(endpoints))
	for name, ep := range endpoints {
		opts := httpapi.Options{Function: name, ProjectID: d.Config.ProjectID, CORSOrigins: d.Config.CORSAllowedOrigins, TrustedProxyHops: d.Config.TrustedProxyHops, Logger: d.Logger}
		out[name] = httpapi.Wrap(opts, ep.Methods, ep.Serve)
	}
	return out
}

// Audit returns an audit recorder for the named function.
func (d *Deps) Audit(function string) *audit.Recorder {
	return audit.NewRecorder(d.Firestore, function)
}

// Profile returns the caller's profile. An account without a Patient link
// (a sign-up that stopped half-way) gets 409 account_incomplete: the next
// login repairs it.
func (d *Deps) Profile(ctx context.Context, uid string) (*account.Profile, error) {
	profile, err := d.Accounts.Load(ctx, uid)
	if errors.Is(err, account.ErrNoProfile) || err == nil && profile.PatientID == "" {
		return nil, httpapi.NewError(http.StatusConflict, "account_incomplete", "The account is not fully set up: sign in again to finish it.")
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return profile, nil
}

// PatientID returns the caller's FHIR Patient id, with Profile's errors.
// An account's Patient never changes once linked, so the link is kept in
// memory after the first read and later calls skip Firestore.
func (d *Deps) PatientID(ctx context.Context, uid string) (string, error) {
	if id, ok := d.patients.get(uid); ok {
		return id, nil
	}
	profile, err := d.Profile(ctx, uid)
	if err != nil {
		return "", err
	}
	d.patients.put(uid, profile.PatientID)
	return profile.PatientID, nil
}

// maxCachedPatients bounds the memory of the Patient id cache: about 100
// bytes an entry. The cache starts over when it is full.
const maxCachedPatients = 10000

// patientCache maps user ids to Patient ids.
type patientCache struct {
	mu  sync.Mutex
	ids map[string]string
}

func (c *patientCache) get(uid string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[uid]
	return id, ok
}

func (c *patientCache) put(uid, patientID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || len(c.ids) >= maxCachedPatients {
		c.ids = make(map[string]string)
	}
	c.ids[uid] = patientID
}

// RegisterHTTP registers each named handler with the Functions Framework.
// build runs on the first request; while it fails, callers get 503 and the
// next request tries again. It first stops the process if the Auth emulator
// switch is set outside a demo- project.
func RegisterHTTP(names []string, build func(ctx context.Context) (map[string]http.Handler, error)) {
	config.RefuseEmulatorInProduction()
	handlers := platform.NewLazy(build)
	for _, name := range names {
		functions.HTTP(name, func(w http.ResponseWriter, r *http.Request) {
			built, err := handlers.Get(r.Context())
			if err != nil {
				fail := func(http.ResponseWriter, *http.Request) error { return httpapi.Unavailable(err) }
				httpapi.Wrap(httpapi.Options{Function: name}, []string{r.Method}, fail).ServeHTTP(w, r)
				return
			}
			built[name].ServeHTTP(w, r)
		})
	}
}
