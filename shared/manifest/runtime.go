package manifest

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/modfile"
)

// GoRuntime returns the Cloud Functions runtime id for the Go version that
// the go.mod file at goModPath names: go 1.26.8 runs on go126. Terraform and
// deploy.sh deploy on this runtime, so it always matches go.mod.
func GoRuntime(goModPath string) (string, error) {
	data, err := os.ReadFile(goModPath)
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	mod, err := modfile.ParseLax(goModPath, data, nil)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", goModPath, err)
	}
	if mod.Go == nil {
		return "", fmt.Errorf("%s has no go directive", goModPath)
	}
	parts := strings.Split(mod.Go.Version, ".")
	if len(parts) < 2 {
		return "", fmt.Errorf("go version %q in %s has no minor version", mod.Go.Version, goModPath)
	}
	return "go" + parts[0] + parts[1], nil
}
