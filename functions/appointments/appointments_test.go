package appointments

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/testenv"
)

func TestCreateAndRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	start := time.Date(2027, 6, 14, 10, 0, 0, 0, time.FixedZone("EDT", -4*3600))
	body := map[string]any{"providerId": h.provider, "type": "in-person", "start": start.Format(time.RFC3339), "location": "Room 4", "notes": "Bring the glucose log"}

	created := h.do(http.MethodPost, "", user.Token, body, nil)
	if created.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", created.status, created.raw)
	}
	id := created.str("id")
	checks := map[string]string{
		"status": "scheduled", "type": "in-person", "providerId": h.provider, "location": "Room 4", "notes": "Bring the glucose log",
		"start": "2027-06-14T14:00:00Z", "end": "2027-06-14T14:30:00Z",
	}
	for key, want := range checks {
		if got := created.str(key); got != want {
			t.Errorf("created %s = %q, want %q", key, got, want)
		}
	}
	if created.header.Get("ETag") == "" || created.header.Get("ETag") != created.str("version") {
		t.Errorf("ETag %q and version %q must be set and equal", created.header.Get("ETag"), created.str("version"))
	}

	read := h.do(http.MethodGet, "?id="+id, user.Token, nil, nil)
	if read.status != http.StatusOK || read.str("id") != id || read.str("start") != checks["start"] {
		t.Errorf("GET ?id = %d %s", read.status, read.raw)
	}
	if missing := h.do(http.MethodGet, "?id=does-not-exist", user.Token, nil, nil); missing.status != 404 || missing.code() != "not_found" {
		t.Errorf("GET unknown id = %d %s, want 404 not_found", missing.status, missing.code())
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	inactive := h.seedProvider(false, nil)
	telehealthOnly := h.seedProvider(true, []string{"telehealth"})
	future := tomorrowAt(15).Format(time.RFC3339)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown provider", map[string]any{"providerId": "no-such-provider", "type": "telehealth", "start": future}, 404, "provider_not_found"},
		{"inactive provider", map[string]any{"providerId": inactive, "type": "telehealth", "start": future}, 404, "provider_not_found"},
		{"provider id with slash", map[string]any{"providerId": "a/b", "type": "telehealth", "start": future}, 404, "provider_not_found"},
		{"type not offered", map[string]any{"providerId": telehealthOnly, "type": "group", "start": future}, 400, "type_not_offered"},
		{"missing provider", map[string]any{"type": "telehealth", "start": future}, 400, "provider_required"},
		{"unknown type", map[string]any{"providerId": h.provider, "type": "home-visit", "start": future}, 400, "invalid_type"},
		{"missing start", map[string]any{"providerId": h.provider, "type": "telehealth"}, 400, "start_required"},
		{"start without offset", map[string]any{"providerId": h.provider, "type": "telehealth", "start": "2031-01-01T10:00:00"}, 400, "invalid_start"},
		{"start in the past", map[string]any{"providerId": h.provider, "type": "telehealth", "start": time.Now().Add(-time.Minute).Format(time.RFC3339)}, 400, "start_in_past"},
		{"start too far", map[string]any{"providerId": h.provider, "type": "telehealth", "start": time.Now().AddDate(3, 0, 0).Format(time.RFC3339)}, 400, "start_too_far"},
		{"end before start", map[string]any{"providerId": h.provider, "type": "telehealth", "start": future, "end": tomorrowAt(14).Format(time.RFC3339)}, 400, "invalid_period"},
		{"end equals start", map[string]any{"providerId": h.provider, "type": "telehealth", "start": future, "end": future}, 400, "invalid_period"},
		{"too long", map[string]any{"providerId": h.provider, "type": "telehealth", "start": future, "end": tomorrowAt(15).Add(13 * time.Hour).Format(time.RFC3339)}, 400, "invalid_period"},
		{"bad end", map[string]any{"providerId": h.provider, "type": "telehealth", "start": future, "end": "tomorrow"}, 400, "invalid_end"},
		{"unknown field", map[string]any{"providerId": h.provider, "type": "telehealth", "start": future, "patientId": "x"}, 400, "unknown_field"},
	}
	for _, tc := range cases {
		got := h.do(http.MethodPost, "", user.Token, tc.body, nil)
		if got.status != tc.status || got.code() != tc.code {
			t.Errorf("%s: POST = %d %s, want %d %s", tc.name, got.status, got.code(), tc.status, tc.code)
		}
	}
	if got := h.do(http.MethodPost, "", "", h.request(tomorrowAt(15), 30, "telehealth"), nil); got.status != 401 {
		t.Errorf("POST without token = %d, want 401", got.status)
	}
	if n := len(h.do(http.MethodGet, "", user.Token, nil, nil).list().Appointments); n != 0 {
		t.Errorf("%d appointments stored after rejected requests, want 0", n)
	}
}

func TestOverlapRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	base := tomorrowAt(9)
	first := h.book(user.Token, base, 60, "in-person")

	cases := []struct {
		name   string
		start  time.Time
		min    int
		kind   string
		status int
	}{
		{"same time", base, 60, "telehealth", 409},
		{"starts inside", base.Add(30 * time.Minute), 60, "telehealth", 409},
		{"covers it", base.Add(-time.Hour), 180, "in-person", 409},
		{"group over it", base.Add(15 * time.Minute), 30, "group", 201},
		{"right after", base.Add(time.Hour), 30, "telehealth", 201},
		{"right before", base.Add(-30 * time.Minute), 30, "telehealth", 201},
	}
	for _, tc := range cases {
		got := h.do(http.MethodPost, "", user.Token, h.request(tc.start, tc.min, tc.kind), nil)
		if got.status != tc.status {
			t.Errorf("%s: POST = %d %s, want %d", tc.name, got.status, got.raw, tc.status)
		}
		if tc.status == 409 && got.code() != "overlap" {
			t.Errorf("%s: code = %q, want overlap", tc.name, got.code())
		}
	}

	other := testenv.NewUser(t, h.cfg)
	h.book(other.Token, base, 60, "in-person") // another patient's time never overlaps

	cancel := h.patch(user.Token, first.str("id"), first.str("version"), map[string]any{"status": "cancelled"})
	if cancel.status != http.StatusOK {
		t.Fatalf("cancel = %d %s", cancel.status, cancel.raw)
	}
	h.book(user.Token, base, 60, "telehealth") // a cancelled appointment frees its time
}

func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := []struct {
		first, second string
		secondStatus  int
		secondCode    string
	}{
		{"cancelled", "completed", 409, "invalid_transition"},
		{"cancelled", "no-show", 409, "invalid_transition"},
		{"completed", "cancelled", 409, "invalid_transition"},
		{"no-show", "completed", 409, "invalid_transition"},
		{"completed", "scheduled", 409, "invalid_transition"},
	}
	// Completed and no-show need the start to have passed: this instance's
	// clock runs a week ahead.
	later := h.newInstance()
	later.now = func() time.Time { return time.Now().AddDate(0, 0, 7) }
	for i, tc := range cases {
		booked := h.book(user.Token, tomorrowAt(6+i), 30, "telehealth")
		first := h.doOn(later, http.MethodPatch, "?id="+booked.str("id"), user.Token, map[string]any{"status": tc.first}, map[string]string{"If-Match": booked.str("version")})
		if first.status != http.StatusOK || first.str("status") != tc.first {
			t.Fatalf("%s: first change = %d %s", tc.first, first.status, first.raw)
		}
		second := h.patch(user.Token, booked.str("id"), first.str("version"), map[string]any{"status": tc.second})
		if second.status != tc.secondStatus || second.code() != tc.secondCode {
			t.Errorf("%s → %s = %d %s, want %d %s", tc.first, tc.second, second.status, second.code(), tc.secondStatus, tc.secondCode)
		}
		moved := h.patch(user.Token, booked.str("id"), first.str("version"), map[string]any{"start": tomorrowAt(20).Format(time.RFC3339)})
		if moved.status != 409 || moved.code() != "invalid_transition" {
			t.Errorf("reschedule a %s appointment = %d %s, want 409 invalid_transition", tc.first, moved.status, moved.code())
		}
	}
	booked := h.book(user.Token, tomorrowAt(21), 30, "telehealth")
	for _, body := range []map[string]any{{"status": "postponed"}, {}, {"status": "cancelled", "start": tomorrowAt(22).Format(time.RFC3339)}} {
		if got := h.patch(user.Token, booked.str("id"), booked.str("version"), body); got.status != 400 {
			t.Errorf("PATCH %v = %d %s, want 400", body, got.status, got.code())
		}
	}
}

func TestOutcomeBeforeStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	booked := h.book(user.Token, tomorrowAt(9), 30, "telehealth")

	for _, status := range []string{"completed", "no-show"} {
		got := h.patch(user.Token, booked.str("id"), booked.str("version"), map[string]any{"status": status})
		if got.status != http.StatusConflict || got.code() != "invalid_transition" {
			t.Errorf("%s before the start = %d %s, want 409 invalid_transition", status, got.status, got.code())
		}
		if msg := got.str("error"); !strings.Contains(msg, "before its start") {
			t.Errorf("%s before the start: message %q does not say why", status, msg)
		}
	}
	stored := h.do(http.MethodGet, "?id="+booked.str("id"), user.Token, nil, nil)
	if stored.str("status") != "scheduled" || stored.str("version") != booked.str("version") {
		t.Errorf("rejected outcome changed the appointment: %s", stored.raw)
	}

	started := h.newInstance()
	started.now = func() time.Time { return tomorrowAt(9).Add(time.Minute) }
	done := h.doOn(started, http.MethodPatch, "?id="+booked.str("id"), user.Token, map[string]any{"status": "completed"}, map[string]string{"If-Match": booked.str("version")})
	if done.status != http.StatusOK || done.str("status") != "completed" {
		t.Errorf("completed after the start = %d %s, want 200", done.status, done.raw)
	}
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	booked := h.book(user.Token, tomorrowAt(9), 45, "in-person")
	h.book(user.Token, tomorrowAt(12), 60, "in-person")

	moved := h.patch(user.Token, booked.str("id"), booked.str("version"), map[string]any{"start": tomorrowAt(10).Format(time.RFC3339)})
	if moved.status != http.StatusOK {
		t.Fatalf("reschedule = %d %s", moved.status, moved.raw)
	}
	if moved.str("start") != tomorrowAt(10).Format(time.RFC3339) || moved.str("end") != tomorrowAt(10).Add(45*time.Minute).Format(time.RFC3339) {
		t.Errorf("rescheduled to %s–%s, want 10:00–10:45 (length kept)", moved.str("start"), moved.str("end"))
	}
	if moved.str("version") == booked.str("version") {
		t.Error("version did not change after the reschedule")
	}
	stored := h.do(http.MethodGet, "?id="+booked.str("id"), user.Token, nil, nil)
	if stored.str("type") != "in-person" || stored.str("providerId") != h.provider || stored.str("status") != "scheduled" {
		t.Errorf("reschedule lost fields: %s", stored.raw)
	}

	cases := []struct {
		name  string
		start time.Time
		code  string
	}{
		{"onto another", tomorrowAt(12).Add(30 * time.Minute), "overlap"},
		{"into the past", time.Now().Add(-time.Hour), "start_in_past"},
	}
	for _, tc := range cases {
		got := h.patch(user.Token, booked.str("id"), moved.str("version"), map[string]any{"start": tc.start.Format(time.RFC3339)})
		if got.code() != tc.code {
			t.Errorf("%s: PATCH = %d %s, want %s", tc.name, got.status, got.code(), tc.code)
		}
	}
	onItself := h.patch(user.Token, booked.str("id"), moved.str("version"), map[string]any{"start": tomorrowAt(10).Add(15 * time.Minute).Format(time.RFC3339)})
	if onItself.status != http.StatusOK {
		t.Errorf("moving within its own time = %d %s, want 200 (no overlap with itself)", onItself.status, onItself.raw)
	}
}

func TestConcurrentChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	booked := h.book(user.Token, tomorrowAt(9), 30, "telehealth")
	id, version := booked.str("id"), booked.str("version")

	bodies := []map[string]any{
		{"status": "cancelled"},
		{"start": tomorrowAt(11).Format(time.RFC3339)},
		{"start": tomorrowAt(13).Format(time.RFC3339)},
		{"start": tomorrowAt(15).Format(time.RFC3339)},
	}
	results := make([]response, len(bodies))
	var wg sync.WaitGroup
	for i, body := range bodies {
		wg.Go(func() { results[i] = h.patch(user.Token, id, version, body) })
	}
	wg.Wait()
	won := 0
	for i, got := range results {
		switch {
		case got.status == http.StatusOK:
			won++
		case got.status != http.StatusConflict || got.code() != "conflict":
			t.Errorf("change %d = %d %s, want 200 or 409 conflict", i, got.status, got.code())
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent changes with one version won, want exactly 1", won)
	}

	if stale := h.patch(user.Token, id, version, map[string]any{"status": "cancelled"}); stale.status != 409 || stale.code() != "conflict" {
		t.Errorf("stale If-Match = %d %s, want 409 conflict", stale.status, stale.code())
	}
	if none := h.patch(user.Token, id, "", map[string]any{"status": "cancelled"}); none.status != 428 {
		t.Errorf("no If-Match = %d %s, want 428", none.status, none.code())
	}
}

