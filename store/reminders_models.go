package store

import (
	"time"

	"github.com/okrbot/okrbot/okr"
)

// A ReminderSchedule says when check-in prompts go out: the workspace's own
// (TeamID 0) or a team's override. Times are local to each person.
type ReminderSchedule struct {
	ID          uint `gorm:"primaryKey"`
	WorkspaceID uint `gorm:"not null;uniqueIndex:idx_reminder_schedules_workspace_team"`
	// TeamID is 0 for the workspace's schedule.
	TeamID uint `gorm:"not null;default:0;uniqueIndex:idx_reminder_schedules_workspace_team"`
	// Weekday is a time.Weekday: 0 is Sunday.
	Weekday int `gorm:"not null"`
	// Minute is the local time of day, in minutes after midnight.
	Minute int `gorm:"not null"`
	// EveryWeeks is 1, 2 or 4.
	EveryWeeks int `gorm:"not null;default:1"`
	// Channel, when set, gets a weekly thread where the check-ins answering
	// that week's prompts are posted.
	Channel string `gorm:"not null;default:''"`
	// SetByID is the person who last changed the schedule (0: the default).
	SetByID   uint `gorm:"not null;default:0"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Weekly is the schedule as okr reads it.
func (r ReminderSchedule) Weekly() okr.WeeklyTime {
	return okr.WeeklyTime{Weekday: time.Weekday(r.Weekday), Minute: r.Minute, EveryWeeks: max(r.EveryWeeks, 1)}
}

// ReminderScheduleOf is w as a schedule to store.
func ReminderScheduleOf(w okr.WeeklyTime) ReminderSchedule {
	return ReminderSchedule{Weekday: int(w.Weekday), Minute: w.Minute, EveryWeeks: max(w.EveryWeeks, 1)}
}

// Reminder states of a person.
const (
	ReminderOn  = "on"
	ReminderOff = "off"
	// ReminderGone is a person Slack no longer knows or who left.
	ReminderGone = "gone"
	// ReminderUnreachable is a person the platform will not let okrbot
	// write to until okrbot is installed for them; installing it, or
	// adding it to a team of theirs, turns their prompts on again.
	ReminderUnreachable = "unreachable"
	// ReminderRemoved is a person who removed okrbot; adding it again
	// turns their prompts on again.
	ReminderRemoved = "removed"
)

// A ReminderPerson is a person's place in the reminder schedule: when they
// are next due, in which time zone that was worked out, and whether they
// want prompts at all.
type ReminderPerson struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null"`
	UserID      uint   `gorm:"not null;uniqueIndex"`
	Status      string `gorm:"not null;default:'on'"`
	// ScheduleID and TZ are what NextAt was worked out with.
	ScheduleID uint   `gorm:"not null;default:0"`
	TZ         string `gorm:"not null;default:''"`
	// NextAt is the next occurrence (UTC); nil until it is planned.
	NextAt      *time.Time `gorm:"index"`
	PausedUntil *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Delivery states.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliverySkipped = "skipped"
	DeliveryGone    = "gone"
)

// A ReminderDelivery is one prompt for one occurrence of a schedule to one
// person. It is written before the prompt is sent, and its unique key is
// what makes the prompt go out once.
type ReminderDelivery struct {
	ID          uint      `gorm:"primaryKey"`
	WorkspaceID uint      `gorm:"not null"`
	ScheduleID  uint      `gorm:"not null;uniqueIndex:idx_reminder_deliveries_key"`
	Occurrence  time.Time `gorm:"not null;uniqueIndex:idx_reminder_deliveries_key"`
	UserID      uint      `gorm:"not null;uniqueIndex:idx_reminder_deliveries_key"`
	State       string    `gorm:"not null;index"`
	// Note says why a delivery was skipped.
	Note string `gorm:"not null;default:''"`
	// Attempts counts the failed tries of the step under way: sending the
	// prompt, then its nudge, then redrawing it. It is 0 again once a step
	// is done.
	Attempts int `gorm:"not null;default:0"`
	// ClaimedUntil is the lease of the process sending the prompt, nudge or
	// update; another may take over after it.
	ClaimedUntil *time.Time
	// Conversation and MessageID point at the prompt once sent: the
	// platform's ids of the chat it is in and of the message.
	Conversation string `gorm:"column:channel;not null;default:''"`
	MessageID    string `gorm:"column:ts;not null;default:''"`
	SentAt       *time.Time
	// NudgeAt is when to nudge unless the person has checked in; nil once
	// nudged or when no nudge is due.
	NudgeAt     *time.Time `gorm:"index"`
	NudgedAt    *time.Time
	CheckedInAt *time.Time
	// UpdatePending is no longer used: a check-in queues the prompt's
	// redraw as a job (JobPromptUpdate).
	UpdatePending bool `gorm:"not null;default:false;index"`
	// ThreadPostedAt is the time of the last check-in posted to the team
	// thread.
	ThreadPostedAt *time.Time
	CreatedAt      time.Time
}

// A ReminderThread is a schedule's weekly thread in its team channel.
type ReminderThread struct {
	ID         uint   `gorm:"primaryKey"`
	ScheduleID uint   `gorm:"not null;uniqueIndex:idx_reminder_threads_schedule_week"`
	Week       string `gorm:"not null;uniqueIndex:idx_reminder_threads_schedule_week"`
	// Conversation is the channel's platform id, and MessageID the
	// thread's first message, once posted.
	Conversation string `gorm:"column:channel;not null"`
	MessageID    string `gorm:"column:ts;not null;default:''"`
	// ClaimedUntil is no longer used: the thread's job (JobThread) holds
	// its lease.
	ClaimedUntil *time.Time
	CreatedAt    time.Time
}
