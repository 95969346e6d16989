package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/ihep/backend/shared/logging"
)

// deliveryConcurrency is how many messages of one subscription the runner
// delivers at once. Pub/Sub pushes to an endpoint that keeps up with many
// requests in parallel, while the emulator's own push sends one message at
// a time, which makes a 500-reading upload take minutes to smooth locally.
const deliveryConcurrency = 64

// pushBody is the JSON body Pub/Sub sends to a push endpoint.
type pushBody struct {
	Message      pushedMessage `json:"message"`
	Subscription string        `json:"subscription"`
}

type pushedMessage struct {
	Data        []byte            `json:"data,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	MessageID   string            `json:"messageId"`
	PublishTime time.Time         `json:"publishTime"`
}

// deliver pulls each subscription's messages and posts them to its endpoint
// in Pub/Sub's push format, several at once, until ctx ends. A 2xx response
// acknowledges the message. Any other response or a failed request makes the
// emulator redeliver it, as Pub/Sub does for a push endpoint.
func deliver(ctx context.Context, client *pubsub.Client, subs []pushSubscription, logger *slog.Logger) {
	for _, sub := range subs {
		go func() {
			subscriber := client.Subscriber(sub.Name)
			subscriber.ReceiveSettings.MaxOutstandingMessages = deliveryConcurrency
			subscriber.ReceiveSettings.NumGoroutines = 1
			httpClient := &http.Client{Timeout: time.Duration(sub.AckDeadline) * time.Second}
			err := subscriber.Receive(ctx, func(ctx context.Context, msg *pubsub.Message) {
				if err := post(ctx, httpClient, sub, msg); err != nil {
					logger.Warn("delivery failed, the emulator will redeliver", logging.KeyFunction, sub.Function, logging.KeyMessageID, msg.ID, logging.KeyError, err)
					msg.Nack()
					return
				}
				msg.Ack()
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				logger.Error("receiving from subscription stopped", "subscription", sub.Name, logging.KeyError, err)
			}
		}()
	}
}

func post(ctx context.Context, client *http.Client, sub pushSubscription, msg *pubsub.Message) error {
	body, err := json.Marshal(pushBody{
		Message:      pushedMessage{Data: msg.Data, Attributes: msg.Attributes, MessageID: msg.ID, PublishTime: msg.PublishTime},
		Subscription: sub.Name,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("endpoint returned status %d", resp.StatusCode)
	}
	return nil
}
