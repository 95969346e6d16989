package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ihep/backend/shared/manifest"
)

const repoRoot = "../../.."

// runDeploy runs deploy.sh with args and extra environment variables and
// returns its standard output and error.
func runDeploy(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join(repoRoot, "deploy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestDryRunStagesEveryFunction runs ./deploy.sh --dry-run and checks that it
// prints one deploy command per manifest function and that each staged
// folder holds no other function's package and builds on its own, offline.
func TestDryRunStagesEveryFunction(t *testing.T) {
	m, err := manifest.Load(filepath.Join(repoRoot, manifest.DefaultPath))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	stdout, stderr, err := runDeploy(t, []string{"GOOGLE_CLOUD_PROJECT=test-project", "IHEP_DEPLOY_DIR=" + out}, "--dry-run")
	if err != nil {
		t.Fatalf("deploy.sh --dry-run: %v\n%s", err, stderr)
	}

	commands := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 4 || fields[0] != "gcloud" || fields[1] != "functions" || fields[2] != "deploy" {
			t.Fatalf("unexpected output line %q", line)
		}
		if _, dup := commands[fields[3]]; dup {
			t.Errorf("%s is deployed twice", fields[3])
		}
		commands[fields[3]] = line
	}
	if len(commands) != len(m.Functions) {
		t.Errorf("dry run printed %d deploy commands, want one per manifest function (%d)", len(commands), len(m.Functions))
	}

	packages := map[string]bool{}
	for _, f := range m.Functions {
		packages[f.Package] = true
	}
	for _, f := range m.Functions {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			checkCommand(t, commands[f.Name], f)
			dir := filepath.Join(out, f.Name)
			checkStagedPackages(t, dir, f, packages)

			build := exec.Command("go", "build", "./...")
			build.Dir = dir
			// -trimpath keeps the staging folder out of the build cache keys, so the
			// packages that every folder shares compile once.
			build.Env = append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOPROXY=off", "GOWORK=off")
			if output, err := build.CombinedOutput(); err != nil {
				t.Errorf("go build in the staged folder of %s failed: %v\n%s", f.Name, err, output)
			}
		})
	}
}

func checkCommand(t *testing.T, command string, f manifest.Function) {
	t.Helper()
	if command == "" {
		t.Fatalf("the dry run printed no deploy command for %s", f.Name)
	}
	want := []string{
		"--gen2",
		"--runtime=go126",
		"--entry-point=" + f.Name,
		"--memory=" + f.Memory,
		"--service-account=fn-" + f.Name + "@test-project.iam.gserviceaccount.com",
		"--region=us-central1",
		"--trigger-http",
	}
	if f.Trigger.Kind() == manifest.KindHTTPS {
		want = append(want, "--ingress-settings=internal-and-gclb")
	} else {
		want = append(want, "--ingress-settings=internal-only")
	}
	for _, s := range f.Secrets {
		want = append(want, s.Env+"="+s.Secret+":latest")
	}
	for name, value := range f.Env {
		want = append(want, name+"="+value)
	}
	for _, fragment := range want {
		if !strings.Contains(command, fragment) {
			t.Errorf("deploy command of %s lacks %q:\n%s", f.Name, fragment, command)
		}
	}
}

// checkStagedPackages checks that the only function package in dir is f's
// own and that no test file was copied.
func checkStagedPackages(t *testing.T, dir string, f manifest.Function, packages map[string]bool) {
	t.Helper()
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(rel, "_test.go") {
			t.Errorf("test file %s was staged", rel)
		}
		if pkg := filepath.ToSlash(filepath.Dir(rel)); packages[pkg] || strings.HasPrefix(pkg, "functions/") {
			found[pkg] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for pkg := range found {
		got = append(got, pkg)
	}
	slices.Sort(got)
	if want := []string{f.Package}; !slices.Equal(got, want) {
		t.Errorf("staged function packages = %v, want only %v", got, want)
	}
}

// fakePath returns a PATH with go and, when gcloudScript is not empty, a
// gcloud that runs it.
func fakePath(t *testing.T, gcloudScript string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"go", "dirname"} {
		target, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	if gcloudScript != "" {
		if err := os.WriteFile(filepath.Join(dir, "gcloud"), []byte("#!/bin/sh\n"+gcloudScript+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDeployFailsFast(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		gcloud  string
		project string
		want    string
	}{
		{"gcloud missing", "", "test-project", "gcloud is not installed"},
		{"not authenticated", `exit 0`, "test-project", "gcloud is not authenticated"},
		{"project unset", `case "$*" in *"auth list"*) echo someone@example.com;; esac`, "", "the project is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"PATH=" + fakePath(t, tc.gcloud), "GOOGLE_CLOUD_PROJECT=" + tc.project, "IHEP_DEPLOY_DIR=" + t.TempDir()}
			stdout, stderr, err := runDeploy(t, env, "vitals")
			if err == nil {
				t.Fatalf("deploy.sh succeeded, want a failure; output:\n%s", stdout)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("deploy.sh printed %q before failing", stdout)
			}
		})
	}
}
