// Command demo loads the local stack with a demo patient. It stores the
// conditions catalog, demo articles and a demo provider directory in
// Firestore. It signs two demo accounts in, or up, through the auth
// functions. Through the vitals function it imports one Synthea patient's
// vital signs, a generated week of wearable readings and a week of daily
// home checks. It then waits until the smoother has caught up and prints the
// wellness dashboard and the twin. Last, it sets the demo patient's time zone,
// survey answers and primary provider, books a follow-up, runs the reminder
// job until the reminder reaches the inbox, and asks the health assistant
// about the next appointment.
//
// Apart from the catalog, it talks only to the runner (IHEP_RUNNER_URL), as
// the web client would, so every reading takes the production path:
// validation, the FHIR store, the change notification and the smooth-vitals
// function.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

// The demo accounts exist only on the local stack; the README lists them.
const (
	demoEmail     = "demo.patient@example.com"
	demoName      = "Demo Patient"
	otherEmail    = "demo.other@example.com"
	otherName     = "Other Demo Patient"
	demoPassword  = "ihep-demo-password"
	wearableSeed  = 20260101
	wearableDays  = 7
	smoothTimeout = 3 * time.Minute
)

func main() {
	runner := flag.String("runner", os.Getenv("IHEP_RUNNER_URL"), "base URL of the local runner")
	data := flag.String("data", filepath.Join("..", "shared", "data", "synthea"), "folder of Synthea bundles (skipped when absent)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *runner, *data); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runnerURL, dataDir string) error {
	if runnerURL == "" {
		return fmt.Errorf("IHEP_RUNNER_URL is not set: run `eval \"$(emulator/stack env)\"` first, or use make dev")
	}
	c := newClient(runnerURL)

	token, err := c.account(ctx, demoEmail, demoName)
	if err != nil {
		return err
	}
	if _, err := c.account(ctx, otherEmail, otherName); err != nil {
		return err
	}
	fmt.Printf("Demo accounts: %s and %s, password %q\n", demoEmail, otherEmail, demoPassword)
	if err := seedCatalog(ctx); err != nil {
		return err
	}

	if err := importSynthea(ctx, c, token, dataDir); err != nil {
		return err
	}
	start := wearableStart(time.Now())
	newest := map[string]time.Time{}
	if err := importWearable(ctx, c, token, start, newest); err != nil {
		return err
	}
	if err := importDailyChecks(ctx, c, token, start, newest); err != nil {
		return err
	}
	if err := c.waitSmoothed(ctx, token, newest, smoothTimeout); err != nil {
		return err
	}
	for _, name := range []string{"wellness", "twin"} {
		body, err := c.getJSON(ctx, token, "/"+name)
		if err != nil {
			return err
		}
		fmt.Printf("\nGET %s/%s\n%s\n", runnerURL, name, body)
	}

	fmt.Println()
	if err := setUpCare(ctx, c, token, time.Now()); err != nil {
		return err
	}
	return askAssistant(ctx, c, token, "When is my next appointment?")
}

// wearableStart begins the generated week seven days before the start of the
// current UTC hour, so that running the demo twice within an hour sends the
// same readings, which the vitals function recognises as duplicates.
func wearableStart(now time.Time) time.Time {
	return now.UTC().Truncate(time.Hour).Add(-wearableDays * 24 * time.Hour)
}
