package reminders

import (
	"context"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// gradingAttempts is how often a grading message that fails for a reason
// other than a busy platform is tried before it is given up.
const gradingAttempts = 5

// grading asks the owners of open objectives to grade them: once before
// their period ends and once after, if still open. Each message is
// recorded under its unique key (objective, step, occurrence) before it is
// sent, so replicas that see it due at once send it once, and is then
// leased to one process to send, like a KPI alert. Messages answered
// since (graded, carried over, Not now) are redrawn without their buttons.
func (s *Scheduler) grading(ctx context.Context, sc scope) error {
	if err := s.claimGrading(ctx, sc); err != nil {
		return err
	}
	if err := s.sendGradings(ctx, sc); err != nil {
		return err
	}
	return s.redrawGradings(ctx, sc)
}

// sendGradings sends the grading messages recorded and due.
func (s *Scheduler) sendGradings(ctx context.Context, sc scope) error {
	for ctx.Err() == nil {
		now := s.now()
		ds, err := s.st.ClaimGradingDeliveries(ctx, sc.ids, now, now.Add(s.cfg.Lease), s.cfg.Batch)
		if err != nil || len(ds) == 0 {
			return err
		}
		deadline := now.Add(s.cfg.Lease / 2)
		parallel(ctx, s.cfg.Workers, ds, func(ctx context.Context, d store.GradingDelivery) {
			s.sendGrading(ctx, sc, d, deadline)
		})
	}
	return ctx.Err()
}

// claimGrading records a delivery for each open objective whose grading
// prompt or reminder is due in its owner's time zone.
func (s *Scheduler) claimGrading(ctx context.Context, sc scope) error {
	now := s.now()
	def := s.cmds.ReminderDefaults()
	from, to := def.Grading.DueWindow(now)
	cands, err := s.st.GradingCandidates(ctx, sc.ids, from, to)
	if err != nil {
		return err
	}
	for _, c := range cands {
		loc, _ := okr.Location(c.OwnerTZ, def.TZ)
		step, occ := def.Grading.Due(c.Period, loc, okr.Active, now)
		if step == okr.NoGrading || step == okr.GradingPrompt && c.Prompted {
			continue
		}
		d := store.GradingDelivery{WorkspaceID: c.WorkspaceID, ObjectiveID: c.ObjectiveID, Step: step, Occurrence: occ,
			UserID: c.OwnerID, CreatedAt: now.UTC()}
		created, err := s.st.AddGradingDelivery(ctx, &d)
		if err != nil {
			return err
		}
		if !created {
			s.log.InfoContext(ctx, "grading message already claimed", "objective", c.ObjectiveID, "step", step, "occurrence", occ)
		}
	}
	return nil
}

func (s *Scheduler) sendGrading(ctx context.Context, sc scope, d store.GradingDelivery, deadline time.Time) {
	log := s.log.With("grading", d.ID, "objective", d.ObjectiveID, "step", d.Step)
	finish := func(note string) {
		if err := s.st.FinishGrading(ctx, d.ID, s.now(), note); err != nil {
			log.ErrorContext(ctx, "record grading message", "err", err)
		}
	}
	msg, u, err := s.cmds.GradingMessage(ctx, d)
	if err == nil && msg == nil {
		log.InfoContext(ctx, "grading message skipped: the objective is no longer open")
		finish("skipped: no longer open")
		s.count(Grading, Skipped)
		return
	}
	var to bot.Address
	if err == nil {
		to, err = s.address(ctx, sc, d.WorkspaceID, bot.DirectChat, u.PlatformID)
	}
	var ref bot.MessageRef
	if err == nil {
		ref, err = s.post(ctx, deadline, Grading, to, *msg)
	}
	if ctx.Err() != nil {
		return // the lease runs out and whoever claims it next sends it
	}
	s.outcome(Grading, err)
	switch kind, wait := failureOf(err); {
	case err == nil:
		if err := s.st.GradingSent(ctx, d.ID, s.now(), ref.Conversation, ref.ID); err != nil {
			log.ErrorContext(ctx, "record sent grading message", "err", err)
			return
		}
	case kind == bot.Gone || kind == bot.Unreachable:
		log.WarnContext(ctx, "grading message not sent: the owner is gone from their chat platform or okrbot is not installed for them", "err", err)
		finish("gone: " + err.Error())
	case kind == bot.Temporary || kind == bot.RateLimited:
		log.InfoContext(ctx, "grading message postponed: the platform is busy", "retry_in", wait, "err", err)
		s.retryGrading(ctx, d, wait)
	case d.Attempts >= gradingAttempts:
		log.ErrorContext(ctx, "grading message given up", "attempts", d.Attempts, "err", err)
		finish("failed: " + err.Error())
	default:
		log.ErrorContext(ctx, "grading message failed; will retry", "attempts", d.Attempts, "err", err)
		s.retryGrading(ctx, d, backoff(d.Attempts)*10)
	}
}

func (s *Scheduler) retryGrading(ctx context.Context, d store.GradingDelivery, wait time.Duration) {
	if err := s.st.RetryGrading(ctx, d.ID, s.now().Add(wait)); err != nil {
		s.log.ErrorContext(ctx, "release grading message", "grading", d.ID, "err", err)
	}
}

// redrawGradings redraws the sent grading messages whose objective was
// graded or carried over, or whose owner said Not now, as answered and
// without buttons, like answered check-in prompts: each is leased to one
// process, and a redraw that fails is retried with backoff, a bounded
// number of times.
func (s *Scheduler) redrawGradings(ctx context.Context, sc scope) error {
	for ctx.Err() == nil {
		now := s.now()
		ds, err := s.st.ClaimGradingRedraws(ctx, sc.ids, now, now.Add(s.cfg.Lease), s.cfg.Batch)
		if err != nil || len(ds) == 0 {
			return err
		}
		deadline := now.Add(s.cfg.Lease / 2)
		parallel(ctx, s.cfg.Workers, ds, func(ctx context.Context, d store.GradingDelivery) {
			s.redrawGrading(ctx, sc, d, deadline)
		})
	}
	return ctx.Err()
}

func (s *Scheduler) redrawGrading(ctx context.Context, sc scope, d store.GradingDelivery, deadline time.Time) {
	log := s.log.With("grading", d.ID, "objective", d.ObjectiveID)
	done := func() {
		if err := s.st.GradingRedrawn(ctx, d.ID); err != nil {
			log.ErrorContext(ctx, "record redrawn grading message", "err", err)
		}
	}
	msg, u, err := s.cmds.GradingAnswered(ctx, d)
	if err == nil && msg == nil {
		log.InfoContext(ctx, "grading message not redrawn: nothing answered it")
		s.count(GradingUpdate, Skipped)
		done()
		return
	}
	var to bot.Address
	if err == nil {
		to, err = s.address(ctx, sc, d.WorkspaceID, bot.DirectChat, u.PlatformID)
	}
	// refused is the platform refusing the update for good: the message
	// was deleted, or its owner left. An error of okrbot's own (reading
	// the objective, say) is retried like a busy platform.
	refused := false
	if err == nil {
		ref := bot.MessageRef{Address: to, Conversation: d.Conversation, ID: d.MessageID}
		err = s.do(ctx, deadline, GradingUpdate, func() error { return s.sender.Update(ctx, ref, *msg) })
		kind, _ := failureOf(err)
		refused = err != nil && (kind == bot.Permanent || kind == bot.Gone)
	}
	if ctx.Err() != nil {
		return // stopping: the lease runs out and the redraw is done after the restart
	}
	s.outcome(GradingUpdate, err)
	_, wait := failureOf(err)
	switch {
	case err == nil:
		done()
	case refused:
		log.WarnContext(ctx, "grading message cannot be redrawn", "err", err)
		done()
	case d.RedrawAttempts+1 >= maxUpdateAttempts:
		log.ErrorContext(ctx, "redraw grading message given up", "attempts", d.RedrawAttempts+1, "err", err)
		done()
	default:
		log.WarnContext(ctx, "redraw grading message; will retry", "attempts", d.RedrawAttempts+1, "err", err)
		if err := s.st.GradingRedrawFailed(ctx, d.ID, s.now().Add(max(wait, updateBackoff(d.RedrawAttempts)))); err != nil {
			log.ErrorContext(ctx, "record failed grading redraw", "err", err)
		}
	}
}
