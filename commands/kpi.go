package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

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

// kpiCommands are the /kpi subcommands, in the order help lists them.
var kpiCommands map[string]command

var kpiOrder = []string{"new", "set", "list", "show", "history", "scorecard", "edit", "source", "archive", "alerts", "digest", "token", "help"}

func init() {
	kpiCommands = map[string]command{
		"new": {`/kpi new "Churn rate" --unit % --target 2 --lower-is-better [--warn 2.5 --crit 3] [--team Support] [--cadence weekly] [--owner @ada]`,
			bot.Textf("Create a KPI; with no text, opens a form. Thresholds default to 5%% and 10%% on the wrong side of the target."), (*Service).newKPI},
		"set": {`/kpi set "Churn rate" 2.4 [--at 2026-11-20] [comment]`,
			bot.Textf("Record a value (the owner or an admin); linked key results are checked in too."), (*Service).setKPI},
		"list": {"/kpi list [team Support]", bot.Textf("KPIs with value, health, trend and sparkline."), (*Service).listKPIs},
		"show": {`/kpi show "Churn rate"`, bot.Textf("A KPI's history, sparkline, thresholds and linked key results."), (*Service).showKPI},
		"history": {`/kpi history "Churn rate" [--page 2]`,
			bot.Textf("Every change to a KPI, newest first: values recorded (in chat, by the API or an import), targets, owners and edits."), (*Service).kpiHistory},
		"scorecard": {"/kpi scorecard [team Support]", bot.Textf("A team's KPIs grouped by health, worst first."), (*Service).scorecard},
		"edit": {`/kpi edit "Churn rate" [--name "…"] [--target 1.8] [--warn …] [--crit …] [--unit …] [--team …] [--owner @ada] [--cadence monthly]`,
			bot.Textf("Change a KPI."), (*Service).editKPI},
		"source": {`/kpi source "Churn rate" http URL --path '$.churn' [--header "Authorization: Bearer {env:BI_TOKEN}"] [--every 1h]` + " · csv URL --cell B7 · sql DATABASE \"SELECT …\" · prometheus \"QUERY\" · test · off",
			bot.Textf("Fetch a KPI's value on its own, every day unless `--every` says otherwise (the owner or an admin): from a JSON API (`--json KEY=VALUE` POSTs a JSON object, for Jira and HubSpot counts), a CSV (a cell like B7, or `column=Churn row=last`), a database named in `OKRBOT_SOURCE_DB_<NAME>` or Prometheus. Secrets only as `{env:NAME}`. `test` fetches now without recording; `off` stops."), (*Service).kpiSource},
		"archive": {`/kpi archive "Churn rate"`, bot.Textf("Archive a KPI so it no longer shows or alerts."), (*Service).archiveKPI},
		"alerts":  {"/kpi alerts #channel [--team Support]", bot.Textf("Send a team's KPI alerts (or everyone's) to a channel (admins)."), (*Service).kpiAlerts},
		"digest": {"/kpi digest #channel weekly monday 09:00 [--tz Europe/Berlin] [--team Sales] · list · off #channel · now #channel",
			bot.Textf("Leadership digest: subscribe a channel, list, stop, or preview now."), (*Service).digestCommand},
		"token": {"/kpi token create NAME [--kpi NAME] [--expires 90d] · list · revoke ID",
			bot.Textf("API tokens for `POST /api/v1/kpis/{id}/measurements` (admins): for one KPI or all of them, for a year unless `--expires` says otherwise; the list shows when each was last used."), (*Service).tokenCommand},
		"help": {"/kpi help", bot.Textf("This list."), func(*Service, context.Context, *caller, []string) (bot.Reply, error) {
			return bot.Reply{Message: kpiHelpMessage(nil)}, nil
		}},
	}
}

func kpiHelpMessage(first bot.Text) *bot.Message {
	intro := bot.T(bot.Bold("KPIs"), " are health metrics tracked against a target. Put names with spaces in double quotes; a KPI's id works too.")
	return commandList("okrbot KPI commands", intro, first, kpiOrder, kpiCommands)
}

// runKPI runs a /kpi subcommand.
func (s *Service) runKPI(ctx context.Context, c *caller, sub string, rest []string) (bot.Reply, error) {
	cmd, ok := kpiCommands[sub]
	if !ok {
		return bot.Reply{Message: kpiHelpMessage(bot.Textf("I don't know `/kpi %s`.", sub))}, nil
	}
	return cmd.run(s, ctx, c, rest)
}

// kpiRef finds a KPI by id ("12", "#12") or name, ignoring case. An unknown
// name is answered with the closest one, if any is close.
func kpiRef(ctx context.Context, st *store.Store, c *caller, word string) (store.KPI, error) {
	k, err := anyKPIRef(ctx, st, c, word)
	if err == nil && c.guest && k.OwnerID != c.user.ID {
		// A guest sees only their own: another's is not there for them,
		// and neither are the names of others.
		return store.KPI{}, refuse("There is no KPI %q of yours.", strings.TrimSpace(word))
	}
	if c.guest {
		var refused *userError
		if errors.As(err, &refused) {
			return store.KPI{}, refuse("There is no KPI %q of yours.", strings.TrimSpace(word))
		}
	}
	return k, err
}

func anyKPIRef(ctx context.Context, st *store.Store, c *caller, word string) (store.KPI, error) {
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
		return k, refuse("There is no KPI %q. Did you mean %s?", word, bot.Bold(best))
	}
	return k, refuse("There is no KPI %q. `/kpi list` shows them.", word)
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

// kpiValue is v in k's unit.
func kpiValue(v float64, k store.KPI) string { return okr.FormatValue(v, k.Unit) }

func kpiName(k store.KPI) bot.Inline { return bot.Bold(k.Name) }

// kpiView is a KPI with what is computed from its recent history.
type kpiView struct {
	k      store.KPI
	health okr.Health
	trend  okr.Trend
	spark  string
	points []okr.Point
	// sourceFailing is since when the KPI's source fails, where the
	// view shows it (scorecard, digest); nil otherwise.
	sourceFailing *time.Time
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
func kpiLine(v kpiView) bot.Text {
	k := v.k
	line := bot.Textf("%s %s  %s (target %s)", healthMarks[v.health], kpiName(k), valueText(k), targetText(k))
	if v.trend.Prev != nil {
		line = append(line, bot.Plain(" · "+v.trend.Prev.String()))
	}
	if v.spark != "" {
		line = append(line, bot.Plain(" · "+v.spark))
	}
	if v.sourceFailing != nil {
		line = append(line, bot.Plain(" · ⚠️ "+SourceFailing(*v.sourceFailing)))
	}
	return append(line, bot.Plain(" · "), ownerText(&k.Owner))
}

// withFailingSources marks the views of KPIs whose source fails: one
// query, made only where the marks are shown.
func (s *Service) withFailingSources(ctx context.Context, workspaceID uint, views []kpiView) error {
	ids := make([]uint, len(views))
	for i, v := range views {
		ids[i] = v.k.ID
	}
	srcs, err := s.store.KPISources(ctx, workspaceID, ids)
	if err != nil {
		return err
	}
	for i, v := range views {
		if src, ok := srcs[v.k.ID]; ok && src.FailingSince != nil {
			views[i].sourceFailing = src.FailingSince
		}
	}
	return nil
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
