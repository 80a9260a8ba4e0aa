package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// What a digest shows before it summarises the rest, so a leader reads it in
// under a minute and it stays within Slack's 50 blocks.
const (
	digestKPIs       = 10 // KPIs that need attention
	digestTeams      = 8  // teams with their OKRs
	digestObjectives = 5  // objectives a team
	digestMovers     = 5
	digestNames      = 15 // people who have not checked in
	// MaxDigestBlocks is Slack's limit of blocks in a message.
	MaxDigestBlocks = 50
)

// DigestOptions say what a digest covers.
type DigestOptions struct {
	// TeamID limits the digest to one team; 0 is the whole workspace.
	TeamID uint
	// Since is the last digest, for the biggest movers; a week ago when
	// zero.
	Since time.Time
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
	if err != nil {
		return nil, err
	}
	var objectives []store.Objective
	p, err := s.store.PeriodByName(ctx, workspaceID, okr.QuarterOf(now).Name)
	switch {
	case err == nil:
		objectives, err = s.store.Objectives(ctx, workspaceID, store.ObjectiveFilter{PeriodID: p.ID, TeamID: opt.TeamID, Statuses: []okr.Status{okr.Active}})
		if err != nil {
			return nil, err
		}
	case !errors.Is(err, okr.ErrNotFound):
		return nil, err
	}
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

	title := "📊 *Leadership digest*"
	if team != nil {
		title = fmt.Sprintf("📊 *Digest for %s*", bot.Escape(team.Name))
	}
	msg := &bot.Message{Public: true}
	groups := groupByHealth(views)
	msg.Text = fmt.Sprintf("%s: %s", bot.Unescape(strings.ReplaceAll(title, "*", "")), healthCounts(groups, len(views)))
	msg.Sections = append(msg.Sections, bot.Section{Text: title + " · " + now.UTC().Format("Monday, January 2, 2006"),
		Context: "KPIs: " + healthCounts(groups, len(views))})
	msg.Sections = append(msg.Sections, attentionSection(groups, opt.TeamID))
	msg.Sections = append(msg.Sections, okrSections(objectives, last, now, opt.TeamID)...)
	msg.Sections = append(msg.Sections, disciplineSection(objectives, recent, week))
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
	fitBlocks(msg)
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
	var lines []string
	left := map[okr.Health]int{}
	for _, h := range []okr.Health{okr.HealthOffTarget, okr.HealthAtRisk, okr.HealthStale} {
		for _, v := range groups[h] {
			if len(lines) >= digestKPIs {
				left[h]++
				continue
			}
			lines = append(lines, kpiLine(v))
		}
	}
	if len(lines) == 0 {
		return bot.Section{Text: "*KPIs needing attention*\n_None: every KPI with data is on target._ 🎉"}
	}
	sec := bot.Section{Text: "*KPIs needing attention*\n" + strings.Join(lines, "\n")}
	var more []string
	for _, h := range []okr.Health{okr.HealthOffTarget, okr.HealthAtRisk, okr.HealthStale} {
		if left[h] > 0 {
			more = append(more, fmt.Sprintf("%d more %s", left[h], h.Label()))
		}
	}
	if len(more) > 0 {
		sec.Text += "\n_…and " + strings.Join(more, ", ") + "._"
		sec.Buttons = []bot.Button{{ActionID: ActionKPIFullList, Label: "Full scorecard", Value: "scorecard:" + strconv.FormatUint(uint64(teamID), 10)}}
	}
	return sec
}

