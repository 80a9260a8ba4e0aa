package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// A GradingDelivery is one grading message about an objective to its
// owner: the prompt before its period ends, or the one reminder after. Its
// unique key (objective, step, occurrence) is what makes the message go
// out once, however many replicas see it due.
type GradingDelivery struct {
	ID          uint            `gorm:"primaryKey"`
	WorkspaceID uint            `gorm:"not null;index"`
	ObjectiveID uint            `gorm:"not null;uniqueIndex:idx_grading_deliveries_key"`
	Step        okr.GradingStep `gorm:"not null;uniqueIndex:idx_grading_deliveries_key"`
	Occurrence  time.Time       `gorm:"not null;uniqueIndex:idx_grading_deliveries_key"`
	// UserID is the owner the message goes to.
	UserID uint `gorm:"not null"`
	// ClaimedUntil and Attempts are no longer used: the message's job
	// (JobGrading) holds its lease and counts its tries.
	ClaimedUntil *time.Time
	Attempts     int `gorm:"not null;default:0"`
	// DoneAt is when it was sent, or given up; Note says which.
	DoneAt *time.Time `gorm:"index"`
	Note   string     `gorm:"not null;default:''"`
	// Conversation and MessageID point at the message once sent.
	Conversation string `gorm:"not null;default:''"`
	MessageID    string `gorm:"not null;default:''"`
	CreatedAt    time.Time
	// RedrawPending asks for the message, not sent yet, to be redrawn
	// without its buttons once it is: its objective was graded or carried
	// over, or its owner said Not now. A sent message's redraw is a job
	// (JobGradingRedraw).
	RedrawPending bool `gorm:"not null;default:false;index"`
	// RedrawUntil and RedrawAttempts are no longer used: the redraw's job
	// holds its lease and counts its tries.
	RedrawUntil    *time.Time
	RedrawAttempts int `gorm:"not null;default:0"`
	// DeferredAt is when the owner answered the prompt with Not now.
	DeferredAt *time.Time
}

// A GradingCandidate is an active objective whose period ends close enough
// to now for a grading message to be due, with what deciding that needs.
type GradingCandidate struct {
	ObjectiveID, WorkspaceID, OwnerID uint
	// OwnerTZ is the owner's time zone as the platform gave it ("" when
	// unknown).
	OwnerTZ string
	Period  okr.Period
	// Prompted says whether the prompt for this period was claimed
	// already, in whatever zone the owner was then.
	Prompted bool
}

// GradingCandidates returns the active objectives of the workspaces given
// whose period ends between endsFrom and endsTo and whose reminder for
// that period was not claimed yet, in one query.
func (s *Store) GradingCandidates(ctx context.Context, workspaceIDs []uint, endsFrom, endsTo time.Time) ([]GradingCandidate, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	// A delivery of this period is one due at or after its start: an
	// objective moved to a later period is asked about that one afresh.
	rows, err := s.q(ctx).Raw(`SELECT o.id, o.workspace_id, o.owner_id, u.tz, p.name, p.starts_at, p.ends_at,
  EXISTS (SELECT 1 FROM grading_deliveries g WHERE g.objective_id = o.id AND g.step = ? AND g.occurrence >= p.starts_at)
FROM objectives o JOIN periods p ON p.id = o.period_id JOIN users u ON u.id = o.owner_id
WHERE o.workspace_id IN ? AND o.status = ? AND p.ends_at >= ? AND p.ends_at <= ?
AND NOT EXISTS (SELECT 1 FROM grading_deliveries g WHERE g.objective_id = o.id AND g.step = ? AND g.occurrence >= p.starts_at)
ORDER BY o.id`, okr.GradingPrompt, workspaceIDs, okr.Active, endsFrom.UTC(), endsTo.UTC(), okr.GradingReminder).Rows()
	if err != nil {
		return nil, fmt.Errorf("grading candidates: %w", err)
	}
	defer rows.Close()
	var out []GradingCandidate
	for rows.Next() {
		var c GradingCandidate
		if err := rows.Scan(&c.ObjectiveID, &c.WorkspaceID, &c.OwnerID, &c.OwnerTZ, &c.Period.Name, &c.Period.Start, &c.Period.End, &c.Prompted); err != nil {
			return nil, fmt.Errorf("grading candidates: %w", err)
		}
		c.Period.Start, c.Period.End = c.Period.Start.UTC(), c.Period.End.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Job kinds of grading messages.
const (
	// JobGrading sends a grading message.
	JobGrading = "grading"
	// JobGradingRedraw redraws a sent grading message as answered.
	JobGradingRedraw = "grading-redraw"
)

// GradingJob is what the jobs of a grading message need.
type GradingJob struct {
	Delivery uint `json:"delivery"`
}

func gradingJob(kind string, d GradingDelivery, at time.Time) NewJob {
	return NewJob{Kind: kind, WorkspaceID: d.WorkspaceID, UniqueKey: strconv.FormatUint(uint64(d.ID), 10),
		Args: GradingJob{Delivery: d.ID}, RunAt: at, Again: kind == JobGradingRedraw}
}

// AddGradingDelivery records a grading message to send, and the job that
// sends it, unless one with its key (objective, step, occurrence) exists;
// created says which.
func (s *Store) AddGradingDelivery(ctx context.Context, d *GradingDelivery) (created bool, err error) {
	d.Occurrence = d.Occurrence.UTC()
	err = s.InTx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(d)
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		created = true
		_, err := tx.EnqueueJob(ctx, gradingJob(JobGrading, *d, d.CreatedAt))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("add grading delivery: %w", err)
	}
	return created, nil
}

// GradingDeliveryByID returns one of a workspace's grading messages.
func (s *Store) GradingDeliveryByID(ctx context.Context, workspaceID, id uint) (GradingDelivery, error) {
	var d GradingDelivery
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&d).Error
	return d, notFound(err)
}

