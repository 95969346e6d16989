// Command runner serves every IHEP Cloud Function in one local process, the
// way the local stack (emulator/stack) runs them. It checks that the
// functions registered with the Functions Framework match
// functions/manifest.yaml, creates the manifest's Pub/Sub topics and
// subscriptions in the Pub/Sub emulator and delivers their messages in
// Pub/Sub's push format, publishes the manifest's schedules in
// place of Cloud Scheduler, and serves each function at /<function-name> on
// 127.0.0.1.
//
// It reads the environment that `emulator/stack env` prints and refuses to
// start unless every Google service it could reach is an emulator.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ihep/backend/shared/logging"
)

func main() {
	manifestPath := flag.String("manifest", defaultManifestPath(), "path of the function manifest")
	flag.Parse()

	logger := logging.Default()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, logger, *manifestPath); err != nil {
		logger.Error("runner stopped", "error", err)
		os.Exit(1)
	}
}

// run sets everything up and then serves until the server fails or ctx ends.
func run(ctx context.Context, logger *slog.Logger, manifestPath string) error {
	cfg, err := loadConfig(manifestPath)
	if err != nil {
		return err
	}
	app, err := setUp(ctx, logger, cfg)
	if err != nil {
		return err
	}
	defer app.close()
	return app.serve(ctx)
}
