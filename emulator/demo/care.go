package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// The demo patient's care: a survey, a primary provider, a booked follow-up
// and its reminder in the inbox.
const (
	demoTimeZone   = "America/Chicago"
	demoProviderID = "demo-prov-02"
	inboxTimeout   = 30 * time.Second
)

var demoConditions = []string{"hiv-aids", "heart-disease"}

// setUpCare fills in the demo patient's profile, survey and care team, books
// a telehealth follow-up that starts in 23 hours, runs the reminder job and
// waits for the reminder to reach the inbox. Running it again within the
// same hour changes nothing: the booking carries an idempotency key derived
// from its start.
func setUpCare(ctx context.Context, c *client, token string, now time.Time) error {
	steps := []struct {
		method, path string
		body         any
	}{
		{http.MethodPatch, "/profile", map[string]any{"timeZone": demoTimeZone}},
		{http.MethodPost, "/survey", map[string]any{"conditions": demoConditions}},
		{http.MethodPost, "/care-team", map[string]any{"providerId": demoProviderID, "primary": true}},
	}
	for _, st := range steps {
		if _, err := c.sendJSON(ctx, st.method, st.path, token, nil, st.body, nil); err != nil {
			return fmt.Errorf("demo care: %w", err)
		}
	}
	if err := bookFollowUp(ctx, c, token, now); err != nil {
		return err
	}
	if _, err := c.call(ctx, http.MethodPost, "/_scheduler/run?job=appointment-reminders", "", "", nil, nil, nil); err != nil {
		return fmt.Errorf("demo care: run the reminder job: %w", err)
	}
	return c.waitInbox(ctx, token, inboxTimeout)
}

// bookFollowUp books a 30-minute telehealth appointment 23 hours after the
// start of the current hour, inside the 24-hour reminder window.
func bookFollowUp(ctx context.Context, c *client, token string, now time.Time) error {
	start := now.UTC().Truncate(time.Hour).Add(23 * time.Hour)
	booking := map[string]any{
		"providerId": demoProviderID,
		"type":       "telehealth",
		"start":      start.Format(time.RFC3339),
		"end":        start.Add(30 * time.Minute).Format(time.RFC3339),
	}
	header := http.Header{"Idempotency-Key": {"demo-follow-up-" + start.Format("20060102T15")}}
	_, err := c.sendJSON(ctx, http.MethodPost, "/appointments", token, header, booking, nil)
	if err != nil {
		return fmt.Errorf("demo care: book the follow-up: %w", err)
	}
	fmt.Printf("Booked a telehealth follow-up with %s at %s\n", demoProviderID, start.Format(time.RFC3339))
	return nil
}

// waitInbox polls the inbox until it contains at least one notification, which
// the notify function writes once the reminder job has published.
func (c *client) waitInbox(ctx context.Context, token string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var inbox struct {
			Notifications []struct {
				Body string `json:"body"`
			} `json:"notifications"`
		}
		if _, err := c.call(ctx, http.MethodGet, "/notifications?limit=1", token, "", nil, nil, &inbox); err != nil {
			return err
		}
		if len(inbox.Notifications) > 0 {
			fmt.Printf("Newest notification in the inbox: %q\n", inbox.Notifications[0].Body)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo care: no reminder reached the inbox within %s; check .stack/dev/logs/runner.log", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// askAssistant prints the health assistant's reply to one question.
func askAssistant(ctx context.Context, c *client, token, question string) error {
	var reply struct {
		Message string `json:"message"`
	}
	request := map[string]any{"messages": []map[string]string{{"role": "user", "content": question}}}
	if _, err := c.postJSON(ctx, "/chat", token, request, &reply); err != nil {
		return fmt.Errorf("demo chat: %w", err)
	}
	fmt.Printf("\nPOST /chat %q\n%s\n", question, reply.Message)
	return nil
}
