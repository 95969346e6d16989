package testenv

import (
	"context"
	"errors"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/platform"
)

// FHIRChangesTopic is the topic the local FHIR engine publishes to.
const FHIRChangesTopic = "fhir-changes"

// SubscribeFHIRChanges delivers the FHIR engine's change notifications for
// cfg's store to handle, through a pull subscription of the test's own on
// the real Pub/Sub emulator, until the test ends. A handler error nacks the
// message, so Pub/Sub redelivers it as it would in production.
func SubscribeFHIRChanges(t testing.TB, cfg config.Base, handle func(ctx context.Context, msg *pubsub.Message) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	client, err := platform.NewPubSub(ctx, cfg)
	if err != nil {
		t.Fatalf("pubsub client: %v", err)
	}
	topic := "projects/" + cfg.ProjectID + "/topics/" + FHIRChangesTopic
	if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil && status.Code(err) != codes.AlreadyExists {
		t.Fatalf("create topic: %v", err)
	}
	name := "projects/" + cfg.ProjectID + "/subscriptions/" + UniqueID(t)
	_, err = client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name: name, Topic: topic, AckDeadlineSeconds: 60,
		Filter: `attributes.storeName = "` + cfg.FHIRStore + `"`,
	})
	if err != nil {
		t.Fatalf("create subscription: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := client.Subscriber(name).Receive(ctx, func(ctx context.Context, msg *pubsub.Message) {
			if handle(ctx, msg) != nil {
				msg.Nack()
				return
			}
			msg.Ack()
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("receive fhir changes: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = client.SubscriptionAdminClient.DeleteSubscription(context.Background(), &pubsubpb.DeleteSubscriptionRequest{Subscription: name})
		_ = client.Close()
	})
}
