package smoothvitals

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/ihep/backend/functions/vitals"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/vitalsign"
)

// pipeline is the vitals function and the smoother on one test store, with
// the FHIR engine's real notifications flowing through Pub/Sub between them.
type pipeline struct {
	t         *testing.T
	cfg       config.Base
	vitals    *vitals.Server
	smoother  *Smoother
	delivered atomic.Int64
}

// newPipeline starts the pipeline on a store of the test's own. pageSize
// sets the smoother's search page size (0 keeps the default), so that small
// series span several pages.
func newPipeline(t *testing.T, pageSize int) *pipeline {
	t.Helper()
	testenv.Require(t)
	cfg := testenv.Config(t)
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	v, err := vitals.NewServer(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSmoother(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if pageSize > 0 {
		s.pageSize = pageSize
	}
	p := &pipeline{t: t, cfg: cfg, vitals: v, smoother: s}
	testenv.SubscribeFHIRChanges(t, cfg, func(ctx context.Context, msg *pubsub.Message) error {
		p.delivered.Add(1)
		n, err := parseNotification(pushMessageOf(msg))
		if err != nil {
			return nil
		}
		return s.Handle(ctx, n)
	})
	return p
}

func pushMessageOf(msg *pubsub.Message) pushMessage {
	var m pushMessage
	m.Message.Data, m.Message.Attributes, m.Message.MessageID = msg.Data, msg.Attributes, msg.ID
	return m
}

func (p *pipeline) record(token string, readings []any) []string {
	p.t.Helper()
	body, _ := json.Marshal(map[string]any{"readings": readings})
	r := httptest.NewRequest(http.MethodPost, "/vitals", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	p.vitals.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		p.t.Fatalf("record = %d %s", w.Code, w.Body)
	}
	var resp struct {
		Results []struct{ ID string } `json:"results"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	ids := make([]string, len(resp.Results))
	for i, res := range resp.Results {
		ids[i] = res.ID
	}
	return ids
}

type listed struct {
	ID       string                             `json:"id"`
	Raw      map[string]struct{ Value float64 } `json:"raw"`
	Smoothed map[string]*struct {
		Value    float64
		Variance float64
		Outlier  bool
	} `json:"smoothed"`
}

// waitSmoothed polls the vitals listing until every reading of the kind has
// an estimate, and returns the listing by raw id.
func (p *pipeline) waitSmoothed(token, kind string, want int) map[string]listed {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := map[string]listed{}
		complete := true
		cursor := ""
		for {
			r := httptest.NewRequest(http.MethodGet, "/vitals?limit=200&type="+kind+cursor, nil)
			r.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			p.vitals.Handler().ServeHTTP(w, r)
			var page struct {
				Readings   []listed `json:"readings"`
				NextCursor string   `json:"nextCursor"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &page)
			for _, item := range page.Readings {
				out[item.ID] = item
				for _, est := range item.Smoothed {
					complete = complete && est != nil
				}
			}
			if page.NextCursor == "" {
				break
			}
			cursor = "&cursor=" + page.NextCursor
		}
		if complete && len(out) == want {
			return out
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("smoothing incomplete after 30 s: %d of %d readings listed, complete=%v, %d notifications delivered", len(out), want, complete, p.delivered.Load())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func heartRate(value float64, at time.Time) map[string]any {
	return map[string]any{"type": "heart_rate", "value": value, "unit": "/min", "effectiveAt": at.Format(time.RFC3339), "source": "watch"}
}

// series returns n minute-spaced heart-rate readings around 70 with noise
// and one gross outlier.
func series(n int, start time.Time, seed uint64) []map[string]any {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]map[string]any, n)
	for i := range n {
		value := math.Round(70 + 5*math.Sin(float64(i)/7) + rng.NormFloat64()*3)
		if i == n/2 {
			value = 180 // motion artefact
		}
		out[i] = heartRate(value, start.Add(time.Duration(i)*time.Minute))
	}
	return out
}

func TestSmoothingMatchesFilterWhateverTheOrder(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, 7) // several pages per re-run, and early stops between them
	user := testenv.NewUser(t, p.cfg)
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	all := series(60, start, 7)

	// Upload in shuffled batches: late readings arrive after newer ones.
	order := rand.New(rand.NewPCG(3, 3)).Perm(len(all))
	var times = map[string]time.Time{}
	for b := 0; b < len(order); b += 15 {
		var batch []any
		var batchTimes []time.Time
		for _, i := range order[b:min(b+15, len(order))] {
			batch = append(batch, all[i])
			at, _ := time.Parse(time.RFC3339, all[i]["effectiveAt"].(string))
			batchTimes = append(batchTimes, at)
		}
		for j, id := range p.record(user.Token, batch) {
			times[id] = batchTimes[j]
		}
		// Each batch is smoothed before the next arrives, so a late reading
		// must revise the estimates already stored after it.
		p.waitSmoothed(user.Token, "heart_rate", len(times))
	}
	got := p.waitSmoothed(user.Token, "heart_rate", len(all))

	params, _ := smoothing.ParamsFor(vitalsign.SeriesHeartRate)
	var readings []smoothing.Reading
	for id, item := range got {
		readings = append(readings, smoothing.Reading{ID: id, Time: times[id], Value: item.Raw["heart_rate"].Value})
	}
	want, err := smoothing.Smooth(params, readings)
	if err != nil {
		t.Fatal(err)
	}
	outliers := 0
	for _, e := range want {
		est := got[e.ID].Smoothed["heart_rate"]
		if est == nil || math.Abs(est.Value-e.Value) > 1e-6 || math.Abs(est.Variance-e.Variance) > 1e-6 || est.Outlier != e.Outlier {
			t.Errorf("reading %s: smoothed %+v, want value %.6f variance %.6f outlier %v", e.ID, est, e.Value, e.Variance, e.Outlier)
		}
		if e.Outlier {
			outliers++
		}
	}
	if outliers == 0 {
		t.Error("the 180 /min artefact was not flagged as an outlier")
	}
}

