package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// Workspace returns the workspace of a platform's team, creating it on first
// sight.
func (s *Store) Workspace(ctx context.Context, platform, teamID string) (Workspace, error) {
	if strings.TrimSpace(teamID) == "" || platform == "" {
		// One workspace of every request whose team was not read would
		// pool the data of many.
		return Workspace{}, fmt.Errorf("workspace: no team id (platform %q)", platform)
	}
	var w Workspace
	err := s.q(ctx).Where("platform = ? AND team_id = ?", platform, teamID).Take(&w).Error
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return w, err
	}
	w = Workspace{Platform: platform, TeamID: teamID}
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&w).Error; err != nil {
		return w, fmt.Errorf("create workspace %s/%s: %w", platform, teamID, err)
	}
	err = s.q(ctx).Where("platform = ? AND team_id = ?", platform, teamID).Take(&w).Error
	return w, err
}

// SetWorkspaceOrg records the organization a workspace belongs to.
func (s *Store) SetWorkspaceOrg(ctx context.Context, id uint, org string) error {
	return s.q(ctx).Model(&Workspace{}).Where("id = ?", id).UpdateColumn("org", org).Error
}

// WorkspaceByID returns the workspace with a database id.
func (s *Store) WorkspaceByID(ctx context.Context, id uint) (Workspace, error) {
	var w Workspace
	err := s.q(ctx).Where("id = ?", id).Take(&w).Error
	return w, notFound(err)
}

// SaveUser records a person as the platform describes them now, creating or
// updating their row, and returns it.
func (s *Store) SaveUser(ctx context.Context, u User) (User, error) {
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "platform_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "tz", "is_admin", "is_guest", "updated_at"}),
	}).Create(&u).Error
	if err != nil {
		return u, fmt.Errorf("save user %s: %w", u.PlatformID, err)
	}
	return s.UserByPlatformID(ctx, u.WorkspaceID, u.PlatformID)
}

// MentionUser returns the person with a platform id, creating a row with the
// name given when okrbot has not met them yet (someone named as an owner
// before they ever used okrbot). An existing row is left as it is.
func (s *Store) MentionUser(ctx context.Context, workspaceID uint, platformID, name string) (User, error) {
	u := User{WorkspaceID: workspaceID, PlatformID: platformID, Name: name}
	err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&u).Error
	if err != nil {
		return u, fmt.Errorf("save user %s: %w", platformID, err)
	}
	return s.UserByPlatformID(ctx, workspaceID, platformID)
}

// UserByPlatformID returns the person with a platform id.
func (s *Store) UserByPlatformID(ctx context.Context, workspaceID uint, platformID string) (User, error) {
	var u User
	err := s.q(ctx).Where("workspace_id = ? AND platform_id = ?", workspaceID, platformID).Take(&u).Error
	return u, notFound(err)
}

// Users returns every person of the workspace, by id.
func (s *Store) Users(ctx context.Context, workspaceID uint) ([]User, error) {
	var us []User
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&us).Error
	return us, err
}

// UsersByPlatformID returns the workspace's people with the platform ids,
// by platform id.
func (s *Store) UsersByPlatformID(ctx context.Context, workspaceID uint, platformIDs []string) (map[string]User, error) {
	out := make(map[string]User, len(platformIDs))
	if len(platformIDs) == 0 {
		return out, nil
	}
	var us []User
	if err := s.q(ctx).Where("workspace_id = ? AND platform_id IN ?", workspaceID, platformIDs).Find(&us).Error; err != nil {
		return nil, err
	}
	for _, u := range us {
		out[u.PlatformID] = u
	}
	return out, nil
}

// UserByEmail returns the person okrbot knows by an email address,
// ignoring case.
func (s *Store) UserByEmail(ctx context.Context, workspaceID uint, email string) (User, error) {
	var u User
	err := s.q(ctx).Where("workspace_id = ? AND email = ?", workspaceID, strings.ToLower(strings.TrimSpace(email))).
		Order("id").Take(&u).Error
	return u, notFound(err)
}

// SetUserEmail remembers a person's email address, as their platform gave
// it, so that the next import that names them needs no lookup.
func (s *Store) SetUserEmail(ctx context.Context, workspaceID, userID uint, email string) error {
	return s.q(ctx).Model(&User{}).Where("workspace_id = ? AND id = ?", workspaceID, userID).
		UpdateColumn("email", strings.ToLower(strings.TrimSpace(email))).Error
}

