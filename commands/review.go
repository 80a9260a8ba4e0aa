package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// ActionReview shows a period's full review, from the digest.
const ActionReview = "okr_review"

// reviewObjectives is how many objectives a review lists before it says how
// many more there are: enough for a team, and a company's review is read
// team by team.
const reviewObjectives = 30

var reviewUsage = bot.Textf("Usage: `/okr review [--period 2026-Q4] [team NAME]`, like `/okr review --period 2026-Q4 team Sales`.")

// /okr review [--period 2026-Q4] [team NAME]
func (s *Service) review(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr review", words, []string{"period"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	var team *store.Team
	switch {
	case len(a.pos) == 0:
	case len(a.pos) >= 2 && strings.EqualFold(a.pos[0], "team"):
		name := strings.TrimPrefix(strings.Join(a.pos[1:], " "), "#")
		t, err := s.store.TeamByName(ctx, c.ws.ID, name)
		if err != nil {
			return bot.Reply{}, s.noTeam(ctx, c, name, err)
		}
		team = &t
	default:
		return bot.Reply{}, &userError{reviewUsage}
	}
	p, err := s.period(ctx, s.store, c, a.flags["period"], s.quarter())
	if err != nil {
		return bot.Reply{}, err
	}
	return s.reviewReply(ctx, c, p.ID, team)
}

func (s *Service) reviewReply(ctx context.Context, c *caller, periodID uint, team *store.Team) (bot.Reply, error) {
	var teamID uint
	if team != nil {
		teamID = team.ID
	}
	r, err := s.store.PeriodReview(ctx, c.ws.ID, periodID, teamID)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Message: reviewMessage(r, team, s.now())}, nil
}

// reviewMessage is a period's retrospective: each objective with its final
// score, outcome and what was learned, the average score per team, and
// what was carried over.
func reviewMessage(r store.PeriodReview, team *store.Team, now time.Time) *bot.Message {
	title := "Review of " + r.Period.Name
	if team != nil {
		title += " · team " + team.Name
	}
	graded := 0
	for _, o := range r.Objectives {
		if o.Outcome != "" {
			graded++
		}
	}
	last := r.Period.EndsAt.AddDate(0, 0, -1).Format("Jan 2, 2006")
	when := "ended " + last
	if now.Before(r.Period.EndsAt) {
		when = "ends " + last
	}
	msg := &bot.Message{Summary: bot.T(title)}
	head := bot.Section{Text: bot.T("🔎 ", bot.Bold(title)),
		Context: bot.T(fmt.Sprintf("%s · %d objective%s · %d graded · %d carried over", when, len(r.Objectives), plural(len(r.Objectives)), graded, len(r.Carried)))}
	msg.Sections = append(msg.Sections, head)
	if len(r.Objectives) == 0 {
		msg.Sections = append(msg.Sections, bot.Section{Text: bot.T(bot.Italic("No objectives in " + r.Period.Name + "."))})
		return msg
	}
	msg.Sections[0].Text = append(msg.Sections[0].Text, bot.Plain("  "+scoreText(averageScore(r.Objectives))))
	if team == nil {
		msg.Sections = append(msg.Sections, teamScoresSection(r.TeamScores(), len(r.TeamScores())))
	}
	sec := bot.Section{Text: bot.T(bot.Bold("Objectives"))}
	for i, o := range r.Objectives {
		if i == reviewObjectives {
			sec.Items = append(sec.Items, bot.T(bot.Italic(fmt.Sprintf("…and %d more objectives.", len(r.Objectives)-i)),
				bot.Textf(" `/okr review --period \"%s\" team NAME` shows one team's.", r.Period.Name)))
			break
		}
		sec.Items = append(sec.Items, reviewLine(o))
	}
	msg.Sections = append(msg.Sections, sec)
	if len(r.Carried) > 0 {
		carried := bot.Section{Text: bot.T(bot.Bold("Carried over"))}
		for i, cr := range r.Carried {
			if i == reviewObjectives {
				carried.Items = append(carried.Items, bot.T(bot.Italic(fmt.Sprintf("…and %d more.", len(r.Carried)-i))))
				break
			}
			carried.Items = append(carried.Items, bot.Textf("↪️ #%d %s → #%d in %s", cr.From.Number, cr.From.Title, cr.To.Number, cr.To.Period.Name))
		}
		msg.Sections = append(msg.Sections, carried)
	}
	return msg
}

