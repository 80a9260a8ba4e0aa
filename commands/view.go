package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// objectiveReply answers with an objective's full view under a headline.
func (s *Service) objectiveReply(ctx context.Context, o store.Objective, head bot.Text, notes ...bot.Text) (bot.Reply, error) {
	msg, err := s.objectiveMessage(ctx, o, head, notes...)
	return bot.Reply{Message: msg}, err
}

// objectiveMessage shows an objective: score, key results with progress and
// last check-in, parent and children, coaching, and what can be done next.
// head, if set, comes first; notes come after the key results.
func (s *Service) objectiveMessage(ctx context.Context, o store.Objective, head bot.Text, notes ...bot.Text) (*bot.Message, error) {
	now := s.now()
	ids := make([]uint, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		ids[i] = kr.ID
	}
	last, err := s.store.LastCheckIns(ctx, o.WorkspaceID, ids)
	if err != nil {
		return nil, err
	}
	msg := &bot.Message{Summary: bot.Textf("#%d %s — %.1f", o.Number, o.Title, okr.Round1(o.Score()))}
	if !head.IsEmpty() {
		msg.Summary = bot.T(head.Unstyled(), " ", msg.Summary)
		msg.Sections = append(msg.Sections, bot.Section{Text: head})
	}

	var krForecasts map[uint]okr.Forecast
	top := bot.Textf("%s  %s", objectiveTitle(o), scoreText(o.Score()))
	if o.Status == okr.Active {
		points, err := s.checkInPoints(ctx, o.WorkspaceID, []store.Objective{o})
		if err != nil {
			return nil, err
		}
		var f okr.Forecast
		f, krForecasts = forecastAt(o, points, now)
		top = append(top, bot.Plain("\n"+forecastText(f)))
	}
	if o.Description != "" {
		top = append(top, bot.Plain("\n"+o.Description))
	}
	about := []bot.Text{bot.T(o.Period.Name), bot.T("owner ", ownerText(&o.Owner))}
	if o.Team != nil {
		about = append(about, bot.T("team "+o.Team.Name))
	}
	if o.Status != okr.Active {
		about = append(about, bot.T(string(o.Status)))
	}
	if o.ParentID != nil {
		if p, err := s.store.ObjectiveByID(ctx, o.WorkspaceID, *o.ParentID); err == nil {
			about = append(about, bot.Textf("aligned to #%d %s", p.Number, p.Title))
		}
	}
	lineage, carried, err := s.lineage(ctx, o)
	if err != nil {
		return nil, err
	}
	about = append(about, lineage...)
	msg.Sections = append(msg.Sections, bot.Section{Text: top, Context: bot.Join(about, " · ")})
	if o.Outcome != "" {
		graded := bot.Textf("🏁 Graded %.1f · %s", okr.Round1(o.Score()), o.Outcome.Label())
		if o.Retrospective != "" {
			graded = append(graded, bot.Plain("\nWhat we learned: "), bot.Italic(o.Retrospective))
		}
		msg.Sections = append(msg.Sections, bot.Section{Text: graded})
	}

	if len(o.KeyResults) == 0 {
		msg.Sections = append(msg.Sections, bot.Section{Text: bot.T(bot.Italic("No key results yet."))})
	}
	drivers, err := s.drivingKPIs(ctx, o)
	if err != nil {
		return nil, err
	}
	for _, kr := range o.KeyResults {
		var lastCheckIn *store.CheckIn
		if c, ok := last[kr.ID]; ok {
			lastCheckIn = &c
		}
		small := keyResultContext(kr, lastCheckIn)
		if kr.KPIID != nil && drivers[*kr.KPIID] != nil {
			small = bot.T(small, " · driven by KPI ", drivers[*kr.KPIID])
		}
		if f, ok := krForecasts[kr.ID]; ok && f.Kind == okr.Projected {
			small = append(small, bot.Plain(" · "+f.String()))
		}
		if kr.FinalScore != nil {
			small = append(small, bot.Plain(fmt.Sprintf(" · final score %.1f", okr.Round1(*kr.FinalScore))))
		}
		msg.Sections = append(msg.Sections, bot.Section{Text: keyResultLine(o, kr, now), Context: small})
	}

	children, err := s.store.Objectives(ctx, o.WorkspaceID, store.ObjectiveFilter{ParentID: o.ID, Statuses: []okr.Status{okr.Active, okr.Closed}})
	if err != nil {
		return nil, err
	}
	if len(children) > 0 {
		sec := bot.Section{Text: bot.T(bot.Bold("Aligned objectives"))}
		for _, child := range children {
			sec.Items = append(sec.Items, bot.T("• ", objectiveLine(child, now)))
		}
		msg.Sections = append(msg.Sections, sec)
	}
	for _, n := range notes {
		if !n.IsEmpty() {
			msg.Sections = append(msg.Sections, bot.Section{Text: n})
		}
	}
	if o.Status == okr.Active {
		advice, err := s.coaching(ctx, o)
		if err != nil {
			return nil, err
		}
		if sec, ok := coachingSection(advice); ok {
			msg.Sections = append(msg.Sections, sec)
		}
	}
	number := strconv.FormatInt(o.Number, 10)
	switch o.Status {
	case okr.Active:
		msg.Sections = append(msg.Sections, bot.Section{Buttons: []bot.Button{
			{ActionID: ActionCheckIn, Label: "Check in", Value: number, Style: bot.Primary},
			{ActionID: ActionEdit, Label: "Edit", Value: number},
			{ActionID: ActionClose, Label: "Close", Value: number, Style: bot.Danger,
				Confirm: fmt.Sprintf("Close objective #%d with its current score of %.1f?", o.Number, okr.Round1(o.Score()))},
		}})
	case okr.Closed:
		label := "Grade"
		if o.Outcome != "" {
			label = "Grade again"
		}
		buttons := []bot.Button{{ActionID: ActionGrade, Label: label, Value: number, Style: bot.Primary}}
		if !carried {
			buttons = append(buttons, bot.Button{ActionID: ActionCarry, Label: "Carry over", Value: number,
				Confirm: fmt.Sprintf("Continue the unfinished key results of #%d in the next period?", o.Number)})
		}
		msg.Sections = append(msg.Sections, bot.Section{Buttons: buttons})
	}
	return msg, nil
}

