package reminders

import (
	"context"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
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
	return s.sourceNotices(ctx, sc)
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

// sourceNotices tells KPI owners what their sources did: one message when
// a source starts failing, one when it works again.
func (s *Scheduler) sourceNotices(ctx context.Context, sc scope) error {
	ns, err := s.st.ClaimSourceNotices(ctx, sc.ids, s.cfg.Batch)
	if err != nil {
		return err
	}
	for _, src := range ns {
		if ctx.Err() != nil {
			break
		}
		log := s.log.With("kpi", src.KPIID, "notice", src.Notice)
		u, msg, err := s.cmds.SourceNotice(ctx, src)
		if err == nil && msg == nil {
			continue
		}
		var to bot.Address
		if err == nil {
			to, err = s.address(ctx, sc, src.WorkspaceID, bot.DirectChat, u.PlatformID)
		}
		if err == nil {
			_, err = s.postOnce(ctx, to, *msg)
		}
		if ctx.Err() == nil {
			s.outcome(Source, err)
		}
		switch kind, _ := failureOf(err); {
		case err == nil:
		case kind != bot.Temporary && kind != bot.RateLimited:
			log.WarnContext(ctx, "KPI source notice not sent; /kpi show still shows the source failing", "err", err)
		default:
			log.WarnContext(ctx, "KPI source notice not sent; will retry", "err", err)
			if err := s.st.ReturnSourceNotice(ctx, src); err != nil {
				log.ErrorContext(ctx, "hand back KPI source notice", "err", err)
			}
		}
	}
	return nil
}
