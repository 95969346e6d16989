package notifications

import (
	"context"
	"fmt"
	"log/slog"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/notification"
)

// push sends m to every registered device not in pushed, removes tokens
// FCM reports as gone, and records the handled devices on the inbox entry.
func (n *Notifier) push(ctx context.Context, logger *slog.Logger, ref *firestore.DocumentRef, m notification.Message, pushed []string) error {
	docs, err := notification.Devices(n.firestore, m.UID).Documents(ctx).GetAll()
	if err != nil {
		return fmt.Errorf("list devices: %w", err)
	}
	done := map[string]bool{}
	for _, id := range pushed {
		done[id] = true
	}
	var handled []any
	var retry error
	sent, removed := 0, 0
	for _, doc := range docs {
		if done[doc.Ref.ID] {
			continue
		}
		var d notification.Device
		if err := doc.DataTo(&d); err != nil || d.Token == "" {
			logger.Warn("skipping unreadable device", "device", doc.Ref.ID)
			continue
		}
		err := n.fcm.send(ctx, fcmMessage{Token: d.Token, Notification: fcmNotification{Title: m.Title, Body: m.Body}, Data: pushData(m)})
		if err == nil {
			handled, sent = append(handled, doc.Ref.ID), sent+1
			continue
		}
		failure := asFCMError(err)
		switch {
		case failure.tokenGone():
			// The update time keeps a token the user registered again
			// since this read.
			if _, err := notification.RemoveDevice(ctx, n.firestore, m.UID, doc.Ref.ID, doc.UpdateTime); err != nil {
				return fmt.Errorf("remove unregistered token: %w", err)
			}
			handled, removed = append(handled, doc.Ref.ID), removed+1
		case failure.retryable():
			retry = failure
		default:
			logger.Error("push failed for good", "device", doc.Ref.ID, logging.KeyError, failure.Error())
			handled = append(handled, doc.Ref.ID)
		}
	}

	// Releasing the claim lets the redelivery of a failed send start at once.
	updates := []firestore.Update{{Path: "pushDone", Value: retry == nil}, {Path: "pushClaimedAt", Value: firestore.Delete}}
	if len(handled) > 0 {
		updates = append(updates, firestore.Update{Path: "pushed", Value: firestore.ArrayUnion(handled...)})
	}
	if _, err := ref.Update(ctx, updates); err != nil {
		return fmt.Errorf("record pushed devices: %w", err)
	}
	logger.Info("push sent", "sent", sent, "removed_tokens", removed, "retry", retry != nil)
	return retry
}

// pushData is the FCM data payload: the publisher's ids plus the
// notification's own id and kind, so the app can open the inbox entry.
func pushData(m notification.Message) map[string]string {
	data := make(map[string]string, len(m.Data)+2)
	for k, v := range m.Data {
		data[k] = v
	}
	data["notificationId"] = m.ID
	data["kind"] = m.Kind
	return data
}
