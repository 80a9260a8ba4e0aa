package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// skipLocked locks the rows a query reads until the transaction ends, and
// skips rows another transaction holds, so that replicas claim disjoint
// work. SQLite has one writer at a time (a single connection and immediate
// transactions), so there the transaction alone is enough.
func (s *Store) skipLocked(db *gorm.DB) *gorm.DB {
	if s.dialect == "postgres" {
		return db.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	return db
}

// ReminderSchedules returns the workspace's schedules: its own (TeamID 0)
// and the teams' overrides.
func (s *Store) ReminderSchedules(ctx context.Context, workspaceID uint) ([]ReminderSchedule, error) {
	var rs []ReminderSchedule
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("team_id").Find(&rs).Error
	return rs, err
}

// ReminderScheduleByID returns a schedule by its database id.
func (s *Store) ReminderScheduleByID(ctx context.Context, id uint) (ReminderSchedule, error) {
	var r ReminderSchedule
	err := s.q(ctx).Where("id = ?", id).Take(&r).Error
	return r, notFound(err)
}

// EnsureReminderSchedule returns the schedule of a workspace (teamID 0) or a
// team, creating it from def when there is none yet.
func (s *Store) EnsureReminderSchedule(ctx context.Context, workspaceID, teamID uint, def ReminderSchedule) (ReminderSchedule, error) {
	def.ID, def.WorkspaceID, def.TeamID = 0, workspaceID, teamID
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&def).Error; err != nil {
		return def, fmt.Errorf("create reminder schedule: %w", err)
	}
	var r ReminderSchedule
	err := s.q(ctx).Where("workspace_id = ? AND team_id = ?", workspaceID, teamID).Take(&r).Error
	return r, err
}

// SaveReminderSchedule creates or replaces the schedule of r's workspace and
// team: its day, time, interval and channel. Everyone's next prompt is
// planned again.
func (s *Store) SaveReminderSchedule(ctx context.Context, r ReminderSchedule) (ReminderSchedule, error) {
	r.ID = 0
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "team_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"weekday", "minute", "every_weeks", "channel", "set_by_id", "updated_at"}),
	}).Create(&r).Error
	if err != nil {
		return r, fmt.Errorf("save reminder schedule: %w", err)
	}
	err = s.q(ctx).Model(&ReminderPerson{}).Where("workspace_id = ?", r.WorkspaceID).
		Update("next_at", nil).Error
	if err != nil {
		return r, fmt.Errorf("replan reminders: %w", err)
	}
	err = s.q(ctx).Where("workspace_id = ? AND team_id = ?", r.WorkspaceID, r.TeamID).Take(&r).Error
	return r, err
}

// ReminderPerson returns a person's reminder settings, creating them (on,
// not yet planned) on first use.
func (s *Store) ReminderPerson(ctx context.Context, workspaceID, userID uint) (ReminderPerson, error) {
	p := ReminderPerson{WorkspaceID: workspaceID, UserID: userID, Status: ReminderOn}
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&p).Error; err != nil {
		return p, fmt.Errorf("create reminder settings: %w", err)
	}
	err := s.q(ctx).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&p).Error
	return p, notFound(err)
}

// FindReminderPerson returns a person's reminder settings without creating
// them: a person okrbot has not planned yet is on, with nothing planned.
func (s *Store) FindReminderPerson(ctx context.Context, workspaceID, userID uint) (ReminderPerson, error) {
	var p ReminderPerson
	err := s.q(ctx).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ReminderPerson{WorkspaceID: workspaceID, UserID: userID, Status: ReminderOn}, nil
	}
	return p, err
}

// SetReminderStatus turns a person's reminders on or off, or marks them
// gone. Turning them on plans the next prompt afresh.
func (s *Store) SetReminderStatus(ctx context.Context, workspaceID, userID uint, status string) error {
	if _, err := s.ReminderPerson(ctx, workspaceID, userID); err != nil {
		return err
	}
	return s.q(ctx).Model(&ReminderPerson{}).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).
		Updates(map[string]any{"status": status, "next_at": nil}).Error
}

// PauseReminders sends a person no prompts until the time given; nil resumes.
func (s *Store) PauseReminders(ctx context.Context, workspaceID, userID uint, until *time.Time) error {
	if _, err := s.ReminderPerson(ctx, workspaceID, userID); err != nil {
		return err
	}
	return s.q(ctx).Model(&ReminderPerson{}).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).
		Update("paused_until", until).Error
}

