package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// A ChartPicture is a picture that a chat card links to rather than
// carries (a chart too big for a Teams card), kept in the database so
// that whichever replica a link reaches can serve it. It is named by its
// workspace and its content: ID is the hex of the first 16 bytes of its
// SHA-256, so a chart drawn again unchanged is kept once.
type ChartPicture struct {
	WorkspaceID uint      `gorm:"primaryKey;autoIncrement:false"`
	ID          string    `gorm:"primaryKey"`
	PNG         []byte    `gorm:"column:png;not null"`
	ExpiresAt   time.Time `gorm:"not null;index"`
}

// KeepChartPicture keeps a picture until a time (a picture kept again is
// kept until the later time), and forgets the pictures that expired by
// now, so that the table holds about a link's lifetime of pictures.
func (s *Store) KeepChartPicture(ctx context.Context, workspaceID uint, id string, png []byte, until, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Where("expires_at <= ?", now).Delete(&ChartPicture{}).Error; err != nil {
			return fmt.Errorf("forget expired pictures: %w", err)
		}
		err := tx.q(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "id"}},
			DoUpdates: clause.Assignments(map[string]any{"expires_at": gorm.Expr("CASE WHEN excluded.expires_at > chart_pictures.expires_at THEN excluded.expires_at ELSE chart_pictures.expires_at END")}),
		}).Create(&ChartPicture{WorkspaceID: workspaceID, ID: id, PNG: png, ExpiresAt: until}).Error
		if err != nil {
			return fmt.Errorf("keep picture %s: %w", id, err)
		}
		return nil
	})
}

// ChartPicture returns a workspace's picture that has not expired by now,
// or okr.ErrNotFound.
func (s *Store) ChartPicture(ctx context.Context, workspaceID uint, id string, now time.Time) ([]byte, error) {
	var p ChartPicture
	err := s.q(ctx).Where("workspace_id = ? AND id = ? AND expires_at > ?", workspaceID, id, now).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("picture %s: %w", id, okr.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("picture %s: %w", id, err)
	}
	return p.PNG, nil
}
