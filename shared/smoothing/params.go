package smoothing

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

// Params configures the filter of one series. All values are in the
// canonical unit of the series (u below).
type Params struct {
	// ProcessNoise is q, the variance in u² by which the true value may
	// wander per second: the prediction variance grows by q·Δt.
	ProcessNoise float64
	// MeasurementNoise is R, the variance in u² of one reading around the
	// true value.
	MeasurementNoise float64
	// ResetGap is the longest time between readings across which the
	// estimate is carried; after a longer gap the filter restarts from the
	// prior.
	ResetGap time.Duration
	// GateSigma is k: a reading whose innovation exceeds k·sqrt(P⁻+R) is
	// an outlier.
	GateSigma float64
	// ShiftCount is N: the N-th consecutive outlier on the same side of the
	// estimate is taken as a real change of level, and the filter restarts
	// at its value.
	ShiftCount int
	// PriorMean and PriorVariance describe the value before the first
	// reading and after a reset. The prior is wide, so the gate accepts any
	// plausible first reading and the first estimate is almost the reading
	// itself.
	PriorMean     float64
	PriorVariance float64
}

// Validate reports every invalid field at once.
func (p Params) Validate() error {
	var problems []error
	positive := func(name string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			problems = append(problems, fmt.Errorf("%s must be positive and finite", name))
		}
	}
	if !(p.ProcessNoise >= 0) || math.IsInf(p.ProcessNoise, 0) {
		problems = append(problems, errors.New("process noise must be zero or positive and finite"))
	}
	positive("measurement noise", p.MeasurementNoise)
	positive("gate sigma", p.GateSigma)
	positive("prior variance", p.PriorVariance)
	if math.IsNaN(p.PriorMean) || math.IsInf(p.PriorMean, 0) {
		problems = append(problems, errors.New("prior mean must be finite"))
	}
	if p.ResetGap <= 0 {
		problems = append(problems, errors.New("reset gap must be positive"))
	}
	if p.ShiftCount < 2 {
		problems = append(problems, errors.New("shift count must be at least 2, or the gate would never hold a reading back"))
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("invalid smoothing parameters: %w", err)
	}
	return nil
}

// ParamsFor returns the tuned parameters of a series; the table in the
// package comment gives their reasons.
func ParamsFor(series vitalsign.Series) (Params, error) {
	p, ok := seriesParams[series]
	if !ok {
		return Params{}, fmt.Errorf("smoothing parameters for series %q: %w", series, vitalsign.ErrUnknownSeries)
	}
	return p, nil
}

// seriesParams holds the tuned parameters. The package comment explains each
// number; keep the two in step.
var seriesParams = map[vitalsign.Series]Params{
	vitalsign.SeriesHeartRate: {
		ProcessNoise: 0.1, MeasurementNoise: 16, ResetGap: 30 * time.Minute,
		GateSigma: 3.5, ShiftCount: 3, PriorMean: 75, PriorVariance: 70 * 70,
	},
	vitalsign.SeriesOxygenSaturation: {
		ProcessNoise: 0.01, MeasurementNoise: 2, ResetGap: time.Hour,
		GateSigma: 3.5, ShiftCount: 3, PriorMean: 95, PriorVariance: 15 * 15,
	},
	vitalsign.SeriesSystolic: {
		ProcessNoise: 100.0 / secondsPerDay, MeasurementNoise: 64, ResetGap: 7 * 24 * time.Hour,
		GateSigma: 3.5, ShiftCount: 2, PriorMean: 125, PriorVariance: 80 * 80,
	},
	vitalsign.SeriesDiastolic: {
		ProcessNoise: 50.0 / secondsPerDay, MeasurementNoise: 36, ResetGap: 7 * 24 * time.Hour,
		GateSigma: 3.5, ShiftCount: 2, PriorMean: 80, PriorVariance: 60 * 60,
	},
	vitalsign.SeriesBodyTemperature: {
		ProcessNoise: 0.25 / 3600, MeasurementNoise: 0.09, ResetGap: 3 * 24 * time.Hour,
		GateSigma: 3.5, ShiftCount: 2, PriorMean: 36.8, PriorVariance: 4 * 4,
	},
	vitalsign.SeriesRespiratoryRate: {
		ProcessNoise: 0.005, MeasurementNoise: 4, ResetGap: 6 * time.Hour,
		GateSigma: 3.5, ShiftCount: 3, PriorMean: 16, PriorVariance: 20 * 20,
	},
}

const secondsPerDay = 24 * 3600
