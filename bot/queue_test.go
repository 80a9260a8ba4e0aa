package bot_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// outcomes is a bot.Observer that counts how requests ended.
type outcomes struct {
	mu sync.Mutex
	n  map[bot.Outcome]int
}

func (o *outcomes) Acked(string, bot.RequestKind, time.Duration) {}
func (o *outcomes) Called(string, string, error)                 {}
func (o *outcomes) Done(_ string, _ bot.RequestKind, outcome bot.Outcome, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[outcome]++
}

func (o *outcomes) count(outcome bot.Outcome) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[outcome]
}

var discard = slog.New(slog.DiscardHandler)

func TestQueueRunsAtMostItsWorkersAndTellsTheRestOkrbotIsBusy(t *testing.T) {
	obs := &outcomes{n: map[bot.Outcome]int{}}
	q := bot.NewQueue(2, 1)
	release := make(chan struct{})
	started := make(chan int, 3)
	told := make(chan int, 2)
	later := func(i int) {
		q.Later(context.Background(), bot.NewTrack(obs, "slack", bot.KindCommand), discard,
			func(context.Context) { started <- i; <-release },
			func(context.Context) { told <- i })
	}
	for i := range 5 {
		later(i)
	}
	<-started
	<-started
	if a, b := <-told, <-told; a+b != 3+4 {
		t.Errorf("told %d and %d that okrbot is busy, want the two beyond the queue's room, 3 and 4", a, b)
	}
	select {
	case i := <-started:
		t.Errorf("request %d ran while both workers were busy", i)
	default:
	}
	if n := q.Backlog("slack"); n != 3 {
		t.Errorf("backlog = %d, want 3 (two running, one waiting)", n)
	}

	close(release)
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(started); n != 1 {
		t.Fatalf("%d waiting requests ran once the workers were free, want 1", n)
	}
	<-started
	if ok, busy := obs.count(bot.OutcomeOK), obs.count(bot.OutcomeBusy); ok != 3 || busy != 2 {
		t.Errorf("outcomes: %d ok, %d busy; want 3 and 2", ok, busy)
	}
	if n := q.Backlog("slack"); n != 0 {
		t.Errorf("backlog after drain = %d", n)
	}

	later(5)
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if i := <-started; i != 5 {
		t.Errorf("after the burst, request %d ran, want 5", i)
	}
}

func TestAPanicAfterTheAckFailsTheRequestOnly(t *testing.T) {
	obs := &outcomes{n: map[bot.Outcome]int{}}
	q := bot.NewQueue(1, 0)
	q.Later(context.Background(), bot.NewTrack(obs, "teams", bot.KindAction), discard,
		func(context.Context) { panic("boom") }, nil)
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := obs.count(bot.OutcomeFailed); n != 1 {
		t.Errorf("%d failed requests, want 1", n)
	}
	if !q.Accept() {
		t.Fatal("the panic kept its worker's place")
	}
	q.RunAccepted(context.Background(), bot.NewTrack(obs, "teams", bot.KindAction), discard, nil)
	if !q.Accept() {
		t.Fatal("a request with nothing to do after its ack kept its place")
	}
}

func TestDrainStopsWaitingWhenTold(t *testing.T) {
	q := bot.NewQueue(1, 0)
	release := make(chan struct{})
	defer close(release)
	q.Later(context.Background(), bot.NewTrack(nil, "slack", bot.KindCommand), discard,
		func(context.Context) { <-release }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Drain(ctx); err == nil {
		t.Error("drain returned nil with work still running")
	}
}
