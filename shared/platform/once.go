// Package platform builds the Google Cloud clients a function needs, once per
// instance, with the same code path for the emulators and for production.
package platform

import (
	"context"
	"sync"
)

// Lazy builds a value on first use and keeps it. Unlike sync.Once, a failed
// build is retried on the next call, so one transient error at cold start
// does not leave the instance broken for its whole life.
type Lazy[T any] struct {
	mu    sync.Mutex
	done  bool
	value T
	build func(context.Context) (T, error)
}

// NewLazy returns a Lazy that calls build until it succeeds once.
func NewLazy[T any](build func(context.Context) (T, error)) *Lazy[T] {
	return &Lazy[T]{build: build}
}

// Get returns the built value, building it if needed.
func (l *Lazy[T]) Get(ctx context.Context) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.value, nil
	}
	value, err := l.build(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	l.value, l.done = value, true
	return value, nil
}
