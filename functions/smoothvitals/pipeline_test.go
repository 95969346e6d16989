package smoothvitals

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ihep/backend/functions/twin"
	"github.com/ihep/backend/shared/testenv"
)

// TestRecordToTwin follows readings from the vitals function through the
// FHIR store's notifications and the smoother to the dashboard and the twin.
func TestRecordToTwin(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, 0)
	dashboard, err := twin.NewServer(context.Background(), p.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	user := testenv.NewUser(t, p.cfg)
	other := testenv.NewUser(t, p.cfg)
	now := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	var readings []any
	for i := range 5 {
		at := now.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		readings = append(readings,
			map[string]any{"type": "heart_rate", "value": 70 + i, "effectiveAt": at, "source": "watch"},
			map[string]any{"type": "oxygen_saturation", "value": 97, "unit": "%", "effectiveAt": at, "source": "watch"},
		)
	}
	readings = append(readings,
		map[string]any{"type": "blood_pressure", "systolic": 118, "diastolic": 77, "effectiveAt": now.Format(time.RFC3339), "source": "cuff"},
		map[string]any{"type": "body_temperature", "value": 98.2, "unit": "[degF]", "effectiveAt": now.Format(time.RFC3339), "source": "thermometer"},
		map[string]any{"type": "respiratory_rate", "value": 15, "effectiveAt": now.Format(time.RFC3339), "source": "watch"},
	)
	p.record(user.Token, readings)
	p.waitSmoothed(user.Token, "heart_rate", 5)
	p.waitSmoothed(user.Token, "respiratory_rate", 1)
	p.waitSmoothed(user.Token, "body_temperature", 1)
	p.waitSmoothed(user.Token, "blood_pressure", 1)
	p.waitSmoothed(user.Token, "oxygen_saturation", 5)

	var wellness map[string]any
	get(t, dashboard.Handler(twin.WellnessFunction), user.Token, &wellness)
	if hr, _ := wellness["heartRate"].(float64); hr < 70 || hr > 74 {
		t.Errorf("wellness heartRate = %v, want a smoothed value between 70 and 74", wellness["heartRate"])
	}
	var state map[string]any
	get(t, dashboard.Handler(twin.TwinFunction), user.Token, &state)
	if state["band"] != "good" || state["healthScore"] != float64(100) {
		t.Errorf("twin = band %v score %v, want good 100", state["band"], state["healthScore"])
	}

	var otherState map[string]any
	get(t, dashboard.Handler(twin.TwinFunction), other.Token, &otherState)
	if otherState["band"] != "unknown" || otherState["pulse"] != nil {
		t.Errorf("second user sees twin data: %v", otherState)
	}
}

func get(t *testing.T, h http.Handler, token string, out any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("GET = %d %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
		t.Fatal(err)
	}
}