// lineage says where an objective came from and went: "continues #41"
// when it was carried over from #41, "carried over to #57" when it was
// carried over itself, which carried reports.
func (s *Service) lineage(ctx context.Context, o store.Objective) (about []bot.Text, carried bool, err error) {
	if o.ContinuesID != nil {
		from, err := s.store.ObjectivesByIDs(ctx, o.WorkspaceID, []uint{*o.ContinuesID})
		if err != nil {
			return nil, false, err
		}
		if f, ok := from[*o.ContinuesID]; ok {
			about = append(about, bot.Textf("continues #%d", f.Number))
		}
	}
	if o.Status == okr.Active {
		return about, false, nil
	}
	cp, err := s.store.CopyOf(ctx, o.WorkspaceID, o.ID)
	switch {
	case errors.Is(err, okr.ErrNotFound):
		return about, false, nil
	case err != nil:
		return nil, false, err
	}
	return append(about, bot.Textf("carried over to #%d", cp.Number)), true, nil
}

// drivingKPIs names the KPIs that drive an objective's key results, by id.
func (s *Service) drivingKPIs(ctx context.Context, o store.Objective) (map[uint]bot.Text, error) {
	var ids []uint
	for _, kr := range o.KeyResults {
		if kr.KPIID != nil {
			ids = append(ids, *kr.KPIID)
		}
	}
	names := map[uint]bot.Text{}
	if len(ids) == 0 {
		return names, nil
	}
	ks, err := s.store.KPIs(ctx, o.WorkspaceID, store.KPIFilter{IDs: ids, IncludeArchived: true})
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		names[k.ID] = bot.T(kpiName(k))
	}
	return names, nil
}

// /okr show ID
func (s *Service) show(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) != 1 {
		return bot.Reply{}, refuse("Usage: `/okr show ID`, like `/okr show 42`.")
	}
	o, err := objectiveRef(ctx, s.store, c, words[0], true)
	if err != nil {
		return bot.Reply{}, err
	}
	reply, err := s.objectiveReply(ctx, o, nil)
	if err != nil {
		return reply, err
	}
	if l, ok := s.pageLink(fmt.Sprintf("/o/%d", o.Number), "Open in the dashboard"); ok {
		reply.Message.Sections = append(reply.Message.Sections, bot.Section{Context: bot.T("📊 ", l)})
	}
	if !c.req.ShowsImages {
		return reply, nil
	}
	// The charts go under the objective's title and score.
	charts, err := s.objectiveCharts(ctx, c, o)
	reply.Message.Sections = slices.Insert(reply.Message.Sections, 1, charts...)
	return reply, err
}

