package notification

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"cloud.google.com/go/firestore"
)

// Firestore locations of a user's notifications, both keyed by the user id:
// inboxes/{uid}/entries/{notificationId} and
// devices/{uid}/tokens/{sha256-hex of the token}. Both hold PHI-free data
// only, because inbox texts are written PHI-free by their publishers and a
// device token identifies an app installation, not a person's health.
const (
	InboxesCollection = "inboxes"
	InboxEntries      = "entries"
	DevicesCollection = "devices"
	DeviceTokens      = "tokens"
)

// InboxEntry is one in-app notification of the user's inbox.
type InboxEntry struct {
	Kind      string            `firestore:"kind"`
	Title     string            `firestore:"title"`
	Body      string            `firestore:"body"`
	Data      map[string]string `firestore:"data,omitempty"`
	CreatedAt time.Time         `firestore:"createdAt"`
	Read      bool              `firestore:"read"`
	ReadAt    time.Time         `firestore:"readAt,omitempty"`
	// Pushed lists the device documents (token hashes) the notification
	// was sent to or that failed for good, so a redelivered message does
	// not reach a device twice.
	Pushed []string `firestore:"pushed"`
	// PushDone is true once every device was handled.
	PushDone bool `firestore:"pushDone"`
	// PushClaimedAt is when a delivery started sending; another delivery
	// of the same message waits until its claim has timed out.
	PushClaimedAt time.Time `firestore:"pushClaimedAt,omitempty"`
	// ExpireAt is when a Firestore TTL policy may delete the entry.
	ExpireAt time.Time `firestore:"expireAt"`
}

// Device is one registered FCM registration token of the user.
type Device struct {
	Token     string    `firestore:"token"`
	Platform  string    `firestore:"platform,omitempty"`
	CreatedAt time.Time `firestore:"createdAt"`
	UpdatedAt time.Time `firestore:"updatedAt"`
}

// Inbox returns the collection of the user's inbox entries.
func Inbox(fs *firestore.Client, uid string) *firestore.CollectionRef {
	return fs.Collection(InboxesCollection).Doc(uid).Collection(InboxEntries)
}

// Devices returns the collection of the user's registered devices.
func Devices(fs *firestore.Client, uid string) *firestore.CollectionRef {
	return fs.Collection(DevicesCollection).Doc(uid).Collection(DeviceTokens)
}

// DeviceID returns the document id of an FCM registration token: its
// SHA-256 in hex, so that the token itself is never a document path.
func DeviceID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
