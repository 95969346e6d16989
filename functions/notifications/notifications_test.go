package notifications

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/notification"
	"github.com/ihep/backend/shared/testenv"
)

func TestNotifyWritesInboxAndPushes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.register(user.Token, "phone-"+user.UID)
	h.register(user.Token, "tablet-"+user.UID)
	m := reminder(t, user.UID, "n-"+testenv.UniqueID(t), time.Now())

	if err := h.deliver(m); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	stored, ok := h.inboxEntry(user.UID, m.ID)
	if !ok {
		t.Fatal("no inbox entry after delivery")
	}
	if stored.Title != m.Title || stored.Body != m.Body || stored.Read || !stored.PushDone || len(stored.Pushed) != 2 {
		t.Errorf("inbox entry = %+v", stored)
	}
	for _, token := range []string{"phone-" + user.UID, "tablet-" + user.UID} {
		got := h.fcm.delivered(token)
		if len(got) != 1 {
			t.Errorf("%s received %d pushes, want 1", token, len(got))
			continue
		}
		if got[0].Notification.Body != m.Body || got[0].Data["notificationId"] != m.ID || got[0].Data["appointmentId"] != "a1" {
			t.Errorf("%s push = %+v", token, got[0])
		}
	}
}

func TestNotifyIsIdempotent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.register(user.Token, "phone-"+user.UID)
	m := reminder(t, user.UID, "n-"+testenv.UniqueID(t), time.Now())

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { _ = h.deliver(m) })
	}
	wg.Wait()
	if err := h.deliver(m); err != nil {
		t.Fatalf("repeated delivery: %v", err)
	}
	docs, err := notification.Inbox(h.server.Firestore, user.UID).Documents(context.Background()).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Errorf("%d inbox entries after four deliveries of one message, want 1", len(docs))
	}
	if n := len(h.fcm.delivered("phone-" + user.UID)); n != 1 {
		t.Errorf("device received %d pushes after concurrent and repeated deliveries, want 1", n)
	}
}

func TestNotifySequentialRedeliveryPushesOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.register(user.Token, "phone-"+user.UID)
	m := reminder(t, user.UID, "n-"+testenv.UniqueID(t), time.Now())
	for range 3 {
		if err := h.deliver(m); err != nil {
			t.Fatalf("deliver: %v", err)
		}
	}
	if n := len(h.fcm.delivered("phone-" + user.UID)); n != 1 {
		t.Errorf("device received %d pushes after three deliveries, want 1", n)
	}
}

func TestUnregisteredTokenIsRemoved(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.register(user.Token, "gone-"+user.UID)
	h.register(user.Token, "bad-"+user.UID)
	h.register(user.Token, "phone-"+user.UID)

	if err := h.deliver(reminder(t, user.UID, "n-"+testenv.UniqueID(t), time.Now())); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if n := h.deviceCount(user.UID); n != 2 {
		t.Errorf("%d devices left, want 2 (only the unregistered token removed)", n)
	}
	if _, err := notification.Devices(h.server.Firestore, user.UID).Doc(notification.DeviceID("gone-" + user.UID)).Get(context.Background()); err == nil {
		t.Error("the unregistered token is still stored")
	}
	if n := len(h.fcm.delivered("phone-" + user.UID)); n != 1 {
		t.Errorf("working device received %d pushes, want 1", n)
	}
}

func TestTransientFCMFailureIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.register(user.Token, "flaky-"+user.UID)
	h.register(user.Token, "phone-"+user.UID)
	m := reminder(t, user.UID, "n-"+testenv.UniqueID(t), time.Now())

	if err := h.deliver(m); err == nil {
		t.Fatal("delivery with an unavailable FCM returned no error, so Pub/Sub would not redeliver")
	}
	if stored, _ := h.inboxEntry(user.UID, m.ID); stored.PushDone || len(stored.Pushed) != 1 {
		t.Errorf("after the failure: pushDone %v, pushed %d, want false and 1", stored.PushDone, len(stored.Pushed))
	}
	if err := h.deliver(m); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if n := len(h.fcm.delivered("flaky-" + user.UID)); n != 1 {
		t.Errorf("flaky device received %d pushes, want 1", n)
	}
	if n := len(h.fcm.delivered("phone-" + user.UID)); n != 1 {
		t.Errorf("working device received %d pushes after the redelivery, want 1", n)
	}
}

func TestInvalidNotificationIsDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	bad := []string{`not json`, `{"id":"x"}`, fmt.Sprintf(`{"id":"a/b","uid":%q,"kind":"k","title":"t","body":"b","createdAt":"2027-01-01T00:00:00Z"}`, user.UID)}
	for _, data := range bad {
		if err := h.notifier.HandleEvent(context.Background(), pubsubEvent(t, []byte(data))); err != nil {
			t.Errorf("HandleEvent(%s) = %v, want nil (dropped, not redelivered)", data, err)
		}
	}
	docs, err := notification.Inbox(h.server.Firestore, user.UID).Documents(context.Background()).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 0 {
		t.Errorf("%d inbox entries from invalid messages, want 0", len(docs))
	}
}

func TestInboxListAndMarkRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := testenv.NewUser(t, h.cfg)
	bob := testenv.NewUser(t, h.cfg)
	base := time.Now().Add(-time.Hour).UTC()
	var ids []string
	for i := range 3 {
		m := reminder(t, alice.UID, fmt.Sprintf("n%d-%s", i, testenv.UniqueID(t)), base.Add(time.Duration(i)*time.Minute))
		if err := h.deliver(m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}

	var listed []string
	cursor := ""
	for range 5 {
		query := "?limit=2"
		if cursor != "" {
			query += "&cursor=" + cursor
		}
		page := h.call(NotificationsFunction, http.MethodGet, query, alice.Token, nil)
		items, _ := page.body["notifications"].([]any)
		for _, item := range items {
			listed = append(listed, item.(map[string]any)["id"].(string))
		}
		if cursor, _ = page.body["nextCursor"].(string); cursor == "" {
			break
		}
	}
	if want := []string{ids[2], ids[1], ids[0]}; fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Errorf("inbox = %v, want newest first %v", listed, want)
	}

	if got := h.call(NotificationsFunction, http.MethodPost, "", bob.Token, map[string]any{"ids": ids}); got.body["updated"] != float64(0) {
		t.Errorf("bob marks alice's entries: %s, want updated 0", got.raw)
	}
	if got := h.call(NotificationsFunction, http.MethodPost, "", alice.Token, map[string]any{"ids": []string{ids[1], "unknown"}}); got.body["updated"] != float64(1) {
		t.Errorf("alice marks one entry: %s, want updated 1", got.raw)
	}
	if stored, _ := h.inboxEntry(alice.UID, ids[1]); !stored.Read {
		t.Error("entry not marked read")
	}
	if stored, _ := h.inboxEntry(alice.UID, ids[0]); stored.Read {
		t.Error("an entry that was not named is marked read")
	}
	bobsList := h.call(NotificationsFunction, http.MethodGet, "", bob.Token, nil)
	if items, _ := bobsList.body["notifications"].([]any); len(items) != 0 {
		t.Errorf("bob's inbox lists %d entries, want 0", len(items))
	}
	for _, query := range []string{"?limit=0", "?limit=x", "?cursor=%%%", "?cursor=e30", "?uid=" + alice.UID} {
		if got := h.call(NotificationsFunction, http.MethodGet, query, alice.Token, nil); got.status != 400 {
			t.Errorf("GET %s = %d, want 400", query, got.status)
		}
	}
	if got := h.call(NotificationsFunction, http.MethodPost, "", alice.Token, map[string]any{"ids": []string{}}); got.code() != "invalid_ids" {
		t.Errorf("empty ids = %d %s, want invalid_ids", got.status, got.code())
	}
}

