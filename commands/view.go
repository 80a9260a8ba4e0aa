package commands

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// objectiveReply answers with an objective's full view under a headline.
func (s *Service) objectiveReply(ctx context.Context, o store.Objective, head string, notes ...string) (bot.Reply, error) {
	msg, err := s.objectiveMessage(ctx, o, head, notes...)
	return bot.Reply{Message: msg}, err
}

// objectiveMessage shows an objective: score, key results with progress and
// last check-in, parent and children, coaching, and what can be done next.
// head, if set, comes first; notes come after the key results.
func (s *Service) objectiveMessage(ctx context.Context, o store.Objective, head string, notes ...string) (*bot.Message, error) {
	now := s.now()
	ids := make([]uint, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		ids[i] = kr.ID
	}
	last, err := s.store.LastCheckIns(ctx, ids)
	if err != nil {
		return nil, err
	}
	msg := &bot.Message{Text: fmt.Sprintf("#%d %s — %.1f", o.Number, bot.Escape(o.Title), okr.Round1(score(o)))}
	if head != "" {
		msg.Text = head + " " + msg.Text
		msg.Sections = append(msg.Sections, bot.Section{Text: head})
	}

	top := objectiveTitle(o) + "  " + scoreText(score(o))
	if o.Description != "" {
		top += "\n" + bot.Escape(o.Description)
	}
	about := []string{bot.Escape(o.Period.Name), "owner " + ownerText(&o.Owner)}
	if o.Team != nil {
		about = append(about, "team "+bot.Escape(o.Team.Name))
	}
	if o.Status != okr.Active {
		about = append(about, string(o.Status))
	}
	if o.ParentID != nil {
		if p, err := s.store.ObjectiveByID(ctx, o.WorkspaceID, *o.ParentID); err == nil {
			about = append(about, fmt.Sprintf("aligned to #%d %s", p.Number, bot.Escape(p.Title)))
		}
	}
	msg.Sections = append(msg.Sections, bot.Section{Text: top, Context: strings.Join(about, " · ")})

	if len(o.KeyResults) == 0 {
		msg.Sections = append(msg.Sections, bot.Section{Text: "_No key results yet._"})
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
		if kr.KPIID != nil && drivers[*kr.KPIID] != "" {
			small += " · driven by KPI " + drivers[*kr.KPIID]
		}
		msg.Sections = append(msg.Sections, bot.Section{Text: keyResultLine(o, kr, now), Context: small})
	}

	children, err := s.store.Objectives(ctx, o.WorkspaceID, store.ObjectiveFilter{ParentID: o.ID, Statuses: []okr.Status{okr.Active, okr.Closed}})
	if err != nil {
		return nil, err
	}
	if len(children) > 0 {
		lines := []string{"*Aligned objectives*"}
		for _, child := range children {
			lines = append(lines, "• "+objectiveLine(child, now))
		}
		msg.Sections = append(msg.Sections, bot.Section{Text: strings.Join(lines, "\n")})
	}
	if o.Status == okr.Active {
		advice, err := s.coaching(ctx, o)
		if err != nil {
			return nil, err
		}
		notes = append(notes, warnings(advice))
	}
	for _, n := range notes {
		if n != "" {
			msg.Sections = append(msg.Sections, bot.Section{Text: n})
		}
	}
	if o.Status == okr.Active {
		number := strconv.FormatInt(o.Number, 10)
		msg.Sections = append(msg.Sections, bot.Section{Buttons: []bot.Button{
			{ActionID: ActionCheckIn, Label: "Check in", Value: number, Style: bot.Primary},
			{ActionID: ActionEdit, Label: "Edit", Value: number},
			{ActionID: ActionClose, Label: "Close", Value: number, Style: bot.Danger,
				Confirm: fmt.Sprintf("Close objective #%d with its current score of %.1f?", o.Number, okr.Round1(score(o)))},
		}})
	}
	return msg, nil
}

// drivingKPIs names the KPIs that drive an objective's key results, by id.
func (s *Service) drivingKPIs(ctx context.Context, o store.Objective) (map[uint]string, error) {
	var ids []uint
	for _, kr := range o.KeyResults {
		if kr.KPIID != nil {
			ids = append(ids, *kr.KPIID)
		}
	}
	names := map[uint]string{}
	if len(ids) == 0 {
		return names, nil
	}
	ks, err := s.store.KPIs(ctx, o.WorkspaceID, store.KPIFilter{IDs: ids, IncludeArchived: true})
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		names[k.ID] = kpiName(k)
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
	return s.objectiveReply(ctx, o, "")
}

