package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/okrbot/okrbot/store"
)

// Scheduled digests.
const (
	// DigestGrace is how late a digest may still go out, after a restart or
	// an outage; a later one is skipped: yesterday's digest is not news.
	DigestGrace = 6 * time.Hour
	// digestLease is how long a process has to send a digest it claimed
	// before another may take it over.
	digestLease = 2 * time.Minute
	// digestAttempts is how often a digest is tried before it is given up.
	digestAttempts = 5
)

// RunDigests plans the subscriptions' next runs and sends the digests that
// are due, each once however many replicas call it at the same time. The
// reminders scheduler calls it on every tick. A digest more than DigestGrace
// late is skipped; one that fails to send is tried again after a lease of
// two minutes, up to five times. It returns how many digests it sent.
func (s *Service) RunDigests(ctx context.Context) (int, error) {
	now := s.now()
	for {
		subs, err := s.store.DigestsToPlan(ctx, 100)
		if err != nil {
			return 0, err
		}
		for _, d := range subs {
			next, err := NextDigestRun(d, now)
			if err != nil {
				// Checked when subscribed; a schedule that no longer parses
				// (a time zone removed from the system) waits a day.
				s.log.ErrorContext(ctx, "digest schedule", "subscription", d.ID, "err", err)
				next = now.AddDate(0, 0, 1)
			}
			if err := s.store.PlanDigest(ctx, d.ID, next); err != nil {
				return 0, err
			}
		}
		if len(subs) < 100 {
			break
		}
	}
	claimed, err := s.store.ClaimDigests(ctx, s.platformsWithPosters(), now, digestLease, 50, func(d store.DigestSubscription, after time.Time) time.Time {
		next, err := NextDigestRun(d, after)
		if err != nil {
			return after.AddDate(0, 0, 1)
		}
		return next
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, c := range claimed {
		ok, err := s.sendDigest(ctx, c, now)
		if ok {
			sent++
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return sent, errors.Join(errs...)
}

func (s *Service) sendDigest(ctx context.Context, c store.ClaimedDigest, now time.Time) (bool, error) {
	dl, sub := c.Delivery, c.Subscription
	if late := now.Sub(dl.Occurrence); late > DigestGrace {
		s.log.WarnContext(ctx, "digest skipped: too late", "subscription", sub.ID, "occurrence", dl.Occurrence, "late", late)
		return false, s.store.FinishDigest(ctx, dl, now, false, fmt.Sprintf("skipped: %s late", late.Round(time.Minute)))
	}
	p := s.poster(c.Platform)
	if p == nil {
		return false, fmt.Errorf("digest due but no poster for platform %q", c.Platform)
	}
	msg, err := s.DigestFor(ctx, sub)
	if err == nil {
		_, err = p.Post(ctx, sub.Channel, "", *msg)
	}
	if err != nil {
		if dl.Attempts >= digestAttempts {
			s.log.ErrorContext(ctx, "digest given up", "subscription", sub.ID, "channel", sub.Channel, "attempts", dl.Attempts, "err", err)
			return false, s.store.FinishDigest(ctx, dl, now, false, "failed: "+err.Error())
		}
		// The lease runs out and the next tick tries again.
		return false, fmt.Errorf("send digest %d to %s (attempt %d): %w", sub.ID, sub.Channel, dl.Attempts, err)
	}
	return true, s.store.FinishDigest(ctx, dl, now, true, "sent")
}