// okrSections show each team's active objectives with score, colour and pace,
// and the key results whose latest confidence is at risk or off track.
func okrSections(objectives []store.Objective, last map[uint]okr.Confidence, now time.Time, teamID uint) []bot.Section {
	if len(objectives) == 0 {
		return []bot.Section{{Text: "*OKRs*\n_No active objectives this quarter._"}}
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
			secs = append(secs, bot.Section{Text: fmt.Sprintf("_…and %d more teams with %d objectives._", len(order)-i, rest),
				Buttons: []bot.Button{{ActionID: ActionKPIFullList, Label: "All objectives", Value: "okrs:" + strconv.FormatUint(uint64(teamID), 10)}}})
			break
		}
		parts := make([]okr.Weighted, len(g.os))
		for j, o := range g.os {
			parts[j] = okr.Weighted{Value: score(o), Weight: 1}
		}
		lines := []string{fmt.Sprintf("*OKRs · %s*  %s", bot.Escape(g.name), scoreText(okr.Score(parts)))}
		// Lowest scores first: they are what a leader acts on.
		slices.SortStableFunc(g.os, func(a, b store.Objective) int { return cmp.Compare(score(a), score(b)) })
		for j, o := range g.os {
			if j == digestObjectives {
				lines = append(lines, fmt.Sprintf("_…and %d more objectives._", len(g.os)-j))
				break
			}
			lines = append(lines, objectiveLine(o, now))
			for _, kr := range o.KeyResults {
				if c := last[kr.ID]; c == okr.AtRisk || c == okr.OffTrack {
					lines = append(lines, fmt.Sprintf("    ↳ `%s` %s — %s · %s", keyResultLabel(o, kr), bot.Escape(kr.Title), measureText(kr), c.Label()))
				}
			}
		}
		secs = append(secs, bot.Section{Text: clip(lines)})
	}
	return secs
}

