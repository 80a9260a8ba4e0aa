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

// /kpi token create NAME | list | revoke ID
func (s *Service) tokenCommand(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if err := c.adminOnly("Only an okrbot admin can manage API tokens."); err != nil {
		return bot.Reply{}, err
	}
	usage := refuse("Usage: `/kpi token create NAME`, `/kpi token list` or `/kpi token revoke ID`.")
	if len(words) == 0 {
		return bot.Reply{}, usage
	}
	switch strings.ToLower(words[0]) {
	case "create":
		name := strings.TrimSpace(strings.Join(words[1:], " "))
		if name == "" {
			return bot.Reply{}, okr.Invalid("name", "Name the token after what will use it, like `/kpi token create \"BI export\"`.")
		}
		if n := utf8.RuneCountInString(name); n > 80 {
			return bot.Reply{}, okr.Invalid("name", "The token name is %d characters long; keep it to 80 or fewer.", n)
		}
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return bot.Reply{}, err
		}
		token := tokenPrefix + hex.EncodeToString(b)
		t := store.APIToken{WorkspaceID: c.ws.ID, Name: name, Hash: HashToken(token), Hint: token[:len(tokenPrefix)+4], CreatedByID: c.user.ID}
		if err := s.store.CreateAPIToken(ctx, &t); err != nil {
			return bot.Reply{}, err
		}
		return bot.Say(bot.Textf("🔑 Token %d %s created. Copy it now; it is not shown again:\n`%s`\n"+
			"Send values with `POST /api/v1/kpis/{id}/measurements`, header `Authorization: Bearer %s`, body `{\"value\": 2.4}`.",
			t.ID, bot.Bold(name), token, t.Hint+"…")), nil
	case "list":
		ts, err := s.store.APITokens(ctx, c.ws.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		if len(ts) == 0 {
			return bot.Say(bot.Textf("No API tokens. Create one with `/kpi token create NAME`.")), nil
		}
		sec := bot.Section{Text: bot.T(bot.Bold("API tokens"))}
		for _, t := range ts {
			used := "never used"
			if t.LastUsedAt != nil {
				used = "last used " + t.LastUsedAt.UTC().Format("Jan 2, 2006")
			}
			sec.Items = append(sec.Items, bot.Textf("• %d %s `%s…` · created %s · %s", t.ID, bot.Bold(t.Name), t.Hint, t.CreatedAt.UTC().Format("Jan 2, 2006"), used))
		}
		return bot.Reply{Message: &bot.Message{Summary: bot.T("API tokens"), Sections: []bot.Section{sec}}}, nil
	case "revoke":
		if len(words) != 2 {
			return bot.Reply{}, usage
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
	return bot.Reply{}, usage
}
