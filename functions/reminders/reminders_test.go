package reminders

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/notification"
)

// tick is the scheduler's period in the manifest.
const tick = 5 * time.Minute

// runEveryTick runs the job at every tick from 'from' to 'to', inclusive.
func (h *harness) runEveryTick(from, to time.Time) {
	h.t.Helper()
	for now := from; !now.After(to); now = now.Add(tick) {
		h.run(now)
	}
}

func TestRemindersAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := h.newUser("America/New_York")
	cases := []struct {
		name  string
		start time.Time
		// wantAt is how the reminder shows the start.
		wantAt string
		// wantDay is the day phrase of the 24-hour reminder.
		wantDay string
	}{
		// 02:30 does not exist on 14 March 2027 in New York: clocks jump
		// from 02:00 EST to 03:00 EDT. 02:30-05:00 is the instant 03:30 EDT.
		{"spring forward 02:30", mustParse("2027-03-14T02:30:00-05:00"), "03:30 EDT", "tomorrow"},
		// 01:30 happens twice on 7 November 2027: first in EDT, then in EST.
		{"fall back first 01:30", mustParse("2027-11-07T01:30:00-04:00"), "01:30 EDT", "tomorrow"},
		{"fall back second 01:30", mustParse("2027-11-07T01:30:00-05:00"), "01:30 EST", "tomorrow"},
	}
	ids := make([]string, len(cases))
	for i, tc := range cases {
		ids[i], _ = h.book(user, tc.start)
	}
	h.runEveryTick(mustParse("2027-03-13T00:00:00Z"), mustParse("2027-03-14T09:00:00Z"))
	h.runEveryTick(mustParse("2027-11-05T23:00:00Z"), mustParse("2027-11-07T08:00:00Z"))

	for i, tc := range cases {
		sent := h.sentFor(ids[i])
		if len(sent) != 2 {
			t.Errorf("%s: %d reminders, want 2 (24h and 1h)", tc.name, len(sent))
			continue
		}
		for j, w := range Windows {
			m := sent[j]
			if m.Data["window"] != w.Name {
				t.Errorf("%s: reminder %d is for window %s, want %s", tc.name, j, m.Data["window"], w.Name)
			}
			if want := tc.start.Add(-w.Lead); !m.CreatedAt.Equal(want) {
				t.Errorf("%s: %s reminder sent at %s, want %s", tc.name, w.Name, m.CreatedAt.Format(time.RFC3339), want.UTC().Format(time.RFC3339))
			}
			if !strings.Contains(m.Body, "at "+tc.wantAt+".") {
				t.Errorf("%s: %s reminder body %q does not show %s", tc.name, w.Name, m.Body, tc.wantAt)
			}
		}
		if want := "You have an appointment " + tc.wantDay + " at " + tc.wantAt + "."; sent[0].Body != want {
			t.Errorf("%s: 24h body = %q, want %q", tc.name, sent[0].Body, want)
		}
	}
}

func TestRunTwiceAndOverlapping(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := h.newUser("")
	now := mustParse("2027-05-01T12:00:00Z")
	id, _ := h.book(user, now.Add(40*time.Minute))

	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { h.run(now) })
	}
	wg.Wait()
	h.run(now.Add(20 * time.Second))
	h.run(now.Add(tick))

	sent := h.sentFor(id)
	if len(sent) != 1 {
		t.Fatalf("%d reminders after overlapping and repeated runs, want 1", len(sent))
	}
	if sent[0].Data["window"] != "1h" || sent[0].Body != "You have an appointment today at 12:40 UTC." {
		t.Errorf("reminder = %s %q, want the 1h window at 12:40 UTC", sent[0].Data["window"], sent[0].Body)
	}
}

func TestLateRunsSendTheCurrentWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := h.newUser("Europe/Berlin")
	now := mustParse("2027-05-01T08:00:00Z")
	threeHours, _ := h.book(user, now.Add(3*time.Hour))
	fortyMinutes, _ := h.book(user, now.Add(40*time.Minute))
	twoDays, _ := h.book(user, now.Add(48*time.Hour))

	h.run(now) // the first run after a long outage
	if got := h.sentFor(threeHours); len(got) != 1 || got[0].Data["window"] != "24h" {
		t.Errorf("appointment in 3 hours: %v, want its 24h reminder", windowsOf(got))
	}
	if got := h.sentFor(fortyMinutes); len(got) != 1 || got[0].Data["window"] != "1h" {
		t.Errorf("appointment in 40 minutes: %v, want only its 1h reminder", windowsOf(got))
	}
	if got := h.sentFor(twoDays); len(got) != 0 {
		t.Errorf("appointment in 2 days: %v, want none yet", windowsOf(got))
	}
	h.run(now.Add(2 * time.Hour))
	if got := h.sentFor(threeHours); len(got) != 2 || got[1].Data["window"] != "1h" {
		t.Errorf("appointment in 3 hours after the second run: %v, want 24h then 1h", windowsOf(got))
	}
	if got := h.sentFor(fortyMinutes)[0].Body; got != "You have an appointment today at 10:40 CEST." {
		t.Errorf("body = %q, want the Berlin time", got)
	}
}

func TestRescheduledAndCancelled(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := h.newUser("")
	now := mustParse("2027-05-01T09:00:00Z")
	moved, _ := h.book(user, now.Add(30*time.Minute))
	cancelled, _ := h.book(user, now.Add(20*time.Hour))
	h.change(cancelled, func(r *appointment.Resource) { r.Status = appointment.StatusCancelled.FHIR() })

	h.run(now)
	if got := h.sentFor(moved); len(got) != 1 {
		t.Fatalf("before the reschedule: %d reminders, want 1", len(got))
	}
	newStart := now.Add(4 * time.Hour)
	h.change(moved, func(r *appointment.Resource) {
		r.Start, r.End = appointment.FormatInstant(newStart), appointment.FormatInstant(newStart.Add(30*time.Minute))
	})
	h.run(now.Add(tick))
	h.runEveryTick(newStart.Add(-time.Hour), newStart.Add(-time.Hour+2*tick))

	got := h.sentFor(moved)
	if len(got) != 3 || got[1].Data["window"] != "24h" || got[2].Data["window"] != "1h" {
		t.Errorf("rescheduled appointment: %v, want the old 1h, then fresh 24h and 1h reminders", windowsOf(got))
	}
	if len(got) == 3 && (got[1].ID == got[0].ID || got[2].ID == got[0].ID) {
		t.Error("a fresh reminder reused the id of the one sent before the reschedule")
	}
	if n := len(h.sentFor(cancelled)); n != 0 {
		t.Errorf("cancelled appointment got %d reminders, want 0", n)
	}
}

func TestFailedPublishIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := h.newUser("")
	now := mustParse("2027-05-01T09:00:00Z")
	id, _ := h.book(user, now.Add(50*time.Minute))

	h.published.setFailing(true)
	if _, err := h.reminder.Run(context.Background(), now); err == nil {
		t.Fatal("run with a failing publisher returned no error")
	}
	h.published.setFailing(false)
	h.run(now.Add(time.Minute)) // the failed run's claim is still valid
	if n := len(h.sentFor(id)); n != 0 {
		t.Fatalf("%d reminders while another run's claim stands, want 0", n)
	}
	h.run(now.Add(claimTimeout + time.Minute))
	if n := len(h.sentFor(id)); n != 1 {
		t.Errorf("%d reminders after the claim expired, want 1", n)
	}
}

func TestReminderTextIsPHIFree(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := h.newUser("")
	now := mustParse("2027-05-01T09:00:00Z")
	id, _ := h.book(user, now.Add(30*time.Minute))
	h.run(now)
	sent := h.sentFor(id)
	if len(sent) != 1 {
		t.Fatalf("%d reminders, want 1", len(sent))
	}
	m := sent[0]
	text := m.Title + " " + m.Body
	for _, phi := range []string{"HIV", "Room 12", "in-person", "prov-1"} {
		if strings.Contains(text, phi) {
			t.Errorf("reminder text %q contains %q", text, phi)
		}
	}
	if m.UID != user.UID {
		t.Errorf("reminder for uid %q, want %q", m.UID, user.UID)
	}
}

func windowsOf(messages []notification.Message) []string {
	out := make([]string, len(messages))
	for i, m := range messages {
		out[i] = m.Data["window"]
	}
	return out
}

func mustParse(value string) time.Time {
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		panic(err)
	}
	return t
}
