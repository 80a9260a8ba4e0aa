package reminders

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// sourceLease is how long a process has to fetch a KPI source it claimed:
// more than a fetch's timeout.
const sourceLease = 2 * time.Minute

// sources fetches the KPI sources that are due, each once a period however
// many replicas look at the same time (store.ClaimDueSources), records
// what they return, and tells owners once that a source fails and once
// that it works again.
func (s *Scheduler) sources(ctx context.Context, sc scope) error {
	for ctx.Err() == nil {
		// A few at a time: a source is claimed just before it is fetched.
		claimed, err := s.st.ClaimDueSources(ctx, sc.ids, s.now(), sourceLease, min(s.cfg.Batch, 2*s.cfg.Workers))
		if err != nil {
			return err
		}
		if len(claimed) == 0 {
			break
		}
		var wg sync.WaitGroup
		lanes := make(lanes, s.cfg.Workers)
		for _, src := range claimed {
			lanes.take()
			wg.Go(func() {
				defer lanes.give()
				s.fetchSource(ctx, src)
			})
		}
		wg.Wait()
	}
	return s.workJobs(ctx, sc, s.sourceNoticeJobs())
}

func (s *Scheduler) fetchSource(ctx context.Context, src store.KPISource) {
	log := s.log.With("kpi", src.KPIID, "source", src.Kind)
	v, fetchErr := s.cmds.FetchSource(ctx, src)
	if ctx.Err() != nil {
		return // stopping: the source waits for its next period
	}
	f, err := s.cmds.RecordFetch(ctx, src, s.now(), v, fetchErr)
	switch {
	case store.IsSourceChanged(err):
		log.InfoContext(ctx, "KPI source changed while it was fetched; result dropped")
	case err != nil:
		log.ErrorContext(ctx, "record KPI source fetch", "err", err)
	case fetchErr != nil:
		log.WarnContext(ctx, "KPI source failed", "err", fetchErr.Error(), "failures", f.Source.Failures, "next", f.Source.NextFetchAt)
	default:
		log.InfoContext(ctx, "KPI source fetched", "recorded", f.Recorded)
	}
}

// sourceNoticeJobs tell KPI owners what their sources did: one message
// when a source starts failing, one when it works again. The fetch that
// decided a notice inserted its job.
func (s *Scheduler) sourceNoticeJobs() jobKind {
	return jobKind{name: store.JobSourceNotice, kind: Source, work: s.sendSourceNotice}
}

func (s *Scheduler) sendSourceNotice(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	var args store.SourceNoticeJob
	if err := j.Decode(&args); err != nil {
		return "", "", err
	}
	src, err := s.st.KPISourceByID(ctx, j.WorkspaceID, args.Source)
	if errors.Is(err, okr.ErrNotFound) {
		return Skipped, "the source was turned off", nil
	}
	if err != nil {
		return "", "", err
	}
	src.Notice, src.LastError = args.Notice, args.Error
	u, msg, err := s.cmds.SourceNotice(ctx, src)
	if err != nil {
		return "", "", err
	}
	if msg == nil {
		return Skipped, "the KPI is gone or archived", nil
	}
	to, err := s.address(ctx, sc, j.WorkspaceID, bot.DirectChat, u.PlatformID)
	if err != nil {
		return "", "", err
	}
	if _, err := s.postOnce(ctx, to, *msg); err != nil {
		return "", "", err
	}
	return Sent, "sent", nil
}
