package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"cloud.google.com/go/pubsub/v2"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/manifest"
)

// healthPath returns 200 once the runner serves. Function names cannot start
// with an underscore, so it never hides a function.
const healthPath = "/_healthz"

// app is the set-up runner, ready to serve.
type app struct {
	cfg        config
	logger     *slog.Logger
	pubsub     *pubsub.Client
	publishers *publishers
	scheduler  *scheduler
	subs       []pushSubscription
}

// setUp checks the manifest against the registered functions, prepares
// Pub/Sub and registers the runner's own endpoints with the framework.
func setUp(ctx context.Context, logger *slog.Logger, cfg config) (*app, error) {
	m, err := manifest.Load(cfg.ManifestPath)
	if err != nil {
		return nil, err
	}
	registered, err := registeredFunctionNames()
	if err != nil {
		return nil, err
	}
	if err := checkRegistry(m, registered); err != nil {
		return nil, err
	}

	client, err := pubsub.NewClient(ctx, cfg.Project)
	if err != nil {
		return nil, fmt.Errorf("create Pub/Sub client: %w", err)
	}
	a := &app{cfg: cfg, logger: logger, pubsub: client, publishers: newPublishers(client)}

	subs := plannedSubscriptions(m, cfg.Project, cfg.Port)
	a.subs = subs
	if err := a.preparePubSub(ctx, m, subs); err != nil {
		a.close()
		return nil, err
	}
	if err := a.registerEndpoints(ctx, m, subs); err != nil {
		a.close()
		return nil, err
	}
	logger.Info("runner set up", "functions", len(m.Functions), "subscriptions", len(subs), "schedules", len(a.scheduler.jobs))
	return a, nil
}

func (a *app) preparePubSub(ctx context.Context, m *manifest.Manifest, subs []pushSubscription) error {
	if err := ensureTopics(ctx, a.pubsub, a.cfg.Project, topicIDs(m), a.logger); err != nil {
		return err
	}
	return ensureSubscriptions(ctx, a.pubsub, subs, a.logger)
}

func (a *app) registerEndpoints(ctx context.Context, m *manifest.Manifest, subs []pushSubscription) error {
	sched, err := newScheduler(m, a.publishers.publish, a.logger)
	if err != nil {
		return err
	}
	a.scheduler = sched
	if err := funcframework.RegisterHTTPFunctionContext(ctx, schedulerRunPath, sched.ServeHTTP); err != nil {
		return fmt.Errorf("register %s: %w", schedulerRunPath, err)
	}
	if err := funcframework.RegisterHTTPFunctionContext(ctx, healthPath, serveHealth); err != nil {
		return fmt.Errorf("register %s: %w", healthPath, err)
	}
	return nil
}

// serve runs the scheduler and the functions until the server fails or ctx
// ends. funcframework offers no graceful shutdown, so the server simply stops
// with the process.
func (a *app) serve(ctx context.Context) error {
	go a.scheduler.run(ctx)
	deliver(ctx, a.pubsub, a.subs, a.logger)

	served := make(chan error, 1)
	go func() {
		served <- funcframework.StartHostPort("127.0.0.1", a.cfg.Port)
	}()
	a.logger.Info("runner serving", "address", "127.0.0.1:"+a.cfg.Port)

	select {
	case err := <-served:
		return fmt.Errorf("serve functions on 127.0.0.1:%s: %w", a.cfg.Port, err)
	case <-ctx.Done():
		a.logger.Info("runner stopping")
		return nil
	}
}

func (a *app) close() {
	a.publishers.stop()
	if err := a.pubsub.Close(); err != nil {
		a.logger.Warn("closing the Pub/Sub client failed", logging.KeyError, err)
	}
}

func serveHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// publishers keeps one Pub/Sub publisher per topic, as the client library
// recommends, and waits for each publish so the caller gets the message id.
type publishers struct {
	client *pubsub.Client
	mu     sync.Mutex
	topics map[string]*pubsub.Publisher
}

func newPublishers(client *pubsub.Client) *publishers {
	return &publishers{client: client, topics: map[string]*pubsub.Publisher{}}
}

func (p *publishers) publish(ctx context.Context, topicID string, data []byte) (string, error) {
	p.mu.Lock()
	publisher, ok := p.topics[topicID]
	if !ok {
		publisher = p.client.Publisher(topicID)
		p.topics[topicID] = publisher
	}
	p.mu.Unlock()
	return publisher.Publish(ctx, &pubsub.Message{Data: data}).Get(ctx)
}

func (p *publishers) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, publisher := range p.topics {
		publisher.Stop()
	}
}
