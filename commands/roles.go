package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/store"
)

// GuestPolicy says what the platform's guests (people let in from outside
// the organization) may do with okrbot.
type GuestPolicy string

const (
	// GuestsNone tells guests that okrbot is for members; the default.
	GuestsNone GuestPolicy = "none"
	// GuestsOwn lets guests see, and check in on, only what they own.
	GuestsOwn GuestPolicy = "own"
)

// ParseGuestPolicy reads OKRBOT_GUESTS; empty is GuestsNone.
func ParseGuestPolicy(v string) (GuestPolicy, error) {
	switch p := GuestPolicy(strings.ToLower(strings.TrimSpace(v))); p {
	case "":
		return GuestsNone, nil
	case GuestsNone, GuestsOwn:
		return p, nil
	}
	return "", fmt.Errorf("%q is neither none nor own", v)
}

// DefaultRoleTTL is how long a platform's answer that someone is an admin
// is trusted for an admin-only change before the platform is asked again.
const DefaultRoleTTL = 5 * time.Minute

// Refusals about who the person is.
const (
	cannotConfirmAdmin = "okrbot cannot confirm you are an admin right now; try again in a minute."
	guestsRefused      = "okrbot is for members of this workspace, and you are a guest here. A member of the workspace can share objectives and KPIs with you."
	guestsOwnOnly      = "As a guest here, you see and check in on only your own objectives and KPIs: `/okr list`, `/okr show 42`, `/okr checkin`, `/kpi show NAME`, `/kpi set NAME 2.4`."
)

// What a guest may do when guests see their own (GuestsOwn): look at and
// check in on what they own. Everything else, such as every objective of
// the workspace or a scorecard, is for members.
var (
	guestOKRCommands = map[string]bool{"help": true, "list": true, "show": true, "checkin": true, "check-in": true, "history": true, "remind": true}
	guestKPICommands = map[string]bool{"help": true, "show": true, "set": true, "history": true}
	guestActions     = map[string]bool{ActionCheckIn: true, ActionRemindCheckIn: true, ActionRemindSnooze: true,
		ActionRemindNothing: true, ActionKPIShow: true, ActionHistoryMore: true}
	guestForms = map[string]bool{CallbackCheckIn: true}
)

// admins reads OKRBOT_ADMINS: entries qualified by their workspace,
// "T0123:U0456" (Slack team and user) or "TENANT:OBJECTID" (Teams), and
// plain user ids, which apply only on a platform that serves one
// workspace. Keys are lower case.
func admins(entries []string) map[string]bool {
	out := map[string]bool{}
	for _, a := range entries {
		if a = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(a), "@")); a != "" {
			out[a] = true
		}
	}
	return out
}

// listedAdmin reports whether OKRBOT_ADMINS names the person with id in
// ws: by workspace and id, or by id alone where the platform serves one
// workspace, because a bare id means nothing across workspaces (Slack ids
// are unique, but a console name or another tenant's person need not be).
func (s *Service) listedAdmin(ws bot.Workspace, id string) bool {
	id = strings.ToLower(id)
	if s.admins[strings.ToLower(ws.TeamID)+":"+id] {
		return true
	}
	return !s.manyWorkspaces[ws.Platform] && s.admins[id]
}

// roles decides whether the caller is an admin and whether a guest. A
// platform's word that someone is an admin counts for admin-only changes
// only while it is younger than the role TTL; past it the platform is asked
// again, and when it cannot be asked the person is not an admin for now
// (c.adminUnconfirmed). Whether someone is a guest goes by the platform's
// last answer, or by what was stored when it cannot answer.
func (s *Service) roles(ctx context.Context, c *caller) error {
	p := c.req.User
	listed := s.listedAdmin(c.req.Workspace, p.ID)
	if s.people == nil || !c.req.Directory {
		// Nothing to ask: what the request and the store say stands.
		c.admin = listed || p.IsAdmin || c.user.IsAdmin
		c.guest = !listed && (p.IsGuest || (p.RolesAt.IsZero() && c.user.IsGuest))
		return nil
	}
	known := !p.RolesAt.IsZero()
	fresh := known && s.now().Sub(p.RolesAt) <= s.roleTTL
	claimsAdmin := p.IsAdmin || (!known && c.user.IsAdmin)
	if !fresh && (!known || claimsAdmin) && !listed {
		q, err := s.people.RecentUser(ctx, c.req.Workspace, p.ID, s.roleTTL)
		if err == nil {
			p.IsAdmin, p.IsGuest, p.RolesAt = q.IsAdmin, q.IsGuest, q.RolesAt
			p.Name, p.TZ = cmp.Or(q.Name, p.Name, c.user.Name), cmp.Or(q.TZ, p.TZ, c.user.TZ)
			known, fresh = true, true
			if c.user, err = s.user(ctx, c.ws, p); err != nil {
				return err
			}
		} else if !errors.Is(err, bot.ErrRolesUnknown) {
			s.log.WarnContext(ctx, "could not read a person's rights from the platform", "team", c.req.Workspace.TeamID, "user", p.ID, "err", err)
		}
	}
	c.admin = listed || (fresh && p.IsAdmin)
	c.adminUnconfirmed = !c.admin && claimsAdmin && !fresh
	if known {
		c.guest = p.IsGuest
	} else {
		c.guest = c.user.IsGuest
	}
	c.guest = c.guest && !listed
	return nil
}

// adminOnly is nil for an admin; otherwise it refuses with the words
// given, or, when the platform could not confirm the person's rights just
// now, says so.
func (c *caller) adminOnly(format string, args ...any) error {
	if c.admin {
		return nil
	}
	return c.notAdmin(refuse(format, args...))
}

// notAdmin is the refusal err of a change the caller might have made as an
// admin, unless okrbot could not confirm their rights just now.
func (c *caller) notAdmin(err error) error {
	if c.adminUnconfirmed {
		return refuse(cannotConfirmAdmin)
	}
	return err
}

// guestMay reports whether the caller may run a command, click a button or
// submit a form (allowed by the guest lists); members may do anything.
func (c *caller) guestMay(allowed map[string]bool, what string) error {
	if !c.guest || allowed[what] {
		return nil
	}
	return refuse(guestsOwnOnly)
}

// ownsObjective reports whether the caller owns o or one of its key
// results: what a guest may see.
func (c *caller) ownsObjective(o store.Objective) bool {
	if o.OwnerID == c.user.ID {
		return true
	}
	for _, kr := range o.KeyResults {
		if kr.OwnerID != nil && *kr.OwnerID == c.user.ID {
			return true
		}
	}
	return false
}
