package validation

import (
	"strings"
	"testing"
)

func TestDocumentID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		want bool
	}{
		{"generated id", "aB3dE5fG7hJ9kL1mN3pQ", true},
		{"readable id", "demo-prov_02", true},
		{"one underscore pair inside", "a__b__c", true},
		{"leading underscores only", "__x", true},
		{"maximum length", strings.Repeat("a", 128), true},
		{"empty", "", false},
		{"dot", ".", false},
		{"dot dot", "..", false},
		{"slash", "a/b", false},
		{"reserved", "__x__", false},
		{"reserved name", "__name__", false},
		{"four underscores", "____", false},
		{"too long", strings.Repeat("a", 129), false},
		{"over 1500 bytes", strings.Repeat("a", 1501), false},
		{"space", "a b", false},
		{"non-ASCII", "é", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DocumentID(tc.id); got != tc.want {
				t.Errorf("DocumentID(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}
