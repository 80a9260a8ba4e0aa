package commands

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// channelID is where a message to a channel named in a command goes: the
// platform's id of a channel it resolved, or the name as typed (the
// console, or a channel Slack did not escape, which Slack also accepts).
func channelID(ch channelRef) string {
	if ch.ID != "" {
		return ch.ID
	}
	return "#" + ch.Name
}

// channelText names a channel stored by channelID.
func channelText(id string) bot.Inline {
	if strings.HasPrefix(id, "#") {
		return bot.Plain(id)
	}
	return bot.ChannelRef(id, "")
}

// /kpi alerts #channel [--team NAME]
func (s *Service) kpiAlerts(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi alerts", words, []string{"team"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 {
		return bot.Reply{}, refuse("Usage: `/kpi alerts #channel [--team NAME]`, like `/kpi alerts #support-leads --team Support`.")
	}
	ch, ok := c.channel(a.pos[0])
	if !ok {
		return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #support-leads.", a.pos[0])
	}
	// Like digests: alerts name owners in a channel, so not anyone may
	// send every team's alerts somewhere else.
	if err := c.adminOnly("Only an okrbot admin can choose where KPI alerts go."); err != nil {
		return bot.Reply{}, err
	}
	var team store.Team
	if name, ok := a.flags["team"]; ok {
		name = strings.TrimPrefix(strings.TrimSpace(name), "#")
		if team, err = s.store.TeamByName(ctx, c.ws.ID, name); err != nil {
			return bot.Reply{}, s.noTeam(ctx, c, name, err)
		}
	}
	id := channelID(ch)
	if err := s.store.SetAlertChannel(ctx, c.ws.ID, team.ID, id); err != nil {
		return bot.Reply{}, err
	}
	whose := "KPIs without a team's own channel"
	if team.ID != 0 {
		whose = "team " + team.Name + "'s KPIs"
	}
	return bot.Say(bot.Textf("🔔 Alerts for %s now go to %s: one message when a KPI gets worse or goes stale, one when it is back on target.",
		whose, channelText(id))), nil
}

// tokenPrefix starts every API token, so a leaked one is recognisable.
const tokenPrefix = "okrbot_"

// HashToken is how API tokens are stored and looked up: only the hash is
// kept, so the database does not hold working tokens.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Token lifetimes: a year unless asked otherwise, and never longer than
// five, so a forgotten token does not work for ever.
const (
	defaultTokenLife = 365 * 24 * time.Hour
	maxTokenLife     = 5 * 365 * 24 * time.Hour
)

// tokenLife reads --expires: a number of days, weeks or years (90d, 12w,
// 1y) or the date the token stops working (2027-06-30).
func tokenLife(v string, now time.Time) (time.Time, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return now.Add(defaultTokenLife), nil
	}
	bad := okr.Invalid("expires", "--expires %q is not a lifetime like 90d, 12w or 1y, or a date like 2027-06-30.", v)
	var at time.Time
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		at = d
	} else {
		if len(v) < 2 {
			return at, bad
		}
		n, err := strconv.Atoi(v[:len(v)-1])
		if err != nil || n < 1 {
			return at, bad
		}
		switch v[len(v)-1] {
		case 'd':
			at = now.AddDate(0, 0, n)
		case 'w':
			at = now.AddDate(0, 0, 7*n)
		case 'y':
			at = now.AddDate(n, 0, 0)
		default:
			return at, bad
		}
	}
	if !at.After(now) {
		return at, okr.Invalid("expires", "--expires %s is not in the future.", v)
	}
	if at.Sub(now) > maxTokenLife {
		return at, okr.Invalid("expires", "--expires %s is more than five years away; tokens last five years at most.", v)
	}
	return at, nil
}

// tokenUsage says how to use /kpi token.
const tokenUsage = "Usage: `/kpi token create NAME [--kpi NAME] [--expires 90d]`, `/kpi token list` or `/kpi token revoke ID`."

// /kpi token create NAME [--kpi NAME] [--expires 90d] | list | revoke ID.
// Its answers are the asker's own, wherever they asked: a token is a
// secret, and the list names what can write KPI values.
func (s *Service) tokenCommand(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	r, err := s.tokens(ctx, c, words)
	if r.Message != nil {
		r.Message.Visibility = bot.Private
	}
	return r, err
}

func (s *Service) tokens(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if err := c.adminOnly("Only an okrbot admin can manage API tokens."); err != nil {
		return bot.Reply{}, err
	}
	if len(words) == 0 {
		return bot.Reply{}, refuse(tokenUsage)
	}
	switch strings.ToLower(words[0]) {
	case "create":
		return s.createToken(ctx, c, words[1:])
	case "list":
		return s.listTokens(ctx, c)
	case "revoke":
		if len(words) != 2 {
			return bot.Reply{}, refuse(tokenUsage)
		}
		id, err := strconv.ParseUint(words[1], 10, 64)
		if err != nil {
			return bot.Reply{}, okr.Invalid("id", "%q is not a token id; `/kpi token list` shows them.", words[1])
		}
		err = s.store.RevokeAPIToken(ctx, c.ws.ID, uint(id), s.now())
		if errors.Is(err, okr.ErrNotFound) {
			return bot.Reply{}, refuse("There is no active token %d. `/kpi token list` shows them.", id)
		}
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Say(fmt.Sprintf("🔒 Token %d revoked; calls with it are refused from now on.", id)), nil
	}
	return bot.Reply{}, refuse(tokenUsage)
}