// reviewLine is an objective in a review: its score, how it went, and what
// its owner learned.
func reviewLine(o store.Objective) bot.Text {
	line := bot.Textf("%s  %s · %s · ", objectiveTitle(o), scoreText(o.Score()), ownerText(&o.Owner))
	switch {
	case o.Outcome != "":
		line = append(line, bot.Plain(o.Outcome.Label()))
	case o.Status == okr.Closed:
		line = append(line, bot.Plain("closed, not graded"))
	default:
		line = append(line, bot.Textf("open: `/okr grade %d`", o.Number)...)
	}
	if o.Retrospective != "" {
		line = append(line, bot.Plain("\n    "), bot.Italic("“"+historyValue(o.Retrospective)+"”"))
	}
	return line
}

// averageScore is the mean score of objectives, each counting once.
func averageScore(os []store.Objective) float64 {
	parts := make([]okr.Weighted, len(os))
	for i, o := range os {
		parts[i] = okr.Weighted{Value: o.Score(), Weight: 1}
	}
	return okr.Score(parts)
}

// teamScoresSection lists the average score per team, at most n teams.
func teamScoresSection(scores []store.TeamScore, n int) bot.Section {
	sec := bot.Section{Text: bot.T(bot.Bold("Average score by team"))}
	for i, ts := range scores {
		if i == n {
			sec.Items = append(sec.Items, bot.T(bot.Italic(fmt.Sprintf("…and %d more teams.", len(scores)-i))))
			break
		}
		name := "No team"
		if ts.Team != nil {
			name = ts.Team.Name
		}
		sec.Items = append(sec.Items, bot.Textf("%s  %s · %d objective%s", name, scoreText(ts.Average), ts.Objectives, plural(ts.Objectives)))
	}
	return sec
}

// reviewDigestSection is a period's review in brief, for the first digest
// after the period ended.
func reviewDigestSection(r store.PeriodReview, teamID uint) bot.Section {
	graded := 0
	for _, o := range r.Objectives {
		if o.Outcome != "" {
			graded++
		}
	}
	sec := teamScoresSection(r.TeamScores(), digestTeams)
	sec.Text = bot.T("🏁 ", bot.Bold(r.Period.Name+" has ended"), "  "+scoreText(averageScore(r.Objectives)))
	sec.Context = bot.T(fmt.Sprintf("%d objective%s · %d graded · %d carried over", len(r.Objectives), plural(len(r.Objectives)), graded, len(r.Carried)))
	sec.Buttons = []bot.Button{{ActionID: ActionReview, Label: "Full review", Value: strconv.FormatUint(uint64(teamID), 10) + ":" + r.Period.Name}}
	return sec
}

// reviewButton answers a digest's Full review button: "TEAMID:PERIOD".
func (s *Service) reviewButton(ctx context.Context, c *caller, value string) (bot.Reply, error) {
	id, name, ok := strings.Cut(value, ":")
	teamID, err := strconv.ParseUint(id, 10, 64)
	if !ok || err != nil {
		return bot.Reply{}, fmt.Errorf("review: bad button value %q", value)
	}
	p, err := s.store.PeriodByName(ctx, c.ws.ID, name)
	if err != nil {
		return bot.Reply{}, err
	}
	var team *store.Team
	if teamID != 0 {
		t, err := s.store.TeamByID(ctx, c.ws.ID, uint(teamID))
		if err != nil {
			return bot.Reply{}, err
		}
		team = &t
	}
	return s.reviewReply(ctx, c, p.ID, team)
}
