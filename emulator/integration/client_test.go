package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ihep/backend/functions/auth"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/testenv"
)

// client calls the runner as one user, with a user agent of its own so
// that audit entries can be matched to it.
type client struct {
	t         *testing.T
	base      string
	token     string
	userAgent string
}

type reply struct {
	status int
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("response %d is not a JSON object: %.200s", r.status, r.body)
	}
	return out
}

func newClient(t *testing.T) *client {
	t.Helper()
	testenv.Require(t)
	base := os.Getenv("IHEP_RUNNER_URL")
	if base == "" {
		t.Fatal("IHEP_RUNNER_URL is missing: run the tests with the variables of emulator/stack env")
	}
	return &client{t: t, base: strings.TrimSuffix(base, "/"), userAgent: "ihep-integration/" + testenv.UniqueID(t)}
}

func (c *client) call(method, function string, body any) reply {
	c.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+"/"+function, reader)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, function, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s response: %v", function, err)
	}
	return reply{status: resp.StatusCode, body: data}
}

// must calls the function and fails the test unless the status is want.
func (c *client) must(want int, method, function string, body any) reply {
	c.t.Helper()
	r := c.call(method, function, body)
	if r.status != want {
		c.t.Fatalf("%s %s = %d, want %d: %.300s", method, function, r.status, want, r.body)
	}
	return r
}

// signup creates the account in-process with the auth function's own
// handler, because auth-signup allows three sign-ups an hour per client
// address and every request through the runner comes from 127.0.0.1. The
// handler's log goes to logs.
func (c *client) signup(email, password, fullName string, logs io.Writer) {
	c.t.Helper()
	server, err := auth.NewServer(context.Background(), config.FromEnv(), slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		c.t.Fatalf("auth server: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password, "fullName": fullName})
	r := httptest.NewRequest(http.MethodPost, "/auth-signup", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", c.userAgent)
	r.RemoteAddr = testenv.UniqueIP(c.t) + ":40000"
	w := httptest.NewRecorder()
	server.Handler("auth-signup").ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		c.t.Fatalf("auth-signup = %d: %s", w.Code, w.Body)
	}
}

// login signs in through the runner and keeps the token.
func (c *client) login(email, password string) {
	c.t.Helper()
	body := c.must(http.StatusOK, http.MethodPost, "auth-login", map[string]string{"email": email, "password": password}).json(c.t)
	token, _ := body["token"].(string)
	if token == "" {
		c.t.Fatalf("auth-login returned no token: %v", body)
	}
	c.token = token
}

// waitForSmoothing polls the vitals list until every reading has its
// smoothed estimate, which smooth-vitals writes after the Pub/Sub event.
func (c *client) waitForSmoothing(readings int) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var list struct {
			Readings []struct {
				Smoothed map[string]any `json:"smoothed"`
			} `json:"readings"`
		}
		_ = json.Unmarshal(c.must(http.StatusOK, http.MethodGet, "vitals", nil).body, &list)
		done := 0
		for _, r := range list.Readings {
			if len(r.Smoothed) > 0 {
				done++
			}
		}
		if done >= readings {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.t.Fatalf("smoothed estimates of %d readings did not appear within 20 s", readings)
}

// stackLogs returns the paths of the test stack's log files.
func stackLogs(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(root, ".stack", "test", "logs", "*.log"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no log files in .stack/test/logs (err %v)", err)
	}
	return paths
}
