package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// Kinds of AppInstall.
const (
	// InstallDirect is okrbot installed for one person (PlatformID is
	// theirs).
	InstallDirect = "direct"
	// InstallTeam is okrbot added to a team (PlatformID is the team's).
	InstallTeam = "team"
)

// An AppInstall is a place okrbot was added to, as the platform reported
// it: a person's own chat or a team. It says whether okrbot is there now,
// and whether it said hello, so that a welcome goes out once.
type AppInstall struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_app_installs_key"`
	Kind        string `gorm:"not null;uniqueIndex:idx_app_installs_key"`
	PlatformID  string `gorm:"not null;uniqueIndex:idx_app_installs_key"`
	// Channel is the channel a team install came from, where its welcome
	// went; Ref is the adapter's reference to reach it (opaque here).
	Channel string `gorm:"not null;default:''"`
	Ref     string `gorm:"not null;default:''"`
	Active  bool   `gorm:"not null;default:true"`
	// WelcomedAt is when the welcome was sent; nil before.
	WelcomedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// A RosterMember is a person in a team okrbot was added to, as the
// platform's roster listed them when last read.
type RosterMember struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_roster_members_key"`
	Team        string `gorm:"not null;uniqueIndex:idx_roster_members_key"`
	// PlatformID is the id okrbot knows the person by (Teams: their Entra
	// object id); MemberID is the platform's id of them in the team
	// (Teams: their "29:" id), which opens a chat with them.
	PlatformID string `gorm:"not null;uniqueIndex:idx_roster_members_key"`
	MemberID   string `gorm:"not null;default:''"`
	Name       string `gorm:"not null;default:''"`
	Email      string `gorm:"not null;default:''"`
	Tenant     string `gorm:"not null;default:''"`
	UpdatedAt  time.Time
}

// SetInstalled records whether okrbot is installed at a place now. When it
// is, and it never said hello there, welcome is true and the welcome is
// booked: of two processes told the same news, one welcomes.
func (s *Store) SetInstalled(ctx context.Context, in AppInstall, now time.Time) (welcome bool, err error) {
	in.ID, in.CreatedAt, in.UpdatedAt, in.WelcomedAt = 0, now.UTC(), now.UTC(), nil
	columns := []string{"active", "updated_at"}
	if in.Active {
		columns = append(columns, "channel", "ref")
	}
	err = s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "kind"}, {Name: "platform_id"}},
		DoUpdates: clause.AssignmentColumns(columns),
	}).Create(&in).Error
	if err != nil || !in.Active {
		return false, err
	}
	res := s.q(ctx).Model(&AppInstall{}).
		Where("workspace_id = ? AND kind = ? AND platform_id = ? AND welcomed_at IS NULL", in.WorkspaceID, in.Kind, in.PlatformID).
		Update("welcomed_at", now.UTC())
	return res.RowsAffected == 1, res.Error
}

// TeamInstalls lists the teams okrbot is in now.
func (s *Store) TeamInstalls(ctx context.Context, workspaceID uint) ([]AppInstall, error) {
	var out []AppInstall
	err := s.q(ctx).Where("workspace_id = ? AND kind = ? AND active = ?", workspaceID, InstallTeam, true).
		Order("id").Find(&out).Error
	return out, err
}

// ReplaceRoster makes members the roster of a team: those no longer in it
// are forgotten, the others written as listed.
func (s *Store) ReplaceRoster(ctx context.Context, workspaceID uint, team string, members []RosterMember, now time.Time) error {
	ids := make([]string, len(members))
	for i := range members {
		members[i].ID, members[i].WorkspaceID, members[i].Team, members[i].UpdatedAt = 0, workspaceID, team, now.UTC()
		ids[i] = members[i].PlatformID
	}
	return s.InTx(ctx, func(tx *Store) error {
		gone := tx.q(ctx).Where("workspace_id = ? AND team = ?", workspaceID, team)
		if len(ids) > 0 {
			gone = gone.Where("platform_id NOT IN ?", ids)
		}
		if err := gone.Delete(&RosterMember{}).Error; err != nil {
			return fmt.Errorf("forget old roster: %w", err)
		}
		if len(members) == 0 {
			return nil
		}
		err := tx.q(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "team"}, {Name: "platform_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"member_id", "name", "email", "tenant", "updated_at"}),
		}).CreateInBatches(members, 500).Error
		if err != nil {
			return fmt.Errorf("save roster: %w", err)
		}
		return nil
	})
}

