// Package manifest loads and validates functions/manifest.yaml, the one list
// of IHEP's Cloud Functions. The local runner, deploy.sh and Terraform all read
// that file, so every rule about a function's name, trigger and limits is
// checked here once.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ModulePath is the Go module that the manifest's package paths are relative to.
const ModulePath = "github.com/ihep/backend"

// DefaultPath is the manifest's location relative to the repository root.
const DefaultPath = "functions/manifest.yaml"

// Manifest is the decoded manifest file.
type Manifest struct {
	Functions []Function `yaml:"functions"`
}

// Function is one deployable Cloud Function.
type Function struct {
	// Name is registered with the Functions Framework and is also the path of
	// the function's HTTPS URL.
	Name string `yaml:"name"`
	// Package is the Go package that registers the function, relative to the
	// module root, for example "functions/auth".
	Package string  `yaml:"package"`
	Trigger Trigger `yaml:"trigger"`
	// Memory is a Cloud Functions memory size such as "256Mi" or "1Gi".
	Memory string `yaml:"memory"`
	// Timeout is the request or event deadline as a Go duration, such as "30s".
	Timeout      string            `yaml:"timeout"`
	MinInstances int               `yaml:"minInstances"`
	MaxInstances int               `yaml:"maxInstances"`
	Env          map[string]string `yaml:"env"`
	Secrets      []Secret          `yaml:"secrets"`
	// Roles are the IAM roles granted to the function's own service account.
	Roles []string `yaml:"roles"`
}

// Trigger is what invokes a function. A valid trigger sets HTTPS alone,
// Topic alone, or Schedule together with Topic and TimeZone.
type Trigger struct {
	HTTPS *HTTPSTrigger `yaml:"https"`
	// Topic is a Pub/Sub topic id (not the full resource name).
	Topic string `yaml:"topic"`
	// Schedule is a five-field unix cron expression. Cloud Scheduler publishes
	// to Topic at each tick, in TimeZone.
	Schedule string `yaml:"schedule"`
	// TimeZone is an IANA time zone name such as "America/New_York".
	TimeZone string `yaml:"timeZone"`
}

// HTTPSTrigger marks a function called over HTTPS.
type HTTPSTrigger struct {
	// Public functions accept requests without a Bearer token.
	Public bool `yaml:"public"`
}

// Secret maps an environment variable to a Secret Manager secret.
type Secret struct {
	Env    string `yaml:"env"`
	Secret string `yaml:"secret"`
}

// TriggerKind names the kind of a trigger.
type TriggerKind string

// The trigger kinds a function can have.
const (
	KindHTTPS    TriggerKind = "https"
	KindTopic    TriggerKind = "topic"
	KindSchedule TriggerKind = "schedule"
	// KindInvalid is returned for a trigger that fails validation.
	KindInvalid TriggerKind = ""
)

// Kind returns the trigger's kind, or KindInvalid unless exactly one kind is set.
func (t Trigger) Kind() TriggerKind {
	switch {
	case t.HTTPS != nil && t.Topic == "" && t.Schedule == "":
		return KindHTTPS
	case t.HTTPS == nil && t.Schedule != "" && t.Topic != "":
		return KindSchedule
	case t.HTTPS == nil && t.Schedule == "" && t.Topic != "":
		return KindTopic
	default:
		return KindInvalid
	}
}

// ImportPath returns the Go import path of the package that registers f.
func (f Function) ImportPath() string {
	return ModulePath + "/" + f.Package
}

// TimeoutDuration returns f.Timeout parsed, or zero when it is not a valid duration.
func (f Function) TimeoutDuration() time.Duration {
	d, err := time.ParseDuration(f.Timeout)
	if err != nil {
		return 0
	}
	return d
}

// Topics returns the sorted, distinct topic ids that topic and schedule
// triggers use.
func (m *Manifest) Topics() []string {
	seen := map[string]bool{}
	var topics []string
	for _, f := range m.Functions {
		if f.Trigger.Topic == "" || seen[f.Trigger.Topic] {
			continue
		}
		seen[f.Trigger.Topic] = true
		topics = append(topics, f.Trigger.Topic)
	}
	sort.Strings(topics)
	return topics
}

// Packages returns the sorted, distinct package paths of all functions,
// relative to the module root.
func (m *Manifest) Packages() []string {
	seen := map[string]bool{}
	var packages []string
	for _, f := range m.Functions {
		if seen[f.Package] {
			continue
		}
		seen[f.Package] = true
		packages = append(packages, path.Clean(f.Package))
	}
	sort.Strings(packages)
	return packages
}

// Function returns the function with the given name.
func (m *Manifest) Function(name string) (Function, bool) {
	for _, f := range m.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// ValidationError lists every problem found in a manifest.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid manifest (%d problems):\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// Load reads, decodes and validates the manifest at filePath. A
// *ValidationError reports every problem at once.
func Load(filePath string) (*Manifest, error) {
	data, err := os.ReadFile(filePath)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", filePath, err)
	}
	return m, nil
}

// Parse decodes and validates a manifest. Unknown fields are problems too, so
// a misspelt key fails instead of being ignored.
func Parse(data []byte) (*Manifest, error) {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)

	var m Manifest
	var problems []string
	err := decoder.Decode(&m)
	var typeErr *yaml.TypeError
	switch {
	case errors.Is(err, io.EOF):
		return nil, &ValidationError{Problems: []string{"manifest is empty"}}
	case errors.As(err, &typeErr):
		// yaml.v3 keeps decoding past type errors, so the rest of the
		// manifest is still worth checking.
		problems = append(problems, typeErr.Errors...)
	case err != nil:
		return nil, fmt.Errorf("decode manifest: %w", err)
	}

	problems = append(problems, m.problems()...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return &m, nil
}

// Validate checks every rule and reports all problems in one *ValidationError.
func (m *Manifest) Validate() error {
	if problems := m.problems(); len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	return nil
}
