package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// distribution summarizes latency samples.
type distribution struct {
	N             int
	P50, P95, P99 time.Duration
	Min, Max      time.Duration
}

// distributionOf returns the nearest-rank percentiles of samples.
func distributionOf(samples []time.Duration) distribution {
	if len(samples) == 0 {
		return distribution{}
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
		return sorted[max(i, 0)]
	}
	return distribution{N: len(sorted), P50: rank(50), P95: rank(95), P99: rank(99), Min: sorted[0], Max: sorted[len(sorted)-1]}
}

// milliseconds converts d for the report.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// describe returns "n=50, min 1.2 ms, max 9.0 ms" for a report's detail.
func (d distribution) describe() string {
	return fmt.Sprintf("n=%d, min %.1f ms, max %.1f ms", d.N, milliseconds(d.Min), milliseconds(d.Max))
}

// throughput adds up the rounds of one side of a throughput comparison.
type throughput struct {
	count   int
	elapsed time.Duration
	rounds  []float64 // per second, one value a round
}

func (t *throughput) add(count int, elapsed time.Duration) {
	t.count += count
	t.elapsed += elapsed
	t.rounds = append(t.rounds, float64(count)/elapsed.Seconds())
}

// perSecond is the count of all rounds over their summed time.
func (t throughput) perSecond() float64 {
	if t.elapsed <= 0 {
		return 0
	}
	return float64(t.count) / t.elapsed.Seconds()
}

// describe returns "5 rounds in 2.5 s, per round 2100-2500/s" for a
// report's detail.
func (t throughput) describe() string {
	if len(t.rounds) == 0 {
		return "no rounds"
	}
	return fmt.Sprintf("%s in %.1f s, per round %.0f-%.0f/s", plural(len(t.rounds), "round"), t.elapsed.Seconds(), slices.Min(t.rounds), slices.Max(t.rounds))
}
