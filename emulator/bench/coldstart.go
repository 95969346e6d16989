package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ihep/backend/shared/manifest"
)

const (
	// coldStartFunction is the function served alone.
	coldStartFunction = "auth-validate"
	maxColdStart      = 30 * time.Millisecond
	maxSteadyRSS      = 32 << 20
	// idleBeforeRSS is the pause between the warm load and the RSS reading.
	idleBeforeRSS = time.Second
)

func runColdStart(ctx context.Context, s *stack, p plan, sec *section) error {
	sec.Method = fmt.Sprintf("a main package that imports only %s's package and serves it with funcframework, built once "+
		"(untimed) under .stack/bench/. Cold start: from exec to the 200 of one GET with a valid token, sent once the port "+
		"accepts connections (tried every millisecond); one warm-up start, then %d, each once the stack is idle. Memory: VmRSS %s after %s of "+
		"%d-connection load.", coldStartFunction, p.coldStarts, idleBeforeRSS, p.warmLoad, validateConnections)
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	m, err := manifest.Load(filepath.Join(root, manifest.DefaultPath))
	if err != nil {
		return err
	}
	function, ok := m.Function(coldStartFunction)
	if !ok {
		return fmt.Errorf("function %s is not in %s", coldStartFunction, manifest.DefaultPath)
	}
	progress("coldstart: building a server for %s alone", coldStartFunction)
	server, err := buildSingleFunction(ctx, root, function)
	if err != nil {
		return err
	}
	defer server.closeLog()
	user, err := s.newUser(ctx)
	if err != nil {
		return err
	}

	var listening, ready []time.Duration
	for i := range 1 + p.coldStarts {
		s.waitQuiet(ctx, quietLimit)
		times, err := server.coldStart(ctx, user.Token)
		if err != nil {
			return err
		}
		if i > 0 {
			listening, ready = append(listening, times.listening), append(ready, times.ready)
		}
	}
	d := distributionOf(ready)
	sec.check(metric{Name: "exec -> first 200: median", Value: milliseconds(d.P50), Unit: "ms", Detail: d.describe()}, "<=", milliseconds(maxColdStart))
	sec.add(metric{Name: "exec -> port open: median", Value: milliseconds(distributionOf(listening).P50), Unit: "ms",
		Detail: "the rest of the cold start is the first request, which builds the clients and checks the token"})

	memory, err := server.steadyMemory(ctx, user.Token, p.warmLoad)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("anonymous %.1f MiB, file-backed %.1f MiB, peak VmHWM %.1f MiB; load: %d ok, %d failed",
		mebibytes(memory.anonymous), mebibytes(memory.file), mebibytes(memory.peak), memory.load.ok, memory.load.failed)
	sec.check(metric{Name: "steady RSS after warm load", Value: mebibytes(memory.rss), Unit: "MiB", Detail: detail}, "<=", mebibytes(maxSteadyRSS))
	return nil
}

// coldStart starts the server, waits for its first 200 and stops it.
func (b *singleFunction) coldStart(ctx context.Context, token string) (startup, error) {
	proc, err := b.start()
	if err != nil {
		return startup{}, err
	}
	defer proc.stop()
	return proc.waitReady(ctx, token)
}

// memoryUse is a server's resident memory after a load, in bytes.
type memoryUse struct {
	procStatus
	load loadResult
}

// steadyMemory starts the server, loads it, lets it idle and reads its
// memory from /proc.
func (b *singleFunction) steadyMemory(ctx context.Context, token string, load time.Duration) (memoryUse, error) {
	proc, err := b.start()
	if err != nil {
		return memoryUse{}, err
	}
	defer proc.stop()
	if _, err := proc.waitReady(ctx, token); err != nil {
		return memoryUse{}, err
	}
	client := newHTTPClient(validateConnections)
	defer client.CloseIdleConnections()
	use := memoryUse{load: hammer(ctx, client, "http://"+proc.address+"/", token, load)}
	time.Sleep(idleBeforeRSS)
	use.procStatus, err = proc.memory()
	return use, err
}

// startup is how long a server took from exec to two milestones.
type startup struct {
	listening time.Duration // its port accepted a connection
	ready     time.Duration // it responded 200
}

// waitReady waits until the server accepts connections, then sends one GET
// with a valid token, which must return 200.
func (p *serverProcess) waitReady(ctx context.Context, token string) (startup, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var out startup
	for {
		conn, err := net.DialTimeout("tcp", p.address, time.Second)
		if err == nil {
			out.listening = time.Since(p.started)
			_ = conn.Close()
			break
		}
		select {
		case <-p.exited:
			return out, fmt.Errorf("the %s server exited before it listened; see %s", coldStartFunction, p.logPath)
		case <-ctx.Done():
			return out, fmt.Errorf("the %s server did not listen within %s: %w", coldStartFunction, startTimeout, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	status, body, err := send(ctx, client, http.MethodGet, "http://"+p.address+"/", token, nil)
	if err != nil {
		return out, fmt.Errorf("GET %s on its own server: %w", coldStartFunction, err)
	}
	if status != http.StatusOK {
		return out, statusError("GET "+coldStartFunction+" on its own server", status, body)
	}
	out.ready = time.Since(p.started)
	return out, nil
}

func mebibytes(bytes int64) float64 {
	return float64(bytes) / (1 << 20)
}

// moduleRoot returns the directory of the module's go.mod, as the go
// command finds it from the working directory.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root with go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("the working directory is outside a Go module: run the benchmark inside the repository")
	}
	return filepath.Dir(gomod), nil
}
