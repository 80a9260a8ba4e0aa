package commands

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// What a digest shows before it summarises the rest, so a leader reads it in
// under a minute.
const (
	digestKPIs       = 10 // KPIs that need attention
	digestTeams      = 8  // teams with their OKRs
	digestObjectives = 5  // objectives a team
	digestMovers     = 5
	digestNames      = 15 // people who have not checked in
)

// DigestOptions say what a digest covers.
type DigestOptions struct {
	// TeamID limits the digest to one team; 0 is the whole workspace.
	TeamID uint
	// Since is the last digest, for the biggest movers; a week ago when
	// zero.
	Since time.Time
	// Picture adds the digest's picture (charts.go), for a platform that
	// shows it.
	Picture bool
}

// Digest builds the leadership digest of a workspace: KPI health, OKR
// progress per team, check-in discipline this week and the biggest movers.
// The number of queries it makes does not depend on how many KPIs,
// objectives or check-ins there are.
func (s *Service) Digest(ctx context.Context, workspaceID uint, opt DigestOptions) (*bot.Message, error) {
	now := s.now()
	if opt.Since.IsZero() {
		opt.Since = now.AddDate(0, 0, -7)
	}
	var team *store.Team
	if opt.TeamID != 0 {
		teams, err := s.store.Teams(ctx, workspaceID)
		if err != nil {
			return nil, err
		}
		for i := range teams {
			if teams[i].ID == opt.TeamID {
				team = &teams[i]
			}
		}
		if team == nil {
			return nil, okr.ErrNotFound
		}
	}
	ks, err := s.store.KPIs(ctx, workspaceID, store.KPIFilter{TeamID: opt.TeamID})
	if err != nil {
		return nil, err
	}
	views, err := s.kpiViews(ctx, workspaceID, ks)
	if err == nil {
		err = s.withFailingSources(ctx, workspaceID, views)
	}
	if err != nil {
		return nil, err
	}
	periods, err := s.store.Periods(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	var (
		objectives []store.Objective
		reviews    []store.PeriodReview
	)
	quarter := okr.QuarterOf(now)
	for _, p := range periods {
		switch {
		case strings.EqualFold(p.Name, quarter.Name):
			objectives, err = s.store.Objectives(ctx, workspaceID, store.ObjectiveFilter{PeriodID: p.ID, TeamID: opt.TeamID, Statuses: []okr.Status{okr.Active}})
		case p.EndsAt.After(opt.Since) && !p.EndsAt.After(now):
			// The first digest after a period ends reviews it, once: the
			// next one is measured from this one.
			var r store.PeriodReview
			if r, err = s.store.PeriodReview(ctx, workspaceID, p.ID, opt.TeamID); len(r.Objectives) > 0 {
				reviews = append(reviews, r)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	points, err := s.checkInPoints(ctx, workspaceID, objectives)
	if err != nil {
		return nil, err
	}
	falling, forecasts := fallingForecasts(objectives, points, opt.Since, now)
	var krIDs []uint
	for _, o := range objectives {
		for _, kr := range o.KeyResults {
			krIDs = append(krIDs, kr.ID)
		}
	}
	last, err := s.store.LastConfidences(ctx, workspaceID, krIDs)
	if err != nil {
		return nil, err
	}
	week := weekStart(now)
	recent, err := s.store.CheckInsSince(ctx, workspaceID, week)
	if err != nil {
		return nil, err
	}

	title := bot.T("📊 ", bot.Bold("Leadership digest"))
	if team != nil {
		title = bot.T("📊 ", bot.Bold("Digest for "+team.Name))
	}
	msg := &bot.Message{Visibility: bot.Conversation}
	groups := groupByHealth(views)
	msg.Summary = bot.T(title.Unstyled(), ": "+healthCounts(groups, len(views)))
	msg.Sections = append(msg.Sections, bot.Section{Text: bot.T(title, " · "+now.UTC().Format("Monday, January 2, 2006")),
		Context: bot.T("KPIs: " + healthCounts(groups, len(views)))})
	if opt.Picture {
		pic, err := s.digestPicture(ctx, workspaceID, groups, objectives, quarter, now)
		if err != nil {
			return nil, err
		}
		msg.Sections = append(msg.Sections, pic...)
	}
	msg.Sections = append(msg.Sections, attentionSection(groups, opt.TeamID))
	for _, r := range reviews {
		msg.Sections = append(msg.Sections, reviewDigestSection(r, opt.TeamID))
	}
	msg.Sections = append(msg.Sections, okrSections(objectives, last, forecasts, now, opt.TeamID)...)
	if len(falling) > 0 {
		msg.Sections = append(msg.Sections, fallingSection(falling, opt.Since))
	}
	unreachable, err := s.store.UnreachablePeople(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	msg.Sections = append(msg.Sections, disciplineSection(objectives, recent, week, len(unreachable)))
	ids := make([]uint, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	// The recent points may not reach back to the last digest.
	bases, err := s.store.ValuesAt(ctx, workspaceID, ids, opt.Since)
	if err != nil {
		return nil, err
	}
	if sec, ok := moversSection(views, bases, opt.Since); ok {
		msg.Sections = append(msg.Sections, sec)
	}
	if l, ok := s.pageLink("/scorecard", "The scorecard"); ok {
		tree, _ := s.pageLink("/tree", "the OKR tree")
		msg.Sections = append(msg.Sections, bot.Section{Context: bot.T("📊 ", l, " and ", tree, " are on the dashboard.")})
	}
	return msg, nil
}

// weekStart is Monday 00:00 UTC of the week of t.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	d := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, time.UTC)
}

func healthCounts(groups map[okr.Health][]kpiView, total int) string {
	if total == 0 {
		return "none yet"
	}
	var parts []string
	for _, h := range []okr.Health{okr.HealthOnTarget, okr.HealthAtRisk, okr.HealthOffTarget, okr.HealthStale, okr.HealthNoData} {
		if n := len(groups[h]); n > 0 || h != okr.HealthNoData {
			parts = append(parts, fmt.Sprintf("%s %d %s", healthMarks[h], n, h.Label()))
		}
	}
	return strings.Join(parts, " · ")
}

// attentionSection lists the KPIs not on target, worst first, with owner,
// value against target, trend and sparkline.
func attentionSection(groups map[okr.Health][]kpiView, teamID uint) bot.Section {
	sec := bot.Section{Text: bot.T(bot.Bold("KPIs needing attention"))}
	left := map[okr.Health]int{}
	for _, h := range []okr.Health{okr.HealthOffTarget, okr.HealthAtRisk, okr.HealthStale} {
		for _, v := range groups[h] {
			if len(sec.Items) >= digestKPIs {
				left[h]++
				continue
			}
			sec.Items = append(sec.Items, kpiLine(v))
		}
	}
	if len(sec.Items) == 0 {
		sec.Items = []bot.Text{bot.T(bot.Italic("None: every KPI with data is on target."), " 🎉")}
		return sec
	}
	var more []string
	for _, h := range []okr.Health{okr.HealthOffTarget, okr.HealthAtRisk, okr.HealthStale} {
		if left[h] > 0 {
			more = append(more, fmt.Sprintf("%d more %s", left[h], h.Label()))
		}
	}
	if len(more) > 0 {
		sec.Items = append(sec.Items, bot.T(bot.Italic("…and "+strings.Join(more, ", ")+".")))
		sec.Buttons = []bot.Button{{ActionID: ActionKPIFullList, Label: "Full scorecard", Value: "scorecard:" + strconv.FormatUint(uint64(teamID), 10)}}
	}
	return sec
}

// okrSections show each team's active objectives with score, colour and pace,
// and the key results whose latest confidence is at risk or off track.
func okrSections(objectives []store.Objective, last map[uint]okr.Confidence, forecasts map[uint]okr.Forecast, now time.Time, teamID uint) []bot.Section {
	if len(objectives) == 0 {
		return []bot.Section{{Text: bot.T(bot.Bold("OKRs")), Items: []bot.Text{bot.T(bot.Italic("No active objectives this quarter."))}}}
	}
	type group struct {
		name string
		os   []store.Objective
	}
	byTeam := map[string]*group{}
	var order []*group
	for _, o := range objectives {
		name := "Company"
		if o.Team != nil {
			name = o.Team.Name
		}
		g := byTeam[name]
		if g == nil {
			g = &group{name: name}
			byTeam[name] = g
			order = append(order, g)
		}
		g.os = append(g.os, o)
	}
	// Company first, then teams by name.
	slices.SortFunc(order, func(a, b *group) int {
		if (a.name == "Company") != (b.name == "Company") {
			if a.name == "Company" {
				return -1
			}
			return 1
		}
		return cmp.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	var secs []bot.Section
	for i, g := range order {
		if i == digestTeams {
			rest := 0
			for _, g := range order[i:] {
				rest += len(g.os)
			}
			secs = append(secs, bot.Section{Text: bot.T(bot.Italic(fmt.Sprintf("…and %d more teams with %d objectives.", len(order)-i, rest))),
				Buttons: []bot.Button{{ActionID: ActionKPIFullList, Label: "All objectives", Value: "okrs:" + strconv.FormatUint(uint64(teamID), 10)}}})
			break
		}
		parts := make([]okr.Weighted, len(g.os))
		for j, o := range g.os {
			parts[j] = okr.Weighted{Value: o.Score(), Weight: 1}
		}
		sec := bot.Section{Text: bot.T(bot.Bold("OKRs · "+g.name), "  "+scoreText(okr.Score(parts)))}
		// Lowest scores first: they are what a leader acts on.
		slices.SortStableFunc(g.os, func(a, b store.Objective) int { return cmp.Compare(a.Score(), b.Score()) })
		for j, o := range g.os {
			if j == digestObjectives {
				sec.Items = append(sec.Items, bot.T(bot.Italic(fmt.Sprintf("…and %d more objectives.", len(g.os)-j))))
				break
			}
			line := objectiveLine(o, now)
			if f := forecasts[o.ID]; f.Kind == okr.Projected {
				line = append(line, bot.Plain(fmt.Sprintf(" · on course for %.1f", okr.Round1(f.Score))))
			}
			sec.Items = append(sec.Items, line)
			for _, kr := range o.KeyResults {
				if c := last[kr.ID]; c == okr.AtRisk || c == okr.OffTrack {
					sec.Items = append(sec.Items, bot.Textf("    ↳ `%s` %s — %s · %s", keyResultLabel(o, kr), kr.Title, MeasureText(kr), c.Label()))
				}
			}
		}
		secs = append(secs, sec)
	}
	return secs
}

// A fall is a key result whose forecast fell since the last digest.
type fall struct {
	o         store.Objective
	kr        store.KeyResult
	was, will okr.Forecast
}

// fallingForecasts returns the key results whose forecast at now is lower
// (to the decimal people see) than it was at since, most fallen first, and
// every objective's forecast at now.
func fallingForecasts(objectives []store.Objective, points map[uint][]okr.Point, since, now time.Time) ([]fall, map[uint]okr.Forecast) {
	var falls []fall
	forecasts := make(map[uint]okr.Forecast, len(objectives))
	for _, o := range objectives {
		f, will := forecastAt(o, points, now)
		forecasts[o.ID] = f
		_, was := forecastAt(o, points, since)
		for _, kr := range o.KeyResults {
			w, n := was[kr.ID], will[kr.ID]
			if w.Kind == okr.Projected && n.Kind == okr.Projected && okr.Round1(n.Score) < okr.Round1(w.Score) {
				falls = append(falls, fall{o: o, kr: kr, was: w, will: n})
			}
		}
	}
	slices.SortStableFunc(falls, func(a, b fall) int {
		return cmp.Compare(b.was.Score-b.will.Score, a.was.Score-a.will.Score)
	})
	return falls, forecasts
}

// fallingSection lists the key results whose forecast fell most since the
// last digest: where a quarter is slipping before the scores show it.
func fallingSection(falls []fall, since time.Time) bot.Section {
	sec := bot.Section{Text: bot.T(bot.Bold("Forecasts falling"), " since "+since.UTC().Format("Jan 2"))}
	for i, f := range falls {
		if i == digestMovers {
			sec.Items = append(sec.Items, bot.T(bot.Italic(fmt.Sprintf("…and %d more.", len(falls)-i))))
			break
		}
		owner := &f.o.Owner
		if f.kr.Owner != nil {
			owner = f.kr.Owner
		}
		sec.Items = append(sec.Items, bot.Textf("📉 `%s` %s — on course for %.1f, was %.1f · %s",
			keyResultLabel(f.o, f.kr), f.kr.Title, okr.Round1(f.will.Score), okr.Round1(f.was.Score), ownerText(owner)))
	}
	return sec
}

// disciplineSection says who has checked in this week on the key results
// they own (or whose objectives they own), who has not, and how many
// cannot be prompted because okrbot may not write to them.
func disciplineSection(objectives []store.Objective, recent []store.CheckIn, week time.Time, unreachable int) bot.Section {
	krOwner := map[uint]uint{}
	people := map[uint]store.User{}
	for _, o := range objectives {
		people[o.OwnerID] = o.Owner
		for _, kr := range o.KeyResults {
			owner := o.OwnerID
			if kr.OwnerID != nil && kr.Owner != nil {
				owner = *kr.OwnerID
				people[owner] = *kr.Owner
			}
			krOwner[kr.ID] = owner
		}
	}
	expected := map[uint]bool{}
	for _, owner := range krOwner {
		expected[owner] = true
	}
	done := map[uint]bool{}
	for _, c := range recent {
		if _, ok := krOwner[c.KeyResultID]; ok && expected[c.AuthorID] {
			done[c.AuthorID] = true
		}
	}
	sec := bot.Section{Text: bot.T(bot.Bold("Check-ins this week"), " (since "+week.Format("Monday Jan 2")+")")}
	if len(expected) == 0 {
		sec.Items = []bot.Text{bot.T(bot.Italic("No key results to check in on."))}
		return sec
	}
	var missing []store.User
	for id := range expected {
		if !done[id] {
			missing = append(missing, people[id])
		}
	}
	slices.SortFunc(missing, func(a, b store.User) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	sec.Items = []bot.Text{bot.T(fmt.Sprintf("✅ %d of %d people have checked in.", len(done), len(expected)))}
	if len(missing) > 0 {
		names := make([]bot.Text, 0, digestNames)
		for i, u := range missing {
			if i == digestNames {
				names = append(names, bot.T(fmt.Sprintf("and %d more", len(missing)-i)))
				break
			}
			names = append(names, bot.T(ownerText(&u)))
		}
		sec.Items = append(sec.Items, bot.T("⏳ Not yet: ", bot.Join(names, ", ")))
	}
	switch {
	case unreachable == 1:
		sec.Items = append(sec.Items, bot.T("⚠️ 1 person cannot get prompts: okrbot is not installed for them."))
	case unreachable > 1:
		sec.Items = append(sec.Items, bot.T(fmt.Sprintf("⚠️ %d people cannot get prompts: okrbot is not installed for them.", unreachable)))
	}
	return sec
}

// mover is a KPI's change since the last digest.
type mover struct {
	v      kpiView
	change okr.Change
}

// moversSection lists the KPIs that moved most, relative to their value at
// since (bases, by KPI), better or worse.
func moversSection(views []kpiView, bases map[uint]okr.Point, since time.Time) (bot.Section, bool) {
	var movers []mover
	for _, v := range views {
		k := v.k
		base, ok := bases[k.ID]
		if !ok || base.Value == 0 || k.LastValue == nil || k.LastAt == nil || !k.LastAt.After(since) {
			continue
		}
		from, to := base.Value, *k.LastValue
		c := okr.Change{Base: from, Delta: to - from, Pct: (to - from) / math.Abs(from) * 100}
		if c.Delta != 0 {
			movers = append(movers, mover{v: v, change: c})
		}
	}
	if len(movers) == 0 {
		return bot.Section{}, false
	}
	slices.SortStableFunc(movers, func(a, b mover) int { return cmp.Compare(math.Abs(b.change.Pct), math.Abs(a.change.Pct)) })
	sec := bot.Section{Text: bot.T(bot.Bold("Biggest movers"), " since "+since.UTC().Format("Jan 2"))}
	for i, m := range movers {
		if i == digestMovers {
			break
		}
		mark := "📉"
		if m.change.Improved(m.v.k.Direction) {
			mark = "📈"
		}
		sec.Items = append(sec.Items, bot.Textf("%s %s %s → %s (%s) · %s", mark, kpiName(m.v.k), kpiValue(m.change.Base, m.v.k),
			valueText(m.v.k), m.change.String(), ownerText(&m.v.k.Owner)))
	}
	return sec, true
}

// kpiFullList answers the digest's "and N more" buttons.
func (s *Service) kpiFullList(ctx context.Context, c *caller, value string) (bot.Reply, error) {
	what, id, _ := strings.Cut(value, ":")
	teamID, _ := strconv.ParseUint(id, 10, 64)
	var words []string
	if teamID != 0 {
		ks, err := s.store.Teams(ctx, c.ws.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		for _, t := range ks {
			if uint64(t.ID) == teamID {
				words = []string{"team", t.Name}
			}
		}
	}
	if what == "okrs" {
		if len(words) == 0 {
			words = []string{"all"}
		}
		return s.list(ctx, c, words)
	}
	return s.scorecard(ctx, c, words)
}

// /kpi digest #channel weekly monday 09:00 [--tz Europe/Berlin] [--team NAME]
// /kpi digest list · off #channel · now #channel [--team NAME]
func (s *Service) digestCommand(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	usage := refuse("Usage: `%s`.", kpiCommands["digest"].usage)
	if len(words) == 0 {
		return bot.Reply{}, usage
	}
	switch strings.ToLower(words[0]) {
	case "list":
		return s.digestList(ctx, c)
	case "off":
		if len(words) != 2 {
			return bot.Reply{}, usage
		}
		ch, ok := c.channel(words[1])
		if !ok {
			return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #leadership.", words[1])
		}
		if err := c.adminOnly("Only an okrbot admin can change digests."); err != nil {
			return bot.Reply{}, err
		}
		n, err := s.store.DeleteDigestSubscriptions(ctx, c.ws.ID, channelID(ch))
		if err != nil {
			return bot.Reply{}, err
		}
		if n == 0 {
			return bot.Reply{}, refuse("%s gets no digest.", channelText(channelID(ch)))
		}
		return bot.Say(bot.Textf("🔕 %s no longer gets the digest.", channelText(channelID(ch)))), nil
	case "now":
		return s.digestNow(ctx, c, words[1:])
	}
	return s.digestSubscribe(ctx, c, words)
}

func (s *Service) digestTeam(ctx context.Context, c *caller, a args) (store.Team, error) {
	name, ok := a.flags["team"]
	if !ok {
		return store.Team{}, nil
	}
	name = strings.TrimPrefix(strings.TrimSpace(name), "#")
	t, err := s.store.TeamByName(ctx, c.ws.ID, name)
	if err != nil {
		return t, s.noTeam(ctx, c, name, err)
	}
	return t, nil
}

// /kpi digest now #channel [--team NAME]: the digest, posted now.
func (s *Service) digestNow(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi digest now", words, []string{"team"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) > 1 {
		return bot.Reply{}, refuse("Usage: `/kpi digest now [#channel] [--team NAME]`.")
	}
	team, err := s.digestTeam(ctx, c, a)
	if err != nil {
		return bot.Reply{}, err
	}
	toAsker := len(a.pos) == 0 || s.sender == nil || !c.req.Delivers
	msg, err := s.Digest(ctx, c.ws.ID, DigestOptions{TeamID: team.ID, Picture: !toAsker || c.req.ShowsImages})
	if err != nil {
		return bot.Reply{}, err
	}
	if toAsker {
		// A preview for the asker alone, wherever they asked.
		msg.Visibility = bot.Private
		return bot.Reply{Message: msg}, nil
	}
	ch, ok := c.channel(a.pos[0])
	if !ok {
		return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #leadership.", a.pos[0])
	}
	if err := c.adminOnly("Only an okrbot admin can post the digest to a channel; `/kpi digest now` shows it to you."); err != nil {
		return bot.Reply{}, err
	}
	to, err := s.Address(ctx, c.ws, bot.Channel, channelID(ch))
	if err != nil {
		return bot.Reply{}, err
	}
	if _, err := s.sender.Send(ctx, to, *msg); err != nil {
		if kind, _ := bot.FailureOf(err); kind == bot.Gone {
			return bot.Reply{}, refuse("okrbot cannot post in %s: invite it to the channel first.", channelText(to.ID))
		}
		return bot.Reply{}, fmt.Errorf("post digest to %s: %w", to.ID, err)
	}
	return bot.Say(bot.Textf("📨 Posted the digest to %s.", channelText(to.ID))), nil
}

func (s *Service) digestSubscribe(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi digest", words, []string{"tz", "team"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) < 2 {
		return bot.Reply{}, refuse("Usage: `%s`.", kpiCommands["digest"].usage)
	}
	ch, ok := c.channel(a.pos[0])
	if !ok {
		return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #leadership.", a.pos[0])
	}
	if err := c.adminOnly("Only an okrbot admin can change digests."); err != nil {
		return bot.Reply{}, err
	}
	spec, err := okr.ParseCron(a.pos[1:])
	if err != nil {
		return bot.Reply{}, err
	}
	tz := a.flags["tz"]
	if tz == "" {
		tz = c.user.TZ
	}
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return bot.Reply{}, okr.Invalid("tz", "%q is not a time zone like Europe/Berlin.", tz)
	}
	team, err := s.digestTeam(ctx, c, a)
	if err != nil {
		return bot.Reply{}, err
	}
	d := store.DigestSubscription{WorkspaceID: c.ws.ID, Channel: channelID(ch), TeamID: team.ID, Schedule: spec, TZ: tz, CreatedByID: c.user.ID}
	next, err := d.Cron().Next(s.now())
	if err != nil {
		return bot.Reply{}, err
	}
	first, second, err := d.Cron().TooClose(s.now(), minDigestInterval)
	if err != nil {
		return bot.Reply{}, err
	}
	if !first.IsZero() {
		return bot.Reply{}, okr.Invalid("schedule", "The schedule %q sends two digests %s apart (%s and %s); a digest goes out at most once an hour.",
			spec, minutes(second.Sub(first)), first.Format("Mon Jan 2 15:04"), second.Format("15:04"))
	}
	if err := s.store.SaveDigestSubscription(ctx, &d); err != nil {
		return bot.Reply{}, err
	}
	what := "the whole workspace"
	if team.ID != 0 {
		what = "team " + team.Name
	}
	return bot.Say(bot.Textf("📅 %s gets the digest of %s at `%s` (%s), next on %s. Preview it with `/kpi digest now`.",
		channelText(d.Channel), what, spec, tz, nextText(next, tz))), nil
}

func (s *Service) digestList(ctx context.Context, c *caller) (bot.Reply, error) {
	ds, err := s.store.DigestSubscriptions(ctx, c.ws.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(ds) == 0 {
		return bot.Say(bot.Textf("No channel gets a digest. Subscribe one with `/kpi digest #leadership weekly monday 09:00`.")), nil
	}
	teams, err := s.store.Teams(ctx, c.ws.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	names := map[uint]string{0: "whole workspace"}
	for _, t := range teams {
		names[t.ID] = "team " + t.Name
	}
	sec := bot.Section{Text: bot.T(bot.Bold("Digests"))}
	for _, d := range ds {
		line := bot.Textf("• %s · %s · `%s` %s", channelText(d.Channel), names[d.TeamID], d.Schedule, d.TZ)
		if next, err := d.Cron().Next(s.now()); err == nil {
			line = append(line, bot.Plain(" · next "+nextText(next, d.TZ)))
		}
		if d.LastSentAt != nil {
			line = append(line, bot.Plain(" · last sent "+d.LastSentAt.UTC().Format("Jan 2")))
		}
		sec.Items = append(sec.Items, line)
	}
	return bot.Reply{Message: &bot.Message{Summary: bot.T("Digests"), Sections: []bot.Section{sec}}}, nil
}

// DigestFor builds the digest a subscription sends: for its team (or the
// whole workspace), with the biggest movers since its last digest. A
// scheduler posts it to sub.Channel and then calls store.MarkDigestSent.
func (s *Service) DigestFor(ctx context.Context, sub store.DigestSubscription) (*bot.Message, error) {
	// Digests go to channels of platforms that show pictures.
	opt := DigestOptions{TeamID: sub.TeamID, Picture: true}
	if sub.LastSentAt != nil {
		opt.Since = *sub.LastSentAt
	}
	return s.Digest(ctx, sub.WorkspaceID, opt)
}

// minDigestInterval is the shortest time between two digests of one
// subscription: a digest is for reading, not for watching, and more than
// one an hour is noise in a leadership channel (and a cron typo, more often
// than not).
const minDigestInterval = time.Hour

// minutes is a duration under an hour as people say it.
func minutes(d time.Duration) string {
	if n := int(d.Minutes()); n != 1 {
		return fmt.Sprintf("%d minutes", n)
	}
	return "1 minute"
}

func nextText(t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon Jan 2, 15:04")
}
