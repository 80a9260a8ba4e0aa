package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// SubjectKind names what a history entry is about.
type SubjectKind string

const (
	SubjectObjective SubjectKind = "objective"
	SubjectKeyResult SubjectKind = "key-result"
	SubjectKPI       SubjectKind = "kpi"
)

// subjectTables are the tables that hold each kind of subject.
var subjectTables = map[SubjectKind]string{SubjectObjective: "objectives", SubjectKeyResult: "key_results", SubjectKPI: "kpis"}

// HistoryAction is what happened to a subject.
type HistoryAction string

const (
	ActionCreated       HistoryAction = "created"
	ActionEdited        HistoryAction = "edited"
	ActionOwnerChanged  HistoryAction = "owner-changed"
	ActionTargetChanged HistoryAction = "target-changed"
	ActionArchived      HistoryAction = "archived"
	ActionClosed        HistoryAction = "closed"
	ActionGraded        HistoryAction = "graded"
	ActionCarried       HistoryAction = "carried"
	ActionCheckIn       HistoryAction = "check-in"
	ActionMeasurement   HistoryAction = "measurement"
)

var historyActions = map[HistoryAction]bool{ActionCreated: true, ActionEdited: true, ActionOwnerChanged: true, ActionTargetChanged: true,
	ActionArchived: true, ActionClosed: true, ActionGraded: true, ActionCarried: true, ActionCheckIn: true, ActionMeasurement: true}

// A HistoryEntry records one change to an objective, a key result or a
// KPI: what changed (Field, from OldValue to NewValue, as people read
// them), who changed it and through which platform. The history is only
// ever appended: the Store has no way to change or remove an entry.
type HistoryEntry struct {
	// ID orders the history and is the paging cursor; both indexes end
	// with it, so a page is read in order without sorting.
	ID          uint          `gorm:"primaryKey;index:idx_history_entries_subject,priority:4;index:idx_history_entries_workspace_id,priority:2"`
	WorkspaceID uint          `gorm:"not null;index:idx_history_entries_subject,priority:1;index:idx_history_entries_workspace_id,priority:1"`
	SubjectKind SubjectKind   `gorm:"not null;index:idx_history_entries_subject,priority:2"`
	SubjectID   uint          `gorm:"not null;index:idx_history_entries_subject,priority:3"`
	Action      HistoryAction `gorm:"not null"`
	// Field is the field that changed, "" when the action says it all.
	Field    string `gorm:"not null;default:''"`
	OldValue string `gorm:"not null;default:''"`
	NewValue string `gorm:"not null;default:''"`
	// ActorID is the person who made the change; nil when a script (an API
	// token) or okrbot itself did.
	ActorID *uint
	// Platform is where the change came from: the chat platform, "api" or
	// "import".
	Platform string    `gorm:"not null"`
	At       time.Time `gorm:"not null"`
}

// An Actor is who changes something, for the history.
type Actor struct {
	// UserID is 0 when no person did it.
	UserID   uint
	Platform string
}

func (a Actor) id() *uint {
	if a.UserID == 0 {
		return nil
	}
	return &a.UserID
}

// Changes collects the history entries of one change, by one actor at one
// moment, leaving out fields whose value stayed the same. Record them with
// RecordHistory in the transaction that makes the change.
type Changes struct {
	By Actor
	// At is when the change happened; RecordHistory makes the zero time
	// now.
	At      time.Time
	Entries []HistoryEntry
}

// Add notes that action happened to a subject: field went from old to new,
// as people read them. An edit that kept a field's value is left out; an
// action without a field ("archived"), a check-in and a measurement are
// always kept, since they happened whatever the value.
func (c *Changes) Add(kind SubjectKind, id uint, action HistoryAction, field, old, new string) {
	if field != "" && old == new && action != ActionCheckIn && action != ActionMeasurement {
		return
	}
	c.Entries = append(c.Entries, HistoryEntry{SubjectKind: kind, SubjectID: id, Action: action, Field: field,
		OldValue: old, NewValue: new, ActorID: c.By.id(), Platform: c.By.Platform, At: c.At})
}

// Subject names one objective, key result or KPI by its database id.
type Subject struct {
	Kind SubjectKind
	ID   uint
}

