package commands

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// historyShown is how many values /kpi show lists.
const historyShown = 10

func (s *Service) kpiReply(ctx context.Context, c *caller, k store.KPI, head string) (bot.Reply, error) {
	msg, err := s.kpiMessage(ctx, c, k, head)
	return bot.Reply{Message: msg}, err
}

// kpiMessage shows a KPI: value, health, trend, sparkline, thresholds,
// recent history and the key results it drives.
func (s *Service) kpiMessage(ctx context.Context, c *caller, k store.KPI, head string) (*bot.Message, error) {
	views, err := s.kpiViews(ctx, c.ws.ID, []store.KPI{k})
	if err != nil {
		return nil, err
	}
	v := views[0]
	msg := &bot.Message{Text: fmt.Sprintf("KPI %s: %s, %s", bot.Escape(k.Name), valueText(k), v.health.Label())}
	if head != "" {
		msg.Text = bot.Unescape(strings.ReplaceAll(head, "*", ""))
		msg.Sections = append(msg.Sections, bot.Section{Text: head})
	}
	top := fmt.Sprintf("%s  %s · %s", kpiName(k), valueText(k), healthText(v.health))
	if t := v.trend.String(k.Cadence); t != "" {
		top += "\n" + t
	}
	if v.spark != "" {
		top += fmt.Sprintf("\n`%s` last %d values", v.spark, min(len(v.points), okr.SparkLength))
	}
	if k.Description != "" {
		top += "\n" + bot.Escape(k.Description)
	}
	about := []string{fmt.Sprintf("id %d", k.ID), "owner " + ownerText(&k.Owner)}
	if k.Team != nil {
		about = append(about, "team "+bot.Escape(k.Team.Name))
	}
	about = append(about, string(k.Cadence), k.Direction.Label())
	if k.Archived {
		about = append(about, "archived")
	}
	msg.Sections = append(msg.Sections, bot.Section{Text: top, Context: strings.Join(about, " · ")})
	msg.Sections = append(msg.Sections, bot.Section{Text: fmt.Sprintf("Target %s · at risk at %s · off target at %s",
		targetText(k), kpiValue(k.Warn, k), kpiValue(k.Crit, k))})

	history, err := s.store.Measurements(ctx, c.ws.ID, k.ID, historyShown)
	if err != nil {
		return nil, err
	}
	if len(history) > 0 {
		lines := []string{"*History*"}
		for _, m := range history {
			line := fmt.Sprintf("• %s  %s", m.At.UTC().Format("Jan 2, 2006"), kpiValue(m.Value, k))
			if m.Source != "" {
				line += " · " + bot.Escape(m.Source)
			}
			if m.Comment != "" {
				line += fmt.Sprintf(" · “%s”", bot.Escape(m.Comment))
			}
			lines = append(lines, line)
		}
		msg.Sections = append(msg.Sections, bot.Section{Text: strings.Join(lines, "\n")})
	} else {
		msg.Sections = append(msg.Sections, bot.Section{Text: fmt.Sprintf("_No values yet._ Record one with `/kpi set %d VALUE`.", k.ID)})
	}

	driven, err := s.store.KeyResultsDrivenBy(ctx, c.ws.ID, []uint{k.ID})
	if err != nil {
		return nil, err
	}
	if krs := driven[k.ID]; len(krs) > 0 {
		ids := make([]uint, len(krs))
		for i, kr := range krs {
			ids[i] = kr.ObjectiveID
		}
		objectives, err := s.store.ObjectivesByIDs(ctx, c.ws.ID, ids)
		if err != nil {
			return nil, err
		}
		lines := []string{"*Drives key results*"}
		for _, kr := range krs {
			o := objectives[kr.ObjectiveID]
			lines = append(lines, fmt.Sprintf("• `%s` %s — %s · objective #%d %s", keyResultLabel(o, kr), bot.Escape(kr.Title),
				measureText(kr), o.Number, bot.Escape(o.Title)))
		}
		msg.Sections = append(msg.Sections, bot.Section{Text: strings.Join(lines, "\n")})
	}
	return msg, nil
}

// /kpi show NAME-OR-ID
func (s *Service) showKPI(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) != 1 {
		return bot.Reply{}, refuse("Usage: `/kpi show NAME-OR-ID`, like `/kpi show \"Churn rate\"`.")
	}
	k, err := kpiRef(ctx, s.store, c, words[0])
	if err != nil {
		return bot.Reply{}, err
	}
	return s.kpiReply(ctx, c, k, "")
}

