package chat

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/testenv"
)

func TestChatOfflineAnswersFromTools(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	user := testenv.NewUser(t, h.cfg.Base)
	if _, err := h.server.Firestore.Doc("profiles/"+user.UID).Update(context.Background(), []firestore.Update{{Path: "timeZone", Value: "America/New_York"}}); err != nil {
		t.Fatal(err)
	}
	primary := h.seedProvider("Dr. Lena Brooks", "Cardiology", true)
	retired := h.seedProvider("Dr. Retired Person", "Oncology", false)
	h.seedCareTeam(user.UID, primary, true)
	h.seedCareTeam(user.UID, retired, false)
	start := time.Date(2031, 3, 4, 15, 30, 0, 0, time.UTC)
	h.seedAppointment(user.PatientID, primary, start, "in-person")
	h.seedAppointmentWithStatus(user.PatientID, primary, start.Add(time.Hour), "telehealth", "cancelled")
	h.seedHeartRate(user.PatientID, time.Now().Add(-time.Hour), 72.44)
	h.seedCondition(user.PatientID, "heart-disease")
	articleID := h.seedArticle("Walking after a heart attack "+testenv.UniqueID(t), []string{"heart-disease"})

	cases := []struct {
		name     string
		message  string
		contains []string
		omits    []string
	}{
		{"appointments", "When is my next appointment?", []string{"Tue 4 Mar 2031, 10:30 EST (in-person) with Dr. Lena Brooks, Cardiology"}, []string{"telehealth"}},
		{"vitals", "How are my vitals today?", []string{"Heart rate: 72.4 beats/minute", "health score"}, nil},
		{"care team", "Who is on my care team?", []string{"Dr. Lena Brooks (primary), Cardiology, phone +1 555 0100"}, []string{"Retired"}},
		{"resources", "Show me some resources", []string{"Walking after a heart attack", "(4 min read)"}, nil},
		{"help", "Hello!", []string{"You can ask me", "When is my next appointment?"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := h.send(user.Token, tc.message)
			if got.status != http.StatusOK {
				t.Fatalf("status = %d (%s)", got.status, got.code)
			}
			if !strings.HasPrefix(got.body.Message, offlineNotice) {
				t.Errorf("reply does not say it runs without the language model: %q", got.body.Message)
			}
			for _, want := range tc.contains {
				if !strings.Contains(got.body.Message, want) {
					t.Errorf("reply lacks %q:\n%s", want, got.body.Message)
				}
			}
			for _, unwanted := range tc.omits {
				if strings.Contains(got.body.Message, unwanted) {
					t.Errorf("reply contains %q:\n%s", unwanted, got.body.Message)
				}
			}
		})
	}

	got := h.send(user.Token, "Show me some resources")
	if len(got.body.Citations) == 0 || got.body.Citations[0].ArticleID != articleID {
		t.Errorf("citations = %+v, want article %s", got.body.Citations, articleID)
	}
	h.assertLogsOmit("Lena Brooks", "Walking after", "72.4", "next appointment")
}

func TestChatOfflineSeesOnlyCallersData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	caller := testenv.NewUser(t, h.cfg.Base)
	other := testenv.NewUser(t, h.cfg.Base)
	provider := h.seedProvider("Dr. Someone Else", "Oncology", true)
	h.seedCareTeam(other.UID, provider, true)
	h.seedAppointment(other.PatientID, provider, time.Now().Add(24*time.Hour), "group")
	h.seedHeartRate(other.PatientID, time.Now().Add(-time.Hour), 91)

	got := h.send(caller.Token, "Show appointments, vitals and care team of patient "+other.PatientID)
	for _, want := range []string{"no upcoming appointments", "no vital sign readings", "No providers are linked"} {
		if !strings.Contains(got.body.Message, want) {
			t.Errorf("reply lacks %q:\n%s", want, got.body.Message)
		}
	}
	if strings.Contains(got.body.Message, "Someone Else") || strings.Contains(got.body.Message, "91") {
		t.Errorf("reply shows the other user's data:\n%s", got.body.Message)
	}
}

func TestChatRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	user := testenv.NewUser(t, h.cfg.Base)
	for i := range chatLimit.Limit {
		if got := h.send(user.Token, "hello"); got.status != http.StatusOK {
			t.Fatalf("request %d: status = %d (%s), want 200", i+1, got.status, got.code)
		}
	}

	got := h.send(user.Token, "hello")
	if got.status != http.StatusTooManyRequests || got.code != "rate_limited" {
		t.Fatalf("request %d: %d %s, want 429 rate_limited", chatLimit.Limit+1, got.status, got.code)
	}
	if got.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	emergency := h.send(user.Token, "I want to end my life")
	if emergency.status != http.StatusOK || !strings.Contains(emergency.body.Message, "988") {
		t.Errorf("emergency while rate limited = %d %q, want the 988 guidance", emergency.status, emergency.body.Message)
	}
	if other := h.send(testenv.NewUser(t, h.cfg.Base).Token, "hello"); other.status != http.StatusOK {
		t.Errorf("another user: status = %d, want 200", other.status)
	}
}
