// Package fakecalls is the call log of okrbot's fakes of the platforms it
// talks to (internal/fakeslack, internal/faketeams): each fake records the
// requests it answered here, and a test waits on it, without sleeping,
// until the calls it expects have come.
//
// It must never import okrbot packages, for the same reason as the fakes.
package fakecalls

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// WaitTimeout bounds the waits of the fakes' test helpers: a test that
// waits longer has already failed.
const WaitTimeout = 10 * time.Second

// Log is the calls a fake answered, in order. It is safe for concurrent
// use.
type Log[C any] struct {
	fake string         // the fake's name, for errors
	kind func(C) string // what Calls and Wait select by: a call's operation or method

	mu      sync.Mutex
	calls   []C
	changed chan struct{} // closed and replaced on every Record and Notify
}

// New makes the log of the fake named fake, whose calls are of the kind
// that kind says.
func New[C any](fake string, kind func(C) string) *Log[C] {
	return &Log[C]{fake: fake, kind: kind, changed: make(chan struct{})}
}

// Record adds an answered call and wakes the waiters.
func (l *Log[C]) Record(c C) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
	l.notifyLocked()
}

// Notify wakes the waiters without recording a call, for a fake whose
// other state a test waits on with Until.
func (l *Log[C]) Notify() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.notifyLocked()
}

func (l *Log[C]) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Calls returns the calls of a kind recorded so far, in order. With no
// kind it returns all.
func (l *Log[C]) Calls(kind string) []C {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []C
	for _, c := range l.calls {
		if kind == "" || l.kind(c) == kind {
			out = append(out, c)
		}
	}
	return out
}

// Until blocks until done reports true, asking it again after every Record
// and Notify.
func (l *Log[C]) Until(ctx context.Context, done func() bool) error {
	for {
		// The channel is taken before done is asked, so that a change
		// between the two still wakes this wait.
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if done() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Wait blocks until at least n calls of a kind have been recorded, and
// returns them.
func (l *Log[C]) Wait(ctx context.Context, kind string, n int) ([]C, error) {
	var calls []C
	err := l.Until(ctx, func() bool {
		calls = l.Calls(kind)
		return len(calls) >= n
	})
	if err != nil {
		return calls, fmt.Errorf("%s: waiting for %d %s calls, got %d: %w", l.fake, n, kind, len(calls), err)
	}
	return calls, nil
}

// WaitCalls is Wait for tests: it fails the test if the calls do not come
// within WaitTimeout. Call it from the test's goroutine.
func (l *Log[C]) WaitCalls(t testing.TB, kind string, n int) []C {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	calls, err := l.Wait(ctx, kind, n)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}
