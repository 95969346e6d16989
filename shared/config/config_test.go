package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validBase() Base {
	return Base{
		ProjectID:          "demo-ihep",
		FHIRStore:          "projects/demo-ihep/locations/local/datasets/ihep/fhirStores/phi",
		FHIREndpoint:       "http://127.0.0.1:8090/",
		CORSAllowedOrigins: []string{"http://localhost:3000"},
		RevocationCacheTTL: 5 * time.Second,
		LogLevel:           "info",
	}
}

func TestValidateAcceptsValidConfig(t *testing.T) {
	t.Parallel()
	if err := validBase().Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

func TestValidateEmulatorGuard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		project string
		host    string
		wantErr bool
	}{
		{"demo project with emulator", "demo-ihep", "127.0.0.1:9099", false},
		{"real project with emulator", "ihep-prod", "127.0.0.1:9099", true},
		{"demo inside name only", "my-demo-ihep", "127.0.0.1:9099", true},
		{"real project without emulator", "ihep-prod", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := validBase()
			c.ProjectID = tc.project
			c.AuthEmulatorHost = tc.host
			err := c.Validate()
			if got := errors.Is(err, ErrEmulatorInProduction); got != tc.wantErr {
				t.Fatalf("Validate() = %v, want emulator error %v", err, tc.wantErr)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := Base{
		FHIRStore:          "projects/x/fhirStores/y",
		FHIREndpoint:       "not a url",
		CORSAllowedOrigins: []string{"http://ok.example", "ftp//bad"},
		TrustedProxyHops:   -1,
		RevocationCacheTTL: time.Hour,
		LogLevel:           "loud",
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{"GOOGLE_CLOUD_PROJECT", "FHIR_STORE", "FHIR_ENDPOINT", "CORS_ALLOWED_ORIGINS", "TRUSTED_PROXY_HOPS", "REVOCATION_CACHE_TTL", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() error does not mention %s: %v", want, err)
		}
	}
}

func TestFromEnvReadsSettings(t *testing.T) {
	t.Setenv("GOOGLE_CLOUD_PROJECT", "demo-x")
	t.Setenv("CORS_ALLOWED_ORIGINS", " http://a.example , ,http://b.example")
	t.Setenv("TRUSTED_PROXY_HOPS", "2")
	t.Setenv("REVOCATION_CACHE_TTL", "bogus")
	c := FromEnv()
	if c.ProjectID != "demo-x" {
		t.Errorf("ProjectID = %q, want demo-x", c.ProjectID)
	}
	if len(c.CORSAllowedOrigins) != 2 || c.CORSAllowedOrigins[1] != "http://b.example" {
		t.Errorf("CORSAllowedOrigins = %q, want two trimmed origins", c.CORSAllowedOrigins)
	}
	if c.TrustedProxyHops != 2 {
		t.Errorf("TrustedProxyHops = %d, want 2", c.TrustedProxyHops)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "REVOCATION_CACHE_TTL") {
		t.Errorf("Validate() = %v, want a REVOCATION_CACHE_TTL error for an unparsable value", err)
	}
}
