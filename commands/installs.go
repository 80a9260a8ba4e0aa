package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

var _ bot.InstallHandler = (*Service)(nil)

// Installed records that okrbot was installed for a person or added to a
// team, and returns the welcome the first time. A person who had removed
// okrbot, or whom it could not reach, gets their prompts again, unless
// they had turned them off themselves.
func (s *Service) Installed(ctx context.Context, in bot.Install) (*bot.Message, error) {
	ws, err := s.workspace(ctx, in.At.Workspace)
	if err != nil {
		return nil, err
	}
	row := store.AppInstall{WorkspaceID: ws.ID, Kind: store.InstallTeam, PlatformID: in.Team, Channel: in.At.ID, Ref: in.At.Ref, Active: true}
	if in.At.Kind == bot.DirectChat {
		row.Kind, row.PlatformID, row.Channel = store.InstallDirect, in.At.ID, ""
		if _, err := s.store.MentionUser(ctx, ws.ID, in.At.ID, in.By.Name); err != nil {
			return nil, err
		}
		if err := s.keepRef(ctx, ws.ID, in.At); err != nil {
			return nil, err
		}
		resumed, err := s.store.ResumeReminders(ctx, ws.ID, []string{in.At.ID}, store.ReminderRemoved, store.ReminderUnreachable, store.ReminderGone)
		if err != nil {
			return nil, err
		}
		if resumed > 0 {
			s.wake()
		}
	} else if err := s.keepRef(ctx, ws.ID, in.At); err != nil {
		return nil, err
	}
	if row.PlatformID == "" {
		return nil, errors.New("install without a person or a team")
	}
	welcome, err := s.store.SetInstalled(ctx, row, s.now())
	if err != nil || !welcome {
		return nil, err
	}
	if row.Kind == store.InstallDirect {
		return &bot.Message{Summary: bot.T("👋 Hi, I'm okrbot"), Sections: []bot.Section{{
			Text: bot.Textf("👋 Hi, I'm okrbot. I keep track of your objectives and key results, ask you for a short check-in each week, and watch your team's KPIs. Type `/okr help` to see what I can do, or start with `/okr new \"Your first objective\"`."),
		}}}, nil
	}
	return &bot.Message{Summary: bot.T("👋 okrbot was added to this team"), Sections: []bot.Section{{
		Text: bot.Textf("👋 Hi, I'm okrbot. Mention me with a command to use me here, like `/okr list all`. An admin can have the weekly KPI digest posted in this channel with `/kpi digest here weekly monday 09:00`, and KPI alerts with `/kpi alerts here`."),
	}}}, nil
}

// Removed records that okrbot was removed. A person's prompts stop at
// once; a team's channels are simply not written to, as the platform
// refuses it.
func (s *Service) Removed(ctx context.Context, in bot.Install) error {
	ws, err := s.workspace(ctx, in.At.Workspace)
	if err != nil {
		return err
	}
	row := store.AppInstall{WorkspaceID: ws.ID, Kind: store.InstallTeam, PlatformID: in.Team}
	if in.At.Kind == bot.DirectChat {
		row.Kind, row.PlatformID = store.InstallDirect, in.At.ID
		u, err := s.store.UserByPlatformID(ctx, ws.ID, in.At.ID)
		switch {
		case err == nil:
			if err := s.store.StopReminders(ctx, ws.ID, u.ID); err != nil {
				return err
			}
		case !errors.Is(err, okr.ErrNotFound):
			return err
		}
	}
	if row.PlatformID == "" {
		return errors.New("removal without a person or a team")
	}
	if row.Kind == store.InstallTeam {
		// Its members are no longer reachable through it.
		if err := s.store.ReplaceRoster(ctx, ws.ID, row.PlatformID, nil, s.now()); err != nil {
			return err
		}
	}
	_, err = s.store.SetInstalled(ctx, row, s.now())
	return err
}

// Roster keeps the members of a team okrbot is in, and how to reach each
// one: okrbot may write to anyone in such a team. People it could not
// reach before get their prompts again.
func (s *Service) Roster(ctx context.Context, in bot.Install, members []bot.Member) error {
	ws, err := s.workspace(ctx, in.At.Workspace)
	if err != nil {
		return err
	}
	rows, refs, ids := rosterRows(ws, in, members)
	if err := s.store.ReplaceRoster(ctx, ws.ID, in.Team, rows, s.now()); err != nil {
		return err
	}
	return s.reachable(ctx, ws, refs, ids)
}

