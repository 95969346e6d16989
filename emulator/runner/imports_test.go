package main

import (
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/manifest"
)

// repoManifest is the repository's manifest, relative to this package.
const repoManifest = "../../" + manifest.DefaultPath

func loadRepoManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(repoManifest)
	if err != nil {
		t.Fatalf("load manifest: %v", err)
	}
	return m
}

// TestRunnerImportsManifestPackages reads functions.go rather than the
// compiled registry, so it names the missing import directly.
func TestRunnerImportsManifestPackages(t *testing.T) {
	t.Parallel()
	m := loadRepoManifest(t)

	file, err := parser.ParseFile(token.NewFileSet(), "functions.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatalf("parse functions.go: %v", err)
	}
	var imported []string
	for _, spec := range file.Imports {
		importPath, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			t.Fatalf("import path %s: %v", spec.Path.Value, err)
		}
		if strings.HasPrefix(importPath, manifest.ModulePath+"/functions/") {
			imported = append(imported, importPath)
		}
	}
	sort.Strings(imported)

	var want []string
	for _, pkg := range m.Packages() {
		want = append(want, manifest.ModulePath+"/"+pkg)
	}
	if diff := cmp.Diff(want, imported); diff != "" {
		t.Errorf("function packages imported by functions.go differ from the manifest's (-manifest +imported):\n%s", diff)
	}
}
