package fhir_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/testenv"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		want bool
	}{
		{"uuid", "0d4f0a52-8a2c-4b6e-9a8f-3c1f2b7d9e10", true},
		{"dotted", "a.b-c", true},
		{"maximum length", strings.Repeat("a", 64), true},
		{"empty", "", false},
		{"dot", ".", false},
		{"dot dot", "..", false},
		{"too long", strings.Repeat("a", 65), false},
		{"slash", "a/b", false},
		{"underscore", "__x__", false},
		{"escaped dots", "%2E%2E", false},
		{"query", "a?b", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fhir.ValidID(tc.id); got != tc.want {
				t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

// TestInvalidIDNeverReachesStore checks that requests on ids such as ".."
// (which a URL path resolves to the resource type or the store) return
// not found and leave the store's resources alone.
func TestInvalidIDNeverReachesStore(t *testing.T) {
	testenv.Require(t)
	t.Parallel()
	ctx := context.Background()
	cfg := testenv.Config(t)
	client, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		t.Fatal(err)
	}
	patient := map[string]any{"resourceType": "Patient", "active": true}
	created, _, err := client.Create(ctx, "Patient", patient, "")
	if err != nil {
		t.Fatalf("create patient: %v", err)
	}

	for _, id := range []string{"..", ".", "__x__", "a/../..", ""} {
		if _, _, err := client.Read(ctx, "Patient", id); !fhir.IsNotFound(err) {
			t.Errorf("Read(%q) error = %v, want not found", id, err)
		}
		if _, err := client.Update(ctx, "Patient", id, patient, ""); !fhir.IsNotFound(err) {
			t.Errorf("Update(%q) error = %v, want not found", id, err)
		}
		if err := client.Delete(ctx, "Patient", id); err != nil {
			t.Errorf("Delete(%q) error = %v, want nil", id, err)
		}
	}

	if _, _, err := client.Read(ctx, "Patient", created.ID); err != nil {
		t.Errorf("read patient after the invalid deletes: %v", err)
	}
}
