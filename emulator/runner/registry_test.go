package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/manifest"
)

func TestRegistryMatchesManifest(t *testing.T) {
	m := loadRepoManifest(t)
	registered, err := registeredFunctionNames()
	if err != nil {
		t.Fatalf("registeredFunctionNames() = %v", err)
	}
	if err := checkRegistry(m, registered); err != nil {
		t.Error(err)
	}
}

func TestCheckRegistryReportsBothDirections(t *testing.T) {
	t.Parallel()
	m := &manifest.Manifest{Functions: []manifest.Function{
		{Name: "auth-login", Package: "functions/auth"},
		{Name: "vitals-record", Package: "functions/vitals"},
	}}
	err := checkRegistry(m, []string{"auth-login", "auth-debug"})
	if err == nil {
		t.Fatal("checkRegistry() = nil, want an error")
	}
	for _, want := range []string{
		"vitals-record is in the manifest but not registered: import github.com/ihep/backend/functions/vitals",
		"auth-debug is registered but missing from the manifest",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("checkRegistry() error %q does not contain %q", err, want)
		}
	}
}

func TestCheckRegistryAcceptsMatch(t *testing.T) {
	t.Parallel()
	m := &manifest.Manifest{Functions: []manifest.Function{{Name: "auth-login"}, {Name: "auth-logout"}}}
	if err := checkRegistry(m, []string{"auth-login", "auth-logout"}); err != nil {
		t.Errorf("checkRegistry() = %v, want nil", err)
	}
}

func TestParseServingLines(t *testing.T) {
	t.Parallel()
	printed := "Serving function: \"auth-login\"\nsomething else\nServing function: \"\"\nServing function: \"auth-signup\"\n"
	got, err := parseServingLines([]byte(printed))
	if err != nil {
		t.Fatalf("parseServingLines() = %v", err)
	}
	if diff := cmp.Diff([]string{"auth-login", "auth-signup"}, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}
