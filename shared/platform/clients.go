package platform

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/config"
)

// NewFirestore returns a Firestore client for the project. The client reads
// FIRESTORE_EMULATOR_HOST itself, so the emulator and production share this
// code path.
func NewFirestore(ctx context.Context, cfg config.Base) (*firestore.Client, error) {
	client, err := firestore.NewClient(ctx, cfg.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("create firestore client: %w", err)
	}
	return client, nil
}

// NewPubSub returns a Pub/Sub client for the project; it honours
// PUBSUB_EMULATOR_HOST.
func NewPubSub(ctx context.Context, cfg config.Base) (*pubsub.Client, error) {
	client, err := pubsub.NewClient(ctx, cfg.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("create pubsub client: %w", err)
	}
	return client, nil
}

// NewAuth returns a Firebase Auth (Identity Platform) admin client. It
// refuses to build one for the Auth emulator unless the project is a demo-
// project, because the emulator switch makes the SDK accept unsigned tokens.
func NewAuth(ctx context.Context, cfg config.Base) (*auth.Client, error) {
	if cfg.UsesEmulators() && !strings.HasPrefix(cfg.ProjectID, "demo-") {
		return nil, config.ErrEmulatorInProduction
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID})
	if err != nil {
		return nil, fmt.Errorf("create firebase app: %w", err)
	}
	client, err := app.Auth(ctx)
	if err != nil {
		return nil, fmt.Errorf("create auth client: %w", err)
	}
	return client, nil
}
