package notifications

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"cloud.google.com/go/firestore"
)

// Firestore collections of the notification path. Both hold PHI-free data
// only: inbox texts are written PHI-free by their publishers, and device
// tokens identify an app installation, not a person's health.
const (
	// InboxesCollection holds inboxes/{uid}/entries/{notificationId}.
	InboxesCollection = "inboxes"
	// DevicesCollection holds devices/{uid}/tokens/{sha256-hex of the token}.
	DevicesCollection = "devices"
)

// inboxRetention is how long an inbox entry is kept; expireAt carries it for
// a Firestore TTL policy.
const inboxRetention = 180 * 24 * time.Hour

// pushClaimTimeout is how long one delivery may send before a concurrent
// delivery of the same message takes over: longer than a send to
// maxDevices devices takes.
const pushClaimTimeout = time.Minute

// entry is one inbox document.
type entry struct {
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
	// of the same message waits until pushClaimTimeout has passed.
	PushClaimedAt time.Time `firestore:"pushClaimedAt,omitempty"`
	ExpireAt      time.Time `firestore:"expireAt"`
}

// device is one registered FCM token.
type device struct {
	Token     string    `firestore:"token"`
	Platform  string    `firestore:"platform,omitempty"`
	CreatedAt time.Time `firestore:"createdAt"`
	UpdatedAt time.Time `firestore:"updatedAt"`
}

func inboxOf(fs *firestore.Client, uid string) *firestore.CollectionRef {
	return fs.Collection(InboxesCollection).Doc(uid).Collection("entries")
}

func devicesOf(fs *firestore.Client, uid string) *firestore.CollectionRef {
	return fs.Collection(DevicesCollection).Doc(uid).Collection("tokens")
}

// tokenID is the document id of a token: its SHA-256 in hex.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
