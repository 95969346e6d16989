// Package config reads the settings every IHEP function shares from the
// environment and validates them before a function serves its first request.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Base holds the settings shared by every function. A function embeds it in
// its own config struct when it needs more.
type Base struct {
	// ProjectID is the Google Cloud project (GOOGLE_CLOUD_PROJECT).
	ProjectID string
	// AuthEmulatorHost is FIREBASE_AUTH_EMULATOR_HOST. When set, the Admin
	// SDK accepts unsigned tokens, so Validate allows it only for demo- projects.
	AuthEmulatorHost string
	// FirestoreEmulatorHost and PubSubEmulatorHost point the clients at the
	// local emulators when set.
	FirestoreEmulatorHost string
	PubSubEmulatorHost    string
	// FHIRStore is the full store name:
	// projects/P/locations/L/datasets/D/fhirStores/S.
	FHIRStore string
	// FHIREndpoint overrides the Healthcare API base URL (the local FHIR
	// engine). Empty means the real service.
	FHIREndpoint string
	// IdentityAPIKey is the Identity Platform web API key, filled from
	// Secret Manager in production (IDENTITY_API_KEY).
	IdentityAPIKey string
	// CORSAllowedOrigins lists the exact origins browsers may call from.
	CORSAllowedOrigins []string
	// TrustedProxyHops is how many proxies in front of the function append to
	// X-Forwarded-For; 0 means the TCP peer is the client.
	TrustedProxyHops int
	// RevocationCacheTTL bounds how long a user's token revocation time is
	// reused before Identity Platform is asked again.
	RevocationCacheTTL time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
}

// FromEnv reads Base from the environment, applying defaults. Call Validate
// on the result.
func FromEnv() Base {
	return Base{
		ProjectID:             firstNonEmpty(os.Getenv("GOOGLE_CLOUD_PROJECT"), os.Getenv("GCLOUD_PROJECT")),
		AuthEmulatorHost:      os.Getenv("FIREBASE_AUTH_EMULATOR_HOST"),
		FirestoreEmulatorHost: os.Getenv("FIRESTORE_EMULATOR_HOST"),
		PubSubEmulatorHost:    os.Getenv("PUBSUB_EMULATOR_HOST"),
		FHIRStore:             os.Getenv("FHIR_STORE"),
		FHIREndpoint:          os.Getenv("FHIR_ENDPOINT"),
		IdentityAPIKey:        os.Getenv("IDENTITY_API_KEY"),
		CORSAllowedOrigins:    splitList(os.Getenv("CORS_ALLOWED_ORIGINS")),
		TrustedProxyHops:      intOr(os.Getenv("TRUSTED_PROXY_HOPS"), 0),
		RevocationCacheTTL:    durationOr(os.Getenv("REVOCATION_CACHE_TTL"), 5*time.Second),
		LogLevel:              firstNonEmpty(os.Getenv("LOG_LEVEL"), "info"),
	}
}

// ErrEmulatorInProduction is reported when the Auth emulator switch is set
// for a project that is not a demo- project.
var ErrEmulatorInProduction = errors.New("FIREBASE_AUTH_EMULATOR_HOST is set but GOOGLE_CLOUD_PROJECT does not start with demo-: refusing to accept unsigned tokens")

// Validate reports every problem at once, joined into one error.
func (c Base) Validate() error {
	var errs []error
	if c.ProjectID == "" {
		errs = append(errs, errors.New("GOOGLE_CLOUD_PROJECT is missing"))
	}
	if c.UsesEmulators() && !strings.HasPrefix(c.ProjectID, "demo-") {
		errs = append(errs, ErrEmulatorInProduction)
	}
	if c.FHIRStore != "" && !validStoreName(c.FHIRStore) {
		errs = append(errs, fmt.Errorf("FHIR_STORE %q is invalid: expected projects/P/locations/L/datasets/D/fhirStores/S", c.FHIRStore))
	}
	if c.FHIREndpoint != "" {
		if u, err := url.Parse(c.FHIREndpoint); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("FHIR_ENDPOINT %q is invalid: expected an absolute URL", c.FHIREndpoint))
		}
	}
	for _, origin := range c.CORSAllowedOrigins {
		if u, err := url.Parse(origin); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			errs = append(errs, fmt.Errorf("CORS_ALLOWED_ORIGINS entry %q is invalid: expected scheme://host[:port]", origin))
		}
	}
	if c.TrustedProxyHops < 0 || c.TrustedProxyHops > 5 {
		errs = append(errs, fmt.Errorf("TRUSTED_PROXY_HOPS %d is invalid: expected 0 to 5", c.TrustedProxyHops))
	}
	if c.RevocationCacheTTL < 0 || c.RevocationCacheTTL > time.Minute {
		errs = append(errs, fmt.Errorf("REVOCATION_CACHE_TTL %s is invalid: expected 0 to 1m", c.RevocationCacheTTL))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL %q is invalid: expected debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// UsesEmulators reports whether the Auth emulator switch is set. Only the
// Auth switch weakens security (unsigned tokens), so it alone decides.
func (c Base) UsesEmulators() bool {
	return c.AuthEmulatorHost != ""
}

// RequireFHIR reports an error unless the FHIR store is configured.
func (c Base) RequireFHIR() error {
	if c.FHIRStore == "" {
		return errors.New("FHIR_STORE is missing")
	}
	return nil
}

// RequireIdentityAPIKey reports an error unless the web API key is set.
func (c Base) RequireIdentityAPIKey() error {
	if c.IdentityAPIKey == "" {
		return errors.New("IDENTITY_API_KEY is missing")
	}
	return nil
}

func validStoreName(name string) bool {
	parts := strings.Split(name, "/")
	if len(parts) != 8 {
		return false
	}
	for i, want := range []string{"projects", "locations", "datasets", "fhirStores"} {
		if parts[2*i] != want || parts[2*i+1] == "" {
			return false
		}
	}
	return true
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func splitList(value string) []string {
	var out []string
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func intOr(value string, fallback int) int {
	if value == "" {
		return fallback
	}
	n, err := strconv.Atoi(value)
	if err != nil {
		return -1 // reported by Validate as out of range
	}
	return n
}

func durationOr(value string, fallback time.Duration) time.Duration {
	if value == "" {
		return fallback
	}
	d, err := time.ParseDuration(value)
	if err != nil {
		return -1 // reported by Validate as out of range
	}
	return d
}

// RefuseEmulatorInProduction stops the process at start when the Auth
// emulator switch is set for a project that is not a demo- project. Function
// packages call it from init, before they register.
func RefuseEmulatorInProduction() {
	c := FromEnv()
	if c.UsesEmulators() && !strings.HasPrefix(c.ProjectID, "demo-") {
		fmt.Fprintln(os.Stderr, `{"severity":"CRITICAL","message":"`+ErrEmulatorInProduction.Error()+`"}`)
		os.Exit(1)
	}
}