// UserByName returns the person whose name matches, ignoring case.
func (s *Store) UserByName(ctx context.Context, workspaceID uint, name string) (User, error) {
	var u User
	err := s.q(ctx).Where("workspace_id = ? AND LOWER(name) = ?", workspaceID, strings.ToLower(name)).Take(&u).Error
	return u, notFound(err)
}

// TeamByName returns the team whose name matches, ignoring case in any
// script. The comparison happens here rather than in SQL because SQLite's
// LOWER only folds ASCII; a workspace has few teams.
func (s *Store) TeamByName(ctx context.Context, workspaceID uint, name string) (Team, error) {
	teams, err := s.Teams(ctx, workspaceID)
	if err != nil {
		return Team{}, err
	}
	for _, t := range teams {
		if strings.EqualFold(t.Name, name) {
			return t, nil
		}
	}
	return Team{}, okr.ErrNotFound
}

// EnsureTeam returns the team with a name, creating it if there is none;
// created says which. Two callers creating the same team at once both get
// the one row.
func (s *Store) EnsureTeam(ctx context.Context, workspaceID uint, name string) (t Team, created bool, err error) {
	t, err = s.TeamByName(ctx, workspaceID, name)
	if !errors.Is(err, okr.ErrNotFound) {
		return t, false, err
	}
	t = Team{WorkspaceID: workspaceID, Name: name}
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&t)
	if res.Error != nil {
		return t, false, fmt.Errorf("create team %q: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		t, err = s.TeamByName(ctx, workspaceID, name)
		return t, false, err
	}
	return t, true, nil
}

// Teams returns every team of the workspace, by name.
func (s *Store) Teams(ctx context.Context, workspaceID uint) ([]Team, error) {
	var ts []Team
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("name").Find(&ts).Error
	return ts, err
}

// EnsurePeriod returns the workspace's period with p's name, creating it with
// p's dates if it does not exist yet.
func (s *Store) EnsurePeriod(ctx context.Context, workspaceID uint, p okr.Period) (Period, error) {
	row := Period{WorkspaceID: workspaceID, Name: p.Name, StartsAt: p.Start, EndsAt: p.End}
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return row, fmt.Errorf("create period %s: %w", p.Name, err)
	}
	return s.PeriodByName(ctx, workspaceID, p.Name)
}

