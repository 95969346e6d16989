package twin

import (
	"time"

	"github.com/ihep/backend/shared/twinscore"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

func buildTwin(result twinscore.Result, latest map[vitalsign.Series]vitalobs.Estimate, now time.Time) twinResponse {
	resp := twinResponse{
		Band:       result.Band,
		Confidence: result.Confidence,
		Vitals:     []vitalContribution{},
		ComputedAt: now.UTC().Format(time.RFC3339),
	}
	if result.Band != twinscore.BandUnknown {
		score := result.HealthScore
		resp.HealthScore = &score
	}
	if hr, ok := latest[vitalsign.SeriesHeartRate]; ok {
		resp.Pulse = &pulse{HeartRate: round1(hr.Value), LastReadingAt: hr.ReadingTime.UTC().Format(time.RFC3339)}
	}
	var newest time.Time
	for _, v := range result.Vitals {
		c := vitalContribution{Vital: v.Series, Freshness: v.Freshness, Points: round1(v.Contribution)}
		if est, ok := latest[v.Series]; ok {
			at := est.ReadingTime.UTC().Format(time.RFC3339)
			c.LastReadingAt = &at
			if est.ReadingTime.After(newest) {
				newest = est.ReadingTime
			}
		}
		if v.Scored {
			sub := v.SubScore
			c.SubScore = &sub
		}
		switch v.Freshness {
		case twinscore.Fresh:
			resp.Freshness.Fresh++
		case twinscore.Stale:
			resp.Freshness.Stale++
		default:
			resp.Freshness.Missing++
		}
		resp.Vitals = append(resp.Vitals, c)
	}
	if !newest.IsZero() {
		at := newest.UTC().Format(time.RFC3339)
		resp.Freshness.LastReadingAt = &at
	}
	resp.NEWS2 = news2Block{Aggregate: result.NEWS2.Aggregate, Risk: result.NEWS2.Risk, Parameters: []news2Parameter{}}
	for _, sub := range result.NEWS2.SubScores {
		p := news2Parameter{Parameter: sub.Parameter, Available: sub.Available}
		if sub.Available {
			score := sub.Score
			p.SubScore = &score
		}
		resp.NEWS2.Parameters = append(resp.NEWS2.Parameters, p)
	}
	return resp
}

func round1(v float64) float64 {
	return float64(int64(v*10+sign(v)*0.5)) / 10
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}
