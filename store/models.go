package store

import (
	"fmt"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// A Workspace is one installation of okrbot: a chat platform and its team.
type Workspace struct {
	ID       uint   `gorm:"primaryKey"`
	Platform string `gorm:"not null;uniqueIndex:idx_workspaces_platform_team"`
	TeamID   string `gorm:"not null;uniqueIndex:idx_workspaces_platform_team"`
	// Org is the organization the team belongs to, where the platform has
	// them (a Slack Enterprise Grid org).
	Org string `gorm:"not null;default:''"`
	// LastNumber is the last short number handed out to an objective or key
	// result; both share the sequence so "#42" is never ambiguous.
	LastNumber int64 `gorm:"not null;default:0"`
	CreatedAt  time.Time
	// PurgedAt marks a workspace being purged: its rows are deleted after
	// it is set, and nothing is written to it from then on.
	PurgedAt *time.Time
}

// A User is a person in a workspace.
type User struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_users_workspace_platform;index:idx_users_workspace_email,priority:1"`
	PlatformID  string `gorm:"not null;uniqueIndex:idx_users_workspace_platform"`
	Name        string `gorm:"not null;default:''"`
	TZ          string `gorm:"not null;default:''"`
	IsAdmin     bool   `gorm:"not null;default:false"`
	// Email is the person's address as their platform gave it, in lower
	// case; empty when okrbot was never told. Imports name people by it.
	Email string `gorm:"not null;default:'';index:idx_users_workspace_email,priority:2"`
	// IsGuest is what the platform said last: the person is a guest, not
	// a member. It is what okrbot goes on when the platform cannot be
	// asked.
	IsGuest   bool `gorm:"not null;default:false"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// A Team is a department or group; teams may nest.
type Team struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_teams_workspace_name"`
	Name        string `gorm:"not null;uniqueIndex:idx_teams_workspace_name"`
	ParentID    *uint
	CreatedAt   time.Time
}

// A Period is the time box of a set of objectives, normally a quarter.
type Period struct {
	ID          uint      `gorm:"primaryKey"`
	WorkspaceID uint      `gorm:"not null;uniqueIndex:idx_periods_workspace_name"`
	Name        string    `gorm:"not null;uniqueIndex:idx_periods_workspace_name"`
	StartsAt    time.Time `gorm:"not null"`
	EndsAt      time.Time `gorm:"not null"`
}

// Domain returns the period as the okr package knows it.
func (p Period) Domain() okr.Period {
	return okr.Period{Name: p.Name, Start: p.StartsAt, End: p.EndsAt}
}

// An Objective is a qualitative goal for a period, measured by key results.
type Objective struct {
	ID          uint       `gorm:"primaryKey"`
	WorkspaceID uint       `gorm:"not null;uniqueIndex:idx_objectives_workspace_number"`
	Number      int64      `gorm:"not null;uniqueIndex:idx_objectives_workspace_number"`
	Title       string     `gorm:"not null"`
	Description string     `gorm:"not null;default:''"`
	OwnerID     uint       `gorm:"not null"`
	TeamID      *uint      `gorm:"index"`
	ParentID    *uint      `gorm:"index"`
	PeriodID    uint       `gorm:"not null;index"`
	Status      okr.Status `gorm:"not null;default:'active'"`
	// FinalScore is set when the objective is closed.
	FinalScore *float64
	// Outcome, Retrospective (what was learned), GradedAt and GradedByID
	// are set when the objective is graded at the end of its period.
	Outcome       okr.Outcome `gorm:"not null;default:''"`
	Retrospective string      `gorm:"not null;default:''"`
	GradedAt      *time.Time
	GradedByID    *uint
	// ContinuesID is the objective this one was carried over from. An
	// objective is carried over once, so it is unique.
	ContinuesID *uint `gorm:"uniqueIndex"`
	CreatedAt   time.Time
	UpdatedAt   time.Time

	Owner      User
	Team       *Team
	Period     Period
	KeyResults []KeyResult `gorm:"constraint:OnDelete:CASCADE"`
}

// Score is the objective's score: its final score once closed, else the
// weighted progress of its key results, which must be loaded.
func (o Objective) Score() float64 {
	if o.FinalScore != nil {
		return *o.FinalScore
	}
	parts := make([]okr.Weighted, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		parts[i] = okr.Weighted{Value: kr.Progress(), Weight: kr.Weight}
	}
	return okr.Score(parts)
}

// Label is a key result of o as people write it: #42.1.
func (o Objective) Label(kr KeyResult) string { return fmt.Sprintf("#%d.%d", o.Number, kr.Position) }

// A KeyResult measures an objective.
type KeyResult struct {
	ID          uint  `gorm:"primaryKey"`
	WorkspaceID uint  `gorm:"not null;uniqueIndex:idx_key_results_workspace_number"`
	Number      int64 `gorm:"not null;uniqueIndex:idx_key_results_workspace_number"`
	ObjectiveID uint  `gorm:"not null;index"`
	// Position is the key result's place in its objective, from 1: "#42.1".
	Position    int    `gorm:"not null"`
	Title       string `gorm:"not null"`
	OwnerID     *uint  `gorm:"index"`
	okr.Measure `gorm:"embedded"`
	Weight      float64 `gorm:"not null;default:1"`
	// KPIID is the KPI that drives the key result, if any: recording the KPI
	// checks in on the key result.
	KPIID *uint `gorm:"column:kpi_id;index"`
	// FinalScore is the key result's grade, set when its objective is
	// graded.
	FinalScore *float64
	CreatedAt  time.Time
	UpdatedAt  time.Time

	Owner *User
}

// A CheckIn records a key result's value at a moment, with the owner's
// confidence. Check-ins are history: they are only ever appended.
type CheckIn struct {
	ID          uint           `gorm:"primaryKey"`
	WorkspaceID uint           `gorm:"not null"`
	KeyResultID uint           `gorm:"not null;index:idx_check_ins_key_result_created"`
	AuthorID    uint           `gorm:"not null"`
	Value       float64        `gorm:"not null"`
	Confidence  okr.Confidence `gorm:"not null"`
	Comment     string         `gorm:"not null;default:''"`
	CreatedAt   time.Time      `gorm:"not null;index:idx_check_ins_key_result_created"`
}

// models lists every table, in the order AutoMigrate would create them.
var models = []any{&Workspace{}, &User{}, &Team{}, &Period{}, &Objective{}, &KeyResult{}, &CheckIn{}, &ReminderSchedule{}, &ReminderPerson{}, &ReminderDelivery{}, &ReminderThread{},
	&KPI{}, &Measurement{}, &AlertChannel{}, &APIToken{}, &DigestSubscription{}, &DigestDelivery{}, &Conversation{}, &KPIAlert{},
	&HistoryEntry{}, &installation{}, &oauthState{}, &GradingDelivery{}, &AppInstall{}, &RosterMember{}, &DashboardLink{}, &DashboardSession{}, &KPISource{},
	&Job{}, &ChartPicture{}}
