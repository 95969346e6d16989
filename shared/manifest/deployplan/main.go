// Command deployplan prepares deploy.sh's work for each function in the
// manifest: it stages a source folder holding only the function's package,
// the module's packages that it imports, and go.mod and go.sum, and writes the
// arguments of its `gcloud functions deploy` command, one per line.
//
//	go run ./shared/manifest/deployplan -out DIR -project P -region R [flags] [function ...]
//
// For each function it writes DIR/NAME/ (the source) and DIR/NAME.args, and
// prints NAME on standard output. With no function names it plans every
// function in the manifest.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ihep/backend/shared/manifest"
)

// settings are the deployment-wide values that are not in the manifest.
type settings struct {
	root             string
	out              string
	project          string
	region           string
	fhirStore        string
	corsOrigins      string
	trustedProxyHops string
}

func main() {
	var s settings
	flag.StringVar(&s.root, "root", ".", "repository root")
	flag.StringVar(&s.out, "out", ".deploy", "folder for the staged sources and argument files")
	flag.StringVar(&s.project, "project", "", "Google Cloud project id (required)")
	flag.StringVar(&s.region, "region", "us-central1", "region of the functions")
	flag.StringVar(&s.fhirStore, "fhir-store", "", "full FHIR store name (default projects/P/locations/R/datasets/ihep/fhirStores/phi)")
	flag.StringVar(&s.corsOrigins, "cors-origins", "", "comma-separated origins browsers may call from")
	flag.StringVar(&s.trustedProxyHops, "trusted-proxy-hops", "2", "proxies that append to X-Forwarded-For in front of the HTTPS functions")
	flag.Parse()

	if err := run(s, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "deployplan:", err)
		os.Exit(1)
	}
}

func run(s settings, names []string) error {
	if s.project == "" {
		return errors.New("-project is missing: give the Google Cloud project id")
	}
	if s.fhirStore == "" {
		s.fhirStore = fmt.Sprintf("projects/%s/locations/%s/datasets/ihep/fhirStores/phi", s.project, s.region)
	}
	m, err := manifest.Load(filepath.Join(s.root, manifest.DefaultPath))
	if err != nil {
		return err
	}
	runtime, err := manifest.GoRuntime(filepath.Join(s.root, "go.mod"))
	if err != nil {
		return err
	}

	functions, err := selectFunctions(m, names)
	if err != nil {
		return err
	}
	for _, f := range functions {
		if err := stage(s, f); err != nil {
			return fmt.Errorf("stage %s: %w", f.Name, err)
		}
		args, err := deployArgs(s, f, runtime)
		if err != nil {
			return fmt.Errorf("plan %s: %w", f.Name, err)
		}
		if err := os.WriteFile(filepath.Join(s.out, f.Name+".args"), []byte(strings.Join(args, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		fmt.Println(f.Name)
	}
	return nil
}

func selectFunctions(m *manifest.Manifest, names []string) ([]manifest.Function, error) {
	if len(names) == 0 {
		return m.Functions, nil
	}
	var out []manifest.Function
	var unknown []string
	for _, name := range names {
		f, ok := m.Function(name)
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		out = append(out, f)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("function %s not found in %s", strings.Join(unknown, ", "), manifest.DefaultPath)
	}
	return out, nil
}

// listedPackage is the part of `go list -json` output that staging needs.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
}

// stage copies the function's package and every package of this module it
// imports, without tests, into out/NAME, with go.mod and go.sum.
func stage(s settings, f manifest.Function) error {
	cmd := exec.Command("go", "list", "-deps", "-json", "./"+f.Package)
	cmd.Dir = s.root
	cmd.Stderr = os.Stderr
	listing, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list -deps ./%s: %w", f.Package, err)
	}

	dest := filepath.Join(s.out, f.Name)
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	decoder := json.NewDecoder(bytes.NewReader(listing))
	for {
		var pkg listedPackage
		if err := decoder.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("decode go list output: %w", err)
		}
		rel, ok := strings.CutPrefix(pkg.ImportPath, manifest.ModulePath+"/")
		if pkg.Standard || !ok {
			continue
		}
		files := append(append(append([]string{}, pkg.GoFiles...), pkg.CgoFiles...), pkg.EmbedFiles...)
		for _, name := range files {
			if err := copyFile(filepath.Join(pkg.Dir, name), filepath.Join(dest, filepath.FromSlash(rel), name)); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := copyFile(filepath.Join(s.root, name), filepath.Join(dest, name)); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dest, entryFile), []byte(entrySource(f)), 0o644)
}

