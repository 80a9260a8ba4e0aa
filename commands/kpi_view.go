package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// historyShown is how many values /kpi show lists.
const historyShown = 10

func (s *Service) kpiReply(ctx context.Context, c *caller, k store.KPI, head bot.Text) (bot.Reply, error) {
	msg, err := s.kpiMessage(ctx, c, k, head)
	return bot.Reply{Message: msg}, err
}

// kpiMessage shows a KPI: value, health, trend, sparkline, thresholds,
// recent history and the key results it drives.
func (s *Service) kpiMessage(ctx context.Context, c *caller, k store.KPI, head bot.Text) (*bot.Message, error) {
	views, err := s.kpiViews(ctx, c.ws.ID, []store.KPI{k})
	if err != nil {
		return nil, err
	}
	v := views[0]
	msg := &bot.Message{Summary: bot.Textf("KPI %s: %s, %s", k.Name, valueText(k), v.health.Label())}
	if !head.IsEmpty() {
		msg.Summary = head.Unstyled()
		msg.Sections = append(msg.Sections, bot.Section{Text: head})
	}
	top := bot.Textf("%s  %s · %s", kpiName(k), valueText(k), healthText(v.health))
	if t := v.trend.String(k.Cadence); t != "" {
		top = append(top, bot.Plain("\n"+t))
	}
	if v.spark != "" {
		top = append(top, bot.Textf("\n`%s` last %d values", v.spark, min(len(v.points), okr.SparkLength))...)
	}
	if k.Description != "" {
		top = append(top, bot.Plain("\n"+k.Description))
	}
	about := []bot.Text{bot.T(fmt.Sprintf("id %d", k.ID)), bot.T("owner ", ownerText(&k.Owner))}
	if k.Team != nil {
		about = append(about, bot.T("team "+k.Team.Name))
	}
	about = append(about, bot.T(string(k.Cadence)), bot.T(k.Direction.Label()))
	if k.Archived {
		about = append(about, bot.T("archived"))
	}
	src, err := s.store.KPISourceOf(ctx, c.ws.ID, k.ID)
	switch {
	case err == nil:
		about = append(about, sourceText(src))
	case !errors.Is(err, okr.ErrNotFound):
		return nil, err
	}
	msg.Sections = append(msg.Sections, bot.Section{Text: top, Context: bot.Join(about, " · ")})
	msg.Sections = append(msg.Sections, bot.Section{Text: bot.T(fmt.Sprintf("Target %s · at risk at %s · off target at %s",
		targetText(k), kpiValue(k.Warn, k), kpiValue(k.Crit, k)))})

	history, err := s.store.Measurements(ctx, c.ws.ID, k.ID, historyShown)
	if err != nil {
		return nil, err
	}
	if len(history) > 0 {
		sec := bot.Section{Text: bot.T(bot.Bold("History"))}
		for _, m := range history {
			line := fmt.Sprintf("• %s  %s", m.At.UTC().Format("Jan 2, 2006"), kpiValue(m.Value, k))
			if m.Source != "" {
				line += " · " + m.Source
			}
			if m.Comment != "" {
				line += fmt.Sprintf(" · “%s”", m.Comment)
			}
			sec.Items = append(sec.Items, bot.T(line))
		}
		msg.Sections = append(msg.Sections, sec)
	} else {
		msg.Sections = append(msg.Sections, bot.Section{Text: bot.T(bot.Italic("No values yet."), bot.Textf(" Record one with `/kpi set %d VALUE`.", k.ID))})
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
		sec := bot.Section{Text: bot.T(bot.Bold("Drives key results"))}
		for _, kr := range krs {
			o := objectives[kr.ObjectiveID]
			sec.Items = append(sec.Items, bot.Textf("• `%s` %s — %s · objective #%d %s", keyResultLabel(o, kr), kr.Title,
				MeasureText(kr), o.Number, o.Title))
		}
		msg.Sections = append(msg.Sections, sec)
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
	reply, err := s.kpiReply(ctx, c, k, nil)
	if err != nil || !c.req.ShowsImages {
		return reply, err
	}
	// The trend goes under the KPI's value and health.
	trend, err := s.kpiChart(ctx, c, k)
	reply.Message.Sections = slices.Insert(reply.Message.Sections, 1, trend...)
	return reply, err
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
		title = "KPIs of " + team.Name
	}
	msg := &bot.Message{Summary: bot.T(fmt.Sprintf("%s (%d)", title, len(ks)))}
	if len(ks) == 0 {
		msg.Sections = []bot.Section{{Text: bot.T(bot.Bold(title), "\n", bot.Italic("None yet."), bot.Textf(" Create one with `/kpi new`."))}}
		return bot.Reply{Message: msg}, nil
	}
	views, err := s.kpiViews(ctx, c.ws.ID, ks)
	if err != nil {
		return bot.Reply{}, err
	}
	sec := bot.Section{Text: bot.Textf("%s (%d)", bot.Bold(title), len(ks)), Context: bot.Textf("`/kpi show NAME` for history and thresholds.")}
	for _, v := range views {
		sec.Items = append(sec.Items, kpiLine(v))
	}
	msg.Sections = []bot.Section{sec}
	return bot.Reply{Message: msg}, nil
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
		title = "Scorecard of " + team.Name
	}
	msg := &bot.Message{Summary: bot.T(title)}
	if len(ks) == 0 {
		msg.Sections = []bot.Section{{Text: bot.T(bot.Bold(title), "\n", bot.Italic("No KPIs yet."), bot.Textf(" Create one with `/kpi new`."))}}
		return bot.Reply{Message: msg}, nil
	}
	views, err := s.kpiViews(ctx, c.ws.ID, ks)
	if err == nil {
		err = s.withFailingSources(ctx, c.ws.ID, views)
	}
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
	msg.Summary = bot.T(fmt.Sprintf("%s: %s", title, strings.Join(counts, ", ")))
	msg.Sections = append(msg.Sections, bot.Section{Text: bot.Textf("%s (%d KPIs)\n%s", bot.Bold(title), len(ks), strings.Join(counts, " · "))})
	if len(ks) > MaxScorecard {
		msg.Sections = append(msg.Sections, bot.Section{Text: bot.T(fmt.Sprintf("💡 This scorecard holds %d KPIs; %d or fewer keep it readable. Archive some, or split them by team.", len(ks), MaxScorecard))})
	}
	for _, h := range okr.Healths {
		if len(groups[h]) == 0 {
			continue
		}
		sec := bot.Section{Text: bot.T(bot.Bold(healthMarks[h] + " " + capitalize(h.Label())))}
		for _, v := range groups[h] {
			sec.Items = append(sec.Items, kpiLine(v))
		}
		msg.Sections = append(msg.Sections, sec)
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
