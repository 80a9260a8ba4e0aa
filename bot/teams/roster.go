package teams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

var errNotInstalled = errors.New("okrbot is not installed for this person, nor in a team of theirs")

// refusedCreate reports whether err is Teams refusing to open a chat
// with a person because the app is installed neither for them nor in a
// team of theirs: 403 ForbiddenOperationException "Bot is not installed in
// user's personal scope" (or BotNotInConversationRoster), as opposed to a
// person who blocked the bot or an app the admin disabled.
func refusedCreate(err error) bool {
	e, ok := errors.AsType[*apiError](err)
	if !ok || e.Status != http.StatusForbidden {
		return false
	}
	switch e.Code {
	case "ConversationBlockedByUser", "MessageWritesBlocked", "BotDisabledByAdmin":
		return false
	}
	return true
}

// rosterPageSize is how many members okrbot asks for at a time; Teams
// answers up to 500 and may answer fewer.
const rosterPageSize = 500

// maxRosterPages bounds one read of a roster, against a continuation token
// that never ends.
const maxRosterPages = 1000

// pagedMembers reads a team's or a group chat's roster, page by page
// (GET /v3/conversations/{id}/pagedmembers, following continuationToken).
func (c *connector) pagedMembers(ctx context.Context, serviceURL, conv string) ([]member, error) {
	var all []member
	token := ""
	for range maxRosterPages {
		q := url.Values{"pageSize": {fmt.Sprint(rosterPageSize)}}
		if token != "" {
			q.Set("continuationToken", token)
		}
		var page struct {
			ContinuationToken string   `json:"continuationToken"`
			Members           []member `json:"members"`
		}
		path := "/v3/conversations/" + escapeID(conv) + "/pagedmembers?" + q.Encode()
		if err := c.call(ctx, "getPagedMembers", http.MethodGet, serviceURL, path, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Members...)
		if page.ContinuationToken == "" {
			return all, nil
		}
		token = page.ContinuationToken
	}
	return nil, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("roster of %s: more than %d pages", conv, maxRosterPages)}
}

// readRoster reads the roster of a team (or group chat) okrbot is in and
// hands it to the Handler to keep, with each person's "29:" id in their
// address: that id opens a chat with them even when the app is not
// installed for them, and survives restarts because it is stored.
func (a *Adapter) readRoster(ctx context.Context, in bot.Install, serviceURL string) error {
	ih, ok := a.h.(bot.InstallHandler)
	if !ok || in.Team == "" {
		return nil
	}
	ms, err := a.conn.pagedMembers(ctx, serviceURL, in.Team)
	if err != nil {
		return fmt.Errorf("teams: roster of %s: %w", in.Team, err)
	}
	tenant := in.At.Workspace.TeamID
	members := make([]bot.Member, 0, len(ms))
	for _, m := range ms {
		if m.AADObjectID == "" || !strings.HasPrefix(m.ID, "29:") {
			continue // bots and guests okrbot cannot name
		}
		members = append(members, a.member(tenant, serviceURL, in.At.Workspace, m))
	}
	a.dir.learnTeam(tenant, serviceURL, in.Team)
	return ih.Roster(ctx, in, members)
}

// maxLookedUp bounds the people of one roster change looked up before the
// answer to Teams; a bigger change reads the whole roster after it.
const maxLookedUp = 20

// rosterChanged keeps the people who joined or left a team okrbot is in,
// as Teams names them, before the answer: a person added is reachable at
// once, and one removed is forgotten. Each added person is looked up for
// their name and email. A change too big to look up before the answer
// reads the whole roster after it, which is returned.
func (a *Adapter) rosterChanged(ctx context.Context, log *slog.Logger, ih bot.InstallHandler, act *activity) func(context.Context) {
	in, svc := a.installOf(act)
	if in.Team == "" {
		return nil
	}
	readAll := func(ctx context.Context) {
		if err := a.readRoster(ctx, in, svc); err != nil {
			log.Warn("roster not read", "team", in.Team, "err", err)
		}
	}
	if len(act.MembersAdded) > maxLookedUp {
		return readAll
	}
	tenant := in.At.Workspace.TeamID
	var added []bot.Member
	for _, m := range act.MembersAdded {
		if !strings.HasPrefix(m.ID, "29:") {
			continue
		}
		found, err := a.conn.getMember(ctx, svc, in.Team, m.ID)
		if err != nil || found.AADObjectID == "" {
			log.Warn("new team member not looked up; reading the roster", "user", m.ID, "err", err)
			return readAll
		}
		added = append(added, a.member(tenant, svc, in.At.Workspace, found))
	}
	var removed []bot.User
	for _, m := range act.MembersRemoved {
		if m.AADObjectID != "" {
			removed = append(removed, bot.User{ID: m.AADObjectID})
		}
	}
	if err := ih.RosterChanged(ctx, in, added, removed); err != nil {
		log.Error("roster change not recorded", "team", in.Team, "err", err)
	}
	return nil
}

// member is a roster's member as the core keeps them, with the "29:" id
// that opens their chat in their address.
func (a *Adapter) member(tenant, serviceURL string, ws bot.Workspace, m member) bot.Member {
	a.dir.learnMember(tenant, m.ID, m.AADObjectID)
	a.dir.learnUser(tenant, m.AADObjectID, m.ID)
	ref := convRef{Kind: personalChat, ServiceURL: serviceURL, Tenant: tenant, Bot: "28:" + a.appID, User: m.ID}
	return bot.Member{
		User:     bot.User{ID: m.AADObjectID, Name: m.Name},
		Email:    m.Email,
		MemberID: m.ID,
		Address:  bot.Address{Workspace: ws, Kind: bot.DirectChat, ID: m.AADObjectID, Ref: ref.encode()},
	}
}

// RefreshRosters reads again the roster of every team okrbot is in, so
// that people who joined a team since are reached by their "29:" id.
// okrbot serve calls it at start and daily.
func (a *Adapter) RefreshRosters(ctx context.Context) error {
	ih, ok := a.h.(bot.InstallHandler)
	if !ok {
		return nil
	}
	ws := bot.Workspace{Platform: Platform, TeamID: a.tenant}
	teams, err := ih.Teams(ctx, ws)
	if err != nil {
		return fmt.Errorf("teams: list the teams okrbot is in: %w", err)
	}
	var errs []error
	for _, in := range teams {
		ref, _ := decodeRef(in.At.Ref)
		if err := a.readRoster(ctx, in, a.serviceURL(a.tenant, ref)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
