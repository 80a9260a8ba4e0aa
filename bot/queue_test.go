package bot_test

import (
	"context"
	"testing"

	"github.com/okrbot/okrbot/bot"
)

func TestQueueRunsAtMostItsWorkersAndHoldsAtMostItsRoom(t *testing.T) {
	q := bot.NewQueue(2, 1)
	release := make(chan struct{})
	started := make(chan int, 3)
	for i := range 3 {
		if !q.Accept() {
			t.Fatalf("piece %d refused with room left", i)
		}
		q.Run(func() { started <- i; <-release })
	}
	if q.Accept() {
		t.Error("accepted a fourth piece into a queue of two workers and one place")
	}
	<-started
	<-started
	select {
	case i := <-started:
		t.Errorf("piece %d ran while two workers were busy", i)
	default:
	}
	if n := q.Backlog(); n != 3 {
		t.Errorf("backlog = %d, want 3", n)
	}
	if !q.TellBusy(func() {}) {
		t.Error("busy reply refused")
	}

	close(release)
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(started); n != 1 {
		t.Errorf("%d waiting pieces ran after the workers were free, want 1", n)
	}
	if n := q.Backlog(); n != 0 {
		t.Errorf("backlog after drain = %d", n)
	}
	if !q.Accept() {
		t.Fatal("a drained queue refused work")
	}
	q.Release()
	if n := q.Backlog(); n != 0 {
		t.Errorf("backlog after release = %d", n)
	}
}

func TestDrainStopsWaitingWhenTold(t *testing.T) {
	q := bot.NewQueue(1, 0)
	release := make(chan struct{})
	defer close(release)
	q.Accept()
	q.Run(func() { <-release })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Drain(ctx); err == nil {
		t.Error("drain returned nil with work still running")
	}
}
