package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/eventfn"
	"github.com/ihep/backend/shared/manifest"
)

// newEmulatorClient returns a Pub/Sub client on a project id of the test's
// own, or skips the test under -short or without PUBSUB_EMULATOR_HOST.
func newEmulatorClient(t *testing.T) (*pubsub.Client, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the Pub/Sub emulator; skipped under -short")
	}
	if os.Getenv("PUBSUB_EMULATOR_HOST") == "" {
		t.Skip("PUBSUB_EMULATOR_HOST is not set; run `make test` or `emulator/stack up --profile test` first")
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	project := "demo-runner-" + hex.EncodeToString(b[:])
	client, err := pubsub.NewClient(context.Background(), project)
	if err != nil {
		t.Fatalf("pubsub.NewClient() = %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client, project
}

func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func topicManifest(function, topic string) *manifest.Manifest {
	return &manifest.Manifest{Functions: []manifest.Function{
		{Name: "auth-login", Trigger: manifest.Trigger{HTTPS: &manifest.HTTPSTrigger{}}, Timeout: "30s"},
		{Name: function, Trigger: manifest.Trigger{Topic: topic}, Timeout: "120s"},
	}}
}

func TestEnsureTopicsAndSubscriptionsIdempotent(t *testing.T) {
	t.Parallel()
	client, project := newEmulatorClient(t)
	ctx := context.Background()
	m := topicManifest("smooth-vitals", "fhir-changes")
	logger := discardLogger()

	subs := plannedSubscriptions(m, project, "18080")
	for range 2 {
		if err := ensureTopics(ctx, client, project, topicIDs(m), logger); err != nil {
			t.Fatalf("ensureTopics() = %v", err)
		}
		if err := ensureSubscriptions(ctx, client, subs, logger); err != nil {
			t.Fatalf("ensureSubscriptions() = %v", err)
		}
	}

	got, err := client.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{
		Subscription: "projects/" + project + "/subscriptions/smooth-vitals-push",
	})
	if err != nil {
		t.Fatalf("GetSubscription() = %v", err)
	}
	if got.GetPushConfig().GetPushEndpoint() != "" {
		t.Errorf("push endpoint = %q, want a pull subscription the runner delivers from", got.GetPushConfig().GetPushEndpoint())
	}
	if got.GetTopic() != "projects/"+project+"/topics/fhir-changes" {
		t.Errorf("topic = %q, want fhir-changes", got.GetTopic())
	}
	if got.GetAckDeadlineSeconds() != 120 {
		t.Errorf("ack deadline = %d, want 120", got.GetAckDeadlineSeconds())
	}

	// A push subscription left by an earlier runner becomes a pull one.
	err = client.SubscriptionAdminClient.ModifyPushConfig(ctx, &pubsubpb.ModifyPushConfigRequest{
		Subscription: got.GetName(), PushConfig: &pubsubpb.PushConfig{PushEndpoint: "http://127.0.0.1:18099/smooth-vitals"},
	})
	if err != nil {
		t.Fatalf("ModifyPushConfig() = %v", err)
	}
	if err := ensureSubscriptions(ctx, client, subs, logger); err != nil {
		t.Fatalf("ensureSubscriptions() over a push subscription = %v", err)
	}
	got, err = client.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: got.GetName()})
	if err != nil {
		t.Fatalf("GetSubscription() = %v", err)
	}
	if got.GetPushConfig().GetPushEndpoint() != "" {
		t.Errorf("push endpoint after ensureSubscriptions = %q, want none", got.GetPushConfig().GetPushEndpoint())
	}
}

// consumerFunction is served by path alone, so it stays out of the named
// registry that TestRegistryMatchesManifest compares with the manifest.
const consumerFunction = "runner-test-consumer"

var (
	serveOnce sync.Once
	servePort string
	received  = make(chan cloudevents.Event, 10)
)

// startTestServer serves consumerFunction through the Functions Framework
// with the handler the event functions use, once per test binary, because
// the framework cannot register a path twice.
func startTestServer(t *testing.T) string {
	t.Helper()
	serveOnce.Do(func() {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		servePort = strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
		listener.Close()

		ctx := context.Background()
		consume := func(_ context.Context, e cloudevents.Event) error {
			received <- e
			return nil
		}
		handler := eventfn.Handler(consumerFunction, consume)
		if err := funcframework.RegisterHTTPFunctionContext(ctx, "/"+consumerFunction, handler.ServeHTTP); err != nil {
			t.Fatalf("register consumer: %v", err)
		}
		go func() { _ = funcframework.StartHostPort("127.0.0.1", servePort) }()
	})
	return servePort
}

func TestDeliveryArrivesAsCloudEventFromTopic(t *testing.T) {
	client, project := newEmulatorClient(t)
	ctx := context.Background()
	m := topicManifest(consumerFunction, "runner-test-events")
	port := startTestServer(t)

	subs := plannedSubscriptions(m, project, port)
	if err := ensureTopics(ctx, client, project, topicIDs(m), discardLogger()); err != nil {
		t.Fatalf("ensureTopics() = %v", err)
	}
	if err := ensureSubscriptions(ctx, client, subs, discardLogger()); err != nil {
		t.Fatalf("ensureSubscriptions() = %v", err)
	}
	deliveries, stop := context.WithCancel(ctx)
	defer stop()
	deliver(deliveries, client, subs, discardLogger())

	publisher := client.Publisher("runner-test-events")
	defer publisher.Stop()
	id, err := publisher.Publish(ctx, &pubsub.Message{
		Data:       []byte(`{"hello":"world"}`),
		Attributes: map[string]string{"action": "CreateResource"},
	}).Get(ctx)
	if err != nil {
		t.Fatalf("Publish() = %v", err)
	}

	var event cloudevents.Event
	select {
	case event = <-received:
	case <-time.After(30 * time.Second):
		t.Fatal("no CloudEvent reached the function within 30 s of publishing")
	}

	if want := "//pubsub.googleapis.com/projects/" + project + "/topics/runner-test-events"; event.Source() != want {
		t.Errorf("source = %q, want %q", event.Source(), want)
	}
	if want := "google.cloud.pubsub.topic.v1.messagePublished"; event.Type() != want {
		t.Errorf("type = %q, want %q", event.Type(), want)
	}
	if event.ID() != id {
		t.Errorf("event id = %q, want the message id %q", event.ID(), id)
	}

	var data struct {
		Message struct {
			Data       []byte            `json:"data"`
			Attributes map[string]string `json:"attributes"`
			MessageID  string            `json:"messageId"`
		} `json:"message"`
	}
	if err := json.Unmarshal(event.Data(), &data); err != nil {
		t.Fatalf("event data: %v", err)
	}
	if got := string(data.Message.Data); got != `{"hello":"world"}` {
		t.Errorf("message data = %q, want the published bytes", got)
	}
	if diff := cmp.Diff(map[string]string{"action": "CreateResource"}, data.Message.Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if data.Message.MessageID != id {
		t.Errorf("message id = %q, want %q", data.Message.MessageID, id)
	}
}
