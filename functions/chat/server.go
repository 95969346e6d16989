package chat

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"google.golang.org/genai"

	"github.com/ihep/backend/shared/ratelimit"
	"github.com/ihep/backend/shared/service"
)

// chatLimit is the per-user request limit.
var chatLimit = ratelimit.Rule{Name: "chat", Limit: 20, Window: 10 * time.Minute}

// Server serves the chat function.
type Server struct {
	*service.Deps
	cfg     Config
	model   *genai.Client
	limiter *ratelimit.Limiter
	handler http.Handler

	// Set by NewServer; tests change them before the first request.
	rule       ratelimit.Rule
	retryDelay time.Duration
	now        func() time.Time
}

// NewServer validates cfg and builds the clients. Without a Vertex AI
// location it builds no model client and the assistant runs offline. A nil
// logger means the default JSON logger on stderr.
func NewServer(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	return newServer(ctx, cfg, logger, nil)
}

// newServer is NewServer with the transport of the model's HTTP client, for
// tests that measure or fault requests to a local model server. The
// transport is used only with Config.VertexEndpoint.
func newServer(ctx context.Context, cfg Config, logger *slog.Logger, transport http.RoundTripper) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	deps, err := service.NewDeps(ctx, cfg.Base, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, cfg: cfg, limiter: ratelimit.New(deps.Firestore), rule: chatLimit, retryDelay: time.Second, now: time.Now}
	if cfg.Online() {
		if s.model, err = newModelClient(ctx, cfg, transport); err != nil {
			return nil, err
		}
	}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		Function: {Methods: []string{http.MethodPost}, Serve: s.chat},
	})[Function]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// newModelClient builds the Gemini client on Vertex AI. In production it
// authenticates with the function's service account (Application Default
// Credentials); a loopback VertexEndpoint gets a plain HTTP client instead.
func newModelClient(ctx context.Context, cfg Config, transport http.RoundTripper) (*genai.Client, error) {
	cc := &genai.ClientConfig{
		Backend:     genai.BackendVertexAI,
		Project:     cfg.project(),
		Location:    cfg.VertexLocation,
		HTTPOptions: genai.HTTPOptions{APIVersion: "v1"},
	}
	if cfg.VertexEndpoint != "" {
		cc.HTTPOptions.BaseURL = cfg.VertexEndpoint
		cc.HTTPClient = &http.Client{Transport: transport}
	}
	client, err := genai.NewClient(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("create vertex ai client: %w", err)
	}
	return client, nil
}

// allow counts the request against the caller's limit.
func (s *Server) allow(ctx context.Context, uid string) error {
	return s.limiter.Enforce(ctx, s.rule, uid, "You have sent many messages in a short time. Please wait a few minutes and try again.")
}
