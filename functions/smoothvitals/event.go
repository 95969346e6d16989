package smoothvitals

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/vitalobs"
)

// pushMessage is the data of a Pub/Sub CloudEvent
// (google.cloud.pubsub.topic.v1.messagePublished).
type pushMessage struct {
	Message struct {
		Data       []byte            `json:"data"`
		Attributes map[string]string `json:"attributes"`
		MessageID  string            `json:"messageId"`
	} `json:"message"`
}

// Notification is one FHIR store change notification.
type Notification struct {
	MessageID    string
	Action       string
	ResourceType string
	StoreName    string
	// ResourceID is the id from the resource name in the message data.
	ResourceID string
}

// HandleEvent processes one change notification. It returns nil for
// messages that can never succeed (after logging why) and an error for
// failures worth a redelivery.
func (s *Smoother) HandleEvent(ctx context.Context, e event.Event) error {
	var msg pushMessage
	if err := json.Unmarshal(e.Data(), &msg); err != nil {
		s.logger.Error("dropping undecodable event", "event_id", e.ID())
		return nil
	}
	n, err := parseNotification(msg)
	if err != nil {
		s.logger.Error("dropping malformed notification", logging.KeyMessageID, msg.Message.MessageID, logging.KeyError, err.Error())
		return nil
	}
	return s.Handle(ctx, n)
}

func parseNotification(msg pushMessage) (Notification, error) {
	attrs := msg.Message.Attributes
	n := Notification{MessageID: msg.Message.MessageID, Action: attrs["action"], ResourceType: attrs["resourceType"], StoreName: attrs["storeName"]}
	name := strings.TrimSpace(string(msg.Message.Data))
	if strings.HasPrefix(name, "{") {
		// Full-resource notifications carry the resource itself.
		var head struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(msg.Message.Data, &head); err != nil {
			return n, fmt.Errorf("decode full-resource payload: %w", err)
		}
		n.ResourceID = head.ID
	} else {
		_, rest, found := strings.Cut(name, "/fhir/")
		resourceType, id, ok := strings.Cut(rest, "/")
		if !found || !ok || id == "" {
			return n, fmt.Errorf("resource name without /fhir/TYPE/ID")
		}
		if n.ResourceType == "" {
			n.ResourceType = resourceType
		}
		n.ResourceID, _, _ = strings.Cut(id, "/")
	}
	if n.ResourceID == "" {
		return n, fmt.Errorf("notification without a resource id")
	}
	return n, nil
}

// Handle smooths the series the notified Observation belongs to.
func (s *Smoother) Handle(ctx context.Context, n Notification) error {
	logger := s.logger.With(logging.KeyMessageID, n.MessageID)
	switch {
	case n.ResourceType != "Observation", vitalobs.IsSmoothedID(n.ResourceID):
		return nil // not a reading, or the smoother's own write
	case n.StoreName != "" && n.StoreName != s.cfg.FHIRStore:
		logger.Warn("dropping notification from another FHIR store")
		return nil
	case n.Action == "DeleteResource":
		// TODO: a deleted reading keeps its smoothed estimate and does not
		// re-run the filter; deletion is not offered to patients yet.
		return nil
	}
	_, data, err := s.fhir.Read(ctx, "Observation", n.ResourceID)
	if fhir.IsNotFound(err) {
		return nil // deleted since
	}
	if err != nil {
		return fmt.Errorf("read observation: %w", err)
	}
	obs, err := vitalobs.Decode(data)
	if err != nil || obs.HasTag(vitalobs.TagSmoothed) {
		return nil
	}
	reading, err := vitalobs.ParseStored(obs)
	if err != nil || reading.PatientID == "" {
		logger.Debug("not a smoothable vital sign", logging.KeyResource, "Observation/"+n.ResourceID)
		return nil
	}
	return s.enqueue(ctx, reading.PatientID, reading.ID)
}