// AddReminderPeople gives everyone of the workspaces given who owns a key
// result of an active objective (or an active objective with key results
// they own by default) reminder settings, so the scheduler plans their
// prompts. It returns how many were added.
func (s *Store) AddReminderPeople(ctx context.Context, workspaceIDs []uint, now time.Time) (int64, error) {
	if len(workspaceIDs) == 0 {
		return 0, nil
	}
	args := []any{ReminderOn, now.UTC(), now.UTC(), workspaceIDs, okr.Active}
	// A key result's owner is its own or else its objective's. Said as one
	// equality, COALESCE(...) = u.id, Postgres hashes the join; said as an
	// OR, it compared every key result with every person: seconds for a
	// workspace of 10,000 on every tick.
	res := s.q(ctx).Exec(`INSERT INTO reminder_people (workspace_id, user_id, status, schedule_id, tz, created_at, updated_at)
SELECT u.workspace_id, u.id, ?, 0, '', ?, ?
FROM users u
WHERE NOT EXISTS (SELECT 1 FROM reminder_people p WHERE p.user_id = u.id)
AND u.workspace_id IN ?
AND EXISTS (SELECT 1 FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
  WHERE o.status = ? AND kr.workspace_id = u.workspace_id
  AND COALESCE(kr.owner_id, o.owner_id) = u.id)
ON CONFLICT (user_id) DO NOTHING`, args...)
	if res.Error != nil {
		return 0, fmt.Errorf("add reminder people: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ReplanMovedPeople forgets the next prompt of everyone of the workspaces
// given whose time zone changed since it was planned, so it is planned
// again in the new zone.
func (s *Store) ReplanMovedPeople(ctx context.Context, workspaceIDs []uint) error {
	if len(workspaceIDs) == 0 {
		return nil
	}
	return s.q(ctx).Exec(`UPDATE reminder_people SET next_at = NULL
WHERE next_at IS NOT NULL AND workspace_id IN ?
AND tz <> (SELECT u.tz FROM users u WHERE u.id = reminder_people.user_id)`, workspaceIDs).Error
}

// PlanRow is a person whose next prompt is to be planned.
type PlanRow struct {
	Person ReminderPerson
	User   User
	// TeamIDs are the teams of the active objectives the person owns or
	// owns key results in, lowest first.
	TeamIDs []uint
}

// UnplannedPeople returns up to limit people of the workspaces given who
// are on and have no next prompt planned.
func (s *Store) UnplannedPeople(ctx context.Context, workspaceIDs []uint, limit int) ([]PlanRow, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var ps []ReminderPerson
	err := s.q(ctx).Where("status = ? AND next_at IS NULL AND workspace_id IN ?", ReminderOn, workspaceIDs).
		Order("id").Limit(limit).Find(&ps).Error
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	ids := make([]uint, len(ps))
	byWorkspace := map[uint][]uint{}
	for i, p := range ps {
		ids[i] = p.UserID
		byWorkspace[p.WorkspaceID] = append(byWorkspace[p.WorkspaceID], p.UserID)
	}
	var users []User
	if err := s.q(ctx).Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	byID := make(map[uint]User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	teamsOf := map[uint][]uint{}
	for ws, people := range byWorkspace {
		teams, err := s.TeamsOfPeople(ctx, ws, people)
		if err != nil {
			return nil, err
		}
		maps.Copy(teamsOf, teams)
	}
	rows := make([]PlanRow, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, PlanRow{Person: p, User: byID[p.UserID], TeamIDs: teamsOf[p.UserID]})
	}
	return rows, nil
}

// TeamsOfPeople returns, for each person of a workspace, the teams of the
// active objectives they own or own key results in, lowest id first.
func (s *Store) TeamsOfPeople(ctx context.Context, workspaceID uint, userIDs []uint) (map[uint][]uint, error) {
	type teamRow struct {
		UserID uint
		TeamID uint
	}
	var teams []teamRow
	err := s.q(ctx).Raw(`SELECT DISTINCT u.id AS user_id, o.team_id AS team_id
FROM users u JOIN objectives o ON o.workspace_id = u.workspace_id
LEFT JOIN key_results kr ON kr.objective_id = o.id
WHERE u.workspace_id = ? AND u.id IN ? AND o.status = ? AND o.team_id IS NOT NULL
AND (kr.owner_id = u.id OR (kr.owner_id IS NULL AND o.owner_id = u.id))
ORDER BY o.team_id`, workspaceID, userIDs, okr.Active).Scan(&teams).Error
	if err != nil {
		return nil, fmt.Errorf("teams of people: %w", err)
	}
	teamsOf := map[uint][]uint{}
	for _, t := range teams {
		teamsOf[t.UserID] = append(teamsOf[t.UserID], t.TeamID)
	}
	return teamsOf, nil
}

// UserByID returns a person of a workspace by database id.
func (s *Store) UserByID(ctx context.Context, workspaceID, id uint) (User, error) {
	var u User
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&u).Error
	return u, notFound(err)
}

// KeyResultsByID returns the workspace's key results with the ids given.
func (s *Store) KeyResultsByID(ctx context.Context, workspaceID uint, ids []uint) (map[uint]KeyResult, error) {
	return byID(ctx, s, workspaceID, ids, func(kr KeyResult) uint { return kr.ID })
}

// TeamByID returns a team by database id.
func (s *Store) TeamByID(ctx context.Context, workspaceID, id uint) (Team, error) {
	var t Team
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&t).Error
	return t, notFound(err)
}

// PlanReminder records a person's next prompt, unless it was planned
// meanwhile.
func (s *Store) PlanReminder(ctx context.Context, personID, scheduleID uint, tz string, next time.Time) error {
	return s.q(ctx).Model(&ReminderPerson{}).Where("id = ? AND next_at IS NULL", personID).
		Updates(map[string]any{"schedule_id": scheduleID, "tz": tz, "next_at": next.UTC()}).Error
}

// LockDuePeople returns up to limit people of the workspaces given whose
// next prompt is due at now, locked until the transaction ends; other
// replicas skip them. Call it inside InTx.
func (s *Store) LockDuePeople(ctx context.Context, workspaceIDs []uint, now time.Time, limit int) ([]ReminderPerson, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var ps []ReminderPerson
	err := s.skipLocked(s.q(ctx)).Where("status = ? AND next_at <= ? AND workspace_id IN ?", ReminderOn, now.UTC(), workspaceIDs).
		Order("next_at, id").Limit(limit).Find(&ps).Error
	return ps, err
}

// ReplanPerson forgets a person's next prompt, so it is planned again.
func (s *Store) ReplanPerson(ctx context.Context, personID uint) error {
	return s.q(ctx).Model(&ReminderPerson{}).Where("id = ?", personID).Update("next_at", nil).Error
}

// SetNextReminder moves a person's next prompt.
func (s *Store) SetNextReminder(ctx context.Context, personID uint, next time.Time) error {
	return s.q(ctx).Model(&ReminderPerson{}).Where("id = ?", personID).Update("next_at", next.UTC()).Error
}

// JobPrompt is the kind of job that sends a check-in prompt.
const JobPrompt = "prompt"

// CreateDelivery records a delivery unless one with its key (schedule,
// occurrence, person) exists; created says which. A pending one comes with
// the job that sends it, in the same transaction.
func (s *Store) CreateDelivery(ctx context.Context, d *ReminderDelivery) (created bool, err error) {
	d.Occurrence = d.Occurrence.UTC()
	err = s.InTx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(d)
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		created = true
		if d.State != DeliveryPending {
			return nil
		}
		_, err := tx.EnqueueJob(ctx, NewJob{Kind: JobPrompt, WorkspaceID: d.WorkspaceID, UniqueKey: strconv.FormatUint(uint64(d.ID), 10),
			Args: DeliveryJob{Delivery: d.ID}, RunAt: d.Occurrence})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("create delivery: %w", err)
	}
	return created, nil
}

