package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

const (
	// validateConnections is the number of concurrent connections, each
	// sending one request after another.
	validateConnections = 8
	minValidateRate     = 1750
	maxLoginP50         = 110 * time.Millisecond
	// loginsPerUser stays within auth-login's rate limit of 5 attempts per
	// client address and e-mail in 15 minutes.
	loginsPerUser = 5
	loginWarmup   = 2
)

func runAuth(ctx context.Context, s *stack, p plan, sec *section) error {
	sec.Method = fmt.Sprintf("auth-validate: %d connections from this process, each sending GET with a valid token one after another, "+
		"%s warm-up then %s measured; the load generator shares the CPUs with the stack. auth-login: one client, "+
		"%d logins after %d warm-up logins, %d per user to stay within the login rate limit.",
		validateConnections, p.validateWarmup, p.validateFor, p.loginSamples, loginWarmup, loginsPerUser)
	user, err := s.newUser(ctx)
	if err != nil {
		return err
	}

	s.waitQuiet(ctx, quietLimit)
	load := loadValidate(ctx, s.functionURL("auth-validate"), user.Token, p.validateWarmup, p.validateFor)
	detail := fmt.Sprintf("%d ok in %.1f s, latency p50 %.1f ms, p99 %.1f ms", load.ok, load.elapsed.Seconds(), milliseconds(load.latency.P50), milliseconds(load.latency.P99))
	sec.check(metric{Name: "auth-validate throughput", Value: load.perSecond(), Unit: "req/s", Detail: detail}, ">=", minValidateRate)
	errorDetail := ""
	if load.failed > 0 {
		errorDetail = "first: " + load.firstError
	}
	sec.check(metric{Name: "auth-validate errors", Value: float64(load.failed), Unit: "errors", Detail: errorDetail}, "<=", 0)

	logins, err := measureLogins(ctx, s, p.loginSamples)
	if err != nil {
		return err
	}
	d := distributionOf(logins)
	sec.check(metric{Name: "auth-login: p50", Value: milliseconds(d.P50), Unit: "ms", Detail: fmt.Sprintf("p95 %.1f ms, %s", milliseconds(d.P95), d.describe())}, "<=", milliseconds(maxLoginP50))
	return nil
}

// loadResult is the outcome of a fixed-time load.
type loadResult struct {
	ok, failed int
	firstError string
	elapsed    time.Duration
	latency    distribution
}

// perSecond counts successful requests only.
func (r loadResult) perSecond() float64 {
	return float64(r.ok) / r.elapsed.Seconds()
}

// loadValidate sends GET requests with token to url from
// validateConnections connections for warmup, then again for duration, and
// returns the second run's result.
func loadValidate(ctx context.Context, url, token string, warmup, duration time.Duration) loadResult {
	client := newHTTPClient(validateConnections)
	defer client.CloseIdleConnections()
	hammer(ctx, client, url, token, warmup)
	return hammer(ctx, client, url, token, duration)
}

func hammer(ctx context.Context, client *http.Client, url, token string, duration time.Duration) loadResult {
	var (
		mu        sync.Mutex
		result    loadResult
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(duration)
	for range validateConnections {
		wg.Go(func() {
			var ok, failed int
			var own []time.Duration
			var firstError string
			for ctx.Err() == nil && time.Now().Before(deadline) {
				sent := time.Now()
				status, body, err := send(ctx, client, http.MethodGet, url, token, nil)
				switch {
				case err != nil && ctx.Err() != nil:
				case err != nil:
					failed++
					firstError = cmp.Or(firstError, err.Error())
				case status != http.StatusOK:
					failed++
					firstError = cmp.Or(firstError, statusError("GET /auth-validate", status, body).Error())
				default:
					ok++
					own = append(own, time.Since(sent))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			result.ok += ok
			result.failed += failed
			result.firstError = cmp.Or(result.firstError, firstError)
			latencies = append(latencies, own...)
		})
	}
	wg.Wait()
	result.elapsed = time.Since(start)
	result.latency = distributionOf(latencies)
	return result
}

// measureLogins signs fresh users in through auth-login and returns the
// latency of each login after the warm-up ones.
func measureLogins(ctx context.Context, s *stack, samples int) ([]time.Duration, error) {
	total := loginWarmup + samples
	var users []*benchUser
	for range (total + loginsPerUser - 1) / loginsPerUser {
		user, err := s.newUser(ctx)
		if err != nil {
			return nil, err
		}
		users = append(users, user)
	}
	s.waitQuiet(ctx, quietLimit)

	var latencies []time.Duration
	for i := range total {
		user := users[i/loginsPerUser]
		body, _ := json.Marshal(map[string]string{"email": user.Email, "password": benchPassword})
		start := time.Now()
		status, data, err := s.call(ctx, http.MethodPost, "auth-login", "", body)
		if err != nil {
			return nil, fmt.Errorf("POST /auth-login: %w", err)
		}
		if status != http.StatusOK {
			return nil, statusError("POST /auth-login", status, data)
		}
		if i >= loginWarmup {
			latencies = append(latencies, time.Since(start))
		}
	}
	return latencies, nil
}
