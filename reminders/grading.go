package reminders

import (
	"context"
	"errors"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// grading asks the owners of open objectives to grade them: once before
// their period ends and once after, if still open. Each message is
// recorded under its unique key (objective, step, occurrence), with the
// job that sends it, so replicas that see it due at once send it once.
// Messages answered since (graded, carried over, Not now) are redrawn
// without their buttons, by jobs of their own.
func (s *Scheduler) grading(ctx context.Context, sc scope) error {
	if err := s.claimGrading(ctx, sc); err != nil {
		return err
	}
	if err := s.workJobs(ctx, sc, s.gradingJobs()); err != nil {
		return err
	}
	return s.workJobs(ctx, sc, s.gradingRedrawJobs())
}

// gradingJobs send grading messages.
func (s *Scheduler) gradingJobs() jobKind {
	return jobKind{name: store.JobGrading, kind: Grading, work: s.sendGrading,
		ended: func(ctx context.Context, tx *store.Store, j store.Job, at time.Time, note string) error {
			var args store.GradingJob
			if err := j.Decode(&args); err != nil || note == "sent" {
				return err // a sent message was recorded with where it went
			}
			return tx.FinishGrading(ctx, args.Delivery, at, note)
		}}
}

// gradingRedrawJobs redraw answered grading messages.
func (s *Scheduler) gradingRedrawJobs() jobKind {
	return jobKind{name: store.JobGradingRedraw, kind: GradingUpdate, work: s.redrawGrading}
}

// gradingDelivery is the grading message a job is about.
func (s *Scheduler) gradingDelivery(ctx context.Context, j store.Job) (store.GradingDelivery, error) {
	var args store.GradingJob
	if err := j.Decode(&args); err != nil {
		return store.GradingDelivery{}, err
	}
	return s.st.GradingDeliveryByID(ctx, j.WorkspaceID, args.Delivery)
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

func (s *Scheduler) sendGrading(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	d, err := s.gradingDelivery(ctx, j)
	if errors.Is(err, okr.ErrNotFound) {
		return Skipped, "the objective is gone", nil
	}
	if err != nil {
		return Failed, "", err
	}
	if d.MessageID != "" {
		return Skipped, "sent", nil // sent by a process that stopped before it finished the job
	}
	log := s.log.With("grading", d.ID, "objective", d.ObjectiveID, "step", d.Step)
	msg, u, err := s.cmds.GradingMessage(ctx, d)
	if err != nil {
		return Failed, "", err
	}
	if msg == nil {
		log.InfoContext(ctx, "grading message skipped: the objective is no longer open")
		return Skipped, "skipped: no longer open", nil
	}
	to, err := s.address(ctx, sc, d.WorkspaceID, bot.DirectChat, u.PlatformID)
	if err != nil {
		return Failed, "", err
	}
	ref, err := s.postOnce(ctx, to, *msg)
	if err != nil {
		return Failed, "", err
	}
	if err := s.st.GradingSent(ctx, d.ID, s.now(), ref.Conversation, ref.ID); err != nil {
		log.ErrorContext(ctx, "record sent grading message", "err", err)
	}
	return Sent, "sent", nil
}

func (s *Scheduler) redrawGrading(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	d, err := s.gradingDelivery(ctx, j)
	if errors.Is(err, okr.ErrNotFound) {
		return Skipped, "the objective is gone", nil
	}
	if err != nil {
		return Failed, "", err
	}
	msg, u, err := s.cmds.GradingAnswered(ctx, d)
	if err != nil {
		return Failed, "", err
	}
	if msg == nil {
		s.log.InfoContext(ctx, "grading message not redrawn: nothing answered it", "grading", d.ID)
		return Skipped, "nothing answered it", nil
	}
	to, err := s.address(ctx, sc, d.WorkspaceID, bot.DirectChat, u.PlatformID)
	if err != nil {
		return Failed, "", err
	}
	ref := bot.MessageRef{Address: to, Conversation: d.Conversation, ID: d.MessageID}
	if err := s.once(ctx, func() error { return s.sender.Update(ctx, ref, *msg) }); err != nil {
		return Failed, "", err
	}
	return Sent, "redrawn", nil
}
