package twin

import (
	"math"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// metric describes one dashboard value: its display name in the original
// web client, the series behind it, its normal range and the smallest
// change over 24 hours that counts as a trend.
type metric struct {
	name      string
	series    vitalsign.Series
	low, high float64
	trendStep float64
}

// metrics lists the dashboard's values. Normal ranges are the original
// design's, in canonical units (temperature in °C, converted on output).
var metrics = []metric{
	{"heartRate", vitalsign.SeriesHeartRate, 60, 100, 3},
	{"bloodPressureSystolic", vitalsign.SeriesSystolic, 90, 120, 3},
	{"bloodPressureDiastolic", vitalsign.SeriesDiastolic, 60, 80, 3},
	{"oxygenSaturation", vitalsign.SeriesOxygenSaturation, 95, 100, 1},
	{"temperature", vitalsign.SeriesBodyTemperature, 36.1, 37.2, 0.2},
	{"respiratoryRate", vitalsign.SeriesRespiratoryRate, 12, 20, 1},
}

type metricBody struct {
	Value         *float64   `json:"value"`
	Unit          string     `json:"unit"`
	NormalRange   [2]float64 `json:"normalRange"`
	Status        string     `json:"status"`
	Trend         string     `json:"trend"`
	Change24h     *float64   `json:"change24h"`
	LastReadingAt *string    `json:"lastReadingAt"`
}

// wellness returns the latest smoothed values in the original dashboard's
// shape, each with its unit, normal range, 24-hour trend and last reading.
func (s *Server) wellness(w http.ResponseWriter, r *http.Request) error {
	uid, profile, err := s.caller(r)
	if err != nil {
		return err
	}
	found, err := s.latestAt(r.Context(), WellnessFunction, uid, profile.PatientID, time.Time{}, s.now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	latest, dayAgo := found[0], found[1]
	fahrenheit := profile.TemperatureUnit != "C"
	return httpapi.Respond(w, http.StatusOK, buildWellness(latest, dayAgo, fahrenheit))
}

func buildWellness(latest, dayAgo map[vitalsign.Series]vitalobs.Estimate, fahrenheit bool) map[string]any {
	body := map[string]any{}
	details := map[string]metricBody{}
	var lastUpdated time.Time
	for _, m := range metrics {
		convert, unit := func(v float64) float64 { return v }, m.series.Unit().Code
		if m.series == vitalsign.SeriesBodyTemperature && fahrenheit {
			convert, unit = func(v float64) float64 { return v*9/5 + 32 }, "[degF]"
		}
		d := metricBody{Unit: unit, NormalRange: [2]float64{round1(convert(m.low)), round1(convert(m.high))}, Status: "unknown", Trend: "unknown"}
		est, ok := latest[m.series]
		if !ok {
			body[m.name] = nil
			details[m.name] = d
			continue
		}
		value := round1(convert(est.Value))
		at := est.ReadingTime.UTC().Format(time.RFC3339)
		d.Value, d.LastReadingAt, d.Status = &value, &at, rangeStatus(est.Value, m)
		if before, ok := dayAgo[m.series]; ok {
			change := round1(convert(est.Value) - convert(before.Value))
			d.Change24h, d.Trend = &change, trend(est.Value-before.Value, m.trendStep)
		}
		body[m.name] = value
		details[m.name] = d
		if est.ReadingTime.After(lastUpdated) {
			lastUpdated = est.ReadingTime
		}
	}
	body["lastUpdated"] = nil
	if !lastUpdated.IsZero() {
		body["lastUpdated"] = lastUpdated.UTC().Format(time.RFC3339)
	}
	body["metrics"] = details
	return body
}

func rangeStatus(value float64, m metric) string {
	switch {
	case value < m.low:
		return "low"
	case value > m.high:
		return "high"
	default:
		return "normal"
	}
}

func trend(change, step float64) string {
	switch {
	case math.Abs(change) < step:
		return "stable"
	case change > 0:
		return "up"
	default:
		return "down"
	}
}