// PeriodByName returns the workspace's period with a name, ignoring case in
// any script (see TeamByName).
func (s *Store) PeriodByName(ctx context.Context, workspaceID uint, name string) (Period, error) {
	periods, err := s.Periods(ctx, workspaceID)
	if err != nil {
		return Period{}, err
	}
	for _, p := range periods {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	return Period{}, okr.ErrNotFound
}

// nextNumber hands out the workspace's next short number. Call it inside a
// transaction: the row stays locked until commit, so numbers never repeat.
func (s *Store) nextNumber(ctx context.Context, workspaceID uint) (int64, error) {
	res := s.q(ctx).Model(&Workspace{}).Where("id = ?", workspaceID).
		UpdateColumn("last_number", gorm.Expr("last_number + 1"))
	if res.Error != nil {
		return 0, fmt.Errorf("next number: %w", res.Error)
	}
	var w Workspace
	if err := s.q(ctx).Select("last_number").Where("id = ?", workspaceID).Take(&w).Error; err != nil {
		return 0, fmt.Errorf("next number: %w", err)
	}
	return w.LastNumber, nil
}

// CreateObjective stores a new objective with its key results, giving each a
// short number and the key results their positions. Call it inside InTx.
func (s *Store) CreateObjective(ctx context.Context, o *Objective) error {
	n, err := s.nextNumber(ctx, o.WorkspaceID)
	if err != nil {
		return err
	}
	o.Number = n
	krs := o.KeyResults
	o.KeyResults = nil
	if err := s.q(ctx).Omit(clause.Associations).Create(o).Error; err != nil {
		return fmt.Errorf("create objective: %w", err)
	}
	for i := range krs {
		krs[i].ObjectiveID = o.ID
		if err := s.AddKeyResult(ctx, &krs[i]); err != nil {
			return err
		}
	}
	o.KeyResults = krs
	return nil
}

// AddKeyResult stores a new key result at the end of its objective. Call it
// inside InTx.
func (s *Store) AddKeyResult(ctx context.Context, kr *KeyResult) error {
	n, err := s.nextNumber(ctx, kr.WorkspaceID)
	if err != nil {
		return err
	}
	var last int
	err = s.q(ctx).Model(&KeyResult{}).Where("objective_id = ?", kr.ObjectiveID).
		Select("COALESCE(MAX(position), 0)").Scan(&last).Error
	if err != nil {
		return fmt.Errorf("add key result: %w", err)
	}
	kr.Number, kr.Position = n, last+1
	if kr.Weight <= 0 {
		kr.Weight = 1
	}
	if err := s.q(ctx).Omit(clause.Associations).Create(kr).Error; err != nil {
		return fmt.Errorf("add key result: %w", err)
	}
	return nil
}

// Objective returns the objective with a short number, with its owner, team,
// period and key results.
func (s *Store) Objective(ctx context.Context, workspaceID uint, number int64) (Objective, error) {
	return one(s.objectives(ctx, workspaceID, "objectives.workspace_id = ? AND objectives.number = ?", workspaceID, number))
}

// ObjectiveByID returns the objective with a database id, like Objective.
func (s *Store) ObjectiveByID(ctx context.Context, workspaceID, id uint) (Objective, error) {
	return one(s.objectives(ctx, workspaceID, "objectives.workspace_id = ? AND objectives.id = ?", workspaceID, id))
}

// one is the single objective found, or okr.ErrNotFound.
func one(os []Objective, err error) (Objective, error) {
	switch {
	case err != nil:
		return Objective{}, err
	case len(os) == 0:
		return Objective{}, okr.ErrNotFound
	}
	return os[0], nil
}

// KeyResult returns the key result with a short number.
func (s *Store) KeyResult(ctx context.Context, workspaceID uint, number int64) (KeyResult, error) {
	var kr KeyResult
	err := s.q(ctx).Preload("Owner").Where("workspace_id = ? AND number = ?", workspaceID, number).Take(&kr).Error
	return kr, notFound(err)
}

// ObjectiveFilter selects objectives for a list. Zero fields do not filter.
type ObjectiveFilter struct {
	OwnerID  uint
	TeamID   uint
	PeriodID uint
	ParentID uint
	Statuses []okr.Status
}

// Objectives returns the workspace's objectives that match f, by number, each
// with what Objective loads.
func (s *Store) Objectives(ctx context.Context, workspaceID uint, f ObjectiveFilter) ([]Objective, error) {
	where, args := f.where(workspaceID)
	return s.objectives(ctx, workspaceID, where, args...)
}

// where is f as conditions on the objectives table, and their arguments.
func (f ObjectiveFilter) where(workspaceID uint) (string, []any) {
	where, args := []string{"objectives.workspace_id = ?"}, []any{workspaceID}
	add := func(cond string, arg any) {
		where, args = append(where, cond), append(args, arg)
	}
	if f.OwnerID != 0 {
		add("objectives.owner_id = ?", f.OwnerID)
	}
	if f.TeamID != 0 {
		add("objectives.team_id = ?", f.TeamID)
	}
	if f.PeriodID != 0 {
		add("objectives.period_id = ?", f.PeriodID)
	}
	if f.ParentID != 0 {
		add("objectives.parent_id = ?", f.ParentID)
	}
	if len(f.Statuses) > 0 {
		add("objectives.status IN ?", f.Statuses)
	}
	return strings.Join(where, " AND "), args
}

// CountActiveObjectives counts the owner's active objectives in a period.
func (s *Store) CountActiveObjectives(ctx context.Context, workspaceID, ownerID, periodID uint) (int, error) {
	var n int64
	err := s.q(ctx).Model(&Objective{}).
		Where("workspace_id = ? AND owner_id = ? AND period_id = ? AND status = ?", workspaceID, ownerID, periodID, okr.Active).
		Count(&n).Error
	return int(n), err
}

// ObjectiveField is a field of an objective that a change names.
type ObjectiveField string

// The fields of an objective that change.
const (
	ObjectiveTitle       ObjectiveField = "title"
	ObjectiveDescription ObjectiveField = "description"
	ObjectivePeriod      ObjectiveField = "period_id"
	ObjectiveTeam        ObjectiveField = "team_id"
	ObjectiveOwner       ObjectiveField = "owner_id"
	ObjectiveParent      ObjectiveField = "parent_id"
	ObjectiveStatus      ObjectiveField = "status"
	ObjectiveFinalScore  ObjectiveField = "final_score"
	// Grading: how it went and what was learnt.
	ObjectiveOutcome       ObjectiveField = "outcome"
	ObjectiveRetrospective ObjectiveField = "retrospective"
	ObjectiveGradedAt      ObjectiveField = "graded_at"
	ObjectiveGradedBy      ObjectiveField = "graded_by_id"
)

// KeyResultField is a field of a key result that a change names. Its
// current value is not one: it moves only with check-ins.
type KeyResultField string

// The fields of a key result that change.
const (
	KeyResultTitle  KeyResultField = "title"
	KeyResultStart  KeyResultField = "start"
	KeyResultTarget KeyResultField = "target"
	KeyResultUnit   KeyResultField = "unit"
	KeyResultWeight KeyResultField = "weight"
	KeyResultOwner  KeyResultField = "owner_id"
	KeyResultKPI    KeyResultField = "kpi_id"
	// KeyResultFinalScore is the grade given at the end of the period.
	KeyResultFinalScore KeyResultField = "final_score"
)

// columns are fields as the columns gorm updates, with updated_at.
func columns[F ~string](fields []F) []string {
	cols := make([]string, 0, len(fields)+1)
	for _, f := range fields {
		cols = append(cols, string(f))
	}
	return append(cols, "updated_at")
}

// UpdateObjective saves the given fields of an objective (and its
// updated_at). Naming them keeps a concurrent change to other fields, such
// as a close racing an edit of the title, from being overwritten.
func (s *Store) UpdateObjective(ctx context.Context, o *Objective, fields ...ObjectiveField) error {
	err := s.q(ctx).Model(o).Omit(clause.Associations).Select(columns(fields)).
		Where("workspace_id = ?", o.WorkspaceID).Updates(o).Error
	if err != nil {
		return fmt.Errorf("update objective #%d: %w", o.Number, err)
	}
	return nil
}

// UpdateKeyResult saves the given fields of a key result (and its
// updated_at), like UpdateObjective.
func (s *Store) UpdateKeyResult(ctx context.Context, kr *KeyResult, fields ...KeyResultField) error {
	err := s.q(ctx).Model(kr).Omit(clause.Associations).Select(columns(fields)).
		Where("workspace_id = ?", kr.WorkspaceID).Updates(kr).Error
	if err != nil {
		return fmt.Errorf("update key result #%d: %w", kr.Number, err)
	}
	return nil
}

// CheckIn appends a check-in and moves its key result's current value to it.
// Call it inside InTx.
func (s *Store) CheckIn(ctx context.Context, c *CheckIn) error {
	cs := []CheckIn{*c}
	err := s.CheckIns(ctx, cs)
	*c = cs[0]
	return err
}

// CheckIns appends check-ins of several key results, each moving its key
// result's current value, in two statements however many there are. Call
// it inside InTx.
func (s *Store) CheckIns(ctx context.Context, cs []CheckIn) error {
	if len(cs) == 0 {
		return nil
	}
	if err := s.q(ctx).Create(&cs).Error; err != nil {
		return fmt.Errorf("check in: %w", err)
	}
	// One UPDATE sets every key result's value; the last check-in of a key
	// result wins, as it would one after another.
	last := map[uint]CheckIn{}
	var ids []uint
	for _, c := range cs {
		if _, ok := last[c.KeyResultID]; !ok {
			ids = append(ids, c.KeyResultID)
		}
		last[c.KeyResultID] = c
	}
	// Postgres must be told the types of parameters in a CASE; SQLite
	// keeps what it is given.
	value, at := "?", "?"
	if s.dialect == "postgres" {
		value, at = "CAST(? AS NUMERIC)", "CAST(? AS TIMESTAMPTZ)"
	}
	var b strings.Builder
	args := make([]any, 0, 4*len(ids)+2)
	b.WriteString("UPDATE key_results SET current = CASE id")
	for _, id := range ids {
		b.WriteString(" WHEN ? THEN " + value)
		args = append(args, id, last[id].Value)
	}
	b.WriteString(" END, updated_at = CASE id")
	for _, id := range ids {
		b.WriteString(" WHEN ? THEN " + at)
		args = append(args, id, last[id].CreatedAt)
	}
	b.WriteString(" END WHERE workspace_id = ? AND id IN ?")
	args = append(args, cs[0].WorkspaceID, ids)
	res := s.q(ctx).Exec(b.String(), args...)
	if res.Error != nil {
		return fmt.Errorf("check in: %w", res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return okr.ErrNotFound
	}
	return nil
}

// LastCheckIns returns the newest check-in of each key result of a
// workspace that has one.
func (s *Store) LastCheckIns(ctx context.Context, workspaceID uint, keyResultIDs []uint) (map[uint]CheckIn, error) {
	last := make(map[uint]CheckIn, len(keyResultIDs))
	if len(keyResultIDs) == 0 {
		return last, nil
	}
	var rows []CheckIn
	// The newest of each key result is found once per key result, not
	// once per check-in.
	err := s.q(ctx).Where("id IN (?)", s.q(ctx).Model(&CheckIn{}).Select("MAX(id)").
		Where("workspace_id = ? AND key_result_id IN ?", workspaceID, keyResultIDs).Group("key_result_id")).
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("last check-ins: %w", err)
	}
	for _, c := range rows {
		last[c.KeyResultID] = c
	}
	return last, nil
}

// CheckInPoints returns the values of the key results' check-ins made at
// or after since, by key result, oldest first, in one query: what their
// forecasts are drawn from.
func (s *Store) CheckInPoints(ctx context.Context, workspaceID uint, keyResultIDs []uint, since time.Time) (map[uint][]okr.Point, error) {
	out := make(map[uint][]okr.Point, len(keyResultIDs))
	if len(keyResultIDs) == 0 {
		return out, nil
	}
	// Only the columns a forecast needs are read: scanning is most of the
	// cost.
	rows, err := s.q(ctx).Model(&CheckIn{}).Select("key_result_id, created_at, value").
		Where("workspace_id = ? AND key_result_id IN ? AND created_at >= ?", workspaceID, keyResultIDs, since.UTC()).
		Order("key_result_id, created_at, id").Rows()
	if err != nil {
		return nil, fmt.Errorf("check-in points: %w", err)
	}
	return scanPoints(rows, out, "check-in points")
}

// CheckedIn counts the key results of the objectives that match f with a
// check-in made after after and not before since. The key results are
// joined on f's conditions: a period's can be thousands, too many to bind
// as a list.
func (s *Store) CheckedIn(ctx context.Context, workspaceID uint, f ObjectiveFilter, after, since time.Time) (int, error) {
	where, args := f.where(workspaceID)
	var n int
	err := s.q(ctx).Raw(`SELECT COUNT(*) FROM key_results JOIN objectives ON objectives.id = key_results.objective_id
		WHERE `+where+` AND EXISTS (SELECT 1 FROM check_ins WHERE check_ins.key_result_id = key_results.id
		AND check_ins.created_at > ? AND check_ins.created_at >= ?)`, append(args, after.UTC(), since.UTC())...).Row().Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("checked in: %w", err)
	}
	return n, nil
}

