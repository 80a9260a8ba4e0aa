package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"gorm.io/gorm"

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
// table, in one transaction: its people, OKRs, KPIs, schedules, deliveries,
// API tokens, its installation and the workspace itself. An
// organization-wide installation serving it is kept, since it serves the
// organization's other workspaces too. It returns the rows deleted per table,
// and okr.ErrNotFound when there was nothing to delete.
//
// It goes through every model the store has, so a table added later is
// purged as well: through its workspace_id column, or its workspaceRows
// method when it has none. Tables go in the reverse order of models, so rows
// that point at others by foreign key go first.
func (s *Store) PurgeWorkspace(ctx context.Context, platform, teamID string) (map[string]int64, error) {
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