// /okr list [mine|@user|team NAME|all] [--period 2026-Q4]
func (s *Service) list(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr list", words, []string{"period"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	p, err := s.period(ctx, s.store, c, a.flags["period"], s.quarter())
	if err != nil {
		return bot.Reply{}, err
	}
	f := store.ObjectiveFilter{PeriodID: p.ID, Statuses: []okr.Status{okr.Active, okr.Closed}}
	whose := bot.T("Your")
	if c.guest && !(len(a.pos) == 0 || (len(a.pos) == 1 && strings.EqualFold(a.pos[0], "mine"))) {
		return bot.Reply{}, refuse(guestsOwnOnly)
	}
	switch {
	case len(a.pos) == 0 || (len(a.pos) == 1 && strings.EqualFold(a.pos[0], "mine")):
		f.OwnerID = c.user.ID
	case len(a.pos) == 1 && strings.EqualFold(a.pos[0], "all"):
		whose = bot.T("All")
	case strings.EqualFold(a.pos[0], "team"):
		if len(a.pos) < 2 {
			return bot.Reply{}, refuse("Which team? Like `/okr list team Sales`.")
		}
		name := strings.Join(a.pos[1:], " ")
		t, err := s.store.TeamByName(ctx, c.ws.ID, name)
		if err != nil {
			return bot.Reply{}, s.noTeam(ctx, c, name, err)
		}
		f.TeamID, whose = t.ID, bot.T("Team "+t.Name+"'s")
	case len(a.pos) == 1:
		u, err := person(ctx, s.store, c, "owner", a.pos[0])
		if err != nil {
			return bot.Reply{}, refuse("List whose objectives? Try `/okr list`, `/okr list all`, `/okr list @name` or `/okr list team NAME`, not %q.", a.pos[0])
		}
		f.OwnerID, whose = u.ID, bot.T(ownerText(&u), "'s")
	default:
		return bot.Reply{}, refuse("List whose objectives? Try `/okr list`, `/okr list all`, `/okr list @name` or `/okr list team NAME`.")
	}
	os, err := s.store.Objectives(ctx, c.ws.ID, f)
	if err != nil {
		return bot.Reply{}, err
	}
	title := bot.Textf("%s objectives in %s", whose, p.Name)
	msg := &bot.Message{Summary: title}
	if len(os) == 0 {
		msg.Sections = []bot.Section{{Text: bot.T(bot.Bold(title), "\n", bot.Italic("None yet."), bot.Textf(" Create one with `/okr new`."))}}
		return bot.Reply{Message: msg}, nil
	}
	sec := bot.Section{Text: bot.Textf("%s (%d)", bot.Bold(title), len(os)), Context: bot.Textf("`/okr show ID` for the key results.")}
	for _, o := range os {
		sec.Items = append(sec.Items, objectiveLine(o, s.now()))
	}
	msg.Sections = []bot.Section{sec}
	return bot.Reply{Message: msg}, nil
}

func (s *Service) noTeam(ctx context.Context, c *caller, name string, err error) error {
	if err != okr.ErrNotFound {
		return err
	}
	teams, err := s.store.Teams(ctx, c.ws.ID)
	if err != nil {
		return err
	}
	if len(teams) == 0 {
		return refuse("There is no team %q yet. Teams appear when an objective names one with --team.", name)
	}
	names := make([]string, len(teams))
	for i, t := range teams {
		names[i] = t.Name
	}
	return refuse("There is no team %q. Teams: %s.", name, strings.Join(names, ", "))
}

// /okr tree [--period 2026-Q4]: objectives nested under what they align to,
// company objectives (no team) first.
func (s *Service) tree(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr tree", words, []string{"period"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) > 0 {
		return bot.Reply{}, refuse("Usage: `/okr tree [--period 2026-Q4]`.")
	}
	p, err := s.period(ctx, s.store, c, a.flags["period"], s.quarter())
	if err != nil {
		return bot.Reply{}, err
	}
	os, err := s.store.Objectives(ctx, c.ws.ID, store.ObjectiveFilter{PeriodID: p.ID, Statuses: []okr.Status{okr.Active, okr.Closed}})
	if err != nil {
		return bot.Reply{}, err
	}
	title := bot.T("Alignment in " + p.Name)
	if len(os) == 0 {
		return bot.Say(bot.Bold(title), "\n", bot.Italic("No objectives yet."), bot.Textf(" Create one with `/okr new`.")), nil
	}
	roots, children := Alignment(os)
	sec := bot.Section{Text: bot.T(bot.Bold(title))}
	var walk func(o store.Objective, depth int)
	walk = func(o store.Objective, depth int) {
		sec.Items = append(sec.Items, bot.T(strings.Repeat("    ", depth)+"• ", objectiveLine(o, s.now())))
		for _, child := range children[o.ID] {
			walk(child, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return bot.Reply{Message: &bot.Message{Summary: title, Sections: []bot.Section{sec}}}, nil
}

// Alignment puts objectives under the objectives they align to: roots are
// those whose parent is not among os, company objectives (no team) first,
// then by team; children lists each objective's aligned ones in os order.
func Alignment(os []store.Objective) (roots []store.Objective, children map[uint][]store.Objective) {
	in := map[uint]bool{}
	for _, o := range os {
		in[o.ID] = true
	}
	children = map[uint][]store.Objective{}
	for _, o := range os {
		if o.ParentID != nil && in[*o.ParentID] && *o.ParentID != o.ID {
			children[*o.ParentID] = append(children[*o.ParentID], o)
		} else {
			roots = append(roots, o)
		}
	}
	teamName := func(o store.Objective) string {
		if o.Team == nil {
			return ""
		}
		return o.Team.Name
	}
	slices.SortStableFunc(roots, func(a, b store.Objective) int { return cmp.Compare(teamName(a), teamName(b)) })
	return roots, children
}
