package reminders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// sendError is a send that did not succeed, classified.
type sendError struct {
	kind bot.Failure
	// wait is how long to wait before trying again, for Temporary and
	// RateLimited errors handed back because the lease would run out.
	wait time.Duration
	err  error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// failureOf classifies the result of do: a sendError's kind, and else what
// the adapter said.
func failureOf(err error) (bot.Failure, time.Duration) {
	if se, ok := errors.AsType[*sendError](err); ok {
		return se.kind, se.wait
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

const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// backoff is the wait before retry number attempt (from 0) of a temporary
// failure: 1s, 2s, 4s, … up to a minute.
func backoff(attempt int) time.Duration {
	d := minBackoff << min(attempt, 6)
	return min(d, maxBackoff)
}

// post sends msg to `to` at the process's pace, as do does. A conversation
// the Sender must open first (a person's direct chat on Slack) is opened
// before, retried the same way but not paced: it is not a message, and
// a rate-limited open would otherwise spend a message's turn. What the
// Sender learnt about reaching `to` is kept for the next message, which
// then needs no opening, even from another process or after a restart.
func (s *Scheduler) post(ctx context.Context, deadline time.Time, what Kind, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	if o, ok := s.sender.(bot.Opener); ok {
		if err := s.retry(ctx, deadline, what, nil, func() error { return o.Open(ctx, to) }); err != nil {
			return bot.MessageRef{}, err
		}
	}
	var ref bot.MessageRef
	err := s.do(ctx, deadline, what, func() error {
		var err error
		ref, err = s.sender.Send(ctx, to, msg)
		return err
	})
	if err == nil && ref.Address.Ref != to.Ref {
		if err := s.cmds.Remember(ctx, ref.Address); err != nil {
			s.log.WarnContext(ctx, "remember conversation", "what", what, "to", to.ID, "err", err)
		}
	}
	return ref, err
}

// do calls fn at the process's pace until it succeeds, retrying rate limits
// after the wait asked for and temporary failures with backoff. It hands
// back a *sendError instead of waiting past deadline (the end of the lease
// on the work), so that the work is released and retried later rather than
// sent twice by another replica.
func (s *Scheduler) do(ctx context.Context, deadline time.Time, what Kind, fn func() error) error {
	return s.retry(ctx, deadline, what, s.pace, fn)
}

// retry is do, with each try first waiting its turn at pace unless pace is
// nil.
func (s *Scheduler) retry(ctx context.Context, deadline time.Time, what Kind, pace *pacer, fn func() error) error {
	for attempt := 0; ; attempt++ {
		if pace != nil {
			now := s.now()
			if at := pace.reserve(now); at.After(now) {
				if err := s.sleep(ctx, at.Sub(now)); err != nil {
					return err
				}
			}
		}
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		kind, retryAfter := bot.FailureOf(err)
		var wait time.Duration
		switch kind {
		case bot.RateLimited:
			wait = max(retryAfter, time.Second)
			s.count(what, RateLimited)
		case bot.Temporary:
			wait = backoff(attempt)
			s.count(what, Retried)
		default:
			return &sendError{kind: kind, err: err}
		}
		if s.now().Add(wait).After(deadline) {
			return &sendError{kind: kind, wait: wait, err: fmt.Errorf("%s: still failing when its lease ends: %w", what, err)}
		}
		s.log.DebugContext(ctx, "retrying", "what", what, "wait", wait, "err", err)
		l, _ := ctx.Value(lanesKey{}).(lanes)
		l.give()
		err = s.sleep(ctx, wait)
		l.take()
		if err != nil {
			return err
		}
	}
}

// lanes are the messages allowed in flight at once, each holding one. A
// message that waits before trying again gives its lane back meanwhile
// (retry finds the lanes in its context); nil lanes do nothing.
type lanes chan struct{}

type lanesKey struct{}

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