// CheckInKeyResults returns the active objectives' key results that a person
// may check in on: those they own, and those of objectives they own. Each
// comes with its objective's number in ObjectiveNumber order.
func (s *Store) CheckInKeyResults(ctx context.Context, workspaceID, userID uint) ([]KeyResult, error) {
	var krs []KeyResult
	err := s.q(ctx).Joins("Owner").
		Joins("JOIN objectives o ON o.id = key_results.objective_id").
		Where("key_results.workspace_id = ? AND o.status = ?", workspaceID, okr.Active).
		Where("key_results.owner_id = ? OR (key_results.owner_id IS NULL AND o.owner_id = ?)", userID, userID).
		Order("o.number, key_results.position").Find(&krs).Error
	return krs, err
}

// Periods returns the workspace's periods, by start.
func (s *Store) Periods(ctx context.Context, workspaceID uint) ([]Period, error) {
	var ps []Period
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("starts_at, name").Find(&ps).Error
	return ps, err
}

// CreatePeriod records a period with custom dates; a name already in use is
// refused.
func (s *Store) CreatePeriod(ctx context.Context, workspaceID uint, p okr.Period) (Period, error) {
	if _, err := s.PeriodByName(ctx, workspaceID, p.Name); err == nil {
		return Period{}, okr.Invalid("period", "There is already a period called %q.", p.Name)
	}
	row := Period{WorkspaceID: workspaceID, Name: p.Name, StartsAt: p.Start, EndsAt: p.End}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return row, fmt.Errorf("create period %s: %w", p.Name, err)
	}
	return row, nil
}
