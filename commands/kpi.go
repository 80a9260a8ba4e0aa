package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Names of the KPI forms and buttons, shared with the adapters that route
// them.
const (
	CallbackNewKPI = "kpi_new"

	ActionKPIShow     = "kpi_show"
	ActionKPIFullList = "kpi_full_list"
)

// Poster sends a message to a channel or a person (in a thread when threadTS
// is set). *bot/slack.Adapter is one; KPI alerts and digests go through it.
type Poster interface {
	Post(ctx context.Context, channelOrUserID, threadTS string, msg bot.Message) (bot.MessageRef, error)
}

// kpiDeps is what the KPI commands need beyond the store. Posters are set
// after the Service is made, because adapters are made with the Service.
type kpiDeps struct {
	mu      sync.RWMutex
	posters map[string]Poster
}

// SetPoster sets where KPI alerts and digests of a platform's workspaces
// are sent. Workspaces of a platform without a poster (the console) send
// none: a Slack token must never post what another workspace wrote.
func (s *Service) SetPoster(platform string, p Poster) {
	s.kpi.mu.Lock()
	defer s.kpi.mu.Unlock()
	if s.kpi.posters == nil {
		s.kpi.posters = map[string]Poster{}
	}
	s.kpi.posters[platform] = p
}

// platformsWithPosters lists the platforms whose alerts and digests can be
// sent.
func (s *Service) platformsWithPosters() []string {
	s.kpi.mu.RLock()
	defer s.kpi.mu.RUnlock()
	var ps []string
	for p := range s.kpi.posters {
		ps = append(ps, p)
	}
	return ps
}

// poster returns where messages of a platform's workspaces go, or nil.
func (s *Service) poster(platform string) Poster {
	s.kpi.mu.RLock()
	defer s.kpi.mu.RUnlock()
	return s.kpi.posters[platform]
}

// kpiCommands are the /kpi subcommands, in the order help lists them.
var kpiCommands map[string]command

var kpiOrder = []string{"new", "set", "list", "show", "scorecard", "edit", "archive", "alerts", "digest", "token", "help"}

func init() {
	kpiCommands = map[string]command{
		"new": {`/kpi new "Churn rate" --unit % --target 2 --lower-is-better [--warn 2.5 --crit 3] [--team Support] [--cadence weekly] [--owner @ada]`,
			"Create a KPI; with no text, opens a form. Thresholds default to 5% and 10% on the wrong side of the target.", (*Service).newKPI},
		"set": {`/kpi set "Churn rate" 2.4 [--at 2026-11-20] [comment]`,
			"Record a value (the owner or an admin); linked key results are checked in too.", (*Service).setKPI},
		"list":      {"/kpi list [team Support]", "KPIs with value, health, trend and sparkline.", (*Service).listKPIs},
		"show":      {`/kpi show "Churn rate"`, "A KPI's history, sparkline, thresholds and linked key results.", (*Service).showKPI},
		"scorecard": {"/kpi scorecard [team Support]", "A team's KPIs grouped by health, worst first.", (*Service).scorecard},
		"edit": {`/kpi edit "Churn rate" [--name "…"] [--target 1.8] [--warn …] [--crit …] [--unit …] [--team …] [--owner @ada] [--cadence monthly]`,
			"Change a KPI.", (*Service).editKPI},
		"archive": {`/kpi archive "Churn rate"`, "Archive a KPI so it no longer shows or alerts.", (*Service).archiveKPI},
		"alerts":  {"/kpi alerts #channel [--team Support]", "Send a team's KPI alerts (or everyone's) to a channel (admins).", (*Service).kpiAlerts},
		"digest": {"/kpi digest #channel weekly monday 09:00 [--tz Europe/Berlin] [--team Sales] · list · off #channel · now #channel",
			"Leadership digest: subscribe a channel, list, stop, or preview now.", (*Service).digestCommand},
		"token": {"/kpi token create NAME · list · revoke ID",
			"API tokens for `POST /api/v1/kpis/{id}/measurements` (admins).", (*Service).tokenCommand},
		"help": {"/kpi help", "This list.", func(*Service, context.Context, *caller, []string) (bot.Reply, error) {
			return bot.Reply{Message: kpiHelpMessage("")}, nil
		}},
	}
}

func kpiHelpMessage(first string) *bot.Message {
	return commandList("okrbot KPI commands", "*KPIs* are health metrics tracked against a target. Put names with spaces in double quotes; a KPI's id works too.",
		first, kpiOrder, kpiCommands)
}

// runKPI runs a /kpi subcommand.
func (s *Service) runKPI(ctx context.Context, c *caller, sub string, rest []string) (bot.Reply, error) {
	cmd, ok := kpiCommands[sub]
	if !ok {
		msg := fmt.Sprintf("I don't know `/kpi %s`.", bot.Escape(sub))
		return bot.Reply{Message: kpiHelpMessage(msg)}, nil
	}
	return cmd.run(s, ctx, c, rest)
}

