package store

import (
	"context"
	"fmt"
	"time"
)

// OldestDue is when the oldest work of the workspaces given that is due at
// now, and that no process holds, fell due: a person's check-in prompt not
// yet claimed, a digest not yet planned, a job of the job engine (a
// prompt, a nudge, a redraw, a KPI alert, a grading message, a digest), a
// KPI's source not yet fetched in its period.
// ok is false when nothing is due. Its distance from now is how far
// the scheduler is behind.
func (s *Store) OldestDue(ctx context.Context, workspaceIDs []uint, now time.Time) (oldest time.Time, ok bool, err error) {
	if len(workspaceIDs) == 0 {
		return time.Time{}, false, nil
	}
	now = now.UTC()
	queries := []struct {
		model  any
		column string
		where  string
		args   []any
	}{
		{&ReminderPerson{}, "next_at", "status = ? AND next_at <= ?", []any{ReminderOn, now}},
		{&DigestSubscription{}, "next_run_at", "next_run_at <= ?", []any{now}},
		{&Job{}, "run_at", "state = ? AND run_at <= ? AND (locked_until IS NULL OR locked_until < ?)", []any{JobAvailable, now, now}},
		{&KPISource{}, "next_fetch_at", "next_fetch_at <= ? AND (lease_until IS NULL OR lease_until < ?) AND kpi_id IN (SELECT id FROM kpis WHERE archived = ?)",
			[]any{now, now, false}},
	}
	for _, q := range queries {
		var at []time.Time
		err := s.q(ctx).Model(q.model).Where(q.where, q.args...).Where("workspace_id IN ?", workspaceIDs).
			Order(q.column).Limit(1).Pluck(q.column, &at).Error
		if err != nil {
			return time.Time{}, false, fmt.Errorf("oldest due %s: %w", q.column, err)
		}
		if len(at) == 1 && (!ok || at[0].Before(oldest)) {
			oldest, ok = at[0], true
		}
	}
	return oldest, ok, nil
}
