package store

import (
	"context"
	"time"

	"gorm.io/gorm"
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
// channel. It is written in the same transaction as the change and sent by
// the scheduler, so an alert is neither lost when sending fails nor sent
// twice.
type KPIAlert struct {
	ID          uint       `gorm:"primaryKey"`
	WorkspaceID uint       `gorm:"not null;index"`
	KPIID       uint       `gorm:"column:kpi_id;not null"`
	From        okr.Health `gorm:"column:from_health;not null"`
	To          okr.Health `gorm:"column:to_health;not null"`
	CreatedAt   time.Time  `gorm:"not null"`
	// ClaimedUntil is the lease of the process sending it.
	ClaimedUntil *time.Time
	Attempts     int `gorm:"not null;default:0"`
	// DoneAt is when it was sent, or given up; Note says which.
	DoneAt *time.Time `gorm:"index"`
	Note   string     `gorm:"not null;default:''"`
}

// TableName groups the table with the KPIs.
func (KPIAlert) TableName() string { return "kpi_alerts" }

// AddKPIAlert records an alert to send.
func (s *Store) AddKPIAlert(ctx context.Context, a *KPIAlert) error {
	a.CreatedAt = a.CreatedAt.UTC()
	return s.q(ctx).Create(a).Error
}

// ClaimKPIAlerts leases the alerts of the workspaces given that are due to
// be sent: not done, and not leased by a process that is still within its
// lease. Each goes to one process at a time.
func (s *Store) ClaimKPIAlerts(ctx context.Context, workspaceIDs []uint, now, until time.Time, limit int) ([]KPIAlert, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var claimed []KPIAlert
	err := s.InTx(ctx, func(tx *Store) error {
		q := tx.q(ctx).Where("done_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?) AND workspace_id IN ?", now.UTC(), workspaceIDs).
			Order("id").Limit(limit)
		var due []KPIAlert
		if err := tx.skipLocked(q).Find(&due).Error; err != nil {
			return err
		}
		for _, a := range due {
			res := tx.q(ctx).Model(&KPIAlert{}).Where("id = ? AND done_at IS NULL", a.ID).
				Updates(map[string]any{"claimed_until": until.UTC(), "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				u := until.UTC()
				a.ClaimedUntil, a.Attempts = &u, a.Attempts+1
				claimed = append(claimed, a)
			}
		}
		return nil
	})
	return claimed, err
}

// FinishKPIAlert marks an alert sent or given up, with a note that says
// which.
func (s *Store) FinishKPIAlert(ctx context.Context, id uint, at time.Time, note string) error {
	return s.q(ctx).Model(&KPIAlert{}).Where("id = ?", id).Updates(map[string]any{"done_at": at.UTC(), "note": note}).Error
}

// RetryKPIAlert hands an alert back to be tried again at retryAt.
func (s *Store) RetryKPIAlert(ctx context.Context, id uint, retryAt time.Time) error {
	return s.q(ctx).Model(&KPIAlert{}).Where("id = ? AND done_at IS NULL", id).UpdateColumn("claimed_until", retryAt.UTC()).Error
}

// KPIAlerts returns a workspace's alerts, oldest first.
func (s *Store) KPIAlerts(ctx context.Context, workspaceID uint) ([]KPIAlert, error) {
	var as []KPIAlert
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&as).Error
	return as, err
}
