package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/config"
)

func TestDistributionPercentiles(t *testing.T) {
	t.Parallel()
	var samples []time.Duration
	for i := 100; i >= 1; i-- {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	got := distributionOf(samples)
	want := distribution{N: 100, P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Min: time.Millisecond, Max: 100 * time.Millisecond}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(distribution{})); diff != "" {
		t.Errorf("distributionOf(1..100 ms) (-want +got):\n%s", diff)
	}
	if got := distributionOf(nil); got.N != 0 {
		t.Errorf("distributionOf(nil).N = %d, want 0", got.N)
	}
}

func TestThroughputAddsRounds(t *testing.T) {
	t.Parallel()
	var tp throughput
	tp.add(100, time.Second)
	tp.add(300, time.Second)
	if got := tp.perSecond(); got != 200 {
		t.Errorf("perSecond = %v, want 200 (all readings over all time)", got)
	}
	if got := tp.describe(); !strings.Contains(got, "100-300/s") {
		t.Errorf("describe = %q, want the round range 100-300/s", got)
	}
}

func TestParseSections(t *testing.T) {
	t.Parallel()
	got, err := parseSections("lag, twin")
	if err != nil {
		t.Fatalf("parseSections: %v", err)
	}
	if diff := cmp.Diff(map[string]bool{"lag": true, "twin": true}, got); diff != "" {
		t.Errorf("parseSections (-want +got):\n%s", diff)
	}
	if _, err := parseSections("vitals,latency"); err == nil || !strings.Contains(err.Error(), `"latency"`) {
		t.Errorf("unknown section error = %v, want one naming \"latency\"", err)
	}
}

func TestCheckLoopbackRejectsOtherHosts(t *testing.T) {
	t.Setenv("IHEP_RUNNER_URL", "http://127.0.0.1:8080")
	cfg := config.Base{
		FHIREndpoint:          "http://127.0.0.1:8090/",
		AuthEmulatorHost:      "localhost:9099",
		FirestoreEmulatorHost: "127.0.0.1:8081",
		PubSubEmulatorHost:    "127.0.0.1:8085",
	}
	if err := checkLoopback(cfg); err != nil {
		t.Errorf("checkLoopback(local stack) = %v, want nil", err)
	}
	cfg.FHIREndpoint = "http://10.0.0.5:8090/"
	if err := checkLoopback(cfg); err == nil || !strings.Contains(err.Error(), "FHIR_ENDPOINT") {
		t.Errorf("checkLoopback(remote FHIR endpoint) = %v, want an error naming FHIR_ENDPOINT", err)
	}
}

func TestTransactionBodyIsConditionalCreates(t *testing.T) {
	t.Parallel()
	readings := newReadingClock().heartRates(2)
	data, err := transactionBody("patient-1", readings)
	if err != nil {
		t.Fatalf("transactionBody: %v", err)
	}
	var bundle struct {
		Type  string `json:"type"`
		Entry []struct {
			Resource struct {
				Identifier []struct{ Value string }   `json:"identifier"`
				Subject    struct{ Reference string } `json:"subject"`
			} `json:"resource"`
			Request struct {
				Method, URL, IfNoneExist string
			} `json:"request"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatalf("decode bundle: %v", err)
	}
	if bundle.Type != "transaction" || len(bundle.Entry) != 2 {
		t.Fatalf("bundle = %s with %d entries, want a transaction of 2", bundle.Type, len(bundle.Entry))
	}
	for i, entry := range bundle.Entry {
		if entry.Request.Method != "POST" || entry.Request.URL != "Observation" {
			t.Errorf("entry %d request = %s %s, want POST Observation", i, entry.Request.Method, entry.Request.URL)
		}
		if len(entry.Resource.Identifier) != 1 || !strings.HasSuffix(entry.Request.IfNoneExist, "|"+entry.Resource.Identifier[0].Value) {
			t.Errorf("entry %d ifNoneExist = %q, want a search for the resource's identifier", i, entry.Request.IfNoneExist)
		}
		if entry.Resource.Subject.Reference != "Patient/patient-1" {
			t.Errorf("entry %d subject = %q, want Patient/patient-1", i, entry.Resource.Subject.Reference)
		}
	}
	if bundle.Entry[0].Request.IfNoneExist == bundle.Entry[1].Request.IfNoneExist {
		t.Error("two readings share one identifier, so the second would be a duplicate")
	}
}

func TestCPUUseSplitsOtherLoad(t *testing.T) {
	t.Parallel()
	before := cpuSample{machine: 1000, busy: 100, stack: 50, bench: 10}
	after := cpuSample{machine: 1200, busy: 250, stack: 100, bench: 30}
	got := before.useUntil(after)
	want := cpuUse{Stack: 0.25, Bench: 0.1, Other: 0.4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("useUntil (-want +got):\n%s", diff)
	}
}