// kpiRef finds a KPI by id ("12", "#12") or name, ignoring case. An unknown
// name is answered with the closest one, if any is close.
func kpiRef(ctx context.Context, st *store.Store, c *caller, word string) (store.KPI, error) {
	word = strings.TrimSpace(word)
	if id, err := strconv.ParseUint(strings.TrimPrefix(word, "#"), 10, 64); err == nil {
		k, err := st.KPIByID(ctx, c.ws.ID, uint(id))
		if !errors.Is(err, okr.ErrNotFound) {
			return k, err
		}
	}
	k, err := st.KPIByName(ctx, c.ws.ID, word)
	if !errors.Is(err, okr.ErrNotFound) {
		return k, err
	}
	names, err := st.KPINames(ctx, c.ws.ID)
	if err != nil {
		return k, err
	}
	if best, ok := okr.Closest(word, names); ok {
		return k, refuse("There is no KPI %q. Did you mean *%s*?", bot.Escape(word), bot.Escape(best))
	}
	return k, refuse("There is no KPI %q. `/kpi list` shows them.", bot.Escape(word))
}

// mayChangeKPI reports whether the caller may record values for or change k.
func (c *caller) mayChangeKPI(k store.KPI) bool { return c.admin || k.OwnerID == c.user.ID }

var healthMarks = map[okr.Health]string{
	okr.HealthOnTarget: "🟢", okr.HealthAtRisk: "🟡", okr.HealthOffTarget: "🔴", okr.HealthStale: "⏳", okr.HealthNoData: "⚪",
}

func healthText(h okr.Health) string { return healthMarks[h] + " " + h.Label() }

// targetText is the target with the way it is good: "≤ 2%", "≥ 50".
func targetText(k store.KPI) string {
	op := "≥"
	if k.Direction == okr.LowerIsBetter {
		op = "≤"
	}
	return op + " " + kpiValue(k.Target, k)
}

// kpiValue is v in k's unit, escaped: the unit is text anyone may type.
func kpiValue(v float64, k store.KPI) string { return bot.Escape(okr.FormatValue(v, k.Unit)) }

func kpiName(k store.KPI) string { return "*" + bot.Escape(k.Name) + "*" }

// kpiView is a KPI with what is computed from its recent history.
type kpiView struct {
	k      store.KPI
	health okr.Health
	trend  okr.Trend
	spark  string
	points []okr.Point
}

func newKPIView(k store.KPI, recent []okr.Point, now okr.Health) kpiView {
	v := kpiView{k: k, health: now, points: recent}
	values := make([]float64, len(v.points))
	for i, p := range v.points {
		values[i] = p.Value
	}
	v.spark = okr.Sparkline(values)
	v.trend = okr.TrendOf(v.points, k.Cadence)
	return v
}

// kpiViews loads the recent history of ks in one query and computes their
// health, trend and sparkline.
func (s *Service) kpiViews(ctx context.Context, workspaceID uint, ks []store.KPI) ([]kpiView, error) {
	ids := make([]uint, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	recent, err := s.store.RecentPoints(ctx, workspaceID, ids, store.RecentDepth)
	if err != nil {
		return nil, err
	}
	now := s.now()
	views := make([]kpiView, len(ks))
	for i, k := range ks {
		views[i] = newKPIView(k, recent[k.ID], k.HealthAt(now))
	}
	return views, nil
}

// valueText is the KPI's latest value, or "no value yet".
func valueText(k store.KPI) string {
	if k.LastValue == nil {
		return "no value yet"
	}
	return kpiValue(*k.LastValue, k)
}

// kpiLine is a KPI in a list: health, name, value against target, trend,
// sparkline and owner.
func kpiLine(v kpiView) string {
	k := v.k
	line := fmt.Sprintf("%s %s  %s (target %s)", healthMarks[v.health], kpiName(k), valueText(k), targetText(k))
	if v.trend.Prev != nil {
		line += " · " + v.trend.Prev.String()
	}
	if v.spark != "" {
		line += " · " + v.spark
	}
	return line + " · " + ownerText(&k.Owner)
}

// kpiTeamName resolves "team NAME" words of list and scorecard.
func (s *Service) kpiTeamFilter(ctx context.Context, c *caller, words []string, usage string) (store.Team, error) {
	if len(words) == 0 {
		return store.Team{}, nil
	}
	if len(words) < 2 || !strings.EqualFold(words[0], "team") {
		return store.Team{}, refuse("Usage: `%s`.", usage)
	}
	name := strings.TrimPrefix(strings.Join(words[1:], " "), "#")
	t, err := s.store.TeamByName(ctx, c.ws.ID, name)
	if errors.Is(err, okr.ErrNotFound) {
		return t, s.noTeam(ctx, c, name, err)
	}
	return t, err
}
