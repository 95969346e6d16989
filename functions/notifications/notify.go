package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/cloudevents/sdk-go/v2/event"
	"golang.org/x/oauth2/google"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/platform"
)

// Config is the notify function's configuration.
type Config struct {
	config.Base
	// FCMEndpoint is the base URL of FCM's HTTP v1 API (FCM_ENDPOINT).
	// Empty means the real service, except with the emulators, where it
	// means that nothing is sent to devices.
	FCMEndpoint string
	// FCMProjectID is the Firebase project that owns the apps' tokens
	// (FCM_PROJECT_ID); empty means ProjectID.
	FCMProjectID string
}

// ConfigFromEnv reads Config from the environment.
func ConfigFromEnv() Config {
	return Config{Base: config.FromEnv(), FCMEndpoint: os.Getenv("FCM_ENDPOINT"), FCMProjectID: os.Getenv("FCM_PROJECT_ID")}
}

// Validate reports every problem at once. With the emulators, FCM_ENDPOINT
// must be a loopback address, so that a local run never reaches FCM.
func (c Config) Validate() error {
	errs := []error{c.Base.Validate()}
	if c.FCMEndpoint != "" {
		u, err := url.Parse(c.FCMEndpoint)
		switch {
		case err != nil || u.Scheme == "" || u.Host == "":
			errs = append(errs, fmt.Errorf("FCM_ENDPOINT %q is invalid: expected an absolute URL", c.FCMEndpoint))
		case c.UsesEmulators() && !isLoopback(u.Hostname()):
			errs = append(errs, fmt.Errorf("FCM_ENDPOINT %q is invalid: with the emulators it must be a loopback address", c.FCMEndpoint))
		}
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// Notifier writes notifications to inboxes and sends them to devices.
type Notifier struct {
	firestore *firestore.Client
	// fcm is nil when push is off (emulators without FCM_ENDPOINT).
	fcm    *fcmClient
	logger *slog.Logger
	now    func() time.Time
}

// NewNotifier validates cfg and builds the clients. A nil logger means the
// default JSON logger.
func NewNotifier(ctx context.Context, cfg Config, logger *slog.Logger) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	if logger == nil {
		logger = logging.Default()
	}
	fs, err := platform.NewFirestore(ctx, cfg.Base)
	if err != nil {
		return nil, err
	}
	n := &Notifier{firestore: fs, logger: logger.With(logging.KeyFunction, NotifyFunction), now: time.Now}
	project := cfg.FCMProjectID
	if project == "" {
		project = cfg.ProjectID
	}
	switch {
	case cfg.UsesEmulators() && cfg.FCMEndpoint == "":
		n.logger.Info("push notifications are off: FCM_ENDPOINT is not set and the emulators are in use")
	case cfg.UsesEmulators():
		n.fcm = &fcmClient{endpoint: cfg.FCMEndpoint, project: project, http: &http.Client{Timeout: 10 * time.Second}}
	default:
		client, err := google.DefaultClient(ctx, fcmScope)
		if err != nil {
			return nil, fmt.Errorf("create fcm credentials: %w", err)
		}
		client.Timeout = 10 * time.Second
		endpoint := cfg.FCMEndpoint
		if endpoint == "" {
			endpoint = DefaultFCMEndpoint
		}
		n.fcm = &fcmClient{endpoint: endpoint, project: project, http: client}
	}
	return n, nil
}

// pushMessage is the data of a Pub/Sub CloudEvent
// (google.cloud.pubsub.topic.v1.messagePublished).
type pushMessage struct {
	Message struct {
		Data      []byte `json:"data"`
		MessageID string `json:"messageId"`
	} `json:"message"`
}

// HandleEvent delivers one message of the notifications topic. A message
// that can never be delivered is logged and dropped (nil); a failure worth
// a redelivery returns an error.
func (n *Notifier) HandleEvent(ctx context.Context, e event.Event) error {
	var msg pushMessage
	if err := json.Unmarshal(e.Data(), &msg); err != nil {
		n.logger.Error("dropping undecodable event", "event_id", e.ID())
		return nil
	}
	m, err := notification.Decode(msg.Message.Data)
	if err != nil {
		n.logger.Error("dropping invalid notification", logging.KeyMessageID, msg.Message.MessageID, logging.KeyError, err.Error())
		return nil
	}
	return n.Deliver(ctx, m)
}

// errPushInProgress makes Pub/Sub redeliver a message that another
// delivery is sending right now.
var errPushInProgress = errors.New("another delivery of this notification is sending it")

// Deliver writes m to the inbox once and sends it to each of the user's
// devices once, however often it is called with the same message id. It
// returns an error when a send may succeed later, or while a concurrent
// delivery of the same message is sending. A later call resumes with the
// devices not yet handled.
func (n *Notifier) Deliver(ctx context.Context, m notification.Message) error {
	logger := n.logger.With("notification_id", m.ID, logging.KeyUserID, m.UID)
	ref := inboxOf(n.firestore, m.UID).Doc(m.ID)
	now := n.now().UTC()
	stored := entry{
		Kind: m.Kind, Title: m.Title, Body: m.Body, Data: m.Data, CreatedAt: m.CreatedAt.UTC(),
		Pushed: []string{}, PushDone: n.fcm == nil, PushClaimedAt: now, ExpireAt: m.CreatedAt.Add(inboxRetention).UTC(),
	}
	_, err := ref.Create(ctx, stored)
	switch {
	case status.Code(err) == codes.AlreadyExists:
		if stored, err = n.claimPush(ctx, ref, now); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("create inbox entry: %w", err)
	default:
		logger.Info("inbox entry written", "kind", m.Kind)
	}
	if stored.PushDone {
		return nil
	}
	return n.push(ctx, logger, ref, m, stored.Pushed)
}

// claimPush reads an existing entry and takes over its sending unless it is
// done or another delivery's claim is still fresh.
func (n *Notifier) claimPush(ctx context.Context, ref *firestore.DocumentRef, now time.Time) (entry, error) {
	var stored entry
	snap, err := ref.Get(ctx)
	if err != nil {
		return stored, fmt.Errorf("read inbox entry: %w", err)
	}
	if err := snap.DataTo(&stored); err != nil {
		return stored, fmt.Errorf("decode inbox entry: %w", err)
	}
	if stored.PushDone {
		return stored, nil
	}
	if now.Sub(stored.PushClaimedAt) < pushClaimTimeout {
		return stored, errPushInProgress
	}
	_, err = ref.Update(ctx, []firestore.Update{{Path: "pushClaimedAt", Value: now}}, firestore.LastUpdateTime(snap.UpdateTime))
	if status.Code(err) == codes.FailedPrecondition {
		return stored, errPushInProgress
	}
	if err != nil {
		return stored, fmt.Errorf("claim push: %w", err)
	}
	return stored, nil
}
