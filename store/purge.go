package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// workspaceScoped is a model whose rows belong to a workspace without a
// workspace_id column of their own. workspaceRows returns the condition
// that selects the rows of w, or "" when the table holds no workspace's
// data.
type workspaceScoped interface {
	workspaceRows(w Workspace) (string, []any)
}

func (Workspace) workspaceRows(w Workspace) (string, []any) { return "id = ?", []any{w.ID} }

func (ReminderThread) workspaceRows(w Workspace) (string, []any) {
	return "schedule_id IN (SELECT id FROM reminder_schedules WHERE workspace_id = ?)", []any{w.ID}
}

// PurgeWorkspace deletes everything okrbot keeps about a workspace, in every
// table: first it marks the workspace purged (a tombstone, committed on its
// own), then it deletes, in one transaction, its people, OKRs, KPIs, schedules, deliveries,
// API tokens, its installation and the workspace itself. An
// organization-wide installation serving it is kept, since it serves the
// organization's other workspaces too. It returns the rows deleted per table,
// and okr.ErrNotFound when there was nothing to delete.
//
// It goes through every model the store has, so a table added later is
// purged as well: through its workspace_id column, or its workspaceRows
// method when it has none. Tables go in the reverse order of models, so rows
// that point at others by foreign key go first.
//
// The tombstone is what keeps a busy replica from writing to the workspace
// again: the database refuses every row for a workspace that is purged or
// gone (IsWorkspacePurged), so a replica that remembered the workspace from
// before cannot leave rows behind under its id. On Postgres the tombstone
// waits for writes already under way, which the delete then removes too.
func (s *Store) PurgeWorkspace(ctx context.Context, platform, teamID string) (map[string]int64, error) {
	if err := s.tombstone(ctx, platform, teamID); err != nil {
		return nil, err
	}
	deleted := map[string]int64{}
	err := s.InTx(ctx, func(tx *Store) error {
		w := Workspace{Platform: platform, TeamID: teamID}
		err := tx.q(ctx).Where("platform = ? AND team_id = ?", platform, teamID).Take(&w).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		total := int64(0)
		for i := len(models) - 1; i >= 0; i-- {
			m := models[i]
			stmt := &gorm.Statement{DB: tx.db}
			if err := stmt.Parse(m); err != nil {
				return err
			}
			table := stmt.Schema.Table
			cond, args := "workspace_id = ?", []any{w.ID}
			if scoped, ok := m.(workspaceScoped); ok {
				cond, args = scoped.workspaceRows(w)
			} else if stmt.Schema.LookUpField("workspace_id") == nil {
				return fmt.Errorf("purge: table %s has no workspace_id column and no workspaceRows method, so its rows of a workspace cannot be told apart", table)
			}
			if cond == "" {
				continue
			}
			// A fresh zero value: models is shared, and gorm reads the
			// value's primary key into the condition.
			row := reflect.New(reflect.TypeOf(m).Elem()).Interface()
			res := tx.q(ctx).Where(cond, args...).Delete(row)
			if res.Error != nil {
				return fmt.Errorf("purge %s: %w", table, res.Error)
			}
			if res.RowsAffected > 0 {
				deleted[table] = res.RowsAffected
				total += res.RowsAffected
			}
		}
		if total == 0 {
			return okr.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return deleted, nil
}

// tombstone marks a workspace purged, so that nothing is written to it from
// then on. A workspace okrbot has no row of needs none.
func (s *Store) tombstone(ctx context.Context, platform, teamID string) error {
	return s.InTx(ctx, func(tx *Store) error {
		q := tx.q(ctx)
		if tx.dialect == "postgres" {
			// Waits for the writes under way, whose checks hold a KEY SHARE
			// lock on the row.
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var w Workspace
		err := q.Where("platform = ? AND team_id = ?", platform, teamID).Take(&w).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("purge: mark workspace %s/%s purged: %w", platform, teamID, err)
		}
		return tx.q(ctx).Model(&Workspace{}).Where("id = ?", w.ID).Update("purged_at", time.Now().UTC()).Error
	})
}

// IsWorkspacePurged reports whether err is the database refusing a row for
// a workspace that was purged (or is being purged) since it was read.
func IsWorkspacePurged(err error) bool {
	return err != nil && strings.Contains(err.Error(), "workspace purged")
}