func TestDeviceRegistration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	token := "phone-" + user.UID
	h.register(user.Token, token)
	again := h.call(DevicesFunction, http.MethodPost, "", user.Token, map[string]string{"token": token, "platform": "ios"})
	if again.status != http.StatusOK || h.deviceCount(user.UID) != 1 {
		t.Errorf("registering again = %d with %d devices, want 200 and 1", again.status, h.deviceCount(user.UID))
	}
	if again.body["id"] != notification.DeviceID(token) {
		t.Errorf("id = %v, want the token's hash", again.body["id"])
	}
	cases := []struct {
		name string
		body map[string]string
		code string
	}{
		{"empty token", map[string]string{"token": ""}, "invalid_token"},
		{"token with space", map[string]string{"token": "a b"}, "invalid_token"},
		{"unknown platform", map[string]string{"token": "abc", "platform": "palm"}, "invalid_platform"},
	}
	for _, tc := range cases {
		if got := h.call(DevicesFunction, http.MethodPost, "", user.Token, tc.body); got.status != 400 || got.code() != tc.code {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, got.status, got.code(), tc.code)
		}
	}
	if got := h.call(DevicesFunction, http.MethodPost, "", "", map[string]string{"token": "abc"}); got.status != 401 {
		t.Errorf("no bearer token = %d, want 401", got.status)
	}
	for range 2 {
		if got := h.call(DevicesFunction, http.MethodDelete, "", user.Token, map[string]string{"token": token}); got.status != http.StatusOK {
			t.Errorf("DELETE = %d %s", got.status, got.raw)
		}
	}
	if n := h.deviceCount(user.UID); n != 0 {
		t.Errorf("%d devices after DELETE, want 0", n)
	}
	for i := range maxDevices + 2 {
		h.register(user.Token, fmt.Sprintf("device-%d-%s", i, user.UID))
	}
	if n := h.deviceCount(user.UID); n != maxDevices {
		t.Errorf("%d devices after registering %d, want the limit %d", n, maxDevices+2, maxDevices)
	}
}

func TestPushOffWithoutEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.register(user.Token, "phone-"+user.UID)
	inboxOnly, err := NewNotifier(context.Background(), Config{Base: h.cfg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := reminder(t, user.UID, "n-"+testenv.UniqueID(t), time.Now())
	if err := inboxOnly.Deliver(context.Background(), m); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if _, ok := h.inboxEntry(user.UID, m.ID); !ok {
		t.Error("no inbox entry")
	}
	if n := len(h.fcm.delivered("phone-" + user.UID)); n != 0 {
		t.Errorf("%d pushes with push off, want 0", n)
	}
	if _, err := NewNotifier(context.Background(), Config{Base: h.cfg, FCMEndpoint: "https://fcm.googleapis.com"}, nil); err == nil {
		t.Error("a non-loopback FCM endpoint was accepted with the emulators")
	}
}

func TestDeviceMovesToNewUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := testenv.NewUser(t, h.cfg)
	b := testenv.NewUser(t, h.cfg)
	token := "shared-phone-" + a.UID
	h.register(a.Token, token)

	if got := h.call(DevicesFunction, http.MethodPost, "", b.Token, map[string]string{"token": token, "platform": "ios"}); got.status != http.StatusCreated {
		t.Fatalf("register A's token as B = %d %s, want 201", got.status, got.raw)
	}
	if n := h.deviceCount(a.UID); n != 0 {
		t.Errorf("A keeps %d devices after B registered the token, want 0", n)
	}
	if n := h.deviceCount(b.UID); n != 1 {
		t.Errorf("B has %d devices, want 1", n)
	}
	if err := h.deliver(reminder(t, a.UID, "n-"+testenv.UniqueID(t), time.Now())); err != nil {
		t.Fatalf("deliver to A: %v", err)
	}
	if n := len(h.fcm.delivered(token)); n != 0 {
		t.Errorf("A's reminder reached the phone B now uses %d times, want 0", n)
	}

	if got := h.call(DevicesFunction, http.MethodDelete, "", b.Token, map[string]string{"token": token}); got.status != http.StatusOK {
		t.Fatalf("DELETE as B = %d %s", got.status, got.raw)
	}
	owner, err := h.server.Firestore.Collection(notification.OwnersCollection).Doc(notification.DeviceID(token)).Get(context.Background())
	if err == nil || owner.Exists() {
		t.Error("the owner document remains after the owner removed the token")
	}
	if n := h.deviceCount(a.UID) + h.deviceCount(b.UID); n != 0 {
		t.Errorf("%d devices remain after B's DELETE, want 0", n)
	}
}

func TestConcurrentRegistrationKeepsOneOwner(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	users := []testenv.User{testenv.NewUser(t, h.cfg), testenv.NewUser(t, h.cfg), testenv.NewUser(t, h.cfg)}
	token := "contested-" + users[0].UID

	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			if got := h.call(DevicesFunction, http.MethodPost, "", u.Token, map[string]string{"token": token}); got.status != http.StatusCreated {
				t.Errorf("register = %d %s", got.status, got.raw)
			}
		})
	}
	wg.Wait()
	holders := 0
	for _, u := range users {
		holders += h.deviceCount(u.UID)
	}
	if holders != 1 {
		t.Errorf("%d users hold the token after concurrent registrations, want 1", holders)
	}
}
