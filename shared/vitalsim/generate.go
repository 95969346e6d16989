package vitalsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

// streams holds one random stream per part of the model, so that changing one
// rate does not shift the draws of another part.
type streams struct {
	heartRate, oxygen, noise, artefacts, gaps, upload *rand.Rand
}

func newStreams(seed uint64) streams {
	stream := func(purpose uint64) *rand.Rand {
		return rand.New(rand.NewPCG(seed, purpose))
	}
	return streams{
		heartRate: stream(1),
		oxygen:    stream(2),
		noise:     stream(3),
		artefacts: stream(4),
		gaps:      stream(5),
		upload:    stream(6),
	}
}

// Generate builds the data set that cfg describes.
func Generate(cfg Config) (Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return Dataset{}, fmt.Errorf("validate simulation config: %w", err)
	}
	n := cfg.Days * minutesPerDay
	rngs := newStreams(cfg.Seed)
	heartRate, active := heartRateTruth(rngs.heartRate, cfg.Start, n)
	oxygen := oxygenSaturationTruth(rngs.oxygen, cfg.Start, n)
	off := gapMask(rngs.gaps, n, cfg.GapsPerDay*float64(cfg.Days))

	var recorded []Reading
	for i := range n {
		if off[i] {
			continue
		}
		at := cfg.Start.Add(time.Duration(i) * time.Minute)
		artefactRate := cfg.ArtefactRate
		if active[i] {
			artefactRate *= 3
		}
		hr := measureHeartRate(rngs, heartRate[i], artefactRate)
		hr.ID, hr.Time = fmt.Sprintf("hr-%07d", i), at
		spo2 := measureOxygenSaturation(rngs, oxygen[i], artefactRate)
		spo2.ID, spo2.Time = fmt.Sprintf("spo2-%07d", i), at
		recorded = append(recorded, hr, spo2)
	}
	return Dataset{Arrivals: upload(rngs.upload, recorded, cfg)}, nil
}

// gapMask marks the minutes in which the device is off.
func gapMask(rng *rand.Rand, n int, meanGaps float64) []bool {
	off := make([]bool, n)
	count := poisson(rng, meanGaps)
	for range count {
		start := rng.IntN(n)
		length := 60 + rng.IntN(5*60+1)
		for i := start; i < min(n, start+length); i++ {
			off[i] = true
		}
	}
	return off
}

// poisson draws a Poisson count by Knuth's product method, which is exact and
// fast for the small means used here. Means above 700 would underflow the
// product, so they are split.
func poisson(rng *rand.Rand, mean float64) int {
	if mean > 500 {
		return poisson(rng, mean/2) + poisson(rng, mean/2)
	}
	limit := math.Exp(-mean)
	count := 0
	for product := rng.Float64(); product > limit; product *= rng.Float64() {
		count++
	}
	return count
}

func measureHeartRate(rngs streams, truth, artefactRate float64) Reading {
	r := Reading{Series: vitalsign.SeriesHeartRate, Truth: truth}
	r.Value = math.Round(truth + 3*rngs.noise.NormFloat64())
	if rngs.artefacts.Float64() < artefactRate {
		r.Artefact = true
		up := rngs.artefacts.Float64() < 0.65
		r.Value = math.Round(truth + 30 + 50*rngs.artefacts.Float64())
		if down := truth - 30 - 15*rngs.artefacts.Float64(); !up && down >= 25 {
			r.Value = math.Round(down)
		}
	}
	r.Value = min(300, max(20, r.Value))
	return r
}

func measureOxygenSaturation(rngs streams, truth, artefactRate float64) Reading {
	r := Reading{Series: vitalsign.SeriesOxygenSaturation, Truth: truth}
	r.Value = math.Round(truth + rngs.noise.NormFloat64())
	if rngs.artefacts.Float64() < artefactRate {
		r.Artefact = true
		r.Value = math.Round(truth - 8 - 17*rngs.artefacts.Float64())
	}
	r.Value = min(100, max(50, r.Value))
	return r
}
