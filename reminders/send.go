package reminders

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// sendError is a failure of okrbot's own, classified as a platform's
// would be.
type sendError struct {
	kind bot.Failure
	err  error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// failureOf classifies err: a sendError's kind, and else what the adapter
// said (with the wait a rate limit asked for).
func failureOf(err error) (bot.Failure, time.Duration) {
	if se, ok := errors.AsType[*sendError](err); ok {
		return se.kind, 0
	}
	return bot.FailureOf(err)
}

// pacer spaces messages evenly: at most one every interval, for the whole
// process.
type pacer struct {
	mu       sync.Mutex
	next     time.Time
	interval time.Duration
}

// reserve returns when the caller may send, and books that slot.
func (p *pacer) reserve(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.next
	if t.Before(now) {
		t = now
	}
	p.next = t.Add(p.interval)
	return t
}

// postOnce sends msg to `to` once, at the process's pace, opening the
// conversation first when the Sender must: a failure is the job engine's
// to retry. What the Sender learnt about reaching `to` is kept.
func (s *Scheduler) postOnce(ctx context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	if o, ok := s.sender.(bot.Opener); ok {
		if err := o.Open(ctx, to); err != nil {
			return bot.MessageRef{}, err
		}
	}
	var ref bot.MessageRef
	err := s.once(ctx, func() error {
		var err error
		ref, err = s.sender.Send(ctx, to, msg)
		return err
	})
	if err == nil && ref.Address.Ref != to.Ref {
		if err := s.cmds.Remember(ctx, ref.Address); err != nil {
			s.log.WarnContext(ctx, "remember conversation", "to", to.ID, "err", err)
		}
	}
	return ref, err
}

// once calls fn when the process's pace allows.
func (s *Scheduler) once(ctx context.Context, fn func() error) error {
	now := s.now()
	if at := s.pace.reserve(now); at.After(now) {
		if err := s.sleep(ctx, at.Sub(now)); err != nil {
			return err
		}
	}
	return fn()
}

// lanes are the messages allowed in flight at once, each holding one. A
// job that waits before trying again gives its lane back meanwhile.
type lanes chan struct{}

func (l lanes) give() {
	if l != nil {
		<-l
	}
}

// take waits for a lane. It ignores cancellation: the lanes held by others
// come free as their work ends.
func (l lanes) take() {
	if l != nil {
		l <- struct{}{}
	}
}

// sleep waits for d on the scheduler's clock, or until ctx ends.
func (s *Scheduler) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.after(d):
		return nil
	}
}
