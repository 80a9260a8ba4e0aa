package reminders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

const (
	// digestLease is how long a process has to send a digest it claimed
	// before another may take it over.
	digestLease = 2 * time.Minute
	// digestAttempts is how often a digest is tried before it is given up.
	digestAttempts = 5
)

// digests plans the subscriptions' next runs and sends the digests that are
// due, each once however many replicas look at the same time. A digest more
// than DigestGrace late is skipped; one that fails to send is tried again
// after its lease, up to digestAttempts times.
func (s *Scheduler) digests(ctx context.Context, sc scope) error {
	now := s.now()
	for {
		subs, err := s.st.DigestsToPlan(ctx, sc.ids, 100)
		if err != nil {
			return err
		}
		for _, d := range subs {
			next, err := d.Cron().Next(now)
			if err != nil {
				// Checked when subscribed; a schedule that no longer parses
				// (a time zone removed from the system) waits a day.
				s.log.ErrorContext(ctx, "digest schedule", "subscription", d.ID, "err", err)
				next = now.AddDate(0, 0, 1)
			}
			if err := s.st.PlanDigest(ctx, d.ID, next); err != nil {
				return err
			}
		}
		if len(subs) < 100 {
			break
		}
	}
	claimed, err := s.st.ClaimDigests(ctx, sc.ids, now, digestLease, 50, func(d store.DigestSubscription, after time.Time) time.Time {
		next, err := d.Cron().Next(after)
		if err != nil {
			return after.AddDate(0, 0, 1)
		}
		return next
	})
	if err != nil {
		return err
	}
	for _, c := range claimed {
		if ctx.Err() != nil {
			break
		}
		s.sendDigest(ctx, sc, c, now)
	}
	return nil
}

func (s *Scheduler) sendDigest(ctx context.Context, sc scope, c store.ClaimedDigest, now time.Time) {
	dl, sub := c.Delivery, c.Subscription
	log := s.log.With("subscription", sub.ID, "occurrence", dl.Occurrence, "channel", sub.Channel)
	finish := func(sent bool, note string) {
		if err := s.st.FinishDigest(ctx, dl, s.now(), sent, note); err != nil {
			log.ErrorContext(ctx, "record digest", "err", err)
		}
	}
	if late := now.Sub(dl.Occurrence); late > s.cfg.DigestGrace {
		log.WarnContext(ctx, "digest skipped: too late", "late", late)
		s.count(Digest, Skipped)
		finish(false, fmt.Sprintf("skipped: %s late", late.Round(time.Minute)))
		return
	}
	msg, err := s.cmds.DigestFor(ctx, sub)
	var to bot.Address
	if err == nil {
		to, err = s.address(ctx, sc, sub.WorkspaceID, bot.Channel, sub.Channel)
	}
	if err == nil {
		_, err = s.post(ctx, now.Add(digestLease/2), Digest, to, *msg)
	}
	if ctx.Err() == nil {
		s.outcome(Digest, err)
	}
	switch kind, _ := failureOf(err); {
	case err == nil:
		finish(true, "sent")
	case ctx.Err() != nil:
	case kind == bot.Gone:
		log.ErrorContext(ctx, "digest not sent: okrbot cannot post in its channel", "err", err)
		finish(false, "failed: "+err.Error())
	case dl.Attempts >= digestAttempts:
		log.ErrorContext(ctx, "digest given up", "attempts", dl.Attempts, "err", err)
		finish(false, "failed: "+err.Error())
	default:
		// The lease runs out and a later tick tries again.
		log.WarnContext(ctx, "digest not sent; will retry", "attempts", dl.Attempts, "err", err)
	}
}

// stale looks for KPIs gone stale every StaleEvery, and records an alert
// for each.
func (s *Scheduler) stale(ctx context.Context, sc scope) error {
	now := s.now()
	if now.Sub(s.lastStale) < s.cfg.StaleEvery {
		return nil
	}
	s.lastStale = now
	n, err := s.cmds.CheckStaleKPIs(ctx, sc.ids)
	if n > 0 {
		s.log.InfoContext(ctx, "KPIs went stale", "count", n)
	}
	return err
}

// alertJobs sends KPI alerts: each is a job inserted with the change that
// causes it.
func (s *Scheduler) alertJobs() jobKind {
	return jobKind{name: store.JobKPIAlert, kind: Alert, work: s.sendAlert,
		ended: func(ctx context.Context, tx *store.Store, j store.Job, at time.Time, note string) error {
			var args store.AlertJob
			if err := j.Decode(&args); err != nil {
				return err
			}
			return tx.FinishKPIAlert(ctx, args.Alert, at, note)
		}}
}

// alerts sends the KPI alerts that are due.
func (s *Scheduler) alerts(ctx context.Context, sc scope) error {
	return s.workJobs(ctx, sc, s.alertJobs())
}

func (s *Scheduler) sendAlert(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	var args store.AlertJob
	if err := j.Decode(&args); err != nil {
		return Failed, "", err
	}
	a, err := s.st.KPIAlertByID(ctx, j.WorkspaceID, args.Alert)
	if errors.Is(err, okr.ErrNotFound) {
		return Skipped, "the alert is gone", nil
	}
	if err != nil {
		return Failed, "", err
	}
	log := s.log.With("alert", a.ID, "kpi", a.KPIID, "to", a.To)
	if late := s.now().Sub(a.CreatedAt); late > s.cfg.Grace {
		// Hours after the change (okrbot was down, or uninstalled and
		// installed again), the alert would announce old news as new: the
		// KPI may well have changed since. The digest shows where it is.
		log.WarnContext(ctx, "KPI alert not sent: too late", "late", late.Round(time.Minute))
		return Skipped, "too late", nil
	}
	to, msg, err := s.cmds.KPIAlert(ctx, a)
	if err != nil {
		return Failed, "", err
	}
	if msg == nil {
		log.InfoContext(ctx, "KPI alert not sent: no alert channel", "workspace", sc.ws[a.WorkspaceID].TeamID)
		return Skipped, "no alert channel", nil
	}
	if _, err := s.postOnce(ctx, to, *msg); err != nil {
		return Failed, "", err
	}
	return Sent, "sent", nil
}
