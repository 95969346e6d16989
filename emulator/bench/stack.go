package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/identity"
	"github.com/ihep/backend/shared/platform"
)

// requiredVars are the variables of `emulator/stack env` that the benchmark
// reads.
var requiredVars = []string{
	"GOOGLE_CLOUD_PROJECT", "FIREBASE_AUTH_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST",
	"PUBSUB_EMULATOR_HOST", "FHIR_ENDPOINT", "FHIR_STORE", "IDENTITY_API_KEY", "IHEP_RUNNER_URL",
}

const startHint = "start the stack with `emulator/stack up --profile dev`, then run `eval \"$(emulator/stack env --profile dev)\"`"

// stack is the running local stack as the benchmark reaches it: the
// functions through the runner, and the emulators and the FHIR engine
// directly. It remembers what the benchmark writes, so that cleanUp can
// delete it.
type stack struct {
	cfg       config.Base
	runnerURL string
	http      *http.Client
	fhir      *fhir.Client
	firestore *firestore.Client
	auth      *auth.Client
	identity  *identity.Client

	mu      sync.Mutex
	users   []*benchUser
	written map[string][]string // raw Observation ids by Patient id
	stores  []string            // scratch FHIR store names

	// pids are the processes that listen on the stack's ports.
	pids []int
}

// connect checks the environment and that every part of the stack
// responds, then builds the clients.
func connect(ctx context.Context) (*stack, error) {
	var missing []string
	for _, name := range requiredVars {
		if os.Getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variables %s are missing: %s", strings.Join(missing, ", "), startHint)
	}
	cfg := config.FromEnv()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid stack environment: %w", err)
	}
	if err := checkLoopback(cfg); err != nil {
		return nil, err
	}

	var err error
	s := &stack{
		cfg:       cfg,
		runnerURL: strings.TrimSuffix(os.Getenv("IHEP_RUNNER_URL"), "/"),
		http:      newHTTPClient(16),
		identity:  identity.New(cfg.IdentityAPIKey, cfg.AuthEmulatorHost),
		written:   map[string][]string{},
	}
	if err := s.probe(ctx); err != nil {
		return nil, err
	}
	if s.pids, err = listeners(stackPorts(cfg, s.runnerURL)); err != nil {
		progress("measuring without waiting for an idle stack: %v", err)
	}
	if s.fhir, err = fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint); err != nil {
		return nil, err
	}
	if s.firestore, err = platform.NewFirestore(ctx, cfg); err != nil {
		return nil, err
	}
	if s.auth, err = platform.NewAuth(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// newHTTPClient returns a client that keeps up to conns connections open,
// so that every request after the first reuses one.
func newHTTPClient(conns int) *http.Client {
	transport := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &http.Client{Transport: transport, Timeout: 2 * time.Minute}
}

// checkLoopback rejects an environment that would send the benchmark's load
// anywhere but this machine.
func checkLoopback(cfg config.Base) error {
	addresses := map[string]string{
		"IHEP_RUNNER_URL":             os.Getenv("IHEP_RUNNER_URL"),
		"FHIR_ENDPOINT":               cfg.FHIREndpoint,
		"FIREBASE_AUTH_EMULATOR_HOST": "http://" + cfg.AuthEmulatorHost,
		"FIRESTORE_EMULATOR_HOST":     "http://" + cfg.FirestoreEmulatorHost,
		"PUBSUB_EMULATOR_HOST":        "http://" + cfg.PubSubEmulatorHost,
	}
	var errs []error
	for name, raw := range addresses {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			errs = append(errs, fmt.Errorf("%s %q is not a URL or host:port", name, raw))
			continue
		}
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			errs = append(errs, fmt.Errorf("%s %q is not a loopback address: the benchmark runs only against the local stack", name, raw))
		}
	}
	return errors.Join(errs...)
}

// stackPorts returns the TCP ports of the runner, the FHIR engine and the
// emulators.
func stackPorts(cfg config.Base, runnerURL string) []int {
	var ports []int
	for _, raw := range []string{runnerURL, cfg.FHIREndpoint, "http://" + cfg.AuthEmulatorHost, "http://" + cfg.FirestoreEmulatorHost, "http://" + cfg.PubSubEmulatorHost} {
		if u, err := url.Parse(raw); err == nil {
			if port, err := strconv.Atoi(u.Port()); err == nil {
				ports = append(ports, port)
			}
		}
	}
	return ports
}

// probe checks that the runner, the FHIR engine and the emulators respond.
func (s *stack) probe(ctx context.Context) error {
	checks := []struct{ part, url string }{
		{"runner", s.runnerURL + "/_healthz"},
		{"FHIR engine", strings.TrimSuffix(s.cfg.FHIREndpoint, "/") + "/healthz"},
		{"Auth emulator", "http://" + s.cfg.AuthEmulatorHost + "/"},
		{"Firestore emulator", "http://" + s.cfg.FirestoreEmulatorHost + "/"},
		{"Pub/Sub emulator", "http://" + s.cfg.PubSubEmulatorHost + "/"},
	}
	for _, check := range checks {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		status, _, err := s.send(ctx, http.MethodGet, check.url, "", nil)
		cancel()
		if err != nil {
			return fmt.Errorf("the %s does not respond at %s (%v): %s", check.part, check.url, err, startHint)
		}
		if status != http.StatusOK {
			return fmt.Errorf("the %s at %s returned %d, expected 200: %s", check.part, check.url, status, startHint)
		}
	}
	return nil
}

// remember records the raw Observations written for a patient.
func (s *stack) remember(patientID string, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written[patientID] = append(s.written[patientID], ids...)
}

// scratchStore returns a client for a new, empty FHIR store of the
// benchmark's own in the local engine, which cleanUp deletes.
func (s *stack) scratchStore(ctx context.Context) (*fhir.Client, error) {
	name := fmt.Sprintf("projects/%s/locations/local/datasets/ihep/fhirStores/bench-%s", s.cfg.ProjectID, randomID())
	client, err := fhir.New(ctx, name, s.cfg.FHIREndpoint)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.stores = append(s.stores, name)
	s.mu.Unlock()
	return client, nil
}
