package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// A Job is one piece of background work of okrbot's one job engine: a KPI
// alert or a grading message to send, a grading message to redraw. Its
// unique key within its kind (the alert, the objective's step and
// occurrence) is what makes it run once, however many replicas see it due.
// A process claims due jobs for a lease; what it makes of each try is
// recorded by Finish, Retry or Snooze, and only by the process that holds
// the lease.
type Job struct {
	ID          uint   `gorm:"primaryKey"`
	Kind        string `gorm:"not null;uniqueIndex:idx_jobs_key;index:idx_jobs_due,priority:2"`
	WorkspaceID uint   `gorm:"not null;index"`
	// UniqueKey is unique within Kind.
	UniqueKey string `gorm:"not null;uniqueIndex:idx_jobs_key"`
	// Args is what the work needs, in JSON.
	Args  string   `gorm:"not null;default:'{}'"`
	State JobState `gorm:"not null;index:idx_jobs_due,priority:1"`
	// Attempt counts the tries so far, the one under way included. A try
	// that was snoozed (the platform asked to wait) does not count.
	Attempt int `gorm:"not null;default:0"`
	// RunAt is when the job is due, or due again.
	RunAt time.Time `gorm:"not null;index:idx_jobs_due,priority:3"`
	// LockedBy and LockedUntil are the lease of the process working the
	// job; another may take it over after LockedUntil.
	LockedBy    string `gorm:"not null;default:''"`
	LockedUntil *time.Time
	// LastError is why the last try failed.
	LastError string `gorm:"not null;default:''"`
	// Note is the visible outcome of a finished job: "sent", or why not.
	Note       string `gorm:"not null;default:''"`
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// JobState is where a job is in its life.
type JobState string

const (
	// JobAvailable is a job to run at RunAt (unless a lease holds it).
	JobAvailable JobState = "available"
	// JobDone is a job that did its work, or decided there was none to
	// do (its Note says which).
	JobDone JobState = "done"
	// JobFailed is a job given up: its last error was permanent, or it
	// failed too many times.
	JobFailed JobState = "failed"
)

// Decode reads the job's Args into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal([]byte(j.Args), v); err != nil {
		return fmt.Errorf("job %d (%s) args: %w", j.ID, j.Kind, err)
	}
	return nil
}

// NewJob is a job to insert with EnqueueJob.
type NewJob struct {
	Kind        string
	WorkspaceID uint
	UniqueKey   string
	Args        any
	RunAt       time.Time
	// Again makes a job of the same key that exists run again: a redraw
	// asked for after the last one. Without it, a job of the same key that
	// exists, finished or not, is left as it is (the work is done once).
	Again bool
}

// EnqueueJob inserts a job, in the transaction of the change that causes it
// when s is one. created is false when a job of its kind and key existed
// and was left alone; with Again set, such a job is made to run again
// (from its first attempt), even while a process works it, whose outcome
// then no longer counts, and created is true.
func (s *Store) EnqueueJob(ctx context.Context, n NewJob) (created bool, err error) {
	args, err := json.Marshal(n.Args)
	if err != nil {
		return false, fmt.Errorf("enqueue %s job %s: %w", n.Kind, n.UniqueKey, err)
	}
	j := Job{Kind: n.Kind, WorkspaceID: n.WorkspaceID, UniqueKey: n.UniqueKey, Args: string(args), State: JobAvailable,
		RunAt: n.RunAt.UTC(), CreatedAt: time.Now().UTC()}
	conflict := clause.OnConflict{Columns: []clause.Column{{Name: "kind"}, {Name: "unique_key"}}, DoNothing: true}
	if n.Again {
		conflict = clause.OnConflict{Columns: []clause.Column{{Name: "kind"}, {Name: "unique_key"}}, DoUpdates: clause.Assignments(map[string]any{
			"args": string(args), "state": JobAvailable, "attempt": 0, "run_at": j.RunAt, "locked_by": "", "locked_until": nil,
			"last_error": "", "note": "", "finished_at": nil})}
	}
	res := s.q(ctx).Clauses(conflict).Create(&j)
	if res.Error != nil {
		return false, fmt.Errorf("enqueue %s job %s: %w", n.Kind, n.UniqueKey, res.Error)
	}
	return res.RowsAffected == 1 && j.ID != 0, nil
}

