package fakecalls_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/okrbot/okrbot/internal/fakecalls"
)

type call struct{ op, text string }

func newLog() *fakecalls.Log[call] {
	return fakecalls.New("fake", func(c call) string { return c.op })
}

func TestWaitReturnsTheCallsOfItsKindOnceEnoughCame(t *testing.T) {
	log := newLog()
	got := make(chan []call)
	go func() {
		calls, _ := log.Wait(context.Background(), "send", 2)
		got <- calls
	}()
	log.Record(call{"send", "one"})
	log.Record(call{"token", ""})
	log.Record(call{"send", "two"})
	if calls := <-got; len(calls) != 2 || calls[0].text != "one" || calls[1].text != "two" {
		t.Fatalf("Wait returned %v, want the two sends in order", calls)
	}
	if all := log.Calls(""); len(all) != 3 {
		t.Fatalf("Calls(\"\") returned %d calls, want all 3", len(all))
	}
}

func TestWaitSaysWhatItWaitedFor(t *testing.T) {
	log := newLog()
	log.Record(call{"send", "one"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls, err := log.Wait(ctx, "send", 2)
	if want := "fake: waiting for 2 send calls, got 1: context canceled"; err == nil || err.Error() != want || len(calls) != 1 {
		t.Fatalf("Wait = %v, %v; want the one call and %q", calls, err, want)
	}
}

func TestUntilIsWokenByNotify(t *testing.T) {
	log := newLog()
	var ready atomic.Bool
	done := make(chan error)
	go func() { done <- log.Until(context.Background(), ready.Load) }()
	ready.Store(true)
	log.Notify()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
