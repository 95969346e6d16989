package notifications

import "time"

// inboxRetention is how long an inbox entry is kept; expireAt carries it for
// a Firestore TTL policy.
const inboxRetention = 180 * 24 * time.Hour

// pushClaimTimeout is how long one delivery may send before a concurrent
// delivery of the same message takes over: longer than a send to
// maxDevices devices takes.
const pushClaimTimeout = time.Minute
