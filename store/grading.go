package store

import (
	"context"
	"fmt"
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
	// ClaimedUntil is the lease of the process sending it; another may
	// take over after it.
	ClaimedUntil *time.Time
	Attempts     int `gorm:"not null;default:0"`
	// DoneAt is when it was sent, or given up; Note says which.
	DoneAt *time.Time `gorm:"index"`
	Note   string     `gorm:"not null;default:''"`
	// Conversation and MessageID point at the message once sent.
	Conversation string `gorm:"not null;default:''"`
	MessageID    string `gorm:"not null;default:''"`
	CreatedAt    time.Time
	// RedrawPending asks for the message, once sent, to be redrawn without
	// its buttons: its objective was graded or carried over, or its owner
	// said Not now. Claiming the redraw clears it, so a change made
	// meanwhile asks again.
	RedrawPending bool `gorm:"not null;default:false;index"`
	// RedrawUntil is the lease of the process redrawing the message, or
	// when a failed redraw is tried again; nil when no redraw is under way.
	RedrawUntil *time.Time
	// RedrawAttempts counts the failed tries of the redraw under way.
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

// AddGradingDelivery records a grading message to send, unless one with
// its key (objective, step, occurrence) exists; created says which.
func (s *Store) AddGradingDelivery(ctx context.Context, d *GradingDelivery) (created bool, err error) {
	d.Occurrence = d.Occurrence.UTC()
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(d)
	if res.Error != nil {
		return false, fmt.Errorf("add grading delivery: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ClaimGradingDeliveries leases up to limit grading messages of the
// workspaces given that are still to be sent and that no process holds
// within its lease. Each goes to one process at a time.
func (s *Store) ClaimGradingDeliveries(ctx context.Context, workspaceIDs []uint, now, until time.Time, limit int) ([]GradingDelivery, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var claimed []GradingDelivery
	err := s.InTx(ctx, func(tx *Store) error {
		claimed = claimed[:0]
		q := tx.q(ctx).Where("done_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?) AND workspace_id IN ?", now.UTC(), workspaceIDs).
			Order("id").Limit(limit)
		var due []GradingDelivery
		if err := tx.skipLocked(q).Find(&due).Error; err != nil {
			return err
		}
		for _, d := range due {
			res := tx.q(ctx).Model(&GradingDelivery{}).Where("id = ? AND done_at IS NULL", d.ID).
				Updates(map[string]any{"claimed_until": until.UTC(), "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				u := until.UTC()
				d.ClaimedUntil, d.Attempts = &u, d.Attempts+1
				claimed = append(claimed, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim grading deliveries: %w", err)
	}
	return claimed, nil
}

// GradingSent records that a grading message went out, as the message
// messageID in conversation.
func (s *Store) GradingSent(ctx context.Context, id uint, at time.Time, conversation, messageID string) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", id).Updates(map[string]any{
		"done_at": at.UTC(), "note": "sent", "conversation": conversation, "message_id": messageID}).Error
}

// FinishGrading gives up on a grading message, or skips it, saying why.
func (s *Store) FinishGrading(ctx context.Context, id uint, at time.Time, note string) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", id).Updates(map[string]any{"done_at": at.UTC(), "note": note}).Error
}

// RetryGrading hands a grading message back, to be tried again at retryAt.
func (s *Store) RetryGrading(ctx context.Context, id uint, retryAt time.Time) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("id = ? AND done_at IS NULL", id).UpdateColumn("claimed_until", retryAt.UTC()).Error
}

// GradingDeliveries returns a workspace's grading messages, oldest first.
func (s *Store) GradingDeliveries(ctx context.Context, workspaceID uint) ([]GradingDelivery, error) {
	var ds []GradingDelivery
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&ds).Error
	return ds, err
}

// AskGradingRedraw asks for the grading messages about an objective to be
// redrawn, in the transaction that grades, carries over, closes or
// archives it: those sent, and those being sent now, once they are.
func (s *Store) AskGradingRedraw(ctx context.Context, workspaceID, objectiveID uint) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("workspace_id = ? AND objective_id = ?", workspaceID, objectiveID).
		Updates(map[string]any{"redraw_pending": true, "redraw_attempts": 0}).Error
}

// DeferGrading records that a person answered their grading prompt about
// an objective with Not now, and asks for it to be redrawn so. It reports
// whether the person had such a prompt.
func (s *Store) DeferGrading(ctx context.Context, workspaceID, objectiveID, userID uint, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&GradingDelivery{}).
		Where("workspace_id = ? AND objective_id = ? AND user_id = ? AND step = ?", workspaceID, objectiveID, userID, okr.GradingPrompt).
		Updates(map[string]any{"deferred_at": gorm.Expr("COALESCE(deferred_at, ?)", at.UTC()), "redraw_pending": true, "redraw_attempts": 0})
	if res.Error != nil {
		return false, fmt.Errorf("defer grading: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// ClaimGradingRedraws leases up to limit sent grading messages of the
// workspaces given that are to be redrawn and that no process holds. A
// redraw whose lease ran out (its process died) is taken up again.
func (s *Store) ClaimGradingRedraws(ctx context.Context, workspaceIDs []uint, now, until time.Time, limit int) ([]GradingDelivery, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var claimed []GradingDelivery
	err := s.InTx(ctx, func(tx *Store) error {
		claimed = claimed[:0]
		q := tx.q(ctx).Where("workspace_id IN ? AND message_id <> '' AND (redraw_pending = ? OR redraw_until IS NOT NULL) AND (redraw_until IS NULL OR redraw_until < ?)",
			workspaceIDs, true, now.UTC()).Order("id").Limit(limit)
		if err := tx.skipLocked(q).Find(&claimed).Error; err != nil || len(claimed) == 0 {
			return err
		}
		ids := make([]uint, len(claimed))
		for i := range claimed {
			ids[i] = claimed[i].ID
		}
		return tx.q(ctx).Model(&GradingDelivery{}).Where("id IN ?", ids).
			Updates(map[string]any{"redraw_pending": false, "redraw_until": until.UTC()}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim grading redraws: %w", err)
	}
	return claimed, nil
}

// GradingRedrawn records that a grading message was redrawn, or given up
// on, and releases it.
func (s *Store) GradingRedrawn(ctx context.Context, id uint) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", id).
		Updates(map[string]any{"redraw_until": nil, "redraw_attempts": 0}).Error
}

// GradingRedrawFailed asks for a grading message to be redrawn again at
// retryAt, and counts the failed try.
func (s *Store) GradingRedrawFailed(ctx context.Context, id uint, retryAt time.Time) error {
	return s.q(ctx).Model(&GradingDelivery{}).Where("id = ?", id).
		Updates(map[string]any{"redraw_pending": true, "redraw_until": retryAt.UTC(), "redraw_attempts": gorm.Expr("redraw_attempts + 1")}).Error
}