// createToken makes an API token for one KPI or every KPI of the
// workspace, and shows it once.
func (s *Service) createToken(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi token create", words, []string{"kpi", "expires"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	name := strings.TrimSpace(strings.Join(a.pos, " "))
	if name == "" {
		return bot.Reply{}, okr.Invalid("name", "Name the token after what will use it, like `/kpi token create \"BI export\" --kpi \"Churn rate\"`.")
	}
	if n := utf8.RuneCountInString(name); n > 80 {
		return bot.Reply{}, okr.Invalid("name", "The token name is %d characters long; keep it to 80 or fewer.", n)
	}
	now := s.now()
	expires, err := tokenLife(a.flags["expires"], now)
	if err != nil {
		return bot.Reply{}, err
	}
	var k store.KPI
	if a.has("kpi") {
		if k, err = kpiRef(ctx, s.store, c, a.flags["kpi"]); err != nil {
			return bot.Reply{}, err
		}
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return bot.Reply{}, err
	}
	token := tokenPrefix + hex.EncodeToString(b)
	exp := expires.UTC()
	t := store.APIToken{WorkspaceID: c.ws.ID, Name: name, Hash: HashToken(token), Hint: token[:len(tokenPrefix)+4], CreatedByID: c.user.ID,
		KPIID: k.ID, ExpiresAt: &exp}
	if err := s.store.CreateAPIToken(ctx, &t); err != nil {
		return bot.Reply{}, err
	}
	scope, path := bot.T("every KPI of this workspace"), "/api/v1/kpis/{id}/measurements"
	if k.ID != 0 {
		scope, path = bot.T("KPI ", kpiName(k), " only"), fmt.Sprintf("/api/v1/kpis/%d/measurements", k.ID)
	}
	return bot.Say(bot.Textf("🔑 Token %d %s created, for %s, until %s. Copy it now; it is not shown again:\n`%s`\n"+
		"Send values with `POST %s`, header `Authorization: Bearer %s`, body `{\"value\": 2.4}`.",
		t.ID, bot.Bold(name), scope, exp.Format("Jan 2, 2006"), token, path, t.Hint+"…")), nil
}

// listTokens lists the workspace's tokens with what each may write, until
// when, and when it was last used.
func (s *Service) listTokens(ctx context.Context, c *caller) (bot.Reply, error) {
	ts, err := s.store.APITokens(ctx, c.ws.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(ts) == 0 {
		return bot.Say(bot.Textf("No API tokens. Create one with `/kpi token create NAME [--kpi NAME] [--expires 90d]`.")), nil
	}
	names := map[uint]string{}
	for _, t := range ts {
		if t.KPIID != 0 {
			if _, ok := names[t.KPIID]; !ok {
				k, err := s.store.KPIByID(ctx, c.ws.ID, t.KPIID)
				switch {
				case errors.Is(err, okr.ErrNotFound):
					names[t.KPIID] = fmt.Sprintf("KPI %d (gone)", t.KPIID)
				case err != nil:
					return bot.Reply{}, err
				default:
					names[t.KPIID] = k.Name
				}
			}
		}
	}
	now := s.now()
	sec := bot.Section{Text: bot.T(bot.Bold("API tokens"))}
	for _, t := range ts {
		scope := bot.T("every KPI")
		if t.KPIID != 0 {
			scope = bot.T("KPI ", bot.Bold(names[t.KPIID]))
		}
		expiry := "no expiry (made before tokens expired; replace it)"
		if t.ExpiresAt != nil {
			expiry = "expires " + t.ExpiresAt.UTC().Format("Jan 2, 2006")
			if !now.Before(*t.ExpiresAt) {
				expiry = "⌛ expired " + t.ExpiresAt.UTC().Format("Jan 2, 2006")
			}
		}
		used := "never used"
		if t.LastUsedAt != nil {
			used = "last used " + t.LastUsedAt.UTC().Format("Jan 2, 2006 15:04 UTC")
		}
		sec.Items = append(sec.Items, bot.Textf("• %d %s `%s…` · %s · %s · created %s · %s", t.ID, bot.Bold(t.Name), t.Hint, scope, expiry,
			t.CreatedAt.UTC().Format("Jan 2, 2006"), used))
	}
	return bot.Reply{Message: &bot.Message{Summary: bot.T("API tokens"), Sections: []bot.Section{sec}}}, nil
}
