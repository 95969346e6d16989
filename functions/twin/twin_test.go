package twin

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/testenv"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

type harness struct {
	t      *testing.T
	cfg    config.Base
	server *Server
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	testenv.Require(t)
	cfg := testenv.Config(t)
	server, err := NewServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, cfg: cfg, server: server}
}

func (h *harness) get(function, token string, out any) int {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/"+function, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.server.Handler(function).ServeHTTP(w, r)
	if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
		h.t.Fatalf("%s answered non-JSON %q", function, w.Body)
	}
	return w.Code
}

// storeEstimate writes a smoothed Observation as the smoother would.
func (h *harness) storeEstimate(patientID string, kind vitalsign.Kind, at time.Time, values map[vitalsign.Series]float64) {
	h.t.Helper()
	raw := &vitalobs.StoredReading{ID: testenv.UniqueID(h.t), Kind: kind, EffectiveAt: at, Effective: at.Format(time.RFC3339), PatientID: patientID}
	var estimates []vitalobs.Smoothed
	for _, series := range kind.Series() {
		estimates = append(estimates, vitalobs.Smoothed{Series: series, Value: values[series], Variance: 1, State: smoothing.State{Started: true, Time: at, Mean: values[series], Variance: 1}})
	}
	obs, err := vitalobs.SmoothedObservation(raw, estimates)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.server.FHIR.Update(context.Background(), "Observation", obs.ID, obs, ""); err != nil {
		h.t.Fatalf("store estimate: %v", err)
	}
}

func (h *harness) storeAll(patientID string, at time.Time, hr, sys, dia, spo2, temp, rr float64) {
	h.storeEstimate(patientID, vitalsign.HeartRate, at, map[vitalsign.Series]float64{vitalsign.SeriesHeartRate: hr})
	h.storeEstimate(patientID, vitalsign.BloodPressure, at, map[vitalsign.Series]float64{vitalsign.SeriesSystolic: sys, vitalsign.SeriesDiastolic: dia})
	h.storeEstimate(patientID, vitalsign.OxygenSaturation, at, map[vitalsign.Series]float64{vitalsign.SeriesOxygenSaturation: spo2})
	h.storeEstimate(patientID, vitalsign.BodyTemperature, at, map[vitalsign.Series]float64{vitalsign.SeriesBodyTemperature: temp})
	h.storeEstimate(patientID, vitalsign.RespiratoryRate, at, map[vitalsign.Series]float64{vitalsign.SeriesRespiratoryRate: rr})
}

func TestTwinHealthyPatient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.storeAll(user.PatientID, time.Now().Add(-time.Hour), 72.4, 118, 76, 97, 36.8, 16)

	var got twinResponse
	if status := h.get(TwinFunction, user.Token, &got); status != http.StatusOK {
		t.Fatalf("twin status = %d", status)
	}
	if got.HealthScore == nil || *got.HealthScore != 100 || got.Band != "good" {
		t.Errorf("score = %v band %s, want 100 good", got.HealthScore, got.Band)
	}
	if got.Pulse == nil || got.Pulse.HeartRate != 72.4 {
		t.Errorf("pulse = %+v, want 72.4", got.Pulse)
	}
	if got.NEWS2.Aggregate != 0 || got.NEWS2.Risk != "low" || got.Confidence != 1 {
		t.Errorf("news2 = %+v confidence %v, want 0 low, confidence 1", got.NEWS2, got.Confidence)
	}
	if got.Freshness.Fresh != 6 || got.Freshness.Missing != 0 {
		t.Errorf("freshness = %+v, want 6 fresh", got.Freshness)
	}
}

func TestTwinUnwellPatient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	// Pulse 135 (3), respiration 26 (3), SpO2 93 (2), systolic 95 (2), temperature 38.5 (1).
	h.storeAll(user.PatientID, time.Now().Add(-time.Hour), 135, 95, 60, 93, 38.5, 26)

	var got twinResponse
	h.get(TwinFunction, user.Token, &got)
	if got.NEWS2.Aggregate != 11 || got.NEWS2.Risk != "high" || got.Band != "poor" {
		t.Errorf("news2 %d %s band %s, want 11 high poor", got.NEWS2.Aggregate, got.NEWS2.Risk, got.Band)
	}
	total := 0.0
	for _, c := range got.Vitals {
		total += c.Points
	}
	if got.HealthScore == nil || math.Abs(float64(100-*got.HealthScore)-math.Min(100, total)) > 0.5 {
		t.Errorf("score %v does not match contributions %.1f", got.HealthScore, total)
	}
}

func TestTwinReportsMissingAndStale(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.storeEstimate(user.PatientID, vitalsign.HeartRate, time.Now().Add(-30*time.Hour), map[vitalsign.Series]float64{vitalsign.SeriesHeartRate: 70})

	var got twinResponse
	h.get(TwinFunction, user.Token, &got)
	if got.Freshness.Stale != 1 || got.Freshness.Missing != 5 || got.Confidence != 0.1 {
		t.Errorf("freshness %+v confidence %v, want 1 stale, 5 missing, confidence 0.1", got.Freshness, got.Confidence)
	}
	for _, p := range got.NEWS2.Parameters {
		if p.Parameter != "pulse" && p.Available {
			t.Errorf("parameter %s reported available without data", p.Parameter)
		}
	}

	var empty twinResponse
	other := testenv.NewUser(t, h.cfg)
	h.get(TwinFunction, other.Token, &empty)
	if empty.Band != "unknown" || empty.HealthScore != nil || empty.Pulse != nil {
		t.Errorf("patient without data: band %s score %v pulse %v, want unknown, null, null", empty.Band, empty.HealthScore, empty.Pulse)
	}
}

func TestWellnessDashboard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	now := time.Now()
	h.storeEstimate(user.PatientID, vitalsign.HeartRate, now.Add(-25*time.Hour), map[vitalsign.Series]float64{vitalsign.SeriesHeartRate: 64})
	h.storeAll(user.PatientID, now.Add(-10*time.Minute), 80, 118, 76, 97, 37, 16)

	var got map[string]any
	if status := h.get(WellnessFunction, user.Token, &got); status != http.StatusOK {
		t.Fatalf("wellness status = %d: %v", status, got)
	}
	for key, want := range map[string]float64{"heartRate": 80, "bloodPressureSystolic": 118, "bloodPressureDiastolic": 76, "oxygenSaturation": 97, "temperature": 98.6} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	if got["lastUpdated"] == nil {
		t.Error("lastUpdated missing")
	}
	metrics := got["metrics"].(map[string]any)
	hr := metrics["heartRate"].(map[string]any)
	if hr["trend"] != "up" || hr["change24h"] != float64(16) || hr["status"] != "normal" {
		t.Errorf("heart rate metric = %v, want trend up by 16, normal", hr)
	}
	temp := metrics["temperature"].(map[string]any)
	if temp["unit"] != "[degF]" || temp["normalRange"].([]any)[0] != 97.0 {
		t.Errorf("temperature metric = %v, want °F with range from 97.0", temp)
	}

	var other map[string]any
	h.get(WellnessFunction, testenv.NewUser(t, h.cfg).Token, &other)
	if other["heartRate"] != nil || other["lastUpdated"] != nil {
		t.Errorf("another patient sees values: %v", other)
	}
}

func TestTwinRequiresToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, function := range []string{TwinFunction, WellnessFunction} {
		var body map[string]any
		if status := h.get(function, "", &body); status != http.StatusUnauthorized || body["code"] != "token_missing" {
			t.Errorf("%s without token = %d %v, want 401 token_missing", function, status, body["code"])
		}
	}
}
