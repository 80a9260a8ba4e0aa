package store

import (
	"context"
	"fmt"
	"time"
)

// Objectives are what most commands show, many times a second when a
// whole company checks in at once. They are read by hand-written SQL and
// scanned field by field: gorm's joins and preloads cost about four times
// as much CPU for the same rows (docs/BENCHMARKS.md, "Hot paths").
// TestObjectiveColumns keeps the column lists below in step with the
// models.

const (
	objectiveColumns = `objectives.id, objectives.workspace_id, objectives.number, objectives.title, objectives.description,
	objectives.owner_id, objectives.team_id, objectives.parent_id, objectives.period_id, objectives.status,
	objectives.final_score, objectives.outcome, objectives.retrospective, objectives.graded_at, objectives.graded_by_id,
	objectives.continues_id, objectives.created_at, objectives.updated_at`
	ownerColumns  = `o_owner.id, o_owner.workspace_id, o_owner.platform_id, o_owner.name, o_owner.tz, o_owner.is_admin, o_owner.email, o_owner.is_guest, o_owner.created_at, o_owner.updated_at`
	teamColumns   = `o_team.id, o_team.workspace_id, o_team.name, o_team.parent_id, o_team.created_at`
	periodColumns = `o_period.id, o_period.workspace_id, o_period.name, o_period.starts_at, o_period.ends_at`
	// A key result's measure may be NULL in SQLite, where its columns were
	// made without NOT NULL; gorm reads NULL as zero, and so do these.
	keyResultColumns = `key_results.id, key_results.workspace_id, key_results.number, key_results.objective_id, key_results.position,
	key_results.title, key_results.owner_id, COALESCE(key_results.kind, ''), COALESCE(key_results.start, 0),
	COALESCE(key_results.target, 0), COALESCE(key_results.current, 0), COALESCE(key_results.unit, ''), key_results.weight,
	key_results.kpi_id, key_results.final_score, key_results.created_at, key_results.updated_at`
	krOwnerColumns = `kr_owner.id, kr_owner.workspace_id, kr_owner.platform_id, kr_owner.name, kr_owner.tz, kr_owner.is_admin, kr_owner.email, kr_owner.is_guest, kr_owner.created_at, kr_owner.updated_at`

	objectivesQuery = `SELECT ` + objectiveColumns + `, ` + ownerColumns + `, ` + teamColumns + `, ` + periodColumns + `
	FROM objectives
	JOIN users o_owner ON o_owner.id = objectives.owner_id
	LEFT JOIN teams o_team ON o_team.id = objectives.team_id
	JOIN periods o_period ON o_period.id = objectives.period_id
	WHERE `
	// The key results of the objectives that match a condition are joined
	// to them on that condition: a list of the objectives' ids would bind
	// thousands of parameters for a period's tree or review, and SQLite's
	// driver binds each by searching all of a statement's.
	keyResultsQuery = `SELECT ` + keyResultColumns + `, ` + krOwnerColumns + `
	FROM key_results
	JOIN objectives ON objectives.id = key_results.objective_id
	LEFT JOIN users kr_owner ON kr_owner.id = key_results.owner_id
	WHERE `
)

