package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/platform"
)

// Config is the function's configuration.
type Config struct {
	config.Base
	// NotificationsTopic is the topic id reminders go to (NOTIFICATIONS_TOPIC).
	NotificationsTopic string
}

// ConfigFromEnv reads Config from the environment.
func ConfigFromEnv() Config {
	return Config{Base: config.FromEnv(), NotificationsTopic: notification.TopicFromEnv()}
}

// Publisher publishes one notification; *notification.Publisher is one.
type Publisher interface {
	Publish(ctx context.Context, m notification.Message) (string, error)
}

// Reminder finds due reminders and publishes them.
type Reminder struct {
	fhir      *fhir.Client
	firestore *firestore.Client
	publisher Publisher
	logger    *slog.Logger
	now       func() time.Time
}

// NewReminder validates cfg and builds the clients. A nil logger means the
// default JSON logger.
func NewReminder(ctx context.Context, cfg Config, logger *slog.Logger) (*Reminder, error) {
	if err := errors.Join(cfg.Validate(), cfg.RequireFHIR()); err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	fs, err := platform.NewFirestore(ctx, cfg.Base)
	if err != nil {
		return nil, err
	}
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		return nil, err
	}
	pubsubClient, err := platform.NewPubSub(ctx, cfg.Base)
	if err != nil {
		return nil, err
	}
	publisher := notification.NewPublisher(pubsubClient, cfg.NotificationsTopic)
	return New(fhirClient, fs, publisher, logger), nil
}

// New returns a Reminder over existing clients.
func New(fhirClient *fhir.Client, fs *firestore.Client, publisher Publisher, logger *slog.Logger) *Reminder {
	if logger == nil {
		logger = logging.Default()
	}
	return &Reminder{fhir: fhirClient, firestore: fs, publisher: publisher, logger: logger.With(logging.KeyFunction, FunctionName), now: time.Now}
}

// HandleEvent runs once per scheduler message. The message carries nothing
// the run needs: the job works from the current time, so a late, repeated
// or overlapping delivery finds the same due reminders and sends none
// twice. A failed run returns an error and Pub/Sub delivers it again.
func (r *Reminder) HandleEvent(ctx context.Context, e event.Event) error {
	stats, err := r.Run(ctx, r.now())
	if err != nil {
		r.logger.Error("reminder run failed", "event_id", e.ID(), logging.KeyError, err.Error(), "sent", stats.Sent)
		return err
	}
	return nil
}