func TestDuplicateDeliveryChangesNothing(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, 0)
	user := testenv.NewUser(t, p.cfg)
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	var batch []any
	for _, r := range series(10, start, 11) {
		batch = append(batch, r)
	}
	ids := p.record(user.Token, batch)
	before := p.waitSmoothed(user.Token, "heart_rate", len(ids))

	for _, id := range ids[:5] {
		n := Notification{MessageID: "replay-" + id, Action: "CreateResource", ResourceType: "Observation", StoreName: p.cfg.FHIRStore, ResourceID: id}
		if err := p.smoother.Handle(context.Background(), n); err != nil {
			t.Fatalf("replayed notification: %v", err)
		}
	}
	after := p.waitSmoothed(user.Token, "heart_rate", len(ids))
	for id, item := range before {
		if fmt.Sprint(item.Smoothed["heart_rate"]) != fmt.Sprint(after[id].Smoothed["heart_rate"]) {
			t.Errorf("reading %s changed after a replay: %v -> %v", id, item.Smoothed["heart_rate"], after[id].Smoothed["heart_rate"])
		}
	}
}

func TestHandleIgnoresOwnWritesAndOtherStores(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, 0)
	for _, n := range []Notification{
		{ResourceType: "Observation", ResourceID: "smoothed-abc", StoreName: p.cfg.FHIRStore},
		{ResourceType: "Patient", ResourceID: "abc", StoreName: p.cfg.FHIRStore},
		{ResourceType: "Observation", ResourceID: "abc", StoreName: "projects/x/locations/l/datasets/d/fhirStores/other"},
		{ResourceType: "Observation", ResourceID: "does-not-exist", StoreName: p.cfg.FHIRStore},
	} {
		if err := p.smoother.Handle(context.Background(), n); err != nil {
			t.Errorf("Handle(%+v) = %v, want nil (dropped)", n, err)
		}
	}
}

func TestParseNotification(t *testing.T) {
	t.Parallel()
	var m pushMessage
	m.Message.Data = []byte("projects/p/locations/l/datasets/d/fhirStores/s/fhir/Observation/abc-1")
	m.Message.Attributes = map[string]string{"action": "CreateResource", "resourceType": "Observation", "storeName": "projects/p/locations/l/datasets/d/fhirStores/s"}
	n, err := parseNotification(m)
	if err != nil || n.ResourceID != "abc-1" || n.ResourceType != "Observation" {
		t.Errorf("parseNotification = %+v, %v", n, err)
	}
	m.Message.Data = []byte(`{"resourceType":"Observation","id":"full-1"}`)
	if n, err := parseNotification(m); err != nil || n.ResourceID != "full-1" {
		t.Errorf("full resource: %+v, %v", n, err)
	}
	m.Message.Data = []byte("garbage")
	if _, err := parseNotification(m); err == nil {
		t.Error("garbage parsed without error")
	}
}
