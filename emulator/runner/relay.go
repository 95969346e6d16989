package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/manifest"
)

// relay receives the CloudEvent that funcframework built from a Pub/Sub push
// at /<function>/projects/P/topics/T and sends it, unchanged, to the
// function at /<function> in the CloudEvents structured JSON format. The
// function's status goes back to the emulator, which redelivers on failure.
type relay struct {
	function string
	target   string // http://127.0.0.1:PORT/<function>
	timeout  time.Duration
	client   *http.Client
	logger   *slog.Logger
}

// registerPushRelays registers a relay for each push subscription at the
// path prefix of its endpoint.
func registerPushRelays(ctx context.Context, m *manifest.Manifest, subs []pushSubscription, port string, logger *slog.Logger) error {
	for _, sub := range subs {
		f, _ := m.Function(sub.Function)
		r := &relay{
			function: f.Name,
			target:   fmt.Sprintf("http://127.0.0.1:%s/%s", port, f.Name),
			timeout:  f.TimeoutDuration(),
			client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: deliveryConcurrency}},
			logger:   logger,
		}
		path := "/" + f.Name + "/projects/"
		if err := funcframework.RegisterCloudEventFunctionContext(ctx, path, r.deliver); err != nil {
			return fmt.Errorf("register push relay at %s: %w", path, err)
		}
	}
	return nil
}

// deliver forwards one event to the function. The error makes the framework
// answer 500, so the emulator redelivers the message.
func (r *relay) deliver(ctx context.Context, event cloudevents.Event) error {
	body, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", event.ID(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request for event %s: %w", event.ID(), err)
	}
	req.Header.Set("Content-Type", cloudevents.ApplicationCloudEventsJSON)
	resp, err := r.client.Do(req)
	if err != nil {
		r.logger.Error("event delivery failed", logging.KeyFunction, r.function, "event_id", event.ID(), logging.KeyError, err)
		return fmt.Errorf("deliver event %s to %s: %w", event.ID(), r.function, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.logger.Warn("function rejected event, the emulator will redeliver it", logging.KeyFunction, r.function, "event_id", event.ID(), logging.KeyStatus, resp.StatusCode)
		return fmt.Errorf("function %s returned status %d for event %s", r.function, resp.StatusCode, event.ID())
	}
	r.logger.Debug("event delivered", logging.KeyFunction, r.function, "event_id", event.ID(), "source", event.Source())
	return nil
}
