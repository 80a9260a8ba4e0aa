package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// A Conversation is how to reach a person's direct chat or a channel later,
// without a request to answer or a platform call to find it: what the
// platform last told okrbot about it (Slack: a person's DM channel id;
// Teams: a conversation reference). Conversations that need nothing, such
// as Slack channels, have none.
type Conversation struct {
	ID          uint `gorm:"primaryKey"`
	WorkspaceID uint `gorm:"not null;uniqueIndex:idx_conversations_key"`
	// Kind is "direct" (PlatformID is the person's) or "channel"
	// (PlatformID is the channel's).
	Kind       string `gorm:"not null;uniqueIndex:idx_conversations_key"`
	PlatformID string `gorm:"not null;uniqueIndex:idx_conversations_key"`
	// Ref is the platform adapter's reference, opaque to the store.
	Ref       string `gorm:"not null"`
	UpdatedAt time.Time
}

// SaveConversation records how to reach a conversation, replacing what was
// known. It writes only when the reference changed.
func (s *Store) SaveConversation(ctx context.Context, c Conversation) error {
	c.UpdatedAt = time.Now().UTC()
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "kind"}, {Name: "platform_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"ref", "updated_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "conversations.ref <> excluded.ref"}}},
	}).Create(&c).Error
}

// ConversationRef returns the stored reference of a conversation, or "" when
// none is known.
func (s *Store) ConversationRef(ctx context.Context, workspaceID uint, kind, platformID string) (string, error) {
	var refs []string
	err := s.q(ctx).Model(&Conversation{}).Where("workspace_id = ? AND kind = ? AND platform_id = ?", workspaceID, kind, platformID).
		Limit(1).Pluck("ref", &refs).Error
	if err != nil || len(refs) == 0 {
		return "", err
	}
	return refs[0], nil
}

// A KPIAlert is a change of a KPI's health to announce in its alert
// channel. It is written in the same transaction as the change, with the
// job that sends it, so an alert is neither lost when sending fails nor
// sent twice.
type KPIAlert struct {
	ID          uint       `gorm:"primaryKey"`
	WorkspaceID uint       `gorm:"not null;index"`
	KPIID       uint       `gorm:"column:kpi_id;not null"`
	From        okr.Health `gorm:"column:from_health;not null"`
	To          okr.Health `gorm:"column:to_health;not null"`
	CreatedAt   time.Time  `gorm:"not null"`
	// ClaimedUntil and Attempts are no longer used: the alert's job
	// (JobKPIAlert) holds its lease and counts its tries.
	ClaimedUntil *time.Time
	Attempts     int `gorm:"not null;default:0"`
	// DoneAt is when it was sent, or given up; Note says which.
	DoneAt *time.Time `gorm:"index"`
	Note   string     `gorm:"not null;default:''"`
}

// TableName groups the table with the KPIs.
func (KPIAlert) TableName() string { return "kpi_alerts" }

// JobKPIAlert is the kind of job that sends a KPI alert.
const JobKPIAlert = "kpi-alert"

// AlertJob is what the job of a KPI alert needs.
type AlertJob struct {
	Alert uint `json:"alert"`
}

// AddKPIAlert records an alert to send, and the job that sends it, in one
// transaction (the caller's, when s is one).
func (s *Store) AddKPIAlert(ctx context.Context, a *KPIAlert) error {
	a.CreatedAt = a.CreatedAt.UTC()
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(a).Error; err != nil {
			return err
		}
		_, err := tx.EnqueueJob(ctx, NewJob{Kind: JobKPIAlert, WorkspaceID: a.WorkspaceID, UniqueKey: strconv.FormatUint(uint64(a.ID), 10),
			Args: AlertJob{Alert: a.ID}, RunAt: a.CreatedAt})
		return err
	})
}

// KPIAlertByID returns one of a workspace's alerts.
func (s *Store) KPIAlertByID(ctx context.Context, workspaceID, id uint) (KPIAlert, error) {
	var a KPIAlert
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&a).Error
	return a, notFound(err)
}

// FinishKPIAlert records what came of an alert: sent, or why not.
func (s *Store) FinishKPIAlert(ctx context.Context, id uint, at time.Time, note string) error {
	return s.q(ctx).Model(&KPIAlert{}).Where("id = ?", id).Updates(map[string]any{"done_at": at.UTC(), "note": note}).Error
}

// KPIAlerts returns a workspace's alerts, oldest first.
func (s *Store) KPIAlerts(ctx context.Context, workspaceID uint) ([]KPIAlert, error) {
	var as []KPIAlert
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&as).Error
	return as, err
}
