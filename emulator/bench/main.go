// Command bench measures the running local stack against the product's
// performance targets and prints each number beside its target with PASS
// or MISS. It measures vitals throughput beside the same writes sent
// straight to the FHIR engine, and smoothing lag. It compares wellness and
// twin latency with the FHIR searches they make. It measures auth-validate
// throughput and auth-login latency, and the cold start and memory of a
// process that serves one function.
//
// Run it with the stack's environment:
//
//	emulator/stack up --profile dev
//	eval "$(emulator/stack env --profile dev)"
//	go run ./emulator/bench [-quick] [-sections vitals,lag,twin,auth,coldstart] [-json]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// part is one section of the benchmark.
type part struct {
	id    string
	title string
	run   func(ctx context.Context, s *stack, p plan, sec *section) error
}

// parts is in report order.
var parts = []part{
	{"vitals", "1. vitals throughput: function vs. direct FHIR transaction", runVitals},
	{"lag", "2. smoothing lag: POST accepted -> smoothed value visible in GET /vitals", runLag},
	{"twin", "3. wellness and twin latency vs. the FHIR searches they make", runTwin},
	{"auth", "4. auth-validate throughput and auth-login latency", runAuth},
	{"coldstart", "5. cold start and memory of a process serving only auth-validate", runColdStart},
}

// startQuietLimit bounds the wait for an idle stack before the first
// section, for example while it works through the change notifications of
// an earlier run's cleanup.
const startQuietLimit = time.Minute

// runOrder puts the bulk writes of the throughput section last, so that the
// data it leaves until cleanup cannot slow the other sections.
var runOrder = []string{"auth", "coldstart", "twin", "lag", "vitals"}

// plan is the sample counts and durations of one run.
type plan struct {
	// rounds is the number of measured throughput rounds per side, after
	// one warm-up round.
	rounds int
	// requests is the number of POSTs per throughput round, by batch size.
	requests map[int]int
	// settleWait bounds the wait for an idle stack between vitals batch
	// sizes, while the smoother works through what they wrote.
	settleWait time.Duration
	// lagSingles and lagBatches count the measured smoothing-lag posts of
	// one reading and of lagBatchSize readings, after lagWarmup posts.
	lagWarmup, lagSingles, lagBatches, lagBatchSize int
	// latencyWarmup and latencySamples count the calls of each function
	// and of each baseline.
	latencyWarmup, latencySamples int
	validateWarmup, validateFor   time.Duration
	loginSamples                  int
	// coldStarts counts the measured starts, after one warm-up start.
	coldStarts int
	warmLoad   time.Duration
}

func fullPlan() plan {
	return plan{
		rounds:     5,
		requests:   map[int]int{1: 100, 100: 5, 500: 2},
		settleWait: 30 * time.Second,
		lagWarmup:  3, lagSingles: 50, lagBatches: 10, lagBatchSize: 100,
		latencyWarmup: 20, latencySamples: 200,
		validateWarmup: 2 * time.Second, validateFor: 10 * time.Second,
		loginSamples: 30,
		coldStarts:   9,
		warmLoad:     5 * time.Second,
	}
}

// quickPlan takes few samples, for a smoke run of about a minute while the
// smoother keeps up. Its numbers are rough.
func quickPlan() plan {
	return plan{
		rounds:     1,
		requests:   map[int]int{1: 20, 100: 2, 500: 1},
		settleWait: 10 * time.Second,
		lagWarmup:  1, lagSingles: 8, lagBatches: 2, lagBatchSize: 100,
		latencyWarmup: 5, latencySamples: 30,
		validateWarmup: 500 * time.Millisecond, validateFor: 2 * time.Second,
		loginSamples: 5,
		coldStarts:   3,
		warmLoad:     time.Second,
	}
}

func main() {
	quick := flag.Bool("quick", false, "take few samples, for a smoke run of about a minute with rough numbers")
	asJSON := flag.Bool("json", false, "print the report as JSON instead of text")
	only := flag.String("sections", strings.Join(runOrder, ","), "comma-separated sections to run: vitals, lag, twin, auth, coldstart")
	flag.Parse()

	selected, err := parseSections(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(2)
	}
	p := fullPlan()
	if *quick {
		p = quickPlan()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, p, *quick, *asJSON, selected)
	stop()
	os.Exit(code)
}

func parseSections(list string) (map[string]bool, error) {
	selected := map[string]bool{}
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if !slices.Contains(runOrder, id) {
			return nil, fmt.Errorf("unknown section %q in -sections: use vitals, lag, twin, auth or coldstart", id)
		}
		selected[id] = true
	}
	return selected, nil
}

// run connects to the stack, runs the selected sections, deletes what
// they wrote and prints the report. It returns the exit code: 1 when the
// stack is missing or a section failed.
func run(ctx context.Context, p plan, quick, asJSON bool, selected map[string]bool) int {
	s, err := connect(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	progress("waiting up to %s for the stack to go idle", startQuietLimit)
	if !s.waitQuiet(ctx, startQuietLimit) {
		progress("the stack is still busy: the numbers will be lower than on an idle stack")
	}
	rep := newReport(s, quick)
	failed := runSections(ctx, s, p, selected, rep)

	progress("deleting what the benchmark wrote")
	if err := s.cleanUp(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: cleanup: %v\n", err)
		failed = true
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "bench: interrupted")
		return 1
	}
	if asJSON {
		if err := rep.writeJSON(os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "bench: write report: %v\n", err)
			return 1
		}
	} else {
		rep.writeText(os.Stdout)
	}
	if failed {
		return 1
	}
	return 0
}

// newReport describes the machine and how busy it was in the second
// before the first section.
func newReport(s *stack, quick bool) *report {
	rep := &report{StartedAt: time.Now(), Quick: quick, Machine: describeMachine()}
	rep.Machine.StackProcesses = len(s.pids)
	if before, err := s.sampleCPU(); err == nil {
		time.Sleep(time.Second)
		if after, err := s.sampleCPU(); err == nil {
			rep.Machine.BeforeStart = before.useUntil(after)
		}
	}
	return rep
}

// runSections runs the selected sections in runOrder, adds them to rep in
// report order and reports whether any of them failed.
func runSections(ctx context.Context, s *stack, p plan, selected map[string]bool, rep *report) bool {
	failed := false
	results := map[string]*section{}
	for _, id := range runOrder {
		if !selected[id] || ctx.Err() != nil {
			continue
		}
		i := slices.IndexFunc(parts, func(pt part) bool { return pt.id == id })
		sec := &section{ID: id, Title: parts[i].title}
		progress("running %s", id)
		start := time.Now()
		before, _ := s.sampleCPU()
		if err := parts[i].run(ctx, s, p, sec); err != nil {
			sec.Error = err.Error()
			failed = true
		}
		if after, err := s.sampleCPU(); err == nil {
			sec.CPU = before.useUntil(after)
		}
		progress("%s took %.1f s", id, time.Since(start).Seconds())
		results[id] = sec
	}
	for _, pt := range parts {
		if sec, ok := results[pt.id]; ok {
			rep.Sections = append(rep.Sections, sec)
		}
	}
	rep.Seconds = time.Since(rep.StartedAt).Seconds()
	return failed
}

// progress reports what the benchmark is doing on stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