func TestOtherUsersAppointment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := testenv.NewUser(t, h.cfg)
	bob := testenv.NewUser(t, h.cfg)
	booked := h.book(alice.Token, tomorrowAt(9), 30, "telehealth")
	id := booked.str("id")

	read := h.do(http.MethodGet, "?id="+id, bob.Token, nil, nil)
	missing := h.do(http.MethodGet, "?id=no-such-appointment", bob.Token, nil, nil)
	if read.status != 404 || read.code() != "not_found" {
		t.Errorf("bob reads alice's appointment = %d %s, want 404 not_found", read.status, read.code())
	}
	if read.str("error") != missing.str("error") {
		t.Errorf("another user's id answers %q, a missing id %q: they must not differ", read.str("error"), missing.str("error"))
	}
	if got := h.patch(bob.Token, id, booked.str("version"), map[string]any{"status": "cancelled"}); got.status != 404 || got.code() != "not_found" {
		t.Errorf("bob cancels alice's appointment = %d %s, want 404 not_found", got.status, got.code())
	}
	if n := len(h.do(http.MethodGet, "", bob.Token, nil, nil).list().Appointments); n != 0 {
		t.Errorf("bob lists %d appointments, want 0", n)
	}
	if got := h.do(http.MethodGet, "?patient=Patient/"+alice.PatientID, bob.Token, nil, nil); got.status != 400 {
		t.Errorf("listing with a patient parameter = %d, want 400", got.status)
	}
	if still := h.do(http.MethodGet, "?id="+id, alice.Token, nil, nil); still.str("status") != "scheduled" {
		t.Errorf("alice's appointment is %q after bob's attempts, want scheduled", still.str("status"))
	}
	denied := 0
	for _, e := range h.auditEntries(bob.UID) {
		if e.Outcome == audit.OutcomeDenied && e.ResourceID == id {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("audit trail has %d denied entries for bob on alice's appointment, want 2", denied)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	var ids []string
	for i := range 5 {
		ids = append(ids, h.book(user.Token, tomorrowAt(8+i), 30, "telehealth").str("id"))
	}
	// A group session at the same instant as another appointment tests the
	// cursor's handling of equal start times.
	ids = append(ids, h.book(user.Token, tomorrowAt(12), 30, "group").str("id"))
	cancelled := h.do(http.MethodGet, "?id="+ids[1], user.Token, nil, nil)
	h.patch(user.Token, ids[1], cancelled.str("version"), map[string]any{"status": "cancelled"})

	var listed []string
	cursor := ""
	for range 10 {
		query := "?limit=2"
		if cursor != "" {
			query += "&cursor=" + cursor
		}
		page := h.do(http.MethodGet, query, user.Token, nil, nil).list()
		for _, a := range page.Appointments {
			listed = append(listed, a.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if fmt.Sprint(listed) != fmt.Sprint(ids) {
		t.Errorf("paged listing = %v, want %v in start order", listed, ids)
	}

	only := h.do(http.MethodGet, "?status=cancelled", user.Token, nil, nil).list()
	if len(only.Appointments) != 1 || only.Appointments[0].ID != ids[1] {
		t.Errorf("status=cancelled lists %+v, want only %s", only.Appointments, ids[1])
	}
	window := fmt.Sprintf("?from=%s&to=%s", tomorrowAt(9).Format(time.RFC3339), tomorrowAt(11).Format(time.RFC3339))
	if got := h.do(http.MethodGet, window, user.Token, nil, nil).list(); len(got.Appointments) != 2 {
		t.Errorf("from 09:00 to 11:00 lists %d appointments, want 2 (to is exclusive)", len(got.Appointments))
	}
	for _, query := range []string{"?status=done", "?limit=0", "?limit=101", "?from=yesterday", "?cursor=%%%", "?cursor=bm90LWpzb24", "?to=2031-01-01T00:00:00Z&from=2031-02-01T00:00:00Z", "?limit=1&limit=2"} {
		if got := h.do(http.MethodGet, query, user.Token, nil, nil); got.status != 400 {
			t.Errorf("GET %s = %d, want 400", query, got.status)
		}
	}
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	body := h.request(tomorrowAt(9), 30, "telehealth")
	key := map[string]string{"Idempotency-Key": "booking-1"}

	first := h.do(http.MethodPost, "", user.Token, body, key)
	retry := h.do(http.MethodPost, "", user.Token, body, key)
	if first.status != http.StatusCreated || retry.status != http.StatusOK || retry.str("id") != first.str("id") {
		t.Errorf("retry = %d %s, want 200 with the first id %s", retry.status, retry.str("id"), first.str("id"))
	}
	other := testenv.NewUser(t, h.cfg)
	if got := h.do(http.MethodPost, "", other.Token, body, key); got.status != http.StatusCreated || got.str("id") == first.str("id") {
		t.Errorf("another user's request with the same key = %d %s, want a new appointment", got.status, got.str("id"))
	}
	if n := len(h.do(http.MethodGet, "", user.Token, nil, nil).list().Appointments); n != 1 {
		t.Errorf("%d appointments after a retried create, want 1", n)
	}

	changes := map[string]func(map[string]any){
		"start": func(b map[string]any) {
			b["start"], b["end"] = tomorrowAt(11).Format(time.RFC3339), tomorrowAt(11).Add(30*time.Minute).Format(time.RFC3339)
		},
		"end":      func(b map[string]any) { b["end"] = tomorrowAt(9).Add(45 * time.Minute).Format(time.RFC3339) },
		"type":     func(b map[string]any) { b["type"] = "in-person" },
		"notes":    func(b map[string]any) { b["notes"] = "bring the lab results" },
		"location": func(b map[string]any) { b["location"] = "Room 4" },
		"provider": func(b map[string]any) { b["providerId"] = h.seedProvider(true, []string{"telehealth", "in-person"}) },
	}
	for name, change := range changes {
		changed := h.request(tomorrowAt(9), 30, "telehealth")
		change(changed)
		got := h.do(http.MethodPost, "", user.Token, changed, key)
		if got.status != http.StatusUnprocessableEntity || got.code() != "idempotency_key_reused" {
			t.Errorf("same key, different %s = %d %s, want 422 idempotency_key_reused", name, got.status, got.code())
		}
	}
	if n := len(h.do(http.MethodGet, "", user.Token, nil, nil).list().Appointments); n != 1 {
		t.Errorf("%d appointments after reusing a key, want 1", n)
	}
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	booked := h.book(user.Token, tomorrowAt(9), 30, "telehealth")
	id := booked.str("id")
	h.do(http.MethodGet, "?id="+id, user.Token, nil, nil)
	h.do(http.MethodGet, "", user.Token, nil, nil)
	h.patch(user.Token, id, booked.str("version"), map[string]any{"start": tomorrowAt(10).Format(time.RFC3339)})
	moved := h.do(http.MethodGet, "?id="+id, user.Token, nil, nil)
	h.patch(user.Token, id, moved.str("version"), map[string]any{"status": "cancelled"})

	got := map[string]int{}
	for _, e := range h.auditEntries(user.UID) {
		if e.Outcome != audit.OutcomeSuccess || e.ResourceType != "Appointment" {
			continue
		}
		if e.ResourceID == id || (e.Action == "appointment.list" && len(e.ResourceIDs) == 1 && e.ResourceIDs[0] == id) {
			got[e.Action]++
		}
	}
	want := map[string]int{"appointment.create": 1, "appointment.read": 2, "appointment.list": 1, "appointment.reschedule": 1, "appointment.cancelled": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit actions = %v, want %v", got, want)
	}
}
