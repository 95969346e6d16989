package vitalsim

import (
	"math"
	"math/rand/v2"
	"time"
)

const minutesPerDay = 24 * 60

// ornsteinUhlenbeck returns n minute samples of a stationary
// Ornstein-Uhlenbeck process with the given standard deviation and
// correlation time in minutes, using its exact discretisation.
func ornsteinUhlenbeck(rng *rand.Rand, n int, sd, tauMinutes float64) []float64 {
	out := make([]float64, n)
	decay := math.Exp(-1 / tauMinutes)
	step := sd * math.Sqrt(1-decay*decay)
	x := sd * rng.NormFloat64()
	for i := range out {
		out[i] = x
		x = decay*x + step*rng.NormFloat64()
	}
	return out
}

// hourOfDay returns the local clock time of minute i as fractional hours.
func hourOfDay(start time.Time, i int) float64 {
	t := start.Add(time.Duration(i) * time.Minute)
	return float64(t.Hour()) + float64(t.Minute())/60
}

func asleep(hour float64) bool {
	return hour >= 23 || hour < 7
}

// heartRateTruth returns the true heart rate of every minute and whether the
// minute falls in an activity bout.
func heartRateTruth(rng *rand.Rand, start time.Time, n int) (truth []float64, active []bool) {
	resting := 60 + 14*rng.Float64()
	drift := ornsteinUhlenbeck(rng, n, 3, 12*60)
	fluctuation := ornsteinUhlenbeck(rng, n, 2.5, 5)
	activity, active := activityBouts(rng, start, n)
	truth = make([]float64, n)
	for i := range truth {
		circadian := -7 * math.Cos(2*math.Pi*(hourOfDay(start, i)-4)/24)
		truth[i] = resting + circadian + drift[i] + fluctuation[i] + activity[i]
	}
	return truth, active
}

// activityBouts returns the heart rate added by activity in each minute and
// whether the minute is inside a bout or its recovery.
func activityBouts(rng *rand.Rand, start time.Time, n int) ([]float64, []bool) {
	const (
		boutsPerDay    = 6.0
		onsetMinutes   = 1.0
		recoverMinutes = 2.5
		awakeMinutes   = 15 * 60 // 07:30 to 22:30
	)
	rate := boutsPerDay / awakeMinutes
	lift := make([]float64, n)
	active := make([]bool, n)
	level := 0.0
	target := 0.0
	remaining := 0
	for i := range lift {
		hour := hourOfDay(start, i)
		if remaining == 0 && hour >= 7.5 && hour < 22.5 && rng.Float64() < rate {
			target = 15 + 35*rng.Float64()
			median := 15.0
			remaining = int(math.Round(min(90, max(4, median*math.Exp(0.6*rng.NormFloat64())))))
		}
		if remaining > 0 {
			level = target + (level-target)*math.Exp(-1/onsetMinutes)
			remaining--
		} else {
			level *= math.Exp(-1 / recoverMinutes)
		}
		lift[i] = level
		active[i] = level > 5
	}
	return lift, active
}

// oxygenSaturationTruth returns the true oxygen saturation of every minute.
func oxygenSaturationTruth(rng *rand.Rand, start time.Time, n int) []float64 {
	const dipsPerNight = 2.0
	level := 96 + 1.5*rng.Float64()
	drift := ornsteinUhlenbeck(rng, n, 0.5, 12*60)
	dipRate := dipsPerNight / (8 * 60)
	truth := make([]float64, n)
	dipDepth, dipLength, dipAt := 0.0, 0, 0
	for i := range truth {
		value := level + drift[i]
		if asleep(hourOfDay(start, i)) {
			value--
			if dipAt >= dipLength && rng.Float64() < dipRate {
				dipDepth, dipLength, dipAt = 3+3*rng.Float64(), 2+rng.IntN(5), 0
			}
		}
		if dipAt < dipLength {
			// A triangular dip: down to dipDepth at the middle and back.
			half := float64(dipLength) / 2
			value -= dipDepth * (1 - math.Abs(float64(dipAt)+0.5-half)/half)
			dipAt++
		}
		truth[i] = min(100, value)
	}
	return truth
}
