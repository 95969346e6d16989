package manifest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// validHTTPS is a complete, valid function entry that cases below alter.
const validHTTPS = `
  - name: auth-login
    package: functions/auth
    trigger: {https: {public: true}}
    memory: 256Mi
    timeout: 30s
    maxInstances: 20
    secrets:
      - {env: IDENTITY_API_KEY, secret: identity-api-key}
    roles: [roles/firebaseauth.viewer]
`

func TestLoadRepositoryManifest(t *testing.T) {
	t.Parallel()
	m, err := Load("../../" + DefaultPath)
	if err != nil {
		t.Fatalf("Load(%s) = %v", DefaultPath, err)
	}
	if len(m.Functions) == 0 {
		t.Fatal("repository manifest lists no functions")
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	m, err := Parse([]byte("functions:" + validHTTPS + `
  - name: vitals-smooth
    package: functions/vitals
    trigger: {topic: fhir-changes}
    memory: 512Mi
    timeout: 540s
    env: {SMOOTHING_WINDOW: 7d}
  - name: reminders-send
    package: functions/reminders
    trigger: {schedule: "0 9 * * *", topic: reminder-ticks, timeZone: America/New_York}
    memory: 1Gi
    timeout: 5m
`))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}

	kinds := []TriggerKind{}
	for _, f := range m.Functions {
		kinds = append(kinds, f.Trigger.Kind())
	}
	if diff := cmp.Diff([]TriggerKind{KindHTTPS, KindTopic, KindSchedule}, kinds); diff != "" {
		t.Errorf("trigger kinds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"fhir-changes", "reminder-ticks"}, m.Topics()); diff != "" {
		t.Errorf("Topics() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"functions/auth", "functions/reminders", "functions/vitals"}, m.Packages()); diff != "" {
		t.Errorf("Packages() (-want +got):\n%s", diff)
	}
	if got, want := m.Functions[0].ImportPath(), "github.com/ihep/backend/functions/auth"; got != want {
		t.Errorf("ImportPath() = %q, want %q", got, want)
	}
	if got, want := m.Functions[2].TimeoutDuration(), 5*time.Minute; got != want {
		t.Errorf("TimeoutDuration() = %v, want %v", got, want)
	}
}

// problemsOf parses a manifest that must be invalid and returns its problems.
func problemsOf(t *testing.T, manifest string) []string {
	t.Helper()
	_, err := Parse([]byte(manifest))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Parse() error = %v, want a *ValidationError", err)
	}
	return verr.Problems
}

func TestParseReportsProblems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		manifest string
		want     []string
	}{
		{
			name:     "empty file",
			manifest: "",
			want:     []string{"manifest is empty"},
		},
		{
			name:     "no functions",
			manifest: "functions: []\n",
			want:     []string{"functions: the list is empty"},
		},
		{
			name:     "uppercase name",
			manifest: strings.Replace("functions:"+validHTTPS, "auth-login", "Auth_Login", 1),
			want:     []string{`functions[0] (Auth_Login): name "Auth_Login" is invalid: use lowercase letters, digits and single hyphens, starting with a letter`},
		},
		{
			name:     "duplicate name",
			manifest: "functions:" + validHTTPS + validHTTPS,
			want:     []string{"functions[1] (auth-login): name is already used by functions[0]"},
		},
		{
			name:     "two trigger kinds",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", "{https: {public: true}, topic: fhir-changes}", 1),
			want:     []string{"functions[0] (auth-login): trigger sets https and topic: set exactly one of https, topic, or schedule with topic"},
		},
		{
			name:     "no trigger",
			manifest: strings.Replace("functions:"+validHTTPS, "trigger: {https: {public: true}}", "trigger: {}", 1),
			want:     []string{"functions[0] (auth-login): trigger is missing: set https, topic, or schedule with topic and timeZone"},
		},
		{
			name:     "schedule without topic or zone",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{schedule: "0 9 * * *"}`, 1),
			want: []string{
				"functions[0] (auth-login): trigger.schedule needs trigger.topic, the topic Cloud Scheduler publishes to",
				"functions[0] (auth-login): trigger.timeZone is missing: a schedule needs an IANA time zone such as America/New_York",
			},
		},
		{
			name:     "six-field cron",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{schedule: "0 0 9 * * *", topic: ticks, timeZone: UTC}`, 1),
			want:     []string{`functions[0] (auth-login): trigger.schedule: cron expression "0 0 9 * * *" has 6 fields, expected 5 (minute hour day-of-month month day-of-week)`},
		},
		{
			name:     "cron out of range",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{schedule: "61 9 * * *", topic: ticks, timeZone: UTC}`, 1),
			want:     []string{`functions[0] (auth-login): trigger.schedule: cron expression "61 9 * * *" is invalid: end of range (61) above maximum (59): 61`},
		},
		{
			name:     "cron descriptor",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{schedule: "@daily", topic: ticks, timeZone: UTC}`, 1),
			want:     []string{`functions[0] (auth-login): trigger.schedule: cron expression "@daily" has 1 fields, expected 5 (minute hour day-of-month month day-of-week)`},
		},
		{
			name:     "cron that never fires",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{schedule: "0 0 30 2 *", topic: ticks, timeZone: UTC}`, 1),
			want:     []string{`functions[0] (auth-login): trigger.schedule "0 0 30 2 *" never fires`},
		},
		{
			name:     "unknown time zone",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{schedule: "0 9 * * *", topic: ticks, timeZone: Mars/Olympus}`, 1),
			want:     []string{`functions[0] (auth-login): trigger.timeZone: time zone "Mars/Olympus" is not an IANA time zone name`},
		},
		{
			name:     "short topic",
			manifest: strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{topic: ab}`, 1),
			want:     []string{`functions[0] (auth-login): trigger.topic "ab" is invalid: a topic id has 3 to 255 letters, digits or -_.~+% and starts with a letter`},
		},
		{
			name:     "event timeout too long",
			manifest: strings.Replace(strings.Replace("functions:"+validHTTPS, "{https: {public: true}}", `{topic: fhir-changes}`, 1), "30s", "10m", 1),
			want:     []string{`functions[0] (auth-login): timeout "10m" exceeds the maximum of 9m0s for this trigger`},
		},
		{
			name:     "bad memory",
			manifest: strings.Replace("functions:"+validHTTPS, "256Mi", "256MB", 1),
			want:     []string{`functions[0] (auth-login): memory "256MB" is invalid: use a whole number of Mi or Gi, such as 256Mi or 1Gi`},
		},
		{
			name:     "misspelt field",
			manifest: strings.Replace("functions:"+validHTTPS, "maxInstances", "maxInstance", 1),
			want:     []string{"line 7: field maxInstance not found in type manifest.Function"},
		},
		{
			name:     "secret also in env",
			manifest: strings.Replace("functions:"+validHTTPS, "    roles:", "    env: {IDENTITY_API_KEY: x, PORT: \"80\"}\n    roles:", 1),
			want: []string{
				"functions[0] (auth-login): env name PORT is reserved: Cloud Run sets it",
				"functions[0] (auth-login): secrets[0].env IDENTITY_API_KEY is also set in env: a variable comes from one place",
			},
		},
		{
			name:     "package outside functions",
			manifest: strings.Replace("functions:"+validHTTPS, "functions/auth", "shared/../functions/auth", 1),
			want:     []string{`functions[0] (auth-login): package "shared/../functions/auth" is invalid: give a clean path under functions/, such as functions/auth`},
		},
		{
			name:     "bad role",
			manifest: strings.Replace("functions:"+validHTTPS, "roles/firebaseauth.viewer", "firebaseauth.viewer", 1),
			want:     []string{`functions[0] (auth-login): role "firebaseauth.viewer" is invalid: use roles/NAME or a custom role's full name`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, problemsOf(t, tc.manifest)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReportsAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	manifest := `functions:
  - name: Bad_Name
    package: functions/auth
    trigger: {topic: x}
    memory: 1TB
    timeout: forever
  - package: functions/auth
    trigger: {https: {}}
    memory: 256Mi
    timeout: 30s
`
	want := []string{
		`functions[0] (Bad_Name): name "Bad_Name" is invalid: use lowercase letters, digits and single hyphens, starting with a letter`,
		`functions[0] (Bad_Name): trigger.topic "x" is invalid: a topic id has 3 to 255 letters, digits or -_.~+% and starts with a letter`,
		`functions[0] (Bad_Name): memory "1TB" is invalid: use a whole number of Mi or Gi, such as 256Mi or 1Gi`,
		`functions[0] (Bad_Name): timeout "forever" is not a duration such as 30s or 5m`,
		`functions[1]: name is missing`,
	}
	if diff := cmp.Diff(want, problemsOf(t, manifest)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestValidationErrorListsEachProblem(t *testing.T) {
	t.Parallel()
	err := &ValidationError{Problems: []string{"first", "second"}}
	want := "invalid manifest (2 problems):\n  - first\n  - second"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestCronScheduleInZone(t *testing.T) {
	t.Parallel()
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		cron  string
		zone  string
		after time.Time
		want  []time.Time
	}{
		{
			name:  "daily at nine across DST end",
			cron:  "0 9 * * *",
			zone:  "America/New_York",
			after: time.Date(2026, 10, 31, 14, 0, 0, 0, time.UTC), // 10:00 EDT
			want: []time.Time{
				time.Date(2026, 11, 1, 9, 0, 0, 0, newYork), // 14:00 UTC, after the clocks fall back
				time.Date(2026, 11, 2, 9, 0, 0, 0, newYork),
			},
		},
		{
			name:  "every fifteen minutes",
			cron:  "*/15 * * * *",
			zone:  "UTC",
			after: time.Date(2026, 12, 4, 10, 7, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC),
				time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC),
				time.Date(2026, 12, 4, 10, 45, 0, 0, time.UTC),
			},
		},
		{
			name:  "weekdays only",
			cron:  "30 2 * * MON-FRI",
			zone:  "Europe/Berlin",
			after: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), // a Friday
			want: []time.Time{
				time.Date(2026, 12, 7, 1, 30, 0, 0, time.UTC), // Monday 02:30 CET
				time.Date(2026, 12, 8, 1, 30, 0, 0, time.UTC),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			trigger := Trigger{Schedule: tc.cron, Topic: "ticks", TimeZone: tc.zone}
			schedule, err := trigger.CronSchedule()
			if err != nil {
				t.Fatalf("CronSchedule() = %v", err)
			}
			var got []time.Time
			next := tc.after
			for range tc.want {
				next = schedule.Next(next)
				got = append(got, next)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("ticks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCronScheduleRejectsOtherKinds(t *testing.T) {
	t.Parallel()
	if _, err := (Trigger{Topic: "fhir-changes"}).CronSchedule(); err == nil {
		t.Error("CronSchedule() on a topic trigger succeeded, want an error")
	}
}

func TestLoadTimeZoneRejectsLocal(t *testing.T) {
	t.Parallel()
	if _, err := LoadTimeZone("Local"); err == nil {
		t.Error(`LoadTimeZone("Local") succeeded, want an error`)
	}
}