// RecordHistory appends entries, all of one workspace.
// An entry whose subject is not in the workspace is refused with
// okr.ErrNotFound and none is kept. At defaults to now. Call it in the
// transaction that makes the change it records.
func (s *Store) RecordHistory(ctx context.Context, workspaceID uint, entries ...HistoryEntry) error {
	if len(entries) == 0 {
		return nil
	}
	ids := map[SubjectKind][]uint{}
	now := s.db.NowFunc()
	for i := range entries {
		e := &entries[i]
		switch {
		case subjectTables[e.SubjectKind] == "" || e.SubjectID == 0:
			return fmt.Errorf("record history: no subject %q %d", e.SubjectKind, e.SubjectID)
		case !historyActions[e.Action]:
			return fmt.Errorf("record history: unknown action %q", e.Action)
		case e.Platform == "":
			return fmt.Errorf("record history: %s of %s %d has no platform", e.Action, e.SubjectKind, e.SubjectID)
		}
		e.ID, e.WorkspaceID = 0, workspaceID
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC()
		ids[e.SubjectKind] = append(ids[e.SubjectKind], e.SubjectID)
	}
	for kind, list := range ids {
		if err := s.inWorkspace(ctx, subjectTables[kind], workspaceID, list); err != nil {
			return fmt.Errorf("record history of %d %s changes: %w", len(list), kind, err)
		}
	}
	// Batches keep a large import under Postgres's limit of bind
	// parameters per statement. SQLite's driver binds each parameter by
	// searching all of a statement's, work that grows with the square of
	// the batch, so smaller batches are much faster there: 33,000 entries
	// take 7 s of CPU under the race detector in batches of 50, 10 s in
	// batches of 100 and 9 s in batches of 10 (more statements to parse).
	batch := 1000
	if s.dialect == "sqlite" {
		batch = 50
	}
	if err := s.q(ctx).CreateInBatches(&entries, batch).Error; err != nil {
		return fmt.Errorf("record history: %w", err)
	}
	return nil
}

// inWorkspace returns okr.ErrNotFound unless every id names a row of table
// in the workspace.
func (s *Store) inWorkspace(ctx context.Context, table string, workspaceID uint, ids []uint) error {
	// Each id once: an import records a KPI's history thousands of times,
	// and a statement takes a bounded number of parameters.
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var n int64
	if err := s.q(ctx).Table(table).Where("workspace_id = ? AND id IN ?", workspaceID, ids).Count(&n).Error; err != nil {
		return err
	}
	if int(n) != len(ids) {
		return okr.ErrNotFound
	}
	return nil
}

// HistoryPageSize is how many entries a page holds when the caller does not
// say, and MaxHistoryPage the most it may hold.
const (
	HistoryPageSize = 20
	MaxHistoryPage  = 200
)

// A HistoryPage is a run of entries, newest first.
type HistoryPage struct {
	Entries []HistoryEntry
	// Next is the cursor of the next, older page: pass it as before. It is
	// 0 on the last page.
	Next uint
}

// History returns the workspace's history of the subjects (all of it when
// there are none), newest first: limit entries (HistoryPageSize when 0,
// at most MaxHistoryPage) older than the entry with id before (0: from
// the newest). Subjects of another workspace have no history here.
func (s *Store) History(ctx context.Context, workspaceID uint, subjects []Subject, before uint, limit int) (HistoryPage, error) {
	if limit <= 0 {
		limit = HistoryPageSize
	}
	limit = min(limit, MaxHistoryPage)
	q := s.q(ctx).Where("workspace_id = ?", workspaceID)
	if len(subjects) > 0 {
		byKind := map[SubjectKind][]uint{}
		for _, sub := range subjects {
			byKind[sub.Kind] = append(byKind[sub.Kind], sub.ID)
		}
		var (
			conds []string
			args  []any
		)
		for _, kind := range []SubjectKind{SubjectObjective, SubjectKeyResult, SubjectKPI} {
			if ids := byKind[kind]; len(ids) > 0 {
				conds = append(conds, "(subject_kind = ? AND subject_id IN ?)")
				args = append(args, kind, ids)
			}
		}
		if len(conds) == 0 {
			return HistoryPage{}, nil
		}
		q = q.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if before != 0 {
		q = q.Where("id < ?", before)
	}
	var page HistoryPage
	if err := q.Order("id DESC").Limit(limit + 1).Find(&page.Entries).Error; err != nil {
		return page, fmt.Errorf("history: %w", err)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		page.Next = page.Entries[limit-1].ID
	}
	return page, nil
}

// EachHistory calls fn with each of the workspace's history entries, oldest
// first, reading them one at a time so an export need not hold the whole
// history.
func (s *Store) EachHistory(ctx context.Context, workspaceID uint, fn func(HistoryEntry) error) error {
	rows, err := s.q(ctx).Model(&HistoryEntry{}).Where("workspace_id = ?", workspaceID).Order("id").Rows()
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e HistoryEntry
		if err := s.db.ScanRows(rows, &e); err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
