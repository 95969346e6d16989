package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// quietCores is the CPU use of the stack's processes, in cores, below
	// which the stack counts as idle.
	quietCores = 0.1
	// quietLimit bounds the wait for an idle stack before a measurement.
	quietLimit = 3 * time.Second
	// quietWindow is how long one CPU sample lasts.
	quietWindow = 200 * time.Millisecond
	// clockTicks is the kernel's USER_HZ, the unit of /proc CPU times; it
	// is 100 on every Linux architecture Go supports.
	clockTicks = 100
)

// waitQuiet waits until the stack's processes are idle, so that one
// measurement does not pay for background work (smoothing, notification
// pushes) that an earlier one caused. Only the stack's own processes count,
// because other load on the machine is out of the benchmark's hands. It
// gives up after limit and then returns false.
func (s *stack) waitQuiet(ctx context.Context, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		before, err := cpuTicks(s.pids)
		if err != nil {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(quietWindow):
		}
		after, err := cpuTicks(s.pids)
		if err != nil {
			return true
		}
		cores := float64(after-before) / clockTicks / quietWindow.Seconds()
		if cores < quietCores {
			return true
		}
	}
	return false
}

// cpuTicks returns the user and system CPU time of the processes, in clock
// ticks, from /proc/PID/stat.
func cpuTicks(pids []int) (uint64, error) {
	var total uint64
	for _, pid := range pids {
		ticks, err := processTicks(strconv.Itoa(pid), false)
		if err != nil {
			return 0, err
		}
		total += ticks
	}
	return total, nil
}

// processTicks returns the user and system CPU time of one process (a PID
// or "self"), with that of its waited-for children when children is set.
func processTicks(pid string, children bool) (uint64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may contain spaces.
	_, rest, found := strings.Cut(string(data), ") ")
	fields := strings.Fields(rest)
	if !found || len(fields) < 15 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat format", pid)
	}
	counted := fields[11:13] // utime, stime
	if children {
		counted = fields[11:15] // and cutime, cstime
	}
	var total uint64
	for _, field := range counted {
		ticks, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			return 0, err
		}
		total += ticks
	}
	return total, nil
}

// cpuSample is a reading of the CPU time used so far, in clock ticks.
type cpuSample struct {
	machine, busy, stack, bench uint64
}

// sampleCPU reads the machine's, the stack's and the benchmark's CPU time.
func (s *stack) sampleCPU() (cpuSample, error) {
	var out cpuSample
	var err error
	if out.busy, out.machine, err = machineTicks(); err != nil {
		return out, err
	}
	if out.stack, err = cpuTicks(s.pids); err != nil {
		return out, err
	}
	out.bench, err = processTicks("self", true)
	return out, err
}

// cpuUse is the split of the machine's CPU time between two samples, in
// shares of all CPUs' time.
type cpuUse struct {
	Stack float64 `json:"stack"`
	Bench float64 `json:"bench"`
	// Other is load from outside the stack and the benchmark, which the
	// numbers suffer from.
	Other float64 `json:"other"`
}

func (a cpuSample) useUntil(b cpuSample) cpuUse {
	total := float64(b.machine - a.machine)
	if total <= 0 {
		return cpuUse{}
	}
	stack, bench := float64(b.stack-a.stack), float64(b.bench-a.bench)
	other := max(float64(b.busy-a.busy)-stack-bench, 0)
	return cpuUse{Stack: stack / total, Bench: bench / total, Other: other / total}
}

// listeners returns the PIDs of the processes that listen on the given
// loopback TCP ports, found through /proc/net/tcp{,6} and each process's
// open sockets.
func listeners(ports []int) ([]int, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 || fields[3] != "0A" { // 0A is LISTEN
				continue
			}
			_, portHex, _ := strings.Cut(fields[1], ":")
			port, err := strconv.ParseInt(portHex, 16, 32)
			if err == nil && slices.Contains(ports, int(port)) {
				inodes["socket:["+fields[9]+"]"] = true
			}
		}
	}

	found := map[int]bool{}
	links, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, link := range links {
		target, err := os.Readlink(link)
		if err != nil || !inodes[target] {
			continue
		}
		pid, err := strconv.Atoi(strings.Split(link, "/")[2])
		if err == nil {
			found[pid] = true
		}
	}
	if len(found) == 0 {
		return nil, errors.New("no process found that listens on the stack's ports")
	}
	pids := make([]int, 0, len(found))
	for pid := range found {
		pids = append(pids, pid)
	}
	return pids, nil
}

// machineTicks returns the busy and total clock ticks of all CPUs since
// boot. Idle and I/O wait count as not busy. Of the fields after steal,
// guest time is already part of user time.
func machineTicks() (busy, total uint64, err error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, 0, errors.New("unexpected /proc/stat format")
	}
	for i, field := range fields[1:min(len(fields), 9)] {
		ticks, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			return 0, 0, err
		}
		total += ticks
		if i != 3 && i != 4 { // idle, iowait
			busy += ticks
		}
	}
	return busy, total, nil
}