// objectives returns the objectives that match where (conditions on the
// objectives table) by number, each with its owner, team, period and key
// results with their owners: two queries, whatever their number.
func (s *Store) objectives(ctx context.Context, workspaceID uint, where string, args ...any) ([]Objective, error) {
	rows, err := s.q(ctx).Raw(objectivesQuery+where+" ORDER BY objectives.number", args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("objectives: %w", err)
	}
	defer rows.Close()
	var (
		os   []Objective
		team struct {
			id, workspaceID, parentID *uint
			name                      *string
			createdAt                 time.Time
		}
	)
	for rows.Next() {
		var o Objective
		err := rows.Scan(id{&o.ID}, id{&o.WorkspaceID}, &o.Number, &o.Title, &o.Description,
			id{&o.OwnerID}, optID{&o.TeamID}, optID{&o.ParentID}, id{&o.PeriodID}, (*string)(&o.Status),
			&o.FinalScore, (*string)(&o.Outcome), &o.Retrospective, &o.GradedAt, optID{&o.GradedByID},
			optID{&o.ContinuesID}, zeroTime{&o.CreatedAt}, zeroTime{&o.UpdatedAt},
			id{&o.Owner.ID}, id{&o.Owner.WorkspaceID}, &o.Owner.PlatformID, &o.Owner.Name, &o.Owner.TZ, &o.Owner.IsAdmin, &o.Owner.Email, &o.Owner.IsGuest,
			zeroTime{&o.Owner.CreatedAt}, zeroTime{&o.Owner.UpdatedAt},
			optID{&team.id}, optID{&team.workspaceID}, &team.name, optID{&team.parentID}, zeroTime{&team.createdAt},
			id{&o.Period.ID}, id{&o.Period.WorkspaceID}, &o.Period.Name, zeroTime{&o.Period.StartsAt}, zeroTime{&o.Period.EndsAt})
		if err != nil {
			return nil, fmt.Errorf("objectives: %w", err)
		}
		if team.id != nil {
			o.Team = &Team{ID: *team.id, WorkspaceID: *team.workspaceID, Name: *team.name, ParentID: team.parentID, CreatedAt: team.createdAt}
		}
		os = append(os, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("objectives: %w", err)
	}
	rows.Close()
	if len(os) == 0 {
		return os, nil
	}
	return os, s.keyResultsOf(ctx, os, where, args...)
}

// ObjectivesOfKeyResults returns the objectives of key results of a
// workspace, as Objectives does.
func (s *Store) ObjectivesOfKeyResults(ctx context.Context, workspaceID uint, keyResultIDs []uint) ([]Objective, error) {
	if len(keyResultIDs) == 0 {
		return nil, nil
	}
	return s.objectives(ctx, workspaceID, `objectives.workspace_id = ? AND objectives.id IN
		(SELECT objective_id FROM key_results WHERE workspace_id = ? AND id IN ?)`,
		workspaceID, workspaceID, keyResultIDs)
}

// KeyResultsByNumber returns the workspace's key results with the short
// numbers, without their owners, by number.
func (s *Store) KeyResultsByNumber(ctx context.Context, workspaceID uint, numbers []int64) (map[int64]KeyResult, error) {
	out := make(map[int64]KeyResult, len(numbers))
	if len(numbers) == 0 {
		return out, nil
	}
	var krs []KeyResult
	if err := s.q(ctx).Where("workspace_id = ? AND number IN ?", workspaceID, numbers).Find(&krs).Error; err != nil {
		return nil, fmt.Errorf("key results: %w", err)
	}
	for _, kr := range krs {
		out[kr.Number] = kr
	}
	return out, nil
}

// keyResultsOf loads the key results of os, the objectives that match
// where, with their owners, in order of position. The condition scopes
// them by workspace.
func (s *Store) keyResultsOf(ctx context.Context, os []Objective, where string, args ...any) error {
	at := make(map[uint]int, len(os))
	for i, o := range os {
		at[o.ID] = i
	}
	rows, err := s.q(ctx).Raw(keyResultsQuery+where+" ORDER BY key_results.objective_id, key_results.position", args...).Rows()
	if err != nil {
		return fmt.Errorf("key results: %w", err)
	}
	defer rows.Close()
	var owner struct {
		id, workspaceID             *uint
		platformID, name, tz, email *string
		isAdmin, isGuest            *bool
		createdAt, updatedAt        time.Time
	}
	for rows.Next() {
		var kr KeyResult
		err := rows.Scan(id{&kr.ID}, id{&kr.WorkspaceID}, &kr.Number, id{&kr.ObjectiveID}, &kr.Position,
			&kr.Title, optID{&kr.OwnerID}, (*string)(&kr.Kind), &kr.Start,
			&kr.Target, &kr.Current, &kr.Unit, &kr.Weight,
			optID{&kr.KPIID}, &kr.FinalScore, zeroTime{&kr.CreatedAt}, zeroTime{&kr.UpdatedAt},
			optID{&owner.id}, optID{&owner.workspaceID}, &owner.platformID, &owner.name, &owner.tz, &owner.isAdmin, &owner.email, &owner.isGuest,
			zeroTime{&owner.createdAt}, zeroTime{&owner.updatedAt})
		if err != nil {
			return fmt.Errorf("key results: %w", err)
		}
		if owner.id != nil {
			kr.Owner = &User{ID: *owner.id, WorkspaceID: *owner.workspaceID, PlatformID: *owner.platformID, Name: *owner.name,
				TZ: *owner.tz, IsAdmin: *owner.isAdmin, Email: *owner.email, IsGuest: *owner.isGuest, CreatedAt: owner.createdAt, UpdatedAt: owner.updatedAt}
		}
		// An objective that came to match since the first query is not
		// among os.
		if i, ok := at[kr.ObjectiveID]; ok {
			os[i].KeyResults = append(os[i].KeyResults, kr)
		}
	}
	return rows.Err()
}

// id scans an id column into a uint without database/sql's detour
// through a string.
type id struct{ p *uint }

func (d id) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("id: %T is not an integer", src)
	}
	*d.p = uint(v)
	return nil
}

// optID scans an id column that may be NULL.
type optID struct{ p **uint }

func (d optID) Scan(src any) error {
	if src == nil {
		*d.p = nil
		return nil
	}
	var v uint
	if err := (id{&v}).Scan(src); err != nil {
		return err
	}
	*d.p = &v
	return nil
}

// zeroTime scans a time column, NULL as the zero time, as gorm does.
type zeroTime struct{ p *time.Time }

func (d zeroTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = time.Time{}
	case time.Time:
		*d.p = v
	default:
		return fmt.Errorf("time: %T is not a time", src)
	}
	return nil
}
