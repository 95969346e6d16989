package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	StartedAt time.Time  `json:"startedAt"`
	Seconds   float64    `json:"seconds"`
	Quick     bool       `json:"quick"`
	Machine   machine    `json:"machine"`
	Sections  []*section `json:"sections"`
}

// machine describes where the numbers come from.
type machine struct {
	CPUs        int    `json:"cpus"`
	GoVersion   string `json:"goVersion"`
	LoadAverage string `json:"loadAverage"`
	// BeforeStart is the CPU use in the second before the first section.
	BeforeStart cpuUse `json:"beforeStart"`
	// StackProcesses counts the processes whose CPU use decides when the
	// stack is idle.
	StackProcesses int `json:"stackProcesses"`
}

// section is the outcome of one part of the benchmark.
type section struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Method string `json:"method"`
	// CPU is the CPU use while the section ran.
	CPU     cpuUse   `json:"cpu"`
	Metrics []metric `json:"metrics"`
	Notes   []string `json:"notes,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// metric is one number, with its target and verdict when it has one.
type metric struct {
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Detail  string  `json:"detail,omitempty"`
	Target  *target `json:"target,omitempty"`
	Verdict string  `json:"verdict,omitempty"`
}

// target is a bound a metric must stay within: Op is ">=" or "<=".
type target struct {
	Op    string  `json:"op"`
	Value float64 `json:"value"`
}

func (s *section) add(m metric) {
	s.Metrics = append(s.Metrics, m)
}

// check adds m with a target and its PASS or MISS verdict.
func (s *section) check(m metric, op string, bound float64) {
	m.Target = &target{Op: op, Value: bound}
	m.Verdict = "MISS"
	if op == ">=" && m.Value >= bound || op == "<=" && m.Value <= bound {
		m.Verdict = "PASS"
	}
	s.add(m)
}

func (s *section) note(format string, args ...any) {
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

func describeMachine() machine {
	load, _ := os.ReadFile("/proc/loadavg")
	fields := strings.Fields(string(load))
	m := machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if len(fields) >= 3 {
		m.LoadAverage = strings.Join(fields[:3], " ")
	}
	return m
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) {
	mode := "full"
	if r.Quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "IHEP local stack benchmark (%s run), %s, %.0f s\n", mode, r.StartedAt.Format(time.RFC3339), r.Seconds)
	fmt.Fprintf(w, "machine: %d CPUs, %s, load average %s; %d stack processes watched for idleness\n",
		r.Machine.CPUs, r.Machine.GoVersion, r.Machine.LoadAverage, r.Machine.StackProcesses)
	fmt.Fprintf(w, "CPU time in the second before the first section: stack %.0f%%, other processes %.0f%% of the machine\n",
		100*r.Machine.BeforeStart.Stack, 100*r.Machine.BeforeStart.Other)
	for _, s := range r.Sections {
		fmt.Fprintf(w, "\n%s\n  method: %s\n", s.Title, s.Method)
		fmt.Fprintf(w, "  CPU time while it ran: stack %.0f%%, benchmark %.0f%%, other processes %.0f%% of the machine\n",
			100*s.CPU.Stack, 100*s.CPU.Bench, 100*s.CPU.Other)
		for _, m := range s.Metrics {
			fmt.Fprintf(w, "  %-34s %10s %-10s", m.Name, formatValue(m.Value, m.Unit), m.Unit)
			if m.Target != nil {
				fmt.Fprintf(w, " target %s %-8s %s", m.Target.Op, formatValue(m.Target.Value, m.Unit), m.Verdict)
			}
			if m.Detail != "" {
				fmt.Fprintf(w, "  (%s)", m.Detail)
			}
			fmt.Fprintln(w)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		if s.Error != "" {
			fmt.Fprintf(w, "  ERROR: %s\n", s.Error)
		}
	}
}

// plural returns "1 round" or "3 rounds".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func formatValue(v float64, unit string) string {
	switch unit {
	case "x":
		return fmt.Sprintf("%.2f", v)
	case "ms", "MiB":
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