// ChangeRoster adds members to a team's roster (or updates them) and
// removes the people given by platform id.
func (s *Store) ChangeRoster(ctx context.Context, workspaceID uint, team string, added []RosterMember, removed []string, now time.Time) error {
	for i := range added {
		added[i].ID, added[i].WorkspaceID, added[i].Team, added[i].UpdatedAt = 0, workspaceID, team, now.UTC()
	}
	return s.InTx(ctx, func(tx *Store) error {
		if len(removed) > 0 {
			err := tx.q(ctx).Where("workspace_id = ? AND team = ? AND platform_id IN ?", workspaceID, team, removed).Delete(&RosterMember{}).Error
			if err != nil {
				return fmt.Errorf("remove from roster: %w", err)
			}
		}
		if len(added) == 0 {
			return nil
		}
		err := tx.q(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "team"}, {Name: "platform_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"member_id", "name", "email", "tenant", "updated_at"}),
		}).CreateInBatches(added, 500).Error
		if err != nil {
			return fmt.Errorf("add to roster: %w", err)
		}
		return nil
	})
}

// Roster lists the members of a team as last read, by name.
func (s *Store) Roster(ctx context.Context, workspaceID uint, team string) ([]RosterMember, error) {
	var out []RosterMember
	err := s.q(ctx).Where("workspace_id = ? AND team = ?", workspaceID, team).Order("name, platform_id").Find(&out).Error
	return out, err
}

// RosterMemberByEmail finds a person by email, ignoring case, in the
// rosters of the teams okrbot is in: how an import finds a Teams owner
// whom okrbot never met, with no call to Teams.
func (s *Store) RosterMemberByEmail(ctx context.Context, workspaceID uint, email string) (RosterMember, error) {
	var m RosterMember
	err := s.q(ctx).Where("workspace_id = ? AND LOWER(email) = ?", workspaceID, strings.ToLower(strings.TrimSpace(email))).
		Order("updated_at DESC, id").Take(&m).Error
	return m, notFound(err)
}

// KeepConversations records how to reach conversations okrbot knows
// nothing of yet: what a platform said about a conversation okrbot is in
// is better than what a roster says about how to start one.
func (s *Store) KeepConversations(ctx context.Context, cs []Conversation) error {
	if len(cs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	for i := range cs {
		cs[i].ID, cs[i].UpdatedAt = 0, now
	}
	return s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(cs, 500).Error
}

// ResumeReminders turns prompts on again for the people given (by platform
// id) whose prompts are in one of the states from (such as
// ReminderUnreachable). Prompts a person turned off themselves are never
// turned on here.
func (s *Store) ResumeReminders(ctx context.Context, workspaceID uint, platformIDs []string, from ...string) (int64, error) {
	if len(platformIDs) == 0 || len(from) == 0 {
		return 0, nil
	}
	res := s.q(ctx).Model(&ReminderPerson{}).
		Where("workspace_id = ? AND status IN ? AND user_id IN (?)", workspaceID, from,
			s.q(ctx).Model(&User{}).Select("id").Where("workspace_id = ? AND platform_id IN ?", workspaceID, platformIDs)).
		Updates(map[string]any{"status": ReminderOn, "next_at": nil})
	return res.RowsAffected, res.Error
}

// StopReminders stops a person's prompts at once because they removed
// okrbot, unless they had turned them off themselves.
func (s *Store) StopReminders(ctx context.Context, workspaceID, userID uint) error {
	if _, err := s.ReminderPerson(ctx, workspaceID, userID); err != nil {
		return err
	}
	return s.q(ctx).Model(&ReminderPerson{}).Where("workspace_id = ? AND user_id = ? AND status <> ?", workspaceID, userID, ReminderOff).
		Updates(map[string]any{"status": ReminderRemoved, "next_at": nil}).Error
}

// DeliveryUnreachable records that a prompt could not be sent because the
// platform will not let okrbot write to its person, and stops their
// prompts until okrbot is installed for them.
func (s *Store) DeliveryUnreachable(ctx context.Context, d ReminderDelivery, note string) error {
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.q(ctx).Model(&ReminderDelivery{}).Where("id = ?", d.ID).
			Updates(map[string]any{"state": DeliverySkipped, "note": note, "claimed_until": nil, "nudge_at": nil}).Error
		if err != nil {
			return err
		}
		return tx.q(ctx).Model(&ReminderPerson{}).Where("user_id = ? AND status = ?", d.UserID, ReminderOn).
			Updates(map[string]any{"status": ReminderUnreachable, "next_at": nil}).Error
	})
}

// UnreachablePeople lists the people of a workspace okrbot cannot send
// prompts to, by name.
func (s *Store) UnreachablePeople(ctx context.Context, workspaceID uint) ([]User, error) {
	var out []User
	err := s.q(ctx).Where("workspace_id = ? AND id IN (?)", workspaceID,
		s.q(ctx).Model(&ReminderPerson{}).Select("user_id").Where("workspace_id = ? AND status = ?", workspaceID, ReminderUnreachable)).
		Order("name, platform_id").Find(&out).Error
	return out, err
}