// clip joins lines, leaving out those that do not fit in a section and
// saying how many.
func clip(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if b.Len()+len(l)+60 > maxSectionChars {
			fmt.Fprintf(&b, "\n_…and %d more lines._", len(lines)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// disciplineSection says who has checked in this week on the key results
// they own (or whose objectives they own), and who has not.
func disciplineSection(objectives []store.Objective, recent []store.CheckIn, week time.Time) bot.Section {
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
	head := fmt.Sprintf("*Check-ins this week* (since %s)", week.Format("Monday Jan 2"))
	if len(expected) == 0 {
		return bot.Section{Text: head + "\n_No key results to check in on._"}
	}
	var missing []store.User
	for id := range expected {
		if !done[id] {
			missing = append(missing, people[id])
		}
	}
	slices.SortFunc(missing, func(a, b store.User) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	text := fmt.Sprintf("%s\n✅ %d of %d people have checked in.", head, len(done), len(expected))
	if len(missing) > 0 {
		names := make([]string, 0, digestNames)
		for i, u := range missing {
			if i == digestNames {
				names = append(names, fmt.Sprintf("and %d more", len(missing)-i))
				break
			}
			names = append(names, ownerText(&u))
		}
		text += "\n⏳ Not yet: " + strings.Join(names, ", ")
	}
	return bot.Section{Text: text}
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
	lines := []string{fmt.Sprintf("*Biggest movers* since %s", since.UTC().Format("Jan 2"))}
	for i, m := range movers {
		if i == digestMovers {
			break
		}
		mark := "📉"
		if m.change.Improved(m.v.k.Direction) {
			mark = "📈"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s → %s (%s) · %s", mark, kpiName(m.v.k), kpiValue(m.change.Base, m.v.k),
			valueText(m.v.k), m.change.String(), ownerText(&m.v.k.Owner)))
	}
	return bot.Section{Text: strings.Join(lines, "\n")}, true
}

// BlockCount is how many Slack blocks a message takes: a section each (more
// when over 3,000 characters), a context block under it, and one actions
// block for every 25 buttons.
func BlockCount(m bot.Message) int {
	n := 0
	for _, s := range m.Sections {
		n += max(1, (len(s.Text)+2999)/3000)
		if strings.TrimSpace(s.Context) != "" {
			n++
		}
		n += (len(s.Buttons) + 24) / 25
	}
	return n
}

// fitBlocks drops OKR team sections from the end until the message fits in
// Slack's limit. The caps above keep digests well inside it; this is the
// last guard.
func fitBlocks(m *bot.Message) {
	for BlockCount(*m) > MaxDigestBlocks && len(m.Sections) > 3 {
		m.Sections = append(m.Sections[:len(m.Sections)-3], m.Sections[len(m.Sections)-2:]...)
	}
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
		ch, ok := parseChannel(words[1])
		if !ok {
			return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #leadership.", words[1])
		}
		if !c.admin {
			return bot.Reply{}, refuse("Only an okrbot admin can change digests.")
		}
		n, err := s.store.DeleteDigestSubscriptions(ctx, c.ws.ID, kpiChannelID(ch))
		if err != nil {
			return bot.Reply{}, err
		}
		if n == 0 {
			return bot.Reply{}, refuse("%s gets no digest.", kpiChannelText(kpiChannelID(ch)))
		}
		return bot.Text(fmt.Sprintf("🔕 %s no longer gets the digest.", kpiChannelText(kpiChannelID(ch)))), nil
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
	msg, err := s.Digest(ctx, c.ws.ID, DigestOptions{TeamID: team.ID})
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) == 0 {
		msg.Public = false
		return bot.Reply{Message: msg}, nil
	}
	ch, ok := parseChannel(a.pos[0])
	if !ok {
		return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #leadership.", a.pos[0])
	}
	if !c.admin {
		return bot.Reply{}, refuse("Only an okrbot admin can post the digest to a channel; `/kpi digest now` shows it to you.")
	}
	p := s.poster(c.req.Workspace.Platform)
	if p == nil {
		msg.Public = false
		return bot.Reply{Message: msg}, nil
	}
	if _, err := p.Post(ctx, kpiChannelID(ch), "", *msg); err != nil {
		return bot.Reply{}, fmt.Errorf("post digest to %s: %w", kpiChannelID(ch), err)
	}
	return bot.Text(fmt.Sprintf("📨 Posted the digest to %s.", kpiChannelText(kpiChannelID(ch)))), nil
}

var (
	clockPattern   = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)
	digestWeekdays = map[string]int{"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	cronField = regexp.MustCompile(`^[0-9*,/\-]+$`)
)

// DigestSchedule reads when a digest goes out: "weekly monday 09:00",
// "daily 08:30", "monthly 1 09:00", or a five-field cron expression. It
// returns the cron expression.
func DigestSchedule(words []string) (string, error) {
	bad := func() error {
		return okr.Invalid("schedule", "%q is not a schedule like `weekly monday 09:00`, `daily 08:30`, `monthly 1 09:00` or a cron expression like \"0 9 * * 1\".", strings.Join(words, " "))
	}
	if len(words) == 1 && len(strings.Fields(words[0])) == 5 {
		words = strings.Fields(words[0])
	}
	if len(words) == 5 {
		spec := strings.Join(words, " ")
		for _, f := range words {
			if !cronField.MatchString(f) {
				return "", bad()
			}
		}
		if _, err := cron.ParseStandard(spec); err != nil {
			return "", okr.Invalid("schedule", "The cron expression %q does not parse: %v.", spec, err)
		}
		return spec, nil
	}
	if len(words) < 2 {
		return "", bad()
	}
	m := clockPattern.FindStringSubmatch(words[len(words)-1])
	if m == nil {
		return "", bad()
	}
	hour, _ := strconv.Atoi(m[1])
	minute, _ := strconv.Atoi(m[2])
	switch strings.ToLower(words[0]) {
	case "daily":
		if len(words) == 2 {
			return fmt.Sprintf("%d %d * * *", minute, hour), nil
		}
	case "weekly":
		if len(words) == 3 {
			if d, ok := digestWeekdays[strings.ToLower(words[1])]; ok {
				return fmt.Sprintf("%d %d * * %d", minute, hour, d), nil
			}
		}
	case "monthly":
		if len(words) == 3 {
			if d, err := strconv.Atoi(words[1]); err == nil && d >= 1 && d <= 28 {
				return fmt.Sprintf("%d %d %d * *", minute, hour, d), nil
			}
			return "", okr.Invalid("schedule", "A monthly digest goes out on day 1 to 28, not %q.", words[1])
		}
	}
	return "", bad()
}

func (s *Service) digestSubscribe(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi digest", words, []string{"tz", "team"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) < 2 {
		return bot.Reply{}, refuse("Usage: `%s`.", kpiCommands["digest"].usage)
	}
	ch, ok := parseChannel(a.pos[0])
	if !ok {
		return bot.Reply{}, okr.Invalid("channel", "%q is not a channel: name it with #, like #leadership.", a.pos[0])
	}
	if !c.admin {
		return bot.Reply{}, refuse("Only an okrbot admin can change digests.")
	}
	spec, err := DigestSchedule(a.pos[1:])
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
	d := store.DigestSubscription{WorkspaceID: c.ws.ID, Channel: kpiChannelID(ch), TeamID: team.ID, Schedule: spec, TZ: tz, CreatedByID: c.user.ID}
	next, err := NextDigestRun(d, s.now())
	if err != nil {
		return bot.Reply{}, err
	}
	// A digest is for reading, not for watching: more than one an hour is
	// noise in a leadership channel (and a cron typo, more often than not).
	if after, err := NextDigestRun(d, next); err == nil && after.Sub(next) < minDigestInterval {
		return bot.Reply{}, okr.Invalid("schedule", "The schedule %q sends a digest every %s; a digest goes out at most once an hour.", spec, after.Sub(next))
	}
	if err := s.store.SaveDigestSubscription(ctx, &d); err != nil {
		return bot.Reply{}, err
	}
	what := "the whole workspace"
	if team.ID != 0 {
		what = "team " + bot.Escape(team.Name)
	}
	return bot.Text(fmt.Sprintf("📅 %s gets the digest of %s at `%s` (%s), next on %s. Preview it with `/kpi digest now`.",
		kpiChannelText(d.Channel), what, spec, bot.Escape(tz), nextText(next, tz))), nil
}

func (s *Service) digestList(ctx context.Context, c *caller) (bot.Reply, error) {
	ds, err := s.store.DigestSubscriptions(ctx, c.ws.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(ds) == 0 {
		return bot.Text("No channel gets a digest. Subscribe one with `/kpi digest #leadership weekly monday 09:00`."), nil
	}
	teams, err := s.store.Teams(ctx, c.ws.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	names := map[uint]string{0: "whole workspace"}
	for _, t := range teams {
		names[t.ID] = "team " + bot.Escape(t.Name)
	}
	lines := []string{"*Digests*"}
	for _, d := range ds {
		line := fmt.Sprintf("• %s · %s · `%s` %s", kpiChannelText(d.Channel), names[d.TeamID], d.Schedule, bot.Escape(d.TZ))
		if next, err := NextDigestRun(d, s.now()); err == nil {
			line += " · next " + nextText(next, d.TZ)
		}
		if d.LastSentAt != nil {
			line += " · last sent " + d.LastSentAt.UTC().Format("Jan 2")
		}
		lines = append(lines, line)
	}
	return bot.Reply{Message: &bot.Message{Text: "Digests", Sections: sectionsOf(lines, "")}}, nil
}

// DigestFor builds the digest a subscription sends: for its team (or the
// whole workspace), with the biggest movers since its last digest. A
// scheduler posts it to sub.Channel and then calls store.MarkDigestSent.
func (s *Service) DigestFor(ctx context.Context, sub store.DigestSubscription) (*bot.Message, error) {
	opt := DigestOptions{TeamID: sub.TeamID}
	if sub.LastSentAt != nil {
		opt.Since = *sub.LastSentAt
	}
	return s.Digest(ctx, sub.WorkspaceID, opt)
}

// minDigestInterval is the shortest time between two digests of one
// subscription.
const minDigestInterval = time.Hour

// NextDigestRun is the first time after `after` when a subscription's digest
// is due: its cron expression read in its time zone. Like every robfig/cron
// schedule, a time inside a daylight-saving gap is skipped that day.
func NextDigestRun(d store.DigestSubscription, after time.Time) (time.Time, error) {
	if _, err := time.LoadLocation(d.TZ); err != nil {
		return time.Time{}, okr.Invalid("tz", "%q is not a time zone like Europe/Berlin.", d.TZ)
	}
	sched, err := cron.ParseStandard("CRON_TZ=" + d.TZ + " " + d.Schedule)
	if err != nil {
		return time.Time{}, okr.Invalid("schedule", "The schedule %q does not parse: %v.", d.Schedule, err)
	}
	next := sched.Next(after)
	if next.IsZero() {
		return next, okr.Invalid("schedule", "The schedule %q never runs.", d.Schedule)
	}
	return next, nil
}

func nextText(t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon Jan 2, 15:04")
}
