// Package ratelimit counts requests per key in Firestore, so that a limit
// holds across every instance of a function.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/httpapi"
)

// Collection holds one document per rule and key. Documents carry expireAt
// for a Firestore TTL policy.
const Collection = "rateLimits"

// Rule is a fixed-window limit: at most Limit requests per Window.
type Rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// Decision is the outcome of one Allow call.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until the window resets, when not allowed.
	RetryAfter time.Duration
}

// Limiter applies rules. It is safe for concurrent use.
type Limiter struct {
	firestore *firestore.Client
	now       func() time.Time
}

// New returns a limiter storing its counters in fs.
func New(fs *firestore.Client) *Limiter {
	return &Limiter{firestore: fs, now: time.Now}
}

// Allow counts one request for key under rule and reports whether it is
// within the limit. Keys are hashed before they are stored, because they
// may contain e-mail addresses or client IPs.
func (l *Limiter) Allow(ctx context.Context, rule Rule, key string) (Decision, error) {
	ref := l.firestore.Collection(Collection).Doc(documentID(rule.Name, key))
	var decision Decision
	err := l.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		now := l.now()
		count, windowStart, err := readWindow(tx, ref)
		if err != nil {
			return err
		}
		windowEnd := windowStart.Add(rule.Window)
		if count == 0 || !now.Before(windowEnd) {
			decision = Decision{Allowed: true}
			return tx.Set(ref, window(1, now, rule.Window))
		}
		if count >= int64(rule.Limit) {
			decision = Decision{RetryAfter: windowEnd.Sub(now)}
			return nil
		}
		decision = Decision{Allowed: true}
		return tx.Set(ref, window(count+1, windowStart, rule.Window))
	})
	if err != nil {
		return Decision{}, fmt.Errorf("apply rate limit %s: %w", rule.Name, err)
	}
	return decision, nil
}

// Enforce counts one request like Allow and returns the error a handler
// sends: 429 rate_limited with message and Retry-After when the limit is
// reached, 503 when the counter is unavailable, nil otherwise.
func (l *Limiter) Enforce(ctx context.Context, rule Rule, key, message string) error {
	decision, err := l.Allow(ctx, rule, key)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !decision.Allowed {
		e := httpapi.NewError(http.StatusTooManyRequests, "rate_limited", message)
		e.RetryAfter = decision.RetryAfter
		return e
	}
	return nil
}

func readWindow(tx *firestore.Transaction, ref *firestore.DocumentRef) (int64, time.Time, error) {
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	data := snap.Data()
	count, _ := data["count"].(int64)
	start, _ := data["windowStart"].(time.Time)
	return count, start, nil
}

func window(count int64, start time.Time, length time.Duration) map[string]any {
	return map[string]any{"count": count, "windowStart": start, "expireAt": start.Add(length)}
}

func documentID(rule, key string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + key))
	return hex.EncodeToString(sum[:])
}