// CheckedInSince reports whether a person recorded any check-in at or after
// a time.
func (s *Store) CheckedInSince(ctx context.Context, userID uint, since time.Time) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&CheckIn{}).Where("author_id = ? AND created_at >= ?", userID, since.UTC()).Limit(1).Count(&n).Error
	return n > 0, err
}

// JobNudge is the kind of job that nudges a prompt nobody answered.
const JobNudge = "nudge"

// DeliverySent records that a prompt went out (as the message messageID in
// the conversation given), and queues its nudge for nudgeAt.
func (s *Store) DeliverySent(ctx context.Context, d ReminderDelivery, conversation, messageID string, at, nudgeAt time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", d.ID).Updates(map[string]any{
			"state": DeliverySent, "channel": conversation, "ts": messageID, "sent_at": at.UTC(), "nudge_at": nudgeAt.UTC(),
			"claimed_until": nil, "attempts": 0}).Error; err != nil {
			return err
		}
		_, err := tx.EnqueueJob(ctx, nudgeJob(d, nudgeAt))
		return err
	})
}

func nudgeJob(d ReminderDelivery, at time.Time) NewJob {
	return NewJob{Kind: JobNudge, WorkspaceID: d.WorkspaceID, UniqueKey: strconv.FormatUint(uint64(d.ID), 10),
		Args: DeliveryJob{Delivery: d.ID}, RunAt: at, Again: true}
}

