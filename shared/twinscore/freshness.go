package twinscore

import (
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

// Freshness is the recency class of a vital's latest reading.
type Freshness string

// The freshness states; see the package comment for the limits.
const (
	Fresh   Freshness = "fresh"
	Stale   Freshness = "stale"
	Missing Freshness = "missing"
)

// FreshnessLimits are the ages up to which a series is fresh and usable.
type FreshnessLimits struct {
	FreshFor  time.Duration
	UsableFor time.Duration
}

const day = 24 * time.Hour

var limits = map[vitalsign.Series]FreshnessLimits{
	vitalsign.SeriesHeartRate:        {FreshFor: 12 * time.Hour, UsableFor: 3 * day},
	vitalsign.SeriesOxygenSaturation: {FreshFor: 12 * time.Hour, UsableFor: 3 * day},
	vitalsign.SeriesRespiratoryRate:  {FreshFor: 36 * time.Hour, UsableFor: 7 * day},
	vitalsign.SeriesSystolic:         {FreshFor: 36 * time.Hour, UsableFor: 7 * day},
	vitalsign.SeriesDiastolic:        {FreshFor: 36 * time.Hour, UsableFor: 7 * day},
	vitalsign.SeriesBodyTemperature:  {FreshFor: 36 * time.Hour, UsableFor: 7 * day},
}

// Limits returns the freshness limits of a series; an unknown series gets
// zero limits, under which every reading is missing.
func Limits(series vitalsign.Series) FreshnessLimits {
	return limits[series]
}

// confidenceWeight is how much a vital of this freshness counts towards the
// confidence.
func (f Freshness) confidenceWeight() float64 {
	switch f {
	case Fresh:
		return 1
	case Stale:
		return 0.5
	default:
		return 0
	}
}

// classify returns the freshness of a reading of the given age; a negative
// age counts as 0.
func classify(series vitalsign.Series, age time.Duration) Freshness {
	l := Limits(series)
	age = max(0, age)
	switch {
	case age <= l.FreshFor && l.FreshFor > 0:
		return Fresh
	case age <= l.UsableFor && l.UsableFor > 0:
		return Stale
	default:
		return Missing
	}
}
