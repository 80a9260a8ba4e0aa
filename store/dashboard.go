package store

import (
	"context"
	"fmt"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// A DashboardLink is a link that signs a person in to the dashboard once.
// Only its hash is kept: whoever reads the database cannot sign in with it.
type DashboardLink struct {
	Hash        string    `gorm:"primaryKey"`
	WorkspaceID uint      `gorm:"not null;index"`
	UserID      uint      `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index"`
	// UsedAt is when the link signed its person in; a used link signs no
	// one in again.
	UsedAt    *time.Time
	CreatedAt time.Time
}

// A DashboardSession is a person signed in to the dashboard. Only the hash
// of its id is kept, as with links.
type DashboardSession struct {
	Hash        string    `gorm:"primaryKey"`
	WorkspaceID uint      `gorm:"not null;index"`
	UserID      uint      `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
	// SeenAt is the last request of the session, for its idle timeout.
	SeenAt time.Time `gorm:"not null"`
	// ExpiresAt ends the session however busy it is.
	ExpiresAt time.Time `gorm:"not null;index"`
}

// CreateDashboardLink keeps a new sign-in link, and forgets the links and
// sessions that have expired by now, so that neither table grows.
func (s *Store) CreateDashboardLink(ctx context.Context, l *DashboardLink, now time.Time) error {
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Where("expires_at < ?", now.UTC()).Delete(&DashboardLink{}).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Where("expires_at < ?", now.UTC()).Delete(&DashboardSession{}).Error; err != nil {
			return err
		}
		return tx.q(ctx).Create(l).Error
	})
	if err != nil {
		return fmt.Errorf("create dashboard link: %w", err)
	}
	return nil
}

// DashboardLink returns the unused link with the hash that is still valid
// at now, with its person; okr.ErrNotFound when there is none. It changes
// nothing: looking at a link does not use it up.
func (s *Store) DashboardLink(ctx context.Context, hash string, now time.Time) (DashboardLink, User, error) {
	var l DashboardLink
	err := s.q(ctx).Where("hash = ? AND used_at IS NULL AND expires_at > ?", hash, now.UTC()).Take(&l).Error
	if err != nil {
		return l, User{}, notFound(err)
	}
	var u User
	err = s.q(ctx).Where("workspace_id = ? AND id = ?", l.WorkspaceID, l.UserID).Take(&u).Error
	return l, u, notFound(err)
}

// StartDashboardSession uses up the link with the hash and starts the
// session it signs in to, in one transaction: a link used at the same
// moment on two replicas starts one session, and the other gets
// okr.ErrNotFound, as does a used or expired link.
func (s *Store) StartDashboardSession(ctx context.Context, linkHash string, sess *DashboardSession) error {
	now := sess.CreatedAt.UTC()
	return s.InTx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&DashboardLink{}).Where("hash = ? AND used_at IS NULL AND expires_at > ?", linkHash, now).Update("used_at", now)
		if res.Error != nil {
			return fmt.Errorf("use dashboard link: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return okr.ErrNotFound
		}
		var l DashboardLink
		if err := tx.q(ctx).Where("hash = ?", linkHash).Take(&l).Error; err != nil {
			return err
		}
		sess.WorkspaceID, sess.UserID = l.WorkspaceID, l.UserID
		return tx.q(ctx).Create(sess).Error
	})
}

// DashboardSession returns the session with the hash that is still valid
// at now, having been used within idle, with its person and workspace;
// okr.ErrNotFound when there is none.
func (s *Store) DashboardSession(ctx context.Context, hash string, now time.Time, idle time.Duration) (DashboardSession, User, Workspace, error) {
	var (
		sess DashboardSession
		u    User
		ws   Workspace
	)
	now = now.UTC()
	err := s.q(ctx).Where("hash = ? AND expires_at > ? AND seen_at > ?", hash, now, now.Add(-idle)).Take(&sess).Error
	if err != nil {
		return sess, u, ws, notFound(err)
	}
	if err := s.q(ctx).Where("workspace_id = ? AND id = ?", sess.WorkspaceID, sess.UserID).Take(&u).Error; err != nil {
		return sess, u, ws, notFound(err)
	}
	err = s.q(ctx).Where("id = ?", sess.WorkspaceID).Take(&ws).Error
	return sess, u, ws, notFound(err)
}

// SeeDashboardSession records that a session was used at now.
func (s *Store) SeeDashboardSession(ctx context.Context, hash string, now time.Time) error {
	return s.q(ctx).Model(&DashboardSession{}).Where("hash = ?", hash).Update("seen_at", now.UTC()).Error
}

// EndDashboardSession signs a session out.
func (s *Store) EndDashboardSession(ctx context.Context, hash string) error {
	return s.q(ctx).Where("hash = ?", hash).Delete(&DashboardSession{}).Error
}

// CreateDashboardSession starts a session signed in some other way than a
// link (such as Sign in with Slack).
func (s *Store) CreateDashboardSession(ctx context.Context, sess *DashboardSession) error {
	if err := s.q(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("create dashboard session: %w", err)
	}
	return nil
}

// FindWorkspace returns the workspace of a platform's team if okrbot has
// served it; okr.ErrNotFound otherwise. Unlike Workspace it creates none:
// signing in to the dashboard must not add workspaces.
func (s *Store) FindWorkspace(ctx context.Context, platform, teamID string) (Workspace, error) {
	var w Workspace
	err := s.q(ctx).Where("platform = ? AND team_id = ?", platform, teamID).Take(&w).Error
	return w, notFound(err)
}