// DeliveryGone records that a prompt's person is gone, and turns their
// reminders off for good.
func (s *Store) DeliveryGone(ctx context.Context, d ReminderDelivery, note string) error {
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", d.ID).
			Updates(map[string]any{"state": DeliveryGone, "note": note, "claimed_until": nil, "nudge_at": nil}).Error
		if err != nil {
			return err
		}
		return tx.q(ctx).Model(&ReminderPerson{}).Where("user_id = ?", d.UserID).
			Updates(map[string]any{"status": ReminderGone, "next_at": nil}).Error
	})
}

// SkipDelivery gives up on a prompt, saying why.
func (s *Store) SkipDelivery(ctx context.Context, id uint, note string) error {
	return s.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", id).
		Updates(map[string]any{"state": DeliverySkipped, "note": note, "claimed_until": nil}).Error
}

// Nudged records that a prompt's one nudge went out.
func (s *Store) Nudged(ctx context.Context, id uint, at time.Time) error {
	return s.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", id).
		Updates(map[string]any{"nudged_at": at.UTC(), "nudge_at": nil, "claimed_until": nil, "attempts": 0}).Error
}

// ThreadPosted records the time of the last check-in posted to the team
// thread for a prompt (or given up on).
func (s *Store) ThreadPosted(ctx context.Context, id uint, upTo *time.Time) error {
	if upTo == nil {
		return nil
	}
	return s.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", id).Update("thread_posted_at", upTo.UTC()).Error
}

// LastDelivery returns a person's newest prompt that was sent.
func (s *Store) LastDelivery(ctx context.Context, workspaceID, userID uint) (ReminderDelivery, error) {
	var d ReminderDelivery
	err := s.q(ctx).Where("workspace_id = ? AND user_id = ? AND state = ?", workspaceID, userID, DeliverySent).
		Order("occurrence DESC, id DESC").Take(&d).Error
	return d, notFound(err)
}

// Deliveries returns the deliveries of a workspace, oldest first; for tests
// and the benchmark.
func (s *Store) Deliveries(ctx context.Context, workspaceID uint) ([]ReminderDelivery, error) {
	var ds []ReminderDelivery
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&ds).Error
	return ds, err
}

// Snooze moves the nudge of a person's prompt to a time, unless it was
// already nudged; moved says whether it was.
func (s *Store) Snooze(ctx context.Context, workspaceID, userID, id uint, until time.Time) (moved bool, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		var d ReminderDelivery
		err := tx.q(ctx).Where("workspace_id = ? AND user_id = ? AND id = ? AND state = ? AND nudged_at IS NULL", workspaceID, userID, id, DeliverySent).
			Take(&d).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", d.ID).Update("nudge_at", until.UTC()).Error; err != nil {
			return err
		}
		moved = true
		_, err = tx.EnqueueJob(ctx, nudgeJob(d, until))
		return err
	})
	return moved, err
}

// JobPromptUpdate is the kind of job that redraws an answered prompt and
// posts its person's check-ins to the team thread.
const JobPromptUpdate = "prompt-update"

// DeliveryJob is what the jobs of a prompt need.
type DeliveryJob struct {
	Delivery uint `json:"delivery"`
}

// MarkCheckedIn notes a check-in on the person's newest prompt sent since a
// time, and queues the job that redraws it and tells its team thread
// (again, when one ran before: a check-in made meanwhile asks again). It
// reports whether there was such a prompt.
func (s *Store) MarkCheckedIn(ctx context.Context, workspaceID, userID uint, at, since time.Time) (bool, error) {
	d, err := s.LastDelivery(ctx, workspaceID, userID)
	if errors.Is(err, okr.ErrNotFound) || (err == nil && (d.SentAt == nil || d.SentAt.Before(since))) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", d.ID).
			Update("checked_in_at", gorm.Expr("COALESCE(checked_in_at, ?)", at.UTC())).Error; err != nil {
			return err
		}
		_, err := tx.EnqueueJob(ctx, NewJob{Kind: JobPromptUpdate, WorkspaceID: workspaceID, UniqueKey: strconv.FormatUint(uint64(d.ID), 10),
			Args: DeliveryJob{Delivery: d.ID}, RunAt: at, Again: true})
		return err
	})
	return err == nil, err
}

