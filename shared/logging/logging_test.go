package logging

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestNewWritesCloudLoggingFields(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	New(&buf, "debug").Warn("slow call", KeyDurationMS, 12)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line is not JSON: %v: %s", err, buf.String())
	}
	if line["severity"] != "WARNING" {
		t.Errorf("severity = %v, want WARNING", line["severity"])
	}
	if line["message"] != "slow call" {
		t.Errorf("message = %v, want slow call", line["message"])
	}
	if line[KeyDurationMS] != float64(12) {
		t.Errorf("%s = %v, want 12", KeyDurationMS, line[KeyDurationMS])
	}
}

func TestNewFiltersBelowLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	New(&buf, "error").Info("hidden")
	if buf.Len() != 0 {
		t.Fatalf("info line written at error level: %s", buf.String())
	}
}

func TestTraceID(t *testing.T) {
	t.Parallel()
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	cases := []struct {
		name, header, value, want string
	}{
		{"traceparent", "Traceparent", "00-" + trace + "-00f067aa0ba902b7-01", trace},
		{"cloud trace context", "X-Cloud-Trace-Context", trace + "/1;o=1", trace},
		{"malformed", "X-Cloud-Trace-Context", "nothex/1", ""},
		{"absent", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set(tc.header, tc.value)
			}
			if got := TraceID(r); got != tc.want {
				t.Errorf("TraceID() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestForRequestAddsTrace(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Cloud-Trace-Context", "4bf92f3577b34da6a3ce929d0e0e4736/1")
	ForRequest(New(&buf, "info"), r, "demo-ihep", "req-1").Info("hello")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if got := line["logging.googleapis.com/trace"]; got != "projects/demo-ihep/traces/4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace = %v", got)
	}
	if line[KeyRequestID] != "req-1" {
		t.Errorf("%s = %v, want req-1", KeyRequestID, line[KeyRequestID])
	}
}
