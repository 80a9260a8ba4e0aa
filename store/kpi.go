package store

import (
	"time"

	"github.com/okrbot/okrbot/okr"
)

// A KPI is a health metric tracked continuously against a target.
type KPI struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_kpis_workspace_name_key"`
	Name        string `gorm:"not null"`
	// NameKey is the name in lower case: names are unique per workspace
	// regardless of case, the same way on SQLite and Postgres.
	NameKey     string        `gorm:"not null;uniqueIndex:idx_kpis_workspace_name_key"`
	Description string        `gorm:"not null;default:''"`
	TeamID      *uint         `gorm:"index"`
	OwnerID     uint          `gorm:"not null"`
	Unit        string        `gorm:"not null;default:''"`
	Direction   okr.Direction `gorm:"not null;default:'higher'"`
	Target      float64       `gorm:"not null"`
	Warn        float64       `gorm:"not null"`
	Crit        float64       `gorm:"not null"`
	Cadence     okr.Cadence   `gorm:"not null;default:'weekly'"`
	Archived    bool          `gorm:"not null;default:false"`
	// LastValue and LastAt copy the latest measurement, so lists and
	// digests need not search the history for it.
	LastValue *float64
	LastAt    *time.Time
	// Health is the health last announced, so an alert goes out once per
	// change and not again while it stays.
	Health    okr.Health `gorm:"not null;default:'no-data'"`
	CreatedAt time.Time
	UpdatedAt time.Time

	Owner User
	Team  *Team
}

// TableName keeps gorm from naming the table after "k_p_is".
func (KPI) TableName() string { return "kpis" }

// Standing is the KPI as its health depends on it.
func (k KPI) Standing() okr.Standing {
	return okr.Standing{Direction: k.Direction, Target: k.Target, Thresholds: okr.Thresholds{Warn: k.Warn, Crit: k.Crit}, Cadence: k.Cadence}
}

// HealthAt is the KPI's health at now from its latest value.
func (k KPI) HealthAt(now time.Time) okr.Health {
	if k.LastValue == nil || k.LastAt == nil {
		return okr.HealthNoData
	}
	return k.Standing().HealthAt(now, true, *k.LastAt, *k.LastValue)
}

// A Measurement is a KPI's value at a moment. Measurements are history: they
// are only ever appended.
type Measurement struct {
	ID          uint      `gorm:"primaryKey"`
	WorkspaceID uint      `gorm:"not null"`
	KPIID       uint      `gorm:"column:kpi_id;not null;index:idx_kpi_measurements_kpi_at"`
	Value       float64   `gorm:"not null"`
	At          time.Time `gorm:"not null;index:idx_kpi_measurements_kpi_at"`
	// AuthorID is the person who recorded it; nil when Source (an API
	// token's name, "import") sent it.
	AuthorID  *uint
	Source    string `gorm:"not null;default:''"`
	Comment   string `gorm:"not null;default:''"`
	CreatedAt time.Time
}

// TableName names the history after the KPIs it belongs to.
func (Measurement) TableName() string { return "kpi_measurements" }

// An AlertChannel is where a team's KPI alerts go; TeamID 0 is the
// workspace's default, for KPIs without a team or whose team has none.
type AlertChannel struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_kpi_alert_channels_workspace_team"`
	TeamID      uint   `gorm:"not null;default:0;uniqueIndex:idx_kpi_alert_channels_workspace_team"`
	Channel     string `gorm:"not null"`
	CreatedAt   time.Time
}

// TableName groups the table with the KPIs.
func (AlertChannel) TableName() string { return "kpi_alert_channels" }

// An APIToken lets a script record measurements. Only a hash of the token is
// kept; the token itself is shown once, when it is created.
type APIToken struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;index"`
	Name        string `gorm:"not null"`
	Hash        string `gorm:"not null;uniqueIndex"`
	// Hint is the token's first characters, so people can tell tokens apart.
	Hint        string `gorm:"not null"`
	CreatedByID uint   `gorm:"not null"`
	// KPIID, when not 0, is the one KPI the token may record values of;
	// 0 is every KPI of the workspace.
	KPIID     uint `gorm:"column:kpi_id;not null;default:0"`
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; nil for tokens made
	// before tokens had an expiry.
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// A DigestSubscription sends a channel the leadership digest on a schedule.
type DigestSubscription struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_digest_subscriptions_workspace_channel_team"`
	Channel     string `gorm:"not null;uniqueIndex:idx_digest_subscriptions_workspace_channel_team"`
	// TeamID 0 digests the whole workspace.
	TeamID uint `gorm:"not null;default:0;uniqueIndex:idx_digest_subscriptions_workspace_channel_team"`
	// Schedule is a five-field cron expression in TZ.
	Schedule    string `gorm:"not null"`
	TZ          string `gorm:"not null;default:'UTC'"`
	CreatedByID uint   `gorm:"not null"`
	CreatedAt   time.Time
	// LastSentAt is when the last digest went out: the biggest movers are
	// measured since then.
	LastSentAt *time.Time
	// NextRunAt is the next occurrence, planned from Schedule; nil until
	// planned, and again after the schedule changes.
	NextRunAt *time.Time `gorm:"index"`
}

// Cron is when the subscription's digest goes out.
func (d DigestSubscription) Cron() okr.Cron { return okr.Cron{Spec: d.Schedule, TZ: d.TZ} }

// A DigestDelivery is one occurrence of a subscription's digest. Its unique
// key (subscription, occurrence) is what makes a digest go out once, however
// many replicas see it due.
type DigestDelivery struct {
	ID             uint      `gorm:"primaryKey"`
	WorkspaceID    uint      `gorm:"not null"`
	SubscriptionID uint      `gorm:"not null;uniqueIndex:idx_digest_deliveries_key"`
	Occurrence     time.Time `gorm:"not null;uniqueIndex:idx_digest_deliveries_key"`
	// ClaimedUntil and Attempts are no longer used: the delivery's job
	// (JobDigest) holds its lease and counts its tries.
	ClaimedUntil *time.Time
	Attempts     int `gorm:"not null;default:0"`
	// DoneAt is when it was sent, or skipped as too late.
	DoneAt    *time.Time `gorm:"index"`
	Note      string     `gorm:"not null;default:''"`
	CreatedAt time.Time
}