// entryFile is the Go file staged at the source root. The Cloud Functions Go
// buildpack builds a main package that imports the module's root package, so
// the root package imports the function's package, whose init registers it
// with the Functions Framework under the name FUNCTION_TARGET selects.
//
// NOTE: this follows the buildpack's documented layout (function code in the
// module's root package); a real deployment is the only test of it.
const entryFile = "function.go"

func entrySource(f manifest.Function) string {
	return fmt.Sprintf(`// Package backend is the deployment root of the %s function. Importing
// its package registers the function with the Functions Framework.
package backend

import _ %q
`, f.Name, f.ImportPath())
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

// deployArgs returns the arguments after `gcloud` that deploy f. The
// settings match terraform/functions.tf, which creates the function first.
func deployArgs(s settings, f manifest.Function, runtime string) ([]string, error) {
	args := []string{
		"functions", "deploy", f.Name,
		"--gen2",
		"--quiet",
		"--project=" + s.project,
		"--region=" + s.region,
		"--runtime=" + runtime,
		"--source=" + filepath.Join(s.out, f.Name),
		"--entry-point=" + f.Name,
		"--memory=" + f.Memory,
		fmt.Sprintf("--timeout=%ds", int(f.TimeoutDuration().Seconds())),
		fmt.Sprintf("--min-instances=%d", f.MinInstances),
		fmt.Sprintf("--max-instances=%d", f.MaxInstances),
		fmt.Sprintf("--service-account=fn-%s@%s.iam.gserviceaccount.com", f.Name, s.project),
		fmt.Sprintf("--build-service-account=projects/%s/serviceAccounts/fn-build@%s.iam.gserviceaccount.com", s.project, s.project),
		// Every function is an HTTP function to Cloud Functions. Event
		// functions receive their topic's messages from the push
		// subscriptions in terraform/pubsub.tf, which carry the dead-letter
		// and retry policies that Eventarc's own subscriptions lack.
		"--trigger-http",
	}
	if f.Trigger.Kind() == manifest.KindHTTPS {
		args = append(args, "--ingress-settings=internal-and-gclb")
	} else {
		args = append(args, "--ingress-settings=internal-only", "--no-allow-unauthenticated")
	}

	env := map[string]string{
		"GOOGLE_CLOUD_PROJECT": s.project,
		"FHIR_STORE":           s.fhirStore,
		"CORS_ALLOWED_ORIGINS": s.corsOrigins,
		"TRUSTED_PROXY_HOPS":   s.trustedProxyHops,
		"LOG_LEVEL":            "info",
	}
	for name, value := range f.Env {
		env[name] = value
	}
	envArg, err := envVarsArg(env)
	if err != nil {
		return nil, err
	}
	args = append(args, envArg)

	if len(f.Secrets) > 0 {
		secrets := make([]string, 0, len(f.Secrets))
		for _, secret := range f.Secrets {
			secrets = append(secrets, secret.Env+"="+secret.Secret+":latest")
		}
		args = append(args, "--set-secrets="+strings.Join(secrets, ","))
	} else {
		args = append(args, "--clear-secrets")
	}
	return args, nil
}

// envVarsArg returns --set-env-vars with a delimiter that no value contains,
// in gcloud's ^DELIM^ syntax, since CORS origins contain commas.
func envVarsArg(env map[string]string) (string, error) {
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	pairs := make([]string, 0, len(names))
	for _, name := range names {
		if strings.ContainsAny(env[name], "\n\r") {
			return "", fmt.Errorf("environment variable %s contains a line break, which deploy.sh cannot pass", name)
		}
		pairs = append(pairs, name+"="+env[name])
	}
	joined := strings.Join(pairs, "")
	for _, delimiter := range []string{"|", "@", "#", "~", ";"} {
		if !strings.Contains(joined, delimiter) {
			return "--set-env-vars=^" + delimiter + "^" + strings.Join(pairs, delimiter), nil
		}
	}
	return "", errors.New("every delimiter gcloud could use appears in the environment values")
}