// DeliveryByID returns one of a workspace's prompts.
func (s *Store) DeliveryByID(ctx context.Context, workspaceID, id uint) (ReminderDelivery, error) {
	var d ReminderDelivery
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&d).Error
	return d, notFound(err)
}

// CheckInsBy returns the check-ins a person recorded after a time (all when
// after is nil), oldest first, with their key results.
func (s *Store) CheckInsBy(ctx context.Context, workspaceID, userID uint, after *time.Time) ([]CheckIn, error) {
	q := s.q(ctx).Where("workspace_id = ? AND author_id = ?", workspaceID, userID)
	if after != nil {
		q = q.Where("created_at > ?", after.UTC())
	}
	var cs []CheckIn
	err := q.Order("created_at, id").Find(&cs).Error
	return cs, err
}

// JobThread is the kind of job that opens a team's weekly thread: posts
// its first message.
const JobThread = "thread"

// ThreadJob is what the job of a thread needs.
type ThreadJob struct {
	Thread uint `json:"thread"`
}

// OpenThread returns a schedule's thread for a week in channel, recording
// it, with the job that posts its first message, when it is new. The
// thread is open once its MessageID is set.
func (s *Store) OpenThread(ctx context.Context, workspaceID, scheduleID uint, week, channel string, at time.Time) (ReminderThread, error) {
	t := ReminderThread{ScheduleID: scheduleID, Week: week, Conversation: channel}
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&t).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Where("schedule_id = ? AND week = ?", scheduleID, week).Take(&t).Error; err != nil {
			return err
		}
		if t.MessageID != "" {
			return nil
		}
		_, err := tx.EnqueueJob(ctx, NewJob{Kind: JobThread, WorkspaceID: workspaceID, UniqueKey: strconv.FormatUint(uint64(t.ID), 10),
			Args: ThreadJob{Thread: t.ID}, RunAt: at})
		return err
	})
	if err != nil {
		return t, fmt.Errorf("open thread: %w", err)
	}
	return t, nil
}

// ThreadByID returns one of a workspace's team threads.
func (s *Store) ThreadByID(ctx context.Context, workspaceID, id uint) (ReminderThread, error) {
	var t ReminderThread
	err := s.q(ctx).Where("id = ? AND schedule_id IN (?)", id,
		s.q(ctx).Model(&ReminderSchedule{}).Select("id").Where("workspace_id = ?", workspaceID)).Take(&t).Error
	return t, notFound(err)
}

// ThreadOpened records the first message of a thread.
func (s *Store) ThreadOpened(ctx context.Context, id uint, conversation, messageID string) error {
	return s.q(ctx).Model(&ReminderThread{}).Where("id = ?", id).
		Updates(map[string]any{"channel": conversation, "ts": messageID, "claimed_until": nil}).Error
}

// ResumeRemindersTurnedOffBy turns the prompts back on of the people of an
// installation's workspaces whose prompts were turned off because a send
// failed with one of the errors given: errors that were about okrbot's
// own token, not about the person. People who turned their prompts off
// themselves, or who are gone for another reason, stay as they are. The
// installation is a team (teamID), or an organization (teamID empty,
// every workspace of org). It returns how many people it turned back on.
func (s *Store) ResumeRemindersTurnedOffBy(ctx context.Context, platform, org, teamID string, errs []string) (int64, error) {
	if len(errs) == 0 || (org == "" && teamID == "") {
		return 0, nil
	}
	workspaces := s.q(ctx).Model(&Workspace{}).Select("id").Where("platform = ?", platform)
	if teamID != "" {
		workspaces = workspaces.Where("team_id = ?", teamID)
	} else {
		workspaces = workspaces.Where("org = ?", org)
	}
	var conds []string
	var args []any
	for _, e := range errs {
		conds = append(conds, "note LIKE ?")
		args = append(args, "%"+e+"%")
	}
	turnedOff := s.q(ctx).Model(&ReminderDelivery{}).Select("user_id").
		Where("state = ?", DeliveryGone).Where(strings.Join(conds, " OR "), args...)
	res := s.q(ctx).Model(&ReminderPerson{}).
		Where("status = ? AND workspace_id IN (?) AND user_id IN (?)", ReminderGone, workspaces, turnedOff).
		Updates(map[string]any{"status": ReminderOn, "next_at": nil})
	if res.Error != nil {
		return 0, fmt.Errorf("turn prompts back on after a reinstall: %w", res.Error)
	}
	return res.RowsAffected, nil
}
