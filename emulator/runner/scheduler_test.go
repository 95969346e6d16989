package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/manifest"
)

// published records one call of a fake publishFunc.
type published struct {
	Topic string
	Data  scheduledMessage
}

func scheduleManifest() *manifest.Manifest {
	return &manifest.Manifest{Functions: []manifest.Function{
		{Name: "auth-login", Trigger: manifest.Trigger{HTTPS: &manifest.HTTPSTrigger{}}},
		{Name: "reminders-send", Trigger: manifest.Trigger{Schedule: "0 9 * * *", Topic: "reminder-ticks", TimeZone: "America/New_York"}},
	}}
}

func newTestScheduler(t *testing.T, publishErr error) (*scheduler, *[]published) {
	t.Helper()
	var calls []published
	publish := func(_ context.Context, topic string, data []byte) (string, error) {
		if publishErr != nil {
			return "", publishErr
		}
		var msg scheduledMessage
		if err := json.Unmarshal(data, &msg); err != nil {
			t.Errorf("published data is not a scheduled message: %v", err)
		}
		calls = append(calls, published{Topic: topic, Data: msg})
		return "msg-1", nil
	}
	s, err := newScheduler(scheduleManifest(), publish, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("newScheduler() = %v", err)
	}
	return s, &calls
}

func TestNewSchedulerKeepsScheduleTriggersOnly(t *testing.T) {
	t.Parallel()
	s, _ := newTestScheduler(t, nil)
	if len(s.jobs) != 1 {
		t.Fatalf("jobs = %d, want 1", len(s.jobs))
	}
	j := s.jobs["reminders-send"]
	if j.Topic != "reminder-ticks" || j.Zone.String() != "America/New_York" {
		t.Errorf("job = %+v, want topic reminder-ticks in America/New_York", j)
	}
	// 2026-12-04 15:00 UTC is 10:00 in New York, so the next 09:00 is tomorrow.
	next := j.Schedule.Next(time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("next tick = %v, want %v", next, want)
	}
}

func TestFirePublishesScheduleTimeInZone(t *testing.T) {
	t.Parallel()
	s, calls := newTestScheduler(t, nil)
	id, err := s.fire(context.Background(), s.jobs["reminders-send"], time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("fire() = %v", err)
	}
	if id != "msg-1" {
		t.Errorf("message id = %q, want msg-1", id)
	}
	want := []published{{Topic: "reminder-ticks", Data: scheduledMessage{Job: "reminders-send", ScheduleTime: "2026-12-05T09:00:00-05:00"}}}
	if diff := cmp.Diff(want, *calls); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
}

func TestSchedulerRunEndpoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		method     string
		target     string
		remoteAddr string
		publishErr error
		wantStatus int
		wantCode   string
	}{
		{name: "runs job", method: http.MethodPost, target: "/_scheduler/run?job=reminders-send", remoteAddr: "127.0.0.1:5000", wantStatus: http.StatusOK},
		{name: "unknown job", method: http.MethodPost, target: "/_scheduler/run?job=auth-login", remoteAddr: "127.0.0.1:5000", wantStatus: http.StatusNotFound, wantCode: "job_not_found"},
		{name: "wrong method", method: http.MethodGet, target: "/_scheduler/run?job=reminders-send", remoteAddr: "127.0.0.1:5000", wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
		{name: "remote caller", method: http.MethodPost, target: "/_scheduler/run?job=reminders-send", remoteAddr: "192.0.2.7:5000", wantStatus: http.StatusForbidden, wantCode: "forbidden"},
		{name: "publish fails", method: http.MethodPost, target: "/_scheduler/run?job=reminders-send", remoteAddr: "[::1]:5000", publishErr: errors.New("emulator down"), wantStatus: http.StatusBadGateway, wantCode: "publish_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, calls := newTestScheduler(t, tc.publishErr)
			req := httptest.NewRequest(tc.method, tc.target, nil)
			req.RemoteAddr = tc.remoteAddr
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantCode != "" {
				var body errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatalf("error body: %v", err)
				}
				if body.Code != tc.wantCode {
					t.Errorf("code = %q, want %q", body.Code, tc.wantCode)
				}
				return
			}
			var result runResult
			if err := json.Unmarshal(rec.Body.Bytes(), &result); err != nil {
				t.Fatalf("result body: %v", err)
			}
			if result.MessageID != "msg-1" || result.Topic != "reminder-ticks" {
				t.Errorf("result = %+v, want message msg-1 on reminder-ticks", result)
			}
			if len(*calls) != 1 {
				t.Errorf("published %d messages, want 1", len(*calls))
			}
		})
	}
}

func TestSchedulerRunPublishesAtTick(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the next minute boundary; skipped under -short")
	}
	t.Parallel()
	ticked := make(chan string, 1)
	publish := func(_ context.Context, topic string, _ []byte) (string, error) {
		ticked <- topic
		return "msg-1", nil
	}
	m := &manifest.Manifest{Functions: []manifest.Function{
		{Name: "every-minute", Trigger: manifest.Trigger{Schedule: "* * * * *", Topic: "minute-ticks", TimeZone: "UTC"}},
	}}
	s, err := newScheduler(m, publish, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("newScheduler() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	// The next minute boundary is at most 60 s away.
	select {
	case topic := <-ticked:
		if topic != "minute-ticks" {
			t.Errorf("published to %q, want minute-ticks", topic)
		}
	case <-time.After(65 * time.Second):
		t.Fatal("no message published within 65 s of an every-minute schedule")
	}
}