// /okr list [mine|@user|team NAME|all] [--period 2026-Q4]
func (s *Service) list(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr list", words, []string{"period"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	p, err := period(ctx, s.store, c, a.flags["period"], s.quarter())
	if err != nil {
		return bot.Reply{}, err
	}
	f := store.ObjectiveFilter{PeriodID: p.ID, Statuses: []okr.Status{okr.Active, okr.Closed}}
	whose := "Your"
	switch {
	case len(a.pos) == 0 || (len(a.pos) == 1 && strings.EqualFold(a.pos[0], "mine")):
		f.OwnerID = c.user.ID
	case len(a.pos) == 1 && strings.EqualFold(a.pos[0], "all"):
		whose = "All"
	case strings.EqualFold(a.pos[0], "team"):
		if len(a.pos) < 2 {
			return bot.Reply{}, refuse("Which team? Like `/okr list team Sales`.")
		}
		name := strings.Join(a.pos[1:], " ")
		t, err := s.store.TeamByName(ctx, c.ws.ID, name)
		if err != nil {
			return bot.Reply{}, s.noTeam(ctx, c, name, err)
		}
		f.TeamID, whose = t.ID, "Team "+bot.Escape(t.Name)+"'s"
	case len(a.pos) == 1:
		u, err := person(ctx, s.store, c, "owner", a.pos[0])
		if err != nil {
			return bot.Reply{}, refuse("List whose objectives? Try `/okr list`, `/okr list all`, `/okr list @name` or `/okr list team NAME`, not %q.", bot.Escape(a.pos[0]))
		}
		f.OwnerID, whose = u.ID, ownerText(&u)+"'s"
	default:
		return bot.Reply{}, refuse("List whose objectives? Try `/okr list`, `/okr list all`, `/okr list @name` or `/okr list team NAME`.")
	}
	os, err := s.store.Objectives(ctx, c.ws.ID, f)
	if err != nil {
		return bot.Reply{}, err
	}
	title := fmt.Sprintf("%s objectives in %s", whose, bot.Escape(p.Name))
	msg := &bot.Message{Text: title}
	if len(os) == 0 {
		msg.Sections = []bot.Section{{Text: "*" + title + "*\n_None yet._ Create one with `/okr new`."}}
		return bot.Reply{Message: msg}, nil
	}
	lines := []string{fmt.Sprintf("*%s* (%d)", title, len(os))}
	for _, o := range os {
		lines = append(lines, objectiveLine(o, s.now()))
	}
	msg.Sections = []bot.Section{{Text: strings.Join(lines, "\n"), Context: "`/okr show ID` for the key results."}}
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
		return refuse("There is no team %q yet. Teams appear when an objective names one with --team.", bot.Escape(name))
	}
	names := make([]string, len(teams))
	for i, t := range teams {
		names[i] = bot.Escape(t.Name)
	}
	return refuse("There is no team %q. Teams: %s.", bot.Escape(name), strings.Join(names, ", "))
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
	p, err := period(ctx, s.store, c, a.flags["period"], s.quarter())
	if err != nil {
		return bot.Reply{}, err
	}
	os, err := s.store.Objectives(ctx, c.ws.ID, store.ObjectiveFilter{PeriodID: p.ID, Statuses: []okr.Status{okr.Active, okr.Closed}})
	if err != nil {
		return bot.Reply{}, err
	}
	title := "Alignment in " + bot.Escape(p.Name)
	if len(os) == 0 {
		return bot.Text("*" + title + "*\n_No objectives yet._ Create one with `/okr new`."), nil
	}
	inPeriod := map[uint]bool{}
	for _, o := range os {
		inPeriod[o.ID] = true
	}
	children := map[uint][]store.Objective{}
	var roots []store.Objective
	for _, o := range os {
		if o.ParentID != nil && inPeriod[*o.ParentID] {
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
	lines := []string{"*" + title + "*"}
	var walk func(o store.Objective, depth int)
	walk = func(o store.Objective, depth int) {
		lines = append(lines, strings.Repeat("    ", depth)+"• "+objectiveLine(o, s.now()))
		for _, child := range children[o.ID] {
			walk(child, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return bot.Reply{Message: &bot.Message{Text: title, Sections: []bot.Section{{Text: strings.Join(lines, "\n")}}}}, nil
}
