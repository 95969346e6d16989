package twin

import (
	"net/http"
	"time"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/news2"
	"github.com/ihep/backend/shared/twinscore"
	"github.com/ihep/backend/shared/vitalsign"
)

type twinResponse struct {
	HealthScore *int                `json:"healthScore"`
	Band        twinscore.Band      `json:"band"`
	Confidence  float64             `json:"confidence"`
	Pulse       *pulse              `json:"pulse"`
	Vitals      []vitalContribution `json:"contributions"`
	Freshness   freshnessSummary    `json:"freshness"`
	NEWS2       news2Block          `json:"news2"`
	ComputedAt  string              `json:"computedAt"`
}

// pulse is the smoothed heart rate that drives the twin's animation.
type pulse struct {
	HeartRate     float64 `json:"heartRate"`
	LastReadingAt string  `json:"lastReadingAt"`
}

type vitalContribution struct {
	Vital         vitalsign.Series    `json:"vital"`
	Freshness     twinscore.Freshness `json:"freshness"`
	LastReadingAt *string             `json:"lastReadingAt"`
	SubScore      *int                `json:"news2SubScore"`
	Points        float64             `json:"points"`
}

type freshnessSummary struct {
	LastReadingAt *string `json:"lastReadingAt"`
	Fresh         int     `json:"fresh"`
	Stale         int     `json:"stale"`
	Missing       int     `json:"missing"`
}

type news2Block struct {
	Aggregate  int              `json:"aggregate"`
	Risk       news2.Risk       `json:"risk"`
	Parameters []news2Parameter `json:"parameters"`
}

type news2Parameter struct {
	Parameter news2.Parameter `json:"parameter"`
	Available bool            `json:"available"`
	SubScore  *int            `json:"subScore"`
}

// twin returns the digital twin's state: health score and band from the
// NEWS2 sub-scores of the latest smoothed vitals, with what is missing or
// stale reported, never filled in.
func (s *Server) twin(w http.ResponseWriter, r *http.Request) error {
	user, err := s.Verifier.Verify(r.Context(), r)
	if err != nil {
		return err
	}
	patientID, err := s.PatientID(r.Context(), user.UID)
	if err != nil {
		return err
	}
	found, err := s.latestAt(r.Context(), TwinFunction, user.UID, patientID, time.Time{})
	if err != nil {
		return err
	}
	latest := found[0]

	now := s.now()
	in := twinscore.Input{Now: now, Latest: map[vitalsign.Series]twinscore.Latest{}}
	for series, est := range latest {
		in.Latest[series] = twinscore.Latest{Value: est.Value, ReadingTime: est.ReadingTime}
	}
	result, err := twinscore.Compute(in)
	if err != nil {
		return httpapi.Internal(err)
	}
	return httpapi.Respond(w, http.StatusOK, buildTwin(result, latest, now))
}
