package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"cloud.google.com/go/pubsub/v2"
	pubsubapi "cloud.google.com/go/pubsub/v2/apiv1"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/ihep/backend/shared/eventfn"
	"github.com/ihep/backend/shared/logging"
)

// deliveryConcurrency is how many messages of one subscription the runner
// delivers at once. Pub/Sub pushes to an endpoint that keeps up with many
// requests in parallel, while the emulator's own push sends one message at
// a time, which makes a 500-reading upload take minutes to smooth locally.
const deliveryConcurrency = 64

// deliveryTimeout bounds one delivery. A slow delivery is then redelivered,
// which the event functions' idempotence makes harmless.
const deliveryTimeout = 20 * time.Second

// idlePollInterval is the pause between polls of an empty subscription, and
// so the most a message waits before delivery starts.
const idlePollInterval = 20 * time.Millisecond

// pushBody is the JSON body Pub/Sub sends to a push endpoint, which is also
// the data of the CloudEvent Eventarc builds.
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

// deliver pulls each subscription's messages and posts each, as a
// CloudEvent, to its function, several at once, until ctx ends. A 2xx
// response acknowledges the message. Any other response or a failed request
// makes the emulator redeliver it, as Eventarc's push subscription does.
//
// It polls with unary Pull calls that return at once. The event functions
// register through shared/eventfn, which handles concurrent requests
// independently of one another.
func deliver(ctx context.Context, client *pubsub.Client, subs []pushSubscription, logger *slog.Logger) {
	for _, sub := range subs {
		d := &deliverer{
			admin: client.SubscriptionAdminClient,
			sub:   sub,
			http: &http.Client{
				Timeout:   min(deliveryTimeout, time.Duration(sub.AckDeadline)*time.Second),
				Transport: &http.Transport{MaxIdleConnsPerHost: deliveryConcurrency},
			},
			slots:  make(chan struct{}, deliveryConcurrency),
			logger: logger,
		}
		go d.run(ctx)
	}
}

// deliverer delivers the messages of one subscription.
type deliverer struct {
	admin  *pubsubapi.SubscriptionAdminClient
	sub    pushSubscription
	http   *http.Client
	slots  chan struct{} // one token per message being delivered
	logger *slog.Logger
}

func (d *deliverer) run(ctx context.Context) {
	for ctx.Err() == nil {
		d.slots <- struct{}{} // wait for a free slot before pulling
		free := cap(d.slots) - len(d.slots) + 1
		<-d.slots
		pullCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := d.admin.Pull(pullCtx, &pubsubpb.PullRequest{Subscription: d.sub.Name, MaxMessages: int32(free), ReturnImmediately: true})
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				d.logger.Warn("pull failed; retrying", "subscription", d.sub.Name, logging.KeyError, err)
				sleep(ctx, time.Second)
			}
			continue
		}
		if len(resp.GetReceivedMessages()) == 0 {
			sleep(ctx, idlePollInterval)
			continue
		}
		for _, received := range resp.GetReceivedMessages() {
			d.slots <- struct{}{}
			go func() {
				defer func() { <-d.slots }()
				d.deliverOne(ctx, received)
			}()
		}
	}
}

func (d *deliverer) deliverOne(ctx context.Context, received *pubsubpb.ReceivedMessage) {
	msg := received.GetMessage()
	ackIDs := []string{received.GetAckId()}
	if err := post(ctx, d.http, d.sub, msg); err != nil {
		d.logger.Warn("delivery failed, the emulator will redeliver", logging.KeyFunction, d.sub.Function, logging.KeyMessageID, msg.GetMessageId(), logging.KeyError, err)
		// A zero deadline makes the message available again at once.
		_ = d.admin.ModifyAckDeadline(context.WithoutCancel(ctx), &pubsubpb.ModifyAckDeadlineRequest{Subscription: d.sub.Name, AckIds: ackIDs})
		return
	}
	if err := d.admin.Acknowledge(context.WithoutCancel(ctx), &pubsubpb.AcknowledgeRequest{Subscription: d.sub.Name, AckIds: ackIDs}); err != nil {
		d.logger.Warn("acknowledge failed; the message will be delivered again", logging.KeyMessageID, msg.GetMessageId(), logging.KeyError, err)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// post sends one message to the function as the CloudEvent Eventarc makes
// of it, in the structured JSON format: the message's id and publish time,
// the topic as source, and the push body (message and subscription) as
// data.
func post(ctx context.Context, client *http.Client, sub pushSubscription, msg *pubsubpb.PubsubMessage) error {
	event := cloudevents.NewEvent()
	event.SetID(msg.GetMessageId())
	event.SetType(eventfn.PubSubEventType)
	event.SetSource(eventfn.PubSubSourcePrefix + sub.Topic)
	event.SetTime(msg.GetPublishTime().AsTime())

	data := pushBody{
		Message:      pushedMessage{Data: msg.GetData(), Attributes: msg.GetAttributes(), MessageID: msg.GetMessageId(), PublishTime: msg.GetPublishTime().AsTime()},
		Subscription: sub.Name,
	}
	if err := event.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return err
	}
	body, err := json.Marshal(event)
	if err != nil {
		return err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", cloudevents.ApplicationCloudEventsJSON)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("function returned status %d", resp.StatusCode)
	}
	return nil
}
