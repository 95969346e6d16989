// Package testenv connects integration tests to the local stack (the Auth,
// Firestore and Pub/Sub emulators and the local FHIR engine) that
// `emulator/stack up --profile test` starts, and gives each test its own
// isolated identities and FHIR store.
package testenv

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/config"
)

// required lists the variables the stack's env command prints.
var required = []string{"GOOGLE_CLOUD_PROJECT", "FIREBASE_AUTH_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST", "FHIR_ENDPOINT", "FHIR_STORE", "IDENTITY_API_KEY"}

var (
	startOnce sync.Once
	startErr  error
)

// Require skips the test under -short and otherwise makes sure the test
// stack is running, starting it with the project's own script when its
// variables are not set. A stack that cannot start fails the test.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping integration test in -short mode")
	}
	startOnce.Do(func() { startErr = ensureStack() })
	if startErr != nil {
		t.Fatalf("local test stack unavailable: %v", startErr)
	}
}

func ensureStack() error {
	if missing := missingVars(); len(missing) == 0 {
		return nil
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	script := filepath.Join(root, "emulator", "stack")
	up := exec.Command(script, "up", "--profile", "test")
	up.Stdout, up.Stderr = os.Stderr, os.Stderr
	if err := up.Run(); err != nil {
		return fmt.Errorf("run emulator/stack up --profile test: %w", err)
	}
	out, err := exec.Command(script, "env", "--profile", "test").Output()
	if err != nil {
		return fmt.Errorf("run emulator/stack env --profile test: %w", err)
	}
	if err := applyExports(out); err != nil {
		return err
	}
	if missing := missingVars(); len(missing) > 0 {
		return fmt.Errorf("stack env did not set %s", strings.Join(missing, ", "))
	}
	return nil
}

func missingVars() []string {
	var missing []string
	for _, name := range required {
		if os.Getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

// applyExports sets each `export NAME=value` line in the process env.
func applyExports(out []byte) error {
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(scanner.Text()), "export ")
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if err := os.Setenv(name, strings.Trim(value, `"'`)); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	return scanner.Err()
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Config returns the stack's configuration with a FHIR store of the test's
// own, so that no two tests see each other's resources.
func Config(t testing.TB) config.Base {
	t.Helper()
	cfg := config.FromEnv()
	cfg.FHIRStore = fmt.Sprintf("projects/%s/locations/local/datasets/tests/fhirStores/%s", cfg.ProjectID, UniqueID(t))
	cfg.RevocationCacheTTL = 5 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	t.Cleanup(func() { deleteStore(t, cfg) })
	return cfg
}

// deleteStore drops the test's FHIR store from the local engine, which keeps
// every store in memory until it stops.
func deleteStore(t testing.TB, cfg config.Base) {
	req, err := http.NewRequest(http.MethodDelete, strings.TrimSuffix(cfg.FHIREndpoint, "/")+"/v1/"+cfg.FHIRStore, nil)
	if err != nil {
		t.Errorf("delete test store: %v", err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("delete test store: %v", err)
		return
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("delete test store: status %d", resp.StatusCode)
	}
}

// UniqueID returns a short random id, safe in e-mails, ids and store names.
func UniqueID(t testing.TB) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random id: %v", err)
	}
	return "t" + hex.EncodeToString(b[:])
}

// UniqueEmail returns an e-mail address no other test uses.
func UniqueEmail(t testing.TB) string {
	return UniqueID(t) + "@example.com"
}

// UniqueIP returns a random client address in 198.18.0.0/15 (reserved for
// benchmarking, RFC 2544), so that tests' per-IP rate limits do not collide.
// It only fills RemoteAddr of in-process requests; nothing connects to it.
func UniqueIP(t testing.TB) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random ip: %v", err)
	}
	return fmt.Sprintf("198.%d.%d.%d", 18+b[0]%2, b[1], b[2])
}
