package bot

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Busy is what a person is told when okrbot has more work than it can
// take: their request was not handled.
const Busy = "okrbot is busy right now and could not handle that. Please try again in a minute."

// BusyMessage is the reply that says Busy.
func BusyMessage() Message { return Message{Summary: T(Busy)} }

// Queue runs the work that follows acks (handlers and the delivery of
// their replies) on a bounded number of workers, with a bounded number of
// pieces waiting for one. Under a burst, requests wait their turn instead
// of all running at once and slowing each other down; beyond what it can
// hold, the queue refuses work, and the person is told at once that
// okrbot is busy instead of waiting in silence. One Queue is shared by
// every platform okrbot serves, as they share the machine. It is safe for
// concurrent use.
type Queue struct {
	accepted chan struct{} // a place for each piece accepted and not finished
	running  chan struct{} // a place for each piece running
	replies  chan struct{} // a place for each busy reply being sent
	inflight sync.WaitGroup
	backlogs sync.Map // platform → *atomic.Int64: its requests accepted and not finished
}

const (
	// afterAckTimeout bounds the work done after an ack: the handler and
	// the delivery of its reply.
	afterAckTimeout = time.Minute
	// busyTimeout bounds the delivery of a busy reply, which must not hold
	// its place for long while okrbot is overloaded.
	busyTimeout = 10 * time.Second
)

// DefaultWorkers is how many pieces of work run at once unless told
// otherwise: most of a piece's time is spent waiting for the database and
// for the platform's answer, not on a CPU, so there are many per CPU.
func DefaultWorkers() int { return 64 * runtime.GOMAXPROCS(0) }

// DefaultQueue is how many pieces of work wait for a worker at most
// unless told otherwise: a few each, so that a wave is absorbed while the
// wait stays in seconds.
func DefaultQueue(workers int) int { return 4 * workers }

// NewQueue returns a queue that runs at most workers pieces of work at
// once and holds at most waiting more.
func NewQueue(workers, waiting int) *Queue {
	workers = max(workers, 1)
	waiting = max(waiting, 0)
	return &Queue{
		accepted: make(chan struct{}, workers+waiting),
		running:  make(chan struct{}, workers),
		// Telling people okrbot is busy is a short call each; bounding it
		// too keeps a flood from turning into a flood of goroutines.
		replies: make(chan struct{}, workers),
	}
}

// NewDefaultQueue returns a queue of DefaultWorkers workers and
// DefaultQueue places to wait.
func NewDefaultQueue() *Queue {
	workers := DefaultWorkers()
	return NewQueue(workers, DefaultQueue(workers))
}

// Accept takes a place for one request's work, to be handed over with
// RunAccepted; it is false, and nothing is
// taken, when the queue is full.
func (q *Queue) Accept() bool {
	select {
	case q.accepted <- struct{}{}:
		q.inflight.Add(1)
		return true
	default:
		return false
	}
}

// release gives back a place Accept took, for work that turned out to
// have nothing to do after all.
func (q *Queue) release() {
	<-q.accepted
	q.inflight.Done()
}

// Later runs the part of a request that follows its ack (work) in the
// queue, or, when the queue is full, busy, which tells the person that
// okrbot is busy. Either runs detached from the request's cancellation
// but with its values (its id for the logs), within a time limit; a panic
// is logged and fails the request. It ends the request's Track. A nil
// work ends it at once.
func (q *Queue) Later(ctx context.Context, t *Track, log *slog.Logger, work, busy func(context.Context)) {
	if work == nil {
		t.Done(false)
		return
	}
	if !q.Accept() {
		q.TellBusy(ctx, t, log, busy)
		return
	}
	q.RunAccepted(ctx, t, log, work)
}

// RunAccepted is Later for a request whose place Accept took before its
// ack (because its handler had to run before the ack). A nil work gives
// the place back and ends the request.
func (q *Queue) RunAccepted(ctx context.Context, t *Track, log *slog.Logger, work func(context.Context)) {
	if work == nil {
		q.release()
		t.Done(false)
		return
	}
	ctx = context.WithoutCancel(ctx)
	backlog := q.backlog(t.platform)
	backlog.Add(1)
	go func() {
		defer q.inflight.Done()
		defer func() { <-q.accepted }()
		q.running <- struct{}{}
		defer func() { <-q.running }()
		defer backlog.Add(-1)
		defer t.Done(true)
		defer failOnPanic(t, log)
		ctx, cancel := context.WithTimeout(ctx, afterAckTimeout)
		defer cancel()
		work(ctx)
	}()
}

// TellBusy marks a request the queue had no room for and runs busy, which
// tells its person that okrbot is busy, beside the queue's work, with its
// own bound, as Later runs work. A nil busy only marks the request (for
// one that nobody waits an answer to, such as a tab opened). It ends the
// request's Track.
func (q *Queue) TellBusy(ctx context.Context, t *Track, log *slog.Logger, busy func(context.Context)) {
	q.NoRoom(t, log)
	if busy == nil {
		t.Done(false)
		return
	}
	ctx = context.WithoutCancel(ctx)
	select {
	case q.replies <- struct{}{}:
	default:
		t.Fail()
		log.Error("okrbot is too busy to say so; request dropped")
		t.Done(false)
		return
	}
	q.inflight.Add(1)
	go func() {
		defer q.inflight.Done()
		defer func() { <-q.replies }()
		defer t.Done(true)
		defer failOnPanic(t, log)
		ctx, cancel := context.WithTimeout(ctx, busyTimeout)
		defer cancel()
		busy(ctx)
	}()
}

// failOnPanic, deferred, turns a panic of work after an ack into a failed
// request instead of a crashed process.
func failOnPanic(t *Track, log *slog.Logger) {
	if p := recover(); p != nil {
		t.Fail()
		log.Error("panic after ack", "panic", p, "stack", string(debug.Stack()))
	}
}

// NoRoom marks a request the queue had no room for, whose person is told
// that okrbot is busy in its ack.
func (q *Queue) NoRoom(t *Track, log *slog.Logger) {
	t.Busy()
	log.Warn("okrbot is busy; request not handled", "backlog", len(q.accepted))
}

func (q *Queue) backlog(platform string) *atomic.Int64 {
	if n, ok := q.backlogs.Load(platform); ok {
		return n.(*atomic.Int64)
	}
	n, _ := q.backlogs.LoadOrStore(platform, new(atomic.Int64))
	return n.(*atomic.Int64)
}

// Backlog is how many requests of a platform were accepted and are not
// finished: running or waiting for a worker.
func (q *Queue) Backlog(platform string) int { return int(q.backlog(platform).Load()) }

// Drain waits until every piece of work accepted, and every busy reply,
// has finished, or ctx is done. Call it after the platforms stopped
// taking requests, so that a shutdown does not drop replies.
func (q *Queue) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		q.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
