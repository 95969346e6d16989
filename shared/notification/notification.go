// Package notification is the message format of the notifications topic.
// Every notification a user gets (appointment reminders now, vital-sign
// alerts later) is published here and delivered by the notify function,
// which writes it to the user's in-app inbox and sends it to their devices
// through Firebase Cloud Messaging.
//
// A message's title and body are shown on lock screens and stored in
// Firestore, so they must be free of PHI: no provider, specialty,
// condition, vital value or note, only kinds, times and ids.
package notification

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/pubsub/v2"

	"github.com/ihep/backend/shared/validation"
)

// DefaultTopic is the topic id the notify function consumes.
const DefaultTopic = "notifications"

// TopicEnv names the environment variable that overrides DefaultTopic.
const TopicEnv = "NOTIFICATIONS_TOPIC"

// Kinds of notification. The client picks an icon and a screen by kind.
const (
	KindAppointmentReminder = "appointment_reminder"
)

// Limits of a message's fields, in characters (title and body) or entries.
const (
	MaxTitle = 100
	MaxBody  = 500
	MaxData  = 10
)

// Message is one notification for one user.
type Message struct {
	// ID identifies the notification. The publisher derives it from what the
	// notification is about (for a reminder: appointment, window and start),
	// so publishing the same notification twice delivers it once.
	ID string `json:"id"`
	// UID is the Identity Platform user id of the recipient.
	UID   string `json:"uid"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// Data holds ids the client needs to open the right screen, such as
	// "appointmentId". Values are ids, never PHI.
	Data      map[string]string `json:"data,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

// Validate reports every problem of m at once.
func (m Message) Validate() error {
	var errs []error
	// The id becomes the inbox entry's Firestore document id.
	if !validation.DocumentID(m.ID) {
		errs = append(errs, errors.New("id must be 1 to 128 letters, digits, '-' or '_', and not of the form __name__"))
	}
	if m.UID == "" || len(m.UID) > 128 || strings.Contains(m.UID, "/") {
		errs = append(errs, errors.New("uid is missing or invalid"))
	}
	if m.Kind == "" {
		errs = append(errs, errors.New("kind is missing"))
	}
	if m.Title == "" || utf8.RuneCountInString(m.Title) > MaxTitle {
		errs = append(errs, fmt.Errorf("title must have 1 to %d characters", MaxTitle))
	}
	if m.Body == "" || utf8.RuneCountInString(m.Body) > MaxBody {
		errs = append(errs, fmt.Errorf("body must have 1 to %d characters", MaxBody))
	}
	if len(m.Data) > MaxData {
		errs = append(errs, fmt.Errorf("data has more than %d entries", MaxData))
	}
	if m.CreatedAt.IsZero() {
		errs = append(errs, errors.New("createdAt is missing"))
	}
	return errors.Join(errs...)
}

// Decode parses and validates the data of a notifications-topic message.
func Decode(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, fmt.Errorf("decode notification: %w", err)
	}
	if err := m.Validate(); err != nil {
		return Message{}, fmt.Errorf("invalid notification: %w", err)
	}
	return m, nil
}

// TopicFromEnv returns the topic id from NOTIFICATIONS_TOPIC, or DefaultTopic.
func TopicFromEnv() string {
	if topic := os.Getenv(TopicEnv); topic != "" {
		return topic
	}
	return DefaultTopic
}

// Publisher publishes notifications to one topic.
type Publisher struct {
	publisher *pubsub.Publisher
}

// NewPublisher returns a publisher to topicID over client. Call Stop when done.
func NewPublisher(client *pubsub.Client, topicID string) *Publisher {
	return &Publisher{publisher: client.Publisher(topicID)}
}

// Publish validates m, publishes it and waits until Pub/Sub has stored it.
// It returns the Pub/Sub message id.
func (p *Publisher) Publish(ctx context.Context, m Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", fmt.Errorf("invalid notification: %w", err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode notification: %w", err)
	}
	msg := &pubsub.Message{Data: data, Attributes: map[string]string{"kind": m.Kind, "notificationId": m.ID}}
	id, err := p.publisher.Publish(ctx, msg).Get(ctx)
	if err != nil {
		return "", fmt.Errorf("publish notification: %w", err)
	}
	return id, nil
}

// Stop sends what is still queued and releases the publisher.
func (p *Publisher) Stop() { p.publisher.Stop() }
