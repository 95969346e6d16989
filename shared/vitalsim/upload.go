package vitalsim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"
)

type batch struct {
	index int
	// slot orders the batches by arrival; a late batch gets the slot of a
	// later one plus a half, so it lands right after it.
	slot     float64
	readings []Reading
}

// upload splits the recorded readings (in time order) into batches, adds the
// duplicate copies, delays the late batches and returns every copy in arrival
// order.
func upload(rng *rand.Rand, recorded []Reading, cfg Config) []Reading {
	batches := splitBatches(rng, recorded, cfg.Start)
	addDuplicates(rng, batches, cfg.DuplicateRate)
	for i := range batches {
		batches[i].slot = float64(i)
		if rng.Float64() < cfg.LateBatchRate {
			batches[i].slot += float64(1+rng.IntN(40)) + 0.5
		}
	}
	slices.SortStableFunc(batches, func(a, b batch) int { return cmp.Compare(a.slot, b.slot) })

	var arrivals []Reading
	for _, b := range batches {
		arrivals = append(arrivals, b.readings...)
	}
	return arrivals
}

// splitBatches cuts the recording into windows of 15 to 90 minutes and keeps
// the windows that contain readings.
func splitBatches(rng *rand.Rand, recorded []Reading, start time.Time) []batch {
	var batches []batch
	windowEnd := start
	for _, r := range recorded {
		for !r.Time.Before(windowEnd) {
			windowEnd = windowEnd.Add(time.Duration(15+rng.IntN(76)) * time.Minute)
			batches = append(batches, batch{})
		}
		last := &batches[len(batches)-1]
		last.readings = append(last.readings, r)
	}
	batches = slices.DeleteFunc(batches, func(b batch) bool { return len(b.readings) == 0 })
	for i := range batches {
		batches[i].index = i
		for j := range batches[i].readings {
			batches[i].readings[j].Batch = i
		}
	}
	return batches
}

// addDuplicates uploads a copy of some readings again in one of the next three
// batches, as a client does when it never saw the acknowledgement.
func addDuplicates(rng *rand.Rand, batches []batch, rate float64) {
	var copies []Reading
	for _, b := range batches {
		for _, r := range b.readings {
			if rng.Float64() < rate {
				r.Duplicate = true
				r.Batch = min(len(batches)-1, b.index+1+rng.IntN(3))
				copies = append(copies, r)
			}
		}
	}
	for _, c := range copies {
		batches[c.Batch].readings = append(batches[c.Batch].readings, c)
	}
}
