package manifest

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	// Embeds the IANA time zone database so that zone names validate the
	// same way on every machine, whatever its /usr/share/zoneinfo holds.
	_ "time/tzdata"
)

// Limits of Cloud Run functions (2nd gen), from Google's "Function timeout"
// and "Configure memory and vCPU limits" pages: HTTP functions may run for 60
// minutes and event-driven ones for 9; memory ranges from 128 MiB to 32 GiB.
const (
	maxHTTPSTimeout = 60 * time.Minute
	maxEventTimeout = 9 * time.Minute
	minMemoryMiB    = 128
	maxMemoryMiB    = 32 * 1024
	maxNameLength   = 63
)

var (
	// Function names are lowercase words joined by single hyphens.
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	// Pub/Sub topic ids: 3 to 255 characters, starting with a letter.
	topicPattern   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$`)
	memoryPattern  = regexp.MustCompile(`^([1-9][0-9]*)(Mi|Gi)$`)
	envPattern     = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	secretPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	rolePattern    = regexp.MustCompile(`^(roles|projects/[a-z][a-z0-9-]*/roles|organizations/[0-9]+/roles)/[A-Za-z0-9_.]+$`)
	packagePattern = regexp.MustCompile(`^functions(/[a-z][a-z0-9_]*)+$`)
)

// reservedEnv are variables that Cloud Run sets itself and rejects in a
// function's configuration.
var reservedEnv = map[string]bool{
	"PORT":                    true,
	"K_SERVICE":               true,
	"K_REVISION":              true,
	"K_CONFIGURATION":         true,
	"FUNCTION_TARGET":         true,
	"FUNCTION_SIGNATURE_TYPE": true,
}

// problems returns every rule that m breaks, each prefixed with the function
// it concerns.
func (m *Manifest) problems() []string {
	if len(m.Functions) == 0 {
		return []string{"functions: the list is empty"}
	}

	var problems []string
	seen := map[string]int{}
	for i, f := range m.Functions {
		label := fmt.Sprintf("functions[%d]", i)
		if f.Name != "" {
			label = fmt.Sprintf("functions[%d] (%s)", i, f.Name)
		}
		for _, p := range f.problems() {
			problems = append(problems, label+": "+p)
		}
		if first, ok := seen[f.Name]; ok && f.Name != "" {
			problems = append(problems, fmt.Sprintf("%s: name is already used by functions[%d]", label, first))
		} else {
			seen[f.Name] = i
		}
	}
	return problems
}

func (f Function) problems() []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}

	switch {
	case f.Name == "":
		add("name is missing")
	case len(f.Name) > maxNameLength:
		add("name %q is longer than %d characters", f.Name, maxNameLength)
	case !namePattern.MatchString(f.Name):
		add("name %q is invalid: use lowercase letters, digits and single hyphens, starting with a letter", f.Name)
	}

	switch {
	case f.Package == "":
		add("package is missing")
	case path.Clean(f.Package) != f.Package || !packagePattern.MatchString(f.Package):
		add("package %q is invalid: give a clean path under functions/, such as functions/auth", f.Package)
	}

	problems = append(problems, f.Trigger.problems()...)
	problems = append(problems, f.memoryProblems()...)
	problems = append(problems, f.timeoutProblems()...)
	problems = append(problems, f.instanceProblems()...)
	problems = append(problems, f.envProblems()...)
	problems = append(problems, f.roleProblems()...)
	return problems
}

func (t Trigger) problems() []string {
	set := []string{}
	if t.HTTPS != nil {
		set = append(set, "https")
	}
	if t.Topic != "" {
		set = append(set, "topic")
	}
	if t.Schedule != "" {
		set = append(set, "schedule")
	}

	var problems []string
	if t.Kind() == KindInvalid {
		switch {
		case len(set) == 0:
			problems = append(problems, "trigger is missing: set https, topic, or schedule with topic and timeZone")
		case t.Schedule != "" && t.Topic == "":
			problems = append(problems, "trigger.schedule needs trigger.topic, the topic Cloud Scheduler publishes to")
		default:
			problems = append(problems, fmt.Sprintf("trigger sets %s: set exactly one of https, topic, or schedule with topic", strings.Join(set, " and ")))
		}
	}

	if t.Topic != "" && !topicPattern.MatchString(t.Topic) {
		problems = append(problems, fmt.Sprintf("trigger.topic %q is invalid: a topic id has 3 to 255 letters, digits or -_.~+%% and starts with a letter", t.Topic))
	}
	if strings.HasPrefix(strings.ToLower(t.Topic), "goog") {
		problems = append(problems, fmt.Sprintf("trigger.topic %q is invalid: Pub/Sub reserves ids that start with \"goog\"", t.Topic))
	}

	if t.Schedule != "" {
		schedule, err := ParseCron(t.Schedule)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("trigger.schedule: %v", err))
		case schedule.Next(time.Now()).IsZero():
			// The cron library looks five years ahead, which covers leap days.
			problems = append(problems, fmt.Sprintf("trigger.schedule %q never fires", t.Schedule))
		}
		if t.TimeZone == "" {
			problems = append(problems, "trigger.timeZone is missing: a schedule needs an IANA time zone such as America/New_York")
		}
	}
	if t.TimeZone != "" {
		if t.Schedule == "" {
			problems = append(problems, "trigger.timeZone is set without trigger.schedule")
		}
		if _, err := LoadTimeZone(t.TimeZone); err != nil {
			problems = append(problems, fmt.Sprintf("trigger.timeZone: %v", err))
		}
	}
	return problems
}

// LoadTimeZone returns the location for an IANA time zone name. It rejects
// "Local", which would make a schedule depend on the machine it runs on.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q is invalid: give an IANA name such as America/New_York or UTC", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is not an IANA time zone name", name)
	}
	return loc, nil
}

func (f Function) memoryProblems() []string {
	if f.Memory == "" {
		return []string{"memory is missing, for example 256Mi"}
	}
	match := memoryPattern.FindStringSubmatch(f.Memory)
	if match == nil {
		return []string{fmt.Sprintf("memory %q is invalid: use a whole number of Mi or Gi, such as 256Mi or 1Gi", f.Memory)}
	}
	size, err := strconv.Atoi(match[1])
	if err != nil {
		return []string{fmt.Sprintf("memory %q is too large", f.Memory)}
	}
	if match[2] == "Gi" {
		size *= 1024
	}
	if size < minMemoryMiB || size > maxMemoryMiB {
		return []string{fmt.Sprintf("memory %q is out of range: Cloud Functions allows %dMi to %dGi", f.Memory, minMemoryMiB, maxMemoryMiB/1024)}
	}
	return nil
}

func (f Function) timeoutProblems() []string {
	if f.Timeout == "" {
		return []string{"timeout is missing, for example 30s"}
	}
	d, err := time.ParseDuration(f.Timeout)
	if err != nil {
		return []string{fmt.Sprintf("timeout %q is not a duration such as 30s or 5m", f.Timeout)}
	}
	limit := maxHTTPSTimeout
	if kind := f.Trigger.Kind(); kind == KindTopic || kind == KindSchedule {
		limit = maxEventTimeout
	}
	switch {
	case d < time.Second || d%time.Second != 0:
		return []string{fmt.Sprintf("timeout %q is invalid: use a whole number of seconds, at least 1s", f.Timeout)}
	case d > limit:
		return []string{fmt.Sprintf("timeout %q exceeds the maximum of %v for this trigger", f.Timeout, limit)}
	}
	return nil
}

func (f Function) instanceProblems() []string {
	var problems []string
	if f.MinInstances < 0 {
		problems = append(problems, fmt.Sprintf("minInstances %d is negative", f.MinInstances))
	}
	if f.MaxInstances < 0 {
		problems = append(problems, fmt.Sprintf("maxInstances %d is negative", f.MaxInstances))
	}
	if f.MaxInstances > 0 && f.MinInstances > f.MaxInstances {
		problems = append(problems, fmt.Sprintf("minInstances %d exceeds maxInstances %d", f.MinInstances, f.MaxInstances))
	}
	return problems
}

func (f Function) envProblems() []string {
	var problems []string
	names := make([]string, 0, len(f.Env))
	for name := range f.Env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		problems = append(problems, envNameProblems("env", name)...)
	}

	fromSecret := map[string]bool{}
	for i, s := range f.Secrets {
		field := fmt.Sprintf("secrets[%d]", i)
		if s.Env == "" {
			problems = append(problems, field+".env is missing")
		} else {
			problems = append(problems, envNameProblems(field+".env", s.Env)...)
		}
		switch {
		case s.Secret == "":
			problems = append(problems, field+".secret is missing")
		case !secretPattern.MatchString(s.Secret):
			problems = append(problems, fmt.Sprintf("%s.secret %q is not a Secret Manager secret id (letters, digits, - and _)", field, s.Secret))
		}
		if _, ok := f.Env[s.Env]; ok && s.Env != "" {
			problems = append(problems, fmt.Sprintf("%s.env %s is also set in env: a variable comes from one place", field, s.Env))
		}
		if fromSecret[s.Env] && s.Env != "" {
			problems = append(problems, fmt.Sprintf("%s.env %s is listed twice", field, s.Env))
		}
		fromSecret[s.Env] = true
	}
	return problems
}

func envNameProblems(field, name string) []string {
	switch {
	case !envPattern.MatchString(name):
		return []string{fmt.Sprintf("%s name %q is invalid: use uppercase letters, digits and underscores", field, name)}
	case reservedEnv[name]:
		return []string{fmt.Sprintf("%s name %s is reserved: Cloud Run sets it", field, name)}
	case strings.HasPrefix(name, "X_GOOGLE_"):
		return []string{fmt.Sprintf("%s name %s is reserved: the X_GOOGLE_ prefix belongs to Cloud Run", field, name)}
	}
	return nil
}

func (f Function) roleProblems() []string {
	var problems []string
	seen := map[string]bool{}
	for _, role := range f.Roles {
		if !rolePattern.MatchString(role) {
			problems = append(problems, fmt.Sprintf("role %q is invalid: use roles/NAME or a custom role's full name", role))
		}
		if seen[role] {
			problems = append(problems, fmt.Sprintf("role %s is listed twice", role))
		}
		seen[role] = true
	}
	return problems
}
