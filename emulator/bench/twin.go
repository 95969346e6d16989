package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

const (
	// maxLatencyRatio is the target: a function's p50 over the p50 of the
	// FHIR searches it makes.
	maxLatencyRatio = 1.15
	// seedTimeout bounds the wait for the smoother to handle the seed data.
	seedTimeout = time.Minute
)

// timedCall is one way of getting a function's data, with its samples.
type timedCall struct {
	name    string
	call    func(context.Context) error
	samples []time.Duration
}

func runTwin(ctx context.Context, s *stack, p plan, sec *section) error {
	sec.Method = fmt.Sprintf("one client, one call at a time, for a patient with 48 h of all five vitals smoothed. Each round calls "+
		"each function through the runner and each baseline once, in rotating order; %d warm-up rounds, then %d. "+
		"Baselines use shared/fhir and the Firestore client from this process: the function's FHIR searches alone "+
		"(the target), and with its profile read and audit write.", p.latencyWarmup, p.latencySamples)
	user, err := s.newUser(ctx)
	if err != nil {
		return err
	}
	if err := seedVitals(ctx, s, user); err != nil {
		return err
	}

	dayAgo := func() time.Time { return time.Now().Add(-24 * time.Hour) }
	calls := []*timedCall{
		{name: "wellness", call: s.functionCall("wellness", user)},
		{name: "wellness FHIR searches", call: func(ctx context.Context) error {
			return latestSearches(ctx, s.fhir, user.PatientID, time.Time{}, dayAgo())
		}},
		{name: "wellness FHIR + Firestore", call: func(ctx context.Context) error {
			return s.backendCalls(ctx, "wellness", user, time.Time{}, dayAgo())
		}},
		{name: "twin", call: s.functionCall("twin", user)},
		{name: "twin FHIR searches", call: func(ctx context.Context) error {
			return latestSearches(ctx, s.fhir, user.PatientID, time.Time{})
		}},
		{name: "twin FHIR + Firestore", call: func(ctx context.Context) error {
			return s.backendCalls(ctx, "twin", user, time.Time{})
		}},
	}
	s.waitQuiet(ctx, quietLimit)
	for round := range p.latencyWarmup + p.latencySamples {
		for i := range calls {
			c := calls[(round+i)%len(calls)]
			start := time.Now()
			if err := c.call(ctx); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if round >= p.latencyWarmup {
				c.samples = append(c.samples, time.Since(start))
			}
		}
	}

	for i := 0; i < len(calls); i += 3 {
		function, searches, backend := distributionOf(calls[i].samples), distributionOf(calls[i+1].samples), distributionOf(calls[i+2].samples)
		name := calls[i].name
		sec.add(metric{Name: name + ": p50", Value: milliseconds(function.P50), Unit: "ms", Detail: fmt.Sprintf("p95 %.1f ms, %s", milliseconds(function.P95), function.describe())})
		sec.add(metric{Name: name + " FHIR searches: p50", Value: milliseconds(searches.P50), Unit: "ms", Detail: fmt.Sprintf("p95 %.1f ms", milliseconds(searches.P95))})
		sec.add(metric{Name: name + " FHIR + Firestore: p50", Value: milliseconds(backend.P50), Unit: "ms", Detail: fmt.Sprintf("p95 %.1f ms", milliseconds(backend.P95))})
		sec.check(metric{Name: name + ": ratio to FHIR searches", Value: float64(function.P50) / float64(searches.P50), Unit: "x", Detail: "p50 over p50"}, "<=", maxLatencyRatio)
		sec.add(metric{Name: name + ": ratio to FHIR + Firestore", Value: float64(function.P50) / float64(backend.P50), Unit: "x", Detail: "p50 over p50"})
	}
	return nil
}

// functionCall returns a call of an HTTPS function through the runner
// that expects 200.
func (s *stack) functionCall(function string, user *benchUser) func(context.Context) error {
	return func(ctx context.Context) error {
		status, body, err := s.call(ctx, http.MethodGet, function, user.Token, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return statusError("GET /"+function, status, body)
		}
		return nil
	}
}

// latestSearches makes the searches of vitalobs.LatestSmoothed for each
// instant of asOf (zero means the newest), all at once, as the twin
// package's latestAt does.
func latestSearches(ctx context.Context, client *fhir.Client, patientID string, asOf ...time.Time) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, at := range asOf {
		for _, kind := range vitalsign.Kinds() {
			g.Go(func() error {
				_, err := client.Search(gctx, "Observation", latestQuery(patientID, kind, at))
				return err
			})
		}
	}
	return g.Wait()
}

// latestQuery is the search for the newest smoothed estimate of one kind.
func latestQuery(patientID string, kind vitalsign.Kind, asOf time.Time) url.Values {
	params := url.Values{
		"subject": {"Patient/" + patientID},
		"code":    {vitalobs.CodeSearch(kind)},
		"_tag":    {vitalobs.TagSystem + "|" + vitalobs.TagSmoothed},
		"_sort":   {"-date"},
		"_count":  {"1"},
	}
	if !asOf.IsZero() {
		params.Set("date", "le"+asOf.UTC().Format(time.RFC3339Nano))
	}
	return params
}

// backendCalls makes every backend call of the wellness or twin function
// but the token's revocation check, which the function caches: the
// profile read, the FHIR searches and the audit write.
func (s *stack) backendCalls(ctx context.Context, function string, user *benchUser, asOf ...time.Time) error {
	profile, err := account.NewStore(s.firestore, s.fhir).Load(ctx, user.UID)
	if err != nil {
		return err
	}
	if err := latestSearches(ctx, s.fhir, profile.PatientID, asOf...); err != nil {
		return err
	}
	// The function logs each audit entry too; this logger formats the
	// line the same way and drops it.
	ctx = logging.WithContext(ctx, logging.New(io.Discard, "info"))
	entry := audit.Entry{Actor: user.UID, Action: function + ".read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: profile.PatientID}
	return audit.NewRecorder(s.firestore, function).Record(ctx, entry)
}

// seedVitals stores a reading of each of the five vitals every two hours
// over the last 48 hours, one POST per instant as a device would send
// them, and waits until all of them are smoothed.
func seedVitals(ctx context.Context, s *stack, user *benchUser) error {
	const points, perPoint = 24, 5
	now := time.Now().UTC().Truncate(time.Minute)
	for i := range points {
		at := now.Add(-time.Duration(2*(points-1-i)) * time.Hour).Format(time.RFC3339)
		number := func(v float64) *float64 { return &v }
		wobble := float64(i % 3)
		readings := []simpleReading{
			{Type: string(vitalsign.HeartRate), Value: number(70 + wobble)},
			{Type: string(vitalsign.BloodPressure), Systolic: number(118 + wobble), Diastolic: number(76)},
			{Type: string(vitalsign.OxygenSaturation), Value: number(97)},
			{Type: string(vitalsign.BodyTemperature), Value: number(36.8)},
			{Type: string(vitalsign.RespiratoryRate), Value: number(15 + wobble)},
		}
		for j := range readings {
			readings[j].EffectiveAt, readings[j].Source = at, readingSource
		}
		if _, err := s.postVitals(ctx, user, simpleBody(readings)); err != nil {
			return fmt.Errorf("store seed readings: %w", err)
		}
	}

	deadline := time.Now().Add(seedTimeout)
	for {
		listed, smoothed, err := s.countSmoothed(ctx, user, "limit=200")
		if err != nil {
			return err
		}
		if listed == points*perPoint && smoothed == listed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d seed readings smoothed after %s", smoothed, points*perPoint, seedTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
