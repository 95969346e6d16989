// Package terraform holds the tests of the Terraform configuration in this
// folder. Terraform's provider registry is out of reach where the tests run,
// so they evaluate the configuration themselves (see eval_test.go) and check
// it against functions/manifest.yaml.
package terraform

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/ihep/backend/shared/manifest"
)

const manifestPath = "../" + manifest.DefaultPath

func loadManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// find returns the instances of one resource, failing the test when the
// configuration has no such resource.
func (c *config) find(t *testing.T, typ, name string) map[string]node {
	t.Helper()
	for _, r := range c.resources {
		if r.Mode == "resource" && r.Type == typ && r.Name == name {
			return r.Instances
		}
	}
	t.Fatalf("resource %s.%s is missing", typ, name)
	return nil
}

// goRuntime returns the Cloud Functions runtime that matches go.mod.
func goRuntime(t *testing.T) string {
	t.Helper()
	runtime, err := manifest.GoRuntime("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	return runtime
}

func TestConfigCoversManifest(t *testing.T) {
	t.Parallel()
	c := loadConfig(t, ".", os.ReadFile)
	checkCoverage(t, c, loadManifest(t), goRuntime(t))
}

// TestConfigCoversNewFunctions evaluates the configuration with functions,
// topics, schedules and secrets that the manifest does not have yet, to show
// that adding them needs no change to the .tf files.
func TestConfigCoversNewFunctions(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	extra := `
  - name: nightly-digest
    package: functions/digest
    trigger: {schedule: "30 2 * * *", topic: nightly-digest-tick, timeZone: Etc/UTC}
    memory: 1Gi
    timeout: 5m
    roles: [roles/datastore.user]
  - name: consent-events
    package: functions/consent
    trigger: {topic: consent-changes}
    memory: 128Mi
    timeout: 1m30s
    minInstances: 1
    maxInstances: 3
    env: {BATCH_SIZE: "50"}
    roles: [roles/healthcare.fhirResourceReader]
  - name: example-https-extra
    package: functions/exampleextra
    trigger: {https: {public: false}}
    memory: 512Mi
    timeout: 2m
    maxInstances: 10
    secrets:
      - {env: MODEL_API_KEY, secret: model-api-key}
    roles: [roles/aiplatform.user, roles/datastore.user]
`
	extended := append(bytes.TrimRight(data, "\n"), []byte(extra)...)
	m, err := manifest.Parse(extended)
	if err != nil {
		t.Fatalf("extended manifest: %v", err)
	}
	manifestFile, err := filepath.Abs(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	readFile := func(path string) ([]byte, error) {
		if abs, err := filepath.Abs(path); err == nil && abs == manifestFile {
			return extended, nil
		}
		return os.ReadFile(path)
	}

	c := loadConfig(t, ".", readFile)
	checkCoverage(t, c, m, goRuntime(t))
}

// checkCoverage checks that every function in m has its service account,
// grants, function resource, and the trigger and routing resources of its
// kind.
func checkCoverage(t *testing.T, c *config, m *manifest.Manifest, runtime string) {
	t.Helper()
	accounts := c.find(t, "google_service_account", "function")
	functions := c.find(t, "google_cloudfunctions2_function", "function")
	grants := projectGrants(t, c)

	for _, f := range m.Functions {
		t.Run(f.Name, func(t *testing.T) {
			account, ok := accounts[f.Name]
			if !ok {
				t.Fatalf("no service account for %s", f.Name)
			}
			email := account.str("account_id") + "@" + testProject + ".iam.gserviceaccount.com"
			if got, want := account.str("account_id"), "fn-"+f.Name; got != want {
				t.Errorf("service account id = %q, want %q (deploy.sh uses the same id)", got, want)
			}

			got := grants["serviceAccount:"+email]
			want := slices.Clone(f.Roles)
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("project roles of %s = %v, want exactly the manifest's %v", email, got, want)
			}

			fn, ok := functions[f.Name]
			if !ok {
				t.Fatalf("no Cloud Function resource for %s", f.Name)
			}
			checkFunction(t, fn, f, email, runtime)
			checkSecrets(t, c, f, email)

			switch f.Trigger.Kind() {
			case manifest.KindHTTPS:
				checkRouting(t, c, f)
			case manifest.KindTopic:
				checkSubscription(t, c, f)
			case manifest.KindSchedule:
				checkSubscription(t, c, f)
				checkSchedule(t, c, f)
			}
		})
	}

	topics := map[string]bool{}
	for _, topic := range c.find(t, "google_pubsub_topic", "topic") {
		topics[topic.str("name")] = true
	}
	for _, topic := range m.Topics() {
		if !topics[topic] {
			t.Errorf("topic %s from the manifest has no google_pubsub_topic", topic)
		}
	}
}

// projectGrants returns the project-level roles of each member.
func projectGrants(t *testing.T, c *config) map[string][]string {
	t.Helper()
	grants := map[string][]string{}
	for _, r := range c.resources {
		if r.Type != "google_project_iam_member" {
			continue
		}
		for _, inst := range r.Instances {
			// Service agents' members are unknown before apply; they are
			// no function's account.
			if member := inst.str("member"); member != "" {
				grants[member] = append(grants[member], inst.str("role"))
			}
		}
	}
	return grants
}

func checkFunction(t *testing.T, fn node, f manifest.Function, email, runtime string) {
	t.Helper()
	build := fn.block("build_config")
	service := fn.block("service_config")

	wantIngress := "ALLOW_INTERNAL_ONLY"
	if f.Trigger.Kind() == manifest.KindHTTPS {
		wantIngress = "ALLOW_INTERNAL_AND_GCLB"
	}
	for _, check := range []struct{ field, got, want string }{
		{"name", fn.str("name"), f.Name},
		{"build_config.runtime", build.str("runtime"), runtime},
		{"build_config.entry_point", build.str("entry_point"), f.Name},
		{"service_config.available_memory", service.str("available_memory"), f.Memory},
		{"service_config.service_account_email", service.str("service_account_email"), email},
		{"service_config.ingress_settings", service.str("ingress_settings"), wantIngress},
	} {
		if check.got != check.want {
			t.Errorf("%s = %q, want %q", check.field, check.got, check.want)
		}
	}

	for _, check := range []struct {
		field string
		want  int64
	}{
		{"timeout_seconds", int64(f.TimeoutDuration().Seconds())},
		{"min_instance_count", int64(f.MinInstances)},
		{"max_instance_count", int64(f.MaxInstances)},
	} {
		v := service.Attrs[check.field]
		if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
			t.Errorf("service_config.%s is not a known number", check.field)
			continue
		}
		if got, _ := v.AsBigFloat().Int64(); got != check.want {
			t.Errorf("service_config.%s = %d, want %d", check.field, got, check.want)
		}
	}

	env := service.Attrs["environment_variables"]
	for _, name := range []string{"GOOGLE_CLOUD_PROJECT", "FHIR_STORE"} {
		if !hasKey(env, name) {
			t.Errorf("environment_variables lack %s", name)
		}
	}
	for name, value := range f.Env {
		if !hasKey(env, name) || env.GetAttr(name).AsString() != value {
			t.Errorf("environment_variables[%s] is not the manifest's %q", name, value)
		}
	}
}

