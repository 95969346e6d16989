package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/manifest"
)

// schedulerRunPath publishes one job's message at once, for tests:
// POST /_scheduler/run?job=<function-name>.
const schedulerRunPath = "/_scheduler/run"

// publishFunc publishes data to a topic id and returns the message id.
type publishFunc func(ctx context.Context, topicID string, data []byte) (string, error)

// scheduledMessage is the data of each message the scheduler publishes.
//
// NOTE: Cloud Scheduler publishes a fixed payload set in the job, so a
// deployed function does not get ScheduleTime. Handlers may use it in logs but
// must not depend on it.
type scheduledMessage struct {
	Job          string `json:"job"`
	ScheduleTime string `json:"scheduleTime"` // RFC 3339 in the job's time zone
}

// job is one manifest schedule.
type job struct {
	Function string
	Topic    string
	Zone     *time.Location
	Schedule cron.Schedule
}

// scheduler replaces Cloud Scheduler, which has no emulator. At each
// cron tick of a schedule-triggered function it publishes a message to the
// function's topic.
type scheduler struct {
	jobs    map[string]job
	publish publishFunc
	logger  *slog.Logger
}

func newScheduler(m *manifest.Manifest, publish publishFunc, logger *slog.Logger) (*scheduler, error) {
	s := &scheduler{jobs: map[string]job{}, publish: publish, logger: logger}
	for _, f := range m.Functions {
		if f.Trigger.Kind() != manifest.KindSchedule {
			continue
		}
		schedule, err := f.Trigger.CronSchedule()
		if err != nil {
			return nil, fmt.Errorf("schedule of %s: %w", f.Name, err)
		}
		zone, err := manifest.LoadTimeZone(f.Trigger.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("schedule of %s: %w", f.Name, err)
		}
		s.jobs[f.Name] = job{Function: f.Name, Topic: f.Trigger.Topic, Zone: zone, Schedule: schedule}
	}
	return s, nil
}

// run publishes every job at its ticks until ctx ends.
func (s *scheduler) run(ctx context.Context) {
	names := make([]string, 0, len(s.jobs))
	for name := range s.jobs {
		names = append(names, name)
	}
	sort.Strings(names)

	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func(j job) {
			defer wg.Done()
			s.runJob(ctx, j)
		}(s.jobs[name])
	}
	wg.Wait()
}

func (s *scheduler) runJob(ctx context.Context, j job) {
	for {
		next := j.Schedule.Next(time.Now())
		if next.IsZero() {
			s.logger.Warn("schedule has no future tick, stopping it", "job", j.Function)
			return
		}
		s.logger.Info("next scheduled run", "job", j.Function, "schedule_time", next.In(j.Zone).Format(time.RFC3339))

		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		// A failed tick is logged and skipped, as Cloud Scheduler would
		// record a failed attempt. The next tick is tried as usual.
		_, _ = s.fire(ctx, j, next)
	}
}

// fire publishes one message for j with the given schedule time.
func (s *scheduler) fire(ctx context.Context, j job, scheduleTime time.Time) (string, error) {
	data, err := json.Marshal(scheduledMessage{Job: j.Function, ScheduleTime: scheduleTime.In(j.Zone).Format(time.RFC3339)})
	if err != nil {
		return "", fmt.Errorf("encode scheduled message: %w", err)
	}
	id, err := s.publish(ctx, j.Topic, data)
	if err != nil {
		s.logger.Error("scheduled publish failed", "job", j.Function, "topic", j.Topic, logging.KeyError, err)
		return "", fmt.Errorf("publish to %s: %w", j.Topic, err)
	}
	s.logger.Info("scheduled message published", "job", j.Function, "topic", j.Topic, logging.KeyMessageID, id)
	return id, nil
}

// ServeHTTP handles POST /_scheduler/run?job=<function-name>, which publishes
// the job's message at once and returns its message id.
func (s *scheduler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !fromLoopback(r) {
		writeJSON(w, http.StatusForbidden, errorBody{Error: "The scheduler endpoint accepts requests from this machine only.", Code: "forbidden"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "Use POST to run a scheduled job.", Code: "method_not_allowed"})
		return
	}

	name := r.URL.Query().Get("job")
	j, ok := s.jobs[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody{Error: fmt.Sprintf("No schedule-triggered function is named %q.", name), Code: "job_not_found"})
		return
	}

	scheduleTime := time.Now().Truncate(time.Second)
	id, err := s.fire(r.Context(), j, scheduleTime)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, errorBody{Error: "Publishing to the Pub/Sub emulator failed; see the runner log.", Code: "publish_failed"})
		return
	}
	writeJSON(w, http.StatusOK, runResult{Job: j.Function, Topic: j.Topic, MessageID: id, ScheduleTime: scheduleTime.In(j.Zone).Format(time.RFC3339)})
}

type runResult struct {
	Job          string `json:"job"`
	Topic        string `json:"topic"`
	MessageID    string `json:"messageId"`
	ScheduleTime string `json:"scheduleTime"`
}

type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// writeJSON renders body into a buffer first, so an encoding failure never
// sends half a response.
func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(body); err != nil {
		http.Error(w, `{"error":"Encoding the response failed.","code":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