// GradingSent records that a grading message went out, as the message
// messageID in conversation; a redraw asked for while it was being sent is
// queued now.
func (s *Store) GradingSent(ctx context.Context, id uint, at time.Time, conversation, messageID string) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&GradingDelivery{}).Where("id = ?", id).Updates(map[string]any{
			"done_at": at.UTC(), "note": "sent", "conversation": conversation, "message_id": messageID}).Error; err != nil {
			return err
		}
		return tx.queueGradingRedraws(ctx, tx.q(ctx).Where("id = ? AND redraw_pending = ?", id, true), at)
	})
}

// FinishGrading records what came of a grading message that was not sent:
// skipped or given up, and why.
func (s *Store) FinishGrading(ctx context.Context, id uint, at time.Time, note string) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", id).Updates(map[string]any{"done_at": at.UTC(), "note": note}).Error
}

// GradingDeliveries returns a workspace's grading messages, oldest first.
func (s *Store) GradingDeliveries(ctx context.Context, workspaceID uint) ([]GradingDelivery, error) {
	var ds []GradingDelivery
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&ds).Error
	return ds, err
}

// AskGradingRedraw asks for the grading messages about an objective to be
// redrawn, in the transaction that grades, carries over, closes or
// archives it at `at`: those sent, and those being sent now, once they
// are.
func (s *Store) AskGradingRedraw(ctx context.Context, workspaceID, objectiveID uint, at time.Time) error {
	return s.queueGradingRedraws(ctx, s.q(ctx).Where("workspace_id = ? AND objective_id = ?", workspaceID, objectiveID), at)
}

// queueGradingRedraws queues a redraw of the grading messages of which,
// due at `at`: a job for those sent (again, if one ran before), and a
// mark for the others, whose job is queued when they are sent.
func (s *Store) queueGradingRedraws(ctx context.Context, which *gorm.DB, at time.Time) error {
	var ds []GradingDelivery
	if err := which.Find(&ds).Error; err != nil {
		return err
	}
	for _, d := range ds {
		if d.MessageID == "" {
			if err := s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", d.ID).Update("redraw_pending", true).Error; err != nil {
				return err
			}
			continue
		}
		if _, err := s.EnqueueJob(ctx, gradingJob(JobGradingRedraw, d, at)); err != nil {
			return err
		}
		if d.RedrawPending {
			if err := s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", d.ID).Update("redraw_pending", false).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// DeferGrading records that a person answered their grading prompt about
// an objective with Not now, and asks for it to be redrawn so. It reports
// whether the person had such a prompt.
func (s *Store) DeferGrading(ctx context.Context, workspaceID, objectiveID, userID uint, at time.Time) (bool, error) {
	var deferred bool
	err := s.InTx(ctx, func(tx *Store) error {
		prompt := func() *gorm.DB {
			return tx.q(ctx).Model(&GradingDelivery{}).
				Where("workspace_id = ? AND objective_id = ? AND user_id = ? AND step = ?", workspaceID, objectiveID, userID, okr.GradingPrompt)
		}
		res := prompt().Update("deferred_at", gorm.Expr("COALESCE(deferred_at, ?)", at.UTC()))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		deferred = true
		return tx.queueGradingRedraws(ctx, prompt(), at)
	})
	if err != nil {
		return false, fmt.Errorf("defer grading: %w", err)
	}
	return deferred, nil
}