func hasKey(v cty.Value, key string) bool {
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return false
	}
	if v.Type().IsObjectType() {
		return v.Type().HasAttribute(key)
	}
	return v.HasIndex(cty.StringVal(key)).True()
}

func checkSecrets(t *testing.T, c *config, f manifest.Function, email string) {
	t.Helper()
	secrets := c.find(t, "google_secret_manager_secret", "secret")
	accessors := c.find(t, "google_secret_manager_secret_iam_member", "function")
	fn := c.find(t, "google_cloudfunctions2_function", "function")[f.Name]

	got := map[string]string{}
	for _, block := range fn.block("service_config").Blocks["secret_environment_variables"] {
		got[block.str("key")] = block.str("secret")
	}
	want := map[string]string{}
	for _, s := range f.Secrets {
		want[s.Env] = s.Secret
		if _, ok := secrets[s.Secret]; !ok {
			t.Errorf("secret %s has no google_secret_manager_secret", s.Secret)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("secret environment variables = %v, want %v", got, want)
	}

	granted := map[string]bool{}
	for _, a := range accessors {
		if a.str("member") == "serviceAccount:"+email {
			granted[a.str("role")] = true
		}
	}
	if len(f.Secrets) > 0 && !granted["roles/secretmanager.secretAccessor"] {
		t.Errorf("%s cannot read its secrets: no secretAccessor grant", email)
	}
	if len(f.Secrets) == 0 && len(granted) > 0 {
		t.Errorf("%s has secret grants but the manifest gives it no secrets", email)
	}
}

func checkRouting(t *testing.T, c *config, f manifest.Function) {
	t.Helper()
	neg, ok := c.find(t, "google_compute_region_network_endpoint_group", "function")[f.Name]
	if !ok || neg.block("cloud_function").str("function") != f.Name {
		t.Errorf("no serverless network endpoint group for %s", f.Name)
	}
	backend, ok := c.find(t, "google_compute_backend_service", "function")[f.Name]
	if !ok {
		t.Fatalf("no backend service for %s", f.Name)
	}
	if v := backend.Attrs["security_policy"]; v == cty.NilVal || v.IsNull() {
		t.Errorf("backend service of %s has no Cloud Armor policy", f.Name)
	}

	urlMap := c.find(t, "google_compute_url_map", "api")[""]
	routed := false
	for _, rule := range urlMap.block("path_matcher").Blocks["path_rule"] {
		paths := rule.Attrs["paths"]
		if paths.IsKnown() && !paths.IsNull() {
			for it := paths.ElementIterator(); it.Next(); {
				_, p := it.Element()
				routed = routed || p.AsString() == "/"+f.Name
			}
		}
	}
	if !routed {
		t.Errorf("the URL map has no path rule for /%s", f.Name)
	}

	armor := c.find(t, "google_compute_security_policy", "api")[""]
	allowed := false
	for _, rule := range armor.Blocks["rule"] {
		expr := rule.block("match", "expr").str("expression")
		if strings.HasPrefix(expr, "!request.path.matches('") {
			pattern := strings.TrimSuffix(strings.TrimPrefix(expr, "!request.path.matches('"), "')")
			allowed = regexp.MustCompile(pattern).MatchString("/" + f.Name)
		}
	}
	if !allowed {
		t.Errorf("Cloud Armor rejects the path /%s", f.Name)
	}
}

func checkSubscription(t *testing.T, c *config, f manifest.Function) {
	t.Helper()
	sub, ok := c.find(t, "google_pubsub_subscription", "function")[f.Name]
	if !ok {
		t.Fatalf("no subscription for %s", f.Name)
	}
	if got, want := sub.str("topic"), topicID(f.Trigger.Topic); got != want {
		t.Errorf("subscription topic = %q, want %q", got, want)
	}
	push := sub.block("push_config")
	if endpoint := push.str("push_endpoint"); !strings.HasPrefix(endpoint, functionURI(f.Name)+"/") {
		t.Errorf("push endpoint = %q, want the URL of %s", endpoint, f.Name)
	}
	if push.block("oidc_token").str("service_account_email") == "" {
		t.Errorf("push to %s carries no OIDC token", f.Name)
	}
	if len(sub.Blocks["retry_policy"]) == 0 {
		t.Errorf("subscription of %s has no retry policy", f.Name)
	}
	deadLetter := sub.block("dead_letter_policy").str("dead_letter_topic")
	if deadLetter == "" || deadLetter == topicID(f.Trigger.Topic) {
		t.Errorf("subscription of %s has dead-letter topic %q, want a topic of its own", f.Name, deadLetter)
	}
	kept := false
	for _, s := range c.find(t, "google_pubsub_subscription", "dead_letter") {
		kept = kept || s.str("topic") == deadLetter
	}
	if !kept {
		t.Errorf("dead-letter topic %s has no subscription, so its messages would be lost", deadLetter)
	}
}

func checkSchedule(t *testing.T, c *config, f manifest.Function) {
	t.Helper()
	job, ok := c.find(t, "google_cloud_scheduler_job", "function")[f.Name]
	if !ok {
		t.Fatalf("no Cloud Scheduler job for %s", f.Name)
	}
	for _, check := range []struct{ field, got, want string }{
		{"schedule", job.str("schedule"), f.Trigger.Schedule},
		{"time_zone", job.str("time_zone"), f.Trigger.TimeZone},
		{"pubsub_target.topic_name", job.block("pubsub_target").str("topic_name"), topicID(f.Trigger.Topic)},
	} {
		if check.got != check.want {
			t.Errorf("scheduler job %s = %q, want %q", check.field, check.got, check.want)
		}
	}
}

func TestFHIRStoreNotifiesSmoother(t *testing.T) {
	t.Parallel()
	m := loadManifest(t)
	smoother, ok := m.Function("smooth-vitals")
	if !ok {
		t.Skip("the manifest has no smooth-vitals function")
	}
	c := loadConfig(t, ".", os.ReadFile)
	store := c.find(t, "google_healthcare_fhir_store", "main")[""]

	if got, want := store.block("notification_configs").str("pubsub_topic"), topicID(smoother.Trigger.Topic); got != want {
		t.Errorf("FHIR store notifies %q, want smooth-vitals' topic %q", got, want)
	}
	for field, want := range map[string]cty.Value{
		"version":                        cty.StringVal("R4"),
		"disable_referential_integrity":  cty.False,
		"disable_resource_versioning":    cty.False,
		"enable_update_create":           cty.True,
		"default_search_handling_strict": cty.True,
	} {
		if got := store.Attrs[field]; got == cty.NilVal || !got.RawEquals(want) {
			t.Errorf("FHIR store %s = %#v, want %#v", field, got, want)
		}
	}
}

// broadRoles are basic roles that no member may get.
var broadRoles = map[string]bool{"roles/owner": true, "roles/editor": true}

// publicMembers are IAM principals that mean anyone.
var publicMembers = []string{"allUsers", "allAuthenticatedUsers"}

func TestNoBroadRoles(t *testing.T) {
	t.Parallel()
	c := loadConfig(t, ".", os.ReadFile)
	for _, r := range c.resources {
		if !strings.Contains(r.Type, "_iam_") {
			continue
		}
		for key, inst := range r.Instances {
			if role := inst.str("role"); broadRoles[role] {
				t.Errorf("%s.%s[%q] grants %s", r.Type, r.Name, key, role)
			}
		}
	}
	for _, f := range loadManifest(t).Functions {
		for _, role := range f.Roles {
			if broadRoles[role] {
				t.Errorf("manifest gives %s the role %s", f.Name, role)
			}
		}
	}
}

// TestNothingPublic checks every IAM member in the configuration. The one
// allowed public principal is the run.invoker grant that lets the load
// balancer reach an HTTPS function, and only where the function's ingress
// admits nothing but internal and load-balancer traffic.
func TestNothingPublic(t *testing.T) {
	t.Parallel()
	c := loadConfig(t, ".", os.ReadFile)
	functions := c.find(t, "google_cloudfunctions2_function", "function")

	for _, r := range c.resources {
		for key, inst := range r.Instances {
			for _, text := range memberTexts(inst) {
				for _, public := range publicMembers {
					if !strings.Contains(text, public) {
						continue
					}
					if r.Type == "google_cloud_run_service_iam_member" && r.Name == "load_balancer_invoker" &&
						inst.str("role") == "roles/run.invoker" &&
						functions[key].block("service_config").str("ingress_settings") == "ALLOW_INTERNAL_AND_GCLB" {
						continue
					}
					t.Errorf("%s.%s[%q] makes something public: %s", r.Type, r.Name, key, text)
				}
			}
		}
	}

	for key, bucket := range c.find(t, "google_storage_bucket", "audit_logs") {
		checkPrivateBucket(t, "audit_logs"+key, bucket)
	}
	for key, bucket := range c.find(t, "google_storage_bucket", "function_sources") {
		checkPrivateBucket(t, "function_sources"+key, bucket)
	}
}

func checkPrivateBucket(t *testing.T, name string, bucket node) {
	t.Helper()
	if bucket.str("public_access_prevention") != "enforced" {
		t.Errorf("bucket %s does not enforce public access prevention", name)
	}
	if v := bucket.Attrs["uniform_bucket_level_access"]; v == cty.NilVal || !v.RawEquals(cty.True) {
		t.Errorf("bucket %s does not use uniform bucket-level access", name)
	}
}

// memberTexts returns every known string under a member, members or
// policy_data argument of n and its nested blocks.
func memberTexts(n node) []string {
	var out []string
	for name, v := range n.Attrs {
		if name == "member" || name == "members" || name == "policy_data" {
			out = append(out, knownStrings(v)...)
		}
	}
	for _, blocks := range n.Blocks {
		for _, b := range blocks {
			out = append(out, memberTexts(b)...)
		}
	}
	return out
}

func knownStrings(v cty.Value) []string {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return nil
	}
	switch {
	case v.Type() == cty.String:
		return []string{v.AsString()}
	case v.CanIterateElements():
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, knownStrings(e)...)
		}
		return out
	}
	return nil
}

// TestFormatted checks each .tf file against the canonical layout, with the
// formatter terraform fmt is built on.
func TestFormatted(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("*.tf")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if formatted := hclwrite.Format(src); !bytes.Equal(formatted, src) {
			t.Errorf("%s is not formatted: run terraform fmt terraform/", path)
		}
	}
}
