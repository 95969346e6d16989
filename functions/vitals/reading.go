package vitals

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

const (
	// MaxReadings is the most readings one request may carry.
	MaxReadings = 500
	// maxFutureSkew tolerates device clocks a little ahead of ours.
	maxFutureSkew = 5 * time.Minute
	maxSourceLen  = 128
	// defaultSource names readings sent without a source.
	defaultSource = "ihep-app"
)

// earliestReading rejects timestamps that can only be typing mistakes.
var earliestReading = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// rejection is the reason one reading was not stored.
type rejection struct {
	Code    string
	Message string
}

func reject(code, message string) *rejection { return &rejection{Code: code, Message: message} }

// rawValue is one series value as sent, before unit conversion.
type rawValue struct {
	value *float64
	unit  string
}

// normalize checks and converts one reading to canonical units. values maps
// each series of the kind to what was sent.
func normalize(kind vitalsign.Kind, values map[vitalsign.Series]rawValue, effective, source string, now time.Time) (vitalobs.Reading, *rejection) {
	reading := vitalobs.Reading{Kind: kind, Values: map[vitalsign.Series]float64{}}
	for _, series := range kind.Series() {
		v := values[series]
		if v.value == nil {
			return reading, reject("value_required", "A "+series.Info().Label+" value is required.")
		}
		unit := v.unit
		if unit == "" {
			unit = series.Unit().Code
		}
		canonical, err := vitalsign.Canonicalize(series, *v.value, unit)
		if err != nil {
			return reading, fromVitalError(err)
		}
		reading.Values[series] = canonical
	}
	if kind == vitalsign.BloodPressure {
		if err := vitalsign.CheckBloodPressure(reading.Values[vitalsign.SeriesSystolic], reading.Values[vitalsign.SeriesDiastolic]); err != nil {
			return reading, fromVitalError(err)
		}
	}

	at, rej := parseEffective(effective, now)
	if rej != nil {
		return reading, rej
	}
	reading.EffectiveAt, reading.Effective = at, effective
	reading.Source, rej = normalizeSource(source)
	return reading, rej
}

func parseEffective(effective string, now time.Time) (time.Time, *rejection) {
	if effective == "" {
		return time.Time{}, reject("effective_time_required", "The time of the reading is required (RFC 3339 with an offset).")
	}
	at, err := time.Parse(time.RFC3339Nano, effective)
	if err != nil {
		return time.Time{}, reject("invalid_effective_time", "The time of the reading must be an RFC 3339 date-time with an offset, such as 2026-12-01T08:30:00+01:00.")
	}
	if at.After(now.Add(maxFutureSkew)) {
		return time.Time{}, reject("future_reading", "The reading is more than 5 minutes in the future: check the device clock.")
	}
	if at.Before(earliestReading) {
		return time.Time{}, reject("invalid_effective_time", "The time of the reading is before 1900.")
	}
	return at, nil
}

func normalizeSource(source string) (string, *rejection) {
	source = strings.TrimSpace(source)
	if source == "" {
		return defaultSource, nil
	}
	if len(source) > maxSourceLen || strings.IndexFunc(source, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return "", reject("invalid_source", "The source must be a printable device or app id of at most 128 bytes.")
	}
	return source, nil
}

func fromVitalError(err error) *rejection {
	var vErr *vitalsign.Error
	if errors.As(err, &vErr) {
		return reject(vErr.Code, vErr.Message)
	}
	return reject("invalid_reading", "The reading is not valid.")
}
