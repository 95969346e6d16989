package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/ihep/backend/shared/manifest"
)

// fhirNotificationTopic is the topic the local FHIR engine publishes its
// change notifications to, like a Cloud Healthcare FHIR store's
// notificationConfigs. No function consumes it yet, so the runner creates it
// in addition to the manifest's topics.
const fhirNotificationTopic = "fhir-changes"

// config is the runner's environment, the same variables that
// `emulator/stack env` prints.
type config struct {
	Project      string // GOOGLE_CLOUD_PROJECT
	Port         string // IHEP_RUNNER_PORT
	ManifestPath string
}

func defaultManifestPath() string {
	return manifest.DefaultPath
}

// loadConfig reads the environment and reports every problem at once. The
// runner is for emulators only: a project id without the demo- prefix, or a
// missing or non-loopback emulator address, would let the functions reach
// real Google services, so both are rejected.
func loadConfig(manifestPath string) (config, error) {
	cfg := config{
		Project:      os.Getenv("GOOGLE_CLOUD_PROJECT"),
		Port:         os.Getenv("IHEP_RUNNER_PORT"),
		ManifestPath: manifestPath,
	}
	if cfg.Port == "" {
		cfg.Port = "8080"
	}

	var problems []string
	if !strings.HasPrefix(cfg.Project, "demo-") {
		problems = append(problems, fmt.Sprintf("GOOGLE_CLOUD_PROJECT %q is invalid: the runner needs a demo- project id, which the emulators accept offline", cfg.Project))
	}
	if port, err := strconv.Atoi(cfg.Port); err != nil || port < 1 || port > 65535 {
		problems = append(problems, fmt.Sprintf("IHEP_RUNNER_PORT %q is not a TCP port number", cfg.Port))
	}
	for _, name := range []string{"PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"} {
		if err := checkLoopbackHostPort(os.Getenv(name)); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		}
	}
	if err := checkLoopbackURL(os.Getenv("FHIR_ENDPOINT")); err != nil {
		problems = append(problems, fmt.Sprintf("FHIR_ENDPOINT: %v", err))
	}
	if os.Getenv("FUNCTION_TARGET") != "" {
		problems = append(problems, "FUNCTION_TARGET is set: unset it so that the runner serves every function at /<function-name>")
	}

	if len(problems) > 0 {
		return config{}, errors.New("invalid runner environment (run `emulator/stack env` for the expected values):\n  - " + strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

func checkLoopbackHostPort(hostPort string) error {
	if hostPort == "" {
		return errors.New("missing: set it to the emulator's 127.0.0.1:PORT")
	}
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT", hostPort)
	}
	return checkLoopbackHost(host)
}

func checkLoopbackURL(raw string) error {
	if raw == "" {
		return errors.New("missing: set it to the local FHIR engine's http://127.0.0.1:PORT/")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("%q is not an http:// URL", raw)
	}
	return checkLoopbackHost(u.Hostname())
}

func checkLoopbackHost(host string) error {
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("host %q is not a loopback address", host)
}
