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

// digests plans the subscriptions' next runs, records a delivery and its
// job for each digest due, each once however many replicas look at the
// same time, and sends them. A digest more than DigestGrace late is
// skipped.
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
	_, err := s.st.PlanDueDigests(ctx, sc.ids, now, 50, func(d store.DigestSubscription, after time.Time) time.Time {
		next, err := d.Cron().Next(after)
		if err != nil {
			return after.AddDate(0, 0, 1)
		}
		return next
	})
	if err != nil {
		return err
	}
	return s.workJobs(ctx, sc, s.digestJobs())
}

// digestJobs send scheduled digests.
func (s *Scheduler) digestJobs() jobKind {
	return jobKind{name: store.JobDigest, kind: Digest, work: s.sendDigest,
		ended: func(ctx context.Context, tx *store.Store, j store.Job, at time.Time, note string) error {
			var args store.DigestJob
			if err := j.Decode(&args); err != nil {
				return err
			}
			dl, _, err := tx.DigestDeliveryByID(ctx, j.WorkspaceID, args.Delivery)
			if errors.Is(err, okr.ErrNotFound) && dl.ID == 0 {
				return nil
			}
			return tx.FinishDigest(ctx, dl, at, note == "sent", note)
		}}
}

func (s *Scheduler) sendDigest(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	var args store.DigestJob
	if err := j.Decode(&args); err != nil {
		return Failed, "", err
	}
	dl, sub, err := s.st.DigestDeliveryByID(ctx, j.WorkspaceID, args.Delivery)
	if errors.Is(err, okr.ErrNotFound) {
		return Skipped, "unsubscribed", nil
	}
	if err != nil {
		return Failed, "", err
	}
	log := s.log.With("subscription", sub.ID, "occurrence", dl.Occurrence, "channel", sub.Channel)
	if late := s.now().Sub(dl.Occurrence); late > s.cfg.DigestGrace {
		log.WarnContext(ctx, "digest skipped: too late", "late", late)
		return Skipped, fmt.Sprintf("skipped: %s late", late.Round(time.Minute)), nil
	}
	msg, err := s.cmds.DigestFor(ctx, sub)
	if err != nil {
		return Failed, "", err
	}
	to, err := s.address(ctx, sc, sub.WorkspaceID, bot.Channel, sub.Channel)
	if err != nil {
		return Failed, "", err
	}
	if _, err := s.postOnce(ctx, to, *msg); err != nil {
		return Failed, "", err
	}
	return Sent, "sent", nil
}

// stale looks for KPIs gone stale every StaleEvery, and records an alert
// for each.
func (s *Scheduler) stale(ctx context.Context, sc scope) error {
	if !s.every(&s.lastStale, s.cfg.StaleEvery) {
		return nil
	}
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
