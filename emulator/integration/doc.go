// Package integration contains tests that drive the whole local stack the
// way a client does, through the runner's HTTP endpoints with smoothing on
// Pub/Sub. They then inspect what the stack left behind: the audit trail,
// the logs in .stack/test/logs and every Firestore document.
package integration
