package bot

import (
	"context"
	"runtime"
	"sync"
)

// Busy is what a person is told when okrbot has more work than it can
// take: their request was not handled.
const Busy = "okrbot is busy right now and could not handle that. Please try again in a minute."

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
}

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

// Accept takes a place for one piece of work, to be handed over with Run;
// it is false, and nothing is taken, when the queue is full.
func (q *Queue) Accept() bool {
	select {
	case q.accepted <- struct{}{}:
		q.inflight.Add(1)
		return true
	default:
		return false
	}
}

// Run runs work, in the place Accept took for it, as soon as a worker is
// free.
func (q *Queue) Run(work func()) {
	go func() {
		defer q.inflight.Done()
		defer func() { <-q.accepted }()
		q.running <- struct{}{}
		defer func() { <-q.running }()
		work()
	}()
}

// Release gives back a place Accept took, for work that turned out to
// have nothing to do after all.
func (q *Queue) Release() {
	<-q.accepted
	q.inflight.Done()
}

// TellBusy runs reply, which tells a person whose work the queue refused
// that okrbot is busy, beside the queue's work and with its own bound. It
// is false, and reply is dropped, when that bound is reached too.
func (q *Queue) TellBusy(reply func()) bool {
	select {
	case q.replies <- struct{}{}:
	default:
		return false
	}
	q.inflight.Add(1)
	go func() {
		defer q.inflight.Done()
		defer func() { <-q.replies }()
		reply()
	}()
	return true
}

// Backlog is how many pieces of work were accepted and are not finished:
// running or waiting for a worker.
func (q *Queue) Backlog() int { return len(q.accepted) }

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