// RosterChanged keeps the people who joined a team okrbot is in, as
// Roster does, and forgets those who left it.
func (s *Service) RosterChanged(ctx context.Context, in bot.Install, added []bot.Member, removed []bot.User) error {
	ws, err := s.workspace(ctx, in.At.Workspace)
	if err != nil {
		return err
	}
	rows, refs, ids := rosterRows(ws, in, added)
	gone := make([]string, 0, len(removed))
	for _, u := range removed {
		if u.ID != "" {
			gone = append(gone, u.ID)
		}
	}
	if err := s.store.ChangeRoster(ctx, ws.ID, in.Team, rows, gone, s.now()); err != nil {
		return err
	}
	return s.reachable(ctx, ws, refs, ids)
}

// rosterRows are members as the store keeps them: roster rows, the
// references of their chats, and their ids.
func rosterRows(ws store.Workspace, in bot.Install, members []bot.Member) ([]store.RosterMember, []store.Conversation, []string) {
	rows := make([]store.RosterMember, 0, len(members))
	refs := make([]store.Conversation, 0, len(members))
	ids := make([]string, 0, len(members))
	seen := map[string]bool{}
	for _, m := range members {
		if m.User.ID == "" || seen[m.User.ID] {
			continue
		}
		seen[m.User.ID] = true
		ids = append(ids, m.User.ID)
		rows = append(rows, store.RosterMember{PlatformID: m.User.ID, MemberID: m.MemberID, Name: m.User.Name, Email: m.Email, Tenant: in.At.Workspace.TeamID})
		if m.Address.Ref != "" {
			refs = append(refs, store.Conversation{WorkspaceID: ws.ID, Kind: string(bot.DirectChat), PlatformID: m.User.ID, Ref: m.Address.Ref})
		}
	}
	return rows, refs, ids
}

// reachable keeps how to reach people okrbot may now write to, and turns
// on again the prompts of those it could not reach before.
func (s *Service) reachable(ctx context.Context, ws store.Workspace, refs []store.Conversation, ids []string) error {
	if err := s.store.KeepConversations(ctx, refs); err != nil {
		return fmt.Errorf("keep roster conversations: %w", err)
	}
	resumed, err := s.store.ResumeReminders(ctx, ws.ID, ids, store.ReminderUnreachable)
	if err != nil {
		return err
	}
	if resumed > 0 {
		s.wake()
	}
	return nil
}

// Teams lists the teams okrbot is in.
func (s *Service) Teams(ctx context.Context, w bot.Workspace) ([]bot.Install, error) {
	ws, err := s.workspace(ctx, w)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.TeamInstalls(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Install, len(rows))
	for i, r := range rows {
		out[i] = bot.Install{Team: r.PlatformID, At: bot.Address{Workspace: w, Kind: bot.Channel, ID: r.Channel, Ref: r.Ref}}
	}
	return out, nil
}

// unreachableText tells admins who cannot get prompts, or nil when
// everyone can.
func (s *Service) unreachableText(ctx context.Context, c *caller) (bot.Text, error) {
	people, err := s.store.UnreachablePeople(ctx, c.ws.ID)
	if err != nil || len(people) == 0 {
		return nil, err
	}
	names := make([]string, len(people))
	for i, u := range people {
		names[i] = strings.TrimSpace(u.Name)
		if names[i] == "" {
			names[i] = u.PlatformID
		}
	}
	const shown = 10
	list := strings.Join(names[:min(len(names), shown)], ", ")
	if len(names) > shown {
		list += fmt.Sprintf(" and %d more", len(names)-shown)
	}
	who := fmt.Sprintf("%d people cannot", len(people))
	if len(people) == 1 {
		who = "1 person cannot"
	}
	return bot.T(fmt.Sprintf("⚠️ %s get prompts: okrbot is not installed for them (%s). Their prompts start once it is (in Teams, an app setup policy installs it for everyone).", who, list)), nil
}
