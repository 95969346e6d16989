package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/manifest"
)

// Bounds of a subscription's ack deadline in seconds, set by Pub/Sub.
const (
	minAckDeadline = 10
	maxAckDeadline = 600
)

// pushSubscription is the subscription whose messages the runner delivers
// to one function in Pub/Sub's push format.
type pushSubscription struct {
	Function    string
	Name        string // projects/P/subscriptions/S
	Topic       string // projects/P/topics/T
	Endpoint    string
	AckDeadline int32 // seconds
}

// topicIDs returns the topics to create: the manifest's and the FHIR
// engine's notification topic.
func topicIDs(m *manifest.Manifest) []string {
	ids := m.Topics()
	for _, id := range ids {
		if id == fhirNotificationTopic {
			return ids
		}
	}
	ids = append(ids, fhirNotificationTopic)
	sort.Strings(ids)
	return ids
}

// plannedSubscriptions returns one subscription per topic- or
// schedule-triggered function, delivered to the function at /<function>.
func plannedSubscriptions(m *manifest.Manifest, project, port string) []pushSubscription {
	var subs []pushSubscription
	for _, f := range m.Functions {
		kind := f.Trigger.Kind()
		if kind != manifest.KindTopic && kind != manifest.KindSchedule {
			continue
		}
		topic := fmt.Sprintf("projects/%s/topics/%s", project, f.Trigger.Topic)
		subs = append(subs, pushSubscription{
			Function:    f.Name,
			Name:        fmt.Sprintf("projects/%s/subscriptions/%s-push", project, f.Name),
			Topic:       topic,
			Endpoint:    fmt.Sprintf("http://127.0.0.1:%s/%s", port, f.Name),
			AckDeadline: ackDeadline(f.TimeoutDuration()),
		})
	}
	return subs
}

// ackDeadline gives the emulator as long as the function may run before it
// redelivers, within Pub/Sub's bounds.
func ackDeadline(timeout time.Duration) int32 {
	seconds := int32(timeout / time.Second)
	return min(max(seconds, minAckDeadline), maxAckDeadline)
}

// ensureTopics creates each topic. A topic that already exists is fine.
func ensureTopics(ctx context.Context, client *pubsub.Client, project string, ids []string, logger *slog.Logger) error {
	for _, id := range ids {
		name := fmt.Sprintf("projects/%s/topics/%s", project, id)
		_, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: name})
		switch status.Code(err) {
		case codes.OK:
			logger.Info("topic created", "topic", name)
		case codes.AlreadyExists:
			logger.Debug("topic exists", "topic", name)
		default:
			return fmt.Errorf("create topic %s: %w", name, err)
		}
	}
	return nil
}

// ensureSubscriptions creates each subscription as a pull subscription,
// from which the runner delivers (see deliver.go). One left with a push
// endpoint by an earlier runner is turned into a pull subscription, and one
// attached to another topic is deleted and created again.
func ensureSubscriptions(ctx context.Context, client *pubsub.Client, subs []pushSubscription, logger *slog.Logger) error {
	for _, sub := range subs {
		if err := ensureSubscription(ctx, client, sub, logger); err != nil {
			return err
		}
	}
	return nil
}

func ensureSubscription(ctx context.Context, client *pubsub.Client, sub pushSubscription, logger *slog.Logger) error {
	admin := client.SubscriptionAdminClient
	want := &pubsubpb.Subscription{Name: sub.Name, Topic: sub.Topic, AckDeadlineSeconds: sub.AckDeadline}
	_, err := admin.CreateSubscription(ctx, want)
	switch status.Code(err) {
	case codes.OK:
		logger.Info("subscription created", "subscription", sub.Name, "topic", sub.Topic, logging.KeyFunction, sub.Function)
		return nil
	case codes.AlreadyExists:
	default:
		return fmt.Errorf("create subscription %s: %w", sub.Name, err)
	}

	existing, err := admin.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: sub.Name})
	if err != nil {
		return fmt.Errorf("get subscription %s: %w", sub.Name, err)
	}
	if existing.GetTopic() != sub.Topic {
		if err := admin.DeleteSubscription(ctx, &pubsubpb.DeleteSubscriptionRequest{Subscription: sub.Name}); err != nil {
			return fmt.Errorf("delete subscription %s on the wrong topic %s: %w", sub.Name, existing.GetTopic(), err)
		}
		if _, err := admin.CreateSubscription(ctx, want); err != nil {
			return fmt.Errorf("create subscription %s again: %w", sub.Name, err)
		}
		logger.Info("subscription moved to its topic", "subscription", sub.Name, "topic", sub.Topic, logging.KeyFunction, sub.Function)
		return nil
	}
	if existing.GetPushConfig().GetPushEndpoint() != "" {
		err := admin.ModifyPushConfig(ctx, &pubsubpb.ModifyPushConfigRequest{Subscription: sub.Name, PushConfig: &pubsubpb.PushConfig{}})
		if err != nil {
			return fmt.Errorf("turn %s into a pull subscription: %w", sub.Name, err)
		}
		logger.Info("push endpoint removed; the runner delivers", "subscription", sub.Name, logging.KeyFunction, sub.Function)
	}
	return nil
}