// ClaimJobs leases to this process, until now+lease, up to limit jobs of
// the kinds and workspaces given that are due at now and that no process
// holds, oldest due first, and counts an attempt of each. A job whose
// holder's lease ran out (the process died) is taken over. Each job goes
// to one process at a time: Postgres skips the rows another transaction
// is claiming, and SQLite has one writer.
func (s *Store) ClaimJobs(ctx context.Context, kinds []string, workspaceIDs []uint, now time.Time, lease time.Duration, limit int) ([]Job, error) {
	if len(kinds) == 0 || len(workspaceIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	now = now.UTC()
	until := now.Add(lease)
	token := newToken()
	var claimed []Job
	err := s.InTx(ctx, func(tx *Store) error {
		var ids []uint
		q := tx.q(ctx).Model(&Job{}).Where("state = ? AND kind IN ? AND run_at <= ? AND workspace_id IN ? AND (locked_until IS NULL OR locked_until < ?)",
			JobAvailable, kinds, now, workspaceIDs, now).Order("run_at, id").Limit(limit)
		if err := tx.skipLocked(q).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return err
		}
		if err := tx.q(ctx).Model(&Job{}).Where("id IN ? AND state = ? AND (locked_until IS NULL OR locked_until < ?)", ids, JobAvailable, now).
			Updates(map[string]any{"locked_by": token, "locked_until": until, "attempt": gorm.Expr("attempt + 1")}).Error; err != nil {
			return err
		}
		return tx.q(ctx).Where("locked_by = ? AND id IN ?", token, ids).Order("run_at, id").Find(&claimed).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	return claimed, nil
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// held scopes a query to a job still held by the process that claimed it.
func (s *Store) held(ctx context.Context, j Job) *gorm.DB {
	return s.q(ctx).Model(&Job{}).Where("id = ? AND locked_by = ? AND state = ?", j.ID, j.LockedBy, JobAvailable)
}

// FinishJob ends a claimed job as done or failed (given up), with a note
// that says what came of it, as of at. ok is false when the process no
// longer held it: another took it over, or it was asked to run again.
func (s *Store) FinishJob(ctx context.Context, j Job, state JobState, at time.Time, note string) (ok bool, err error) {
	if state != JobDone && state != JobFailed {
		return false, fmt.Errorf("finish job %d: %q is not an end", j.ID, state)
	}
	res := s.held(ctx, j).Updates(map[string]any{"state": state, "note": note, "finished_at": at.UTC(), "locked_by": "", "locked_until": nil,
		"attempt": j.Attempt})
	if res.Error != nil {
		return false, fmt.Errorf("finish job %d: %w", j.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RetryJob hands a claimed job back, to be tried again at runAt, keeping
// why this try failed. Its attempts are j.Attempt: those claimed, and
// those its holder tried again within its lease.
func (s *Store) RetryJob(ctx context.Context, j Job, runAt time.Time, why string) error {
	res := s.held(ctx, j).Updates(map[string]any{"run_at": runAt.UTC(), "last_error": why, "locked_by": "", "locked_until": nil,
		"attempt": j.Attempt})
	if res.Error != nil {
		return fmt.Errorf("retry job %d: %w", j.ID, res.Error)
	}
	return nil
}

// SnoozeJob hands a claimed job back, to be tried again at runAt, without
// counting this try (j.Attempt) as an attempt: the platform asked okrbot
// to wait.
func (s *Store) SnoozeJob(ctx context.Context, j Job, runAt time.Time, why string) error {
	res := s.held(ctx, j).Updates(map[string]any{"run_at": runAt.UTC(), "last_error": why, "locked_by": "", "locked_until": nil,
		"attempt": max(j.Attempt-1, 0)})
	if res.Error != nil {
		return fmt.Errorf("snooze job %d: %w", j.ID, res.Error)
	}
	return nil
}

// PruneJobs deletes the jobs of the workspaces given that ended before a
// time, and returns how many. Their unique keys are not needed any more:
// what caused them (a delivery, an alert) is recorded once, with its
// outcome, on rows of its own.
func (s *Store) PruneJobs(ctx context.Context, workspaceIDs []uint, before time.Time) (int64, error) {
	if len(workspaceIDs) == 0 {
		return 0, nil
	}
	res := s.q(ctx).Where("state <> ? AND finished_at < ? AND workspace_id IN ?", JobAvailable, before.UTC(), workspaceIDs).Delete(&Job{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune jobs: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// JobByKey returns the job of a kind and key.
func (s *Store) JobByKey(ctx context.Context, kind, key string) (Job, error) {
	var j Job
	err := s.q(ctx).Where("kind = ? AND unique_key = ?", kind, key).Take(&j).Error
	return j, notFound(err)
}

// Jobs returns a workspace's jobs of a kind, oldest first.
func (s *Store) Jobs(ctx context.Context, workspaceID uint, kind string) ([]Job, error) {
	var js []Job
	err := s.q(ctx).Where("workspace_id = ? AND kind = ?", workspaceID, kind).Order("id").Find(&js).Error
	return js, err
}