// /kpi list [team NAME]
func (s *Service) listKPIs(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	team, err := s.kpiTeamFilter(ctx, c, words, "/kpi list [team NAME]")
	if err != nil {
		return bot.Reply{}, err
	}
	ks, err := s.store.KPIs(ctx, c.ws.ID, store.KPIFilter{TeamID: team.ID})
	if err != nil {
		return bot.Reply{}, err
	}
	title := "KPIs"
	if team.ID != 0 {
		title = "KPIs of " + bot.Escape(team.Name)
	}
	msg := &bot.Message{Text: fmt.Sprintf("%s (%d)", bot.Unescape(title), len(ks))}
	if len(ks) == 0 {
		msg.Sections = []bot.Section{{Text: "*" + title + "*\n_None yet._ Create one with `/kpi new`."}}
		return bot.Reply{Message: msg}, nil
	}
	views, err := s.kpiViews(ctx, c.ws.ID, ks)
	if err != nil {
		return bot.Reply{}, err
	}
	lines := []string{fmt.Sprintf("*%s* (%d)", title, len(ks))}
	for _, v := range views {
		lines = append(lines, kpiLine(v))
	}
	msg.Sections = sectionsOf(lines, "`/kpi show NAME` for history and thresholds.")
	return bot.Reply{Message: msg}, nil
}

// maxSectionChars keeps a section under Slack's 3,000 characters.
const maxSectionChars = 2900

// sectionsOf packs lines into as few sections as fit, the context under the
// last.
func sectionsOf(lines []string, context string) []bot.Section {
	var out []bot.Section
	var cur strings.Builder
	for _, l := range lines {
		if cur.Len() > 0 && cur.Len()+1+len(l) > maxSectionChars {
			out = append(out, bot.Section{Text: cur.String()})
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		out = append(out, bot.Section{Text: cur.String()})
	}
	if len(out) > 0 {
		out[len(out)-1].Context = context
	}
	return out
}

// MaxScorecard is the most KPIs a scorecard should hold; 15 to 25 keep it
// readable.
const MaxScorecard = 25

// /kpi scorecard [team NAME]
func (s *Service) scorecard(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	team, err := s.kpiTeamFilter(ctx, c, words, "/kpi scorecard [team NAME]")
	if err != nil {
		return bot.Reply{}, err
	}
	ks, err := s.store.KPIs(ctx, c.ws.ID, store.KPIFilter{TeamID: team.ID})
	if err != nil {
		return bot.Reply{}, err
	}
	title := "Scorecard"
	if team.ID != 0 {
		title = "Scorecard of " + bot.Escape(team.Name)
	}
	msg := &bot.Message{Text: bot.Unescape(title)}
	if len(ks) == 0 {
		msg.Sections = []bot.Section{{Text: "*" + title + "*\n_No KPIs yet._ Create one with `/kpi new`."}}
		return bot.Reply{Message: msg}, nil
	}
	views, err := s.kpiViews(ctx, c.ws.ID, ks)
	if err != nil {
		return bot.Reply{}, err
	}
	groups := groupByHealth(views)
	var counts []string
	for _, h := range okr.Healths {
		if n := len(groups[h]); n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d %s", healthMarks[h], n, h.Label()))
		}
	}
	msg.Text = fmt.Sprintf("%s: %s", bot.Unescape(title), strings.Join(counts, ", "))
	msg.Sections = append(msg.Sections, bot.Section{Text: fmt.Sprintf("*%s* (%d KPIs)\n%s", title, len(ks), strings.Join(counts, " · "))})
	if len(ks) > MaxScorecard {
		msg.Sections = append(msg.Sections, bot.Section{Text: fmt.Sprintf("💡 This scorecard holds %d KPIs; %d or fewer keep it readable. Archive some, or split them by team.", len(ks), MaxScorecard)})
	}
	for _, h := range okr.Healths {
		if len(groups[h]) == 0 {
			continue
		}
		lines := []string{fmt.Sprintf("*%s %s*", healthMarks[h], capitalize(h.Label()))}
		for _, v := range groups[h] {
			lines = append(lines, kpiLine(v))
		}
		msg.Sections = append(msg.Sections, sectionsOf(lines, "")...)
	}
	return bot.Reply{Message: msg}, nil
}

// groupByHealth groups views by health; inside a group the farthest from
// target come first.
func groupByHealth(views []kpiView) map[okr.Health][]kpiView {
	groups := map[okr.Health][]kpiView{}
	for _, v := range views {
		groups[v.health] = append(groups[v.health], v)
	}
	for _, g := range groups {
		slices.SortStableFunc(g, func(a, b kpiView) int { return cmp.Compare(miss(b), miss(a)) })
	}
	return groups
}

// miss is how far a KPI's value is on the wrong side of its target, relative
// to the target: 0 when it is on the right side or has no value.
func miss(v kpiView) float64 {
	k := v.k
	if k.LastValue == nil {
		return 0
	}
	d := *k.LastValue - k.Target
	if k.Direction == okr.HigherIsBetter {
		d = -d
	}
	if d <= 0 {
		return 0
	}
	if k.Target != 0 {
		return d / abs(k.Target)
	}
	return d
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
