package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

const (
	// maxLag is the target for the 95th percentile.
	maxLag = time.Second
	// lagTimeout ends the wait for one post; the sample then counts as
	// lagTimeout.
	lagTimeout = 10 * time.Second
	// lagPollInterval is the pause between two GET /vitals of one wait.
	lagPollInterval = 10 * time.Millisecond
	// maxLagTimeouts ends the section, since a smoother that stalls once
	// per patient tends to stall for every later post too.
	maxLagTimeouts = 3
)

var errLagTimeout = errors.New("smoothed value not visible in time")

// lagSamples are the smoothing lags of posts of one size.
type lagSamples struct {
	lags     []time.Duration
	timeouts int
	polls    int
	polling  time.Duration // time spent in GET /vitals
}

func runLag(ctx context.Context, s *stack, p plan, sec *section) error {
	sec.Method = fmt.Sprintf("after each POST /vitals returns 201, GET /vitals for the posted readings every %s until all of them "+
		"have a smoothed value; the lag ends when that GET returns. One post at a time, each once the stack is idle; "+
		"%s first.", lagPollInterval, plural(p.lagWarmup, "warm-up post"))
	user, err := s.newUser(ctx)
	if err != nil {
		return err
	}
	clock := newReadingClock()

	singles, err := measureLags(ctx, s, user, clock, 1, p.lagWarmup, p.lagSingles)
	reportLag(sec, "single reading", singles)
	if err != nil {
		return err
	}
	batches, err := measureLags(ctx, s, user, clock, p.lagBatchSize, 0, p.lagBatches)
	reportLag(sec, fmt.Sprintf("batch of %d", p.lagBatchSize), batches)
	return err
}

func reportLag(sec *section, name string, samples lagSamples) {
	if len(samples.lags) == 0 {
		return
	}
	d := distributionOf(samples.lags)
	detail := d.describe()
	if samples.polls > 0 {
		detail += fmt.Sprintf(", a GET took %.1f ms on average", milliseconds(samples.polling)/float64(samples.polls))
	}
	sec.add(metric{Name: name + ": p50", Value: milliseconds(d.P50), Unit: "ms", Detail: detail})
	sec.check(metric{Name: name + ": p95", Value: milliseconds(d.P95), Unit: "ms"}, "<=", milliseconds(maxLag))
	if samples.timeouts > 0 {
		sec.note("%s: %s not smoothed within %s, each counted as %s", name, plural(samples.timeouts, "post"), lagTimeout, lagTimeout)
	}
}

// measureLags posts warmup+n batches of size readings, one at a time, and
// returns the lags of the last n.
func measureLags(ctx context.Context, s *stack, user *benchUser, clock *readingClock, size, warmup, n int) (lagSamples, error) {
	var out lagSamples
	for i := range warmup + n {
		s.waitQuiet(ctx, quietLimit)
		lag, err := smoothingLag(ctx, s, user, clock.heartRates(size), &out)
		if errors.Is(err, errLagTimeout) {
			out.timeouts++
			lag = lagTimeout
			if out.timeouts == maxLagTimeouts {
				return out, fmt.Errorf("%s of %s not smoothed within %s: stopped", plural(out.timeouts, "post"), plural(size, "reading"), lagTimeout)
			}
		} else if err != nil {
			return out, err
		}
		if i >= warmup {
			out.lags = append(out.lags, lag)
		}
	}
	return out, nil
}

// smoothingLag posts readings and returns the time from the accepted
// response until GET /vitals shows a smoothed value for each of them.
func smoothingLag(ctx context.Context, s *stack, user *benchUser, readings []simpleReading, stats *lagSamples) (time.Duration, error) {
	if _, err := s.postVitals(ctx, user, simpleBody(readings)); err != nil {
		return 0, err
	}
	accepted := time.Now()
	last, err := time.Parse(time.RFC3339, readings[len(readings)-1].EffectiveAt)
	if err != nil {
		return 0, err
	}
	query := url.Values{
		"type":  {"heart_rate"},
		"from":  {readings[0].EffectiveAt},
		"to":    {last.Add(time.Second).Format(time.RFC3339)},
		"limit": {strconv.Itoa(len(readings))},
	}.Encode()

	for {
		start := time.Now()
		listed, smoothed, err := s.countSmoothed(ctx, user, query)
		if err != nil {
			return 0, err
		}
		stats.polls++
		stats.polling += time.Since(start)
		if smoothed == len(readings) {
			return time.Since(accepted), nil
		}
		if listed != len(readings) {
			return 0, fmt.Errorf("GET /vitals listed %d of the %d readings just stored", listed, len(readings))
		}
		if time.Since(accepted) > lagTimeout {
			return 0, errLagTimeout
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(lagPollInterval):
		}
	}
}
