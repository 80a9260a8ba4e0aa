package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
)

// /okr period: lists periods; /okr period new NAME --start DATE --end DATE
// adds one with custom dates, for cycles that are not calendar quarters.
func (s *Service) periods(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 || strings.EqualFold(words[0], "list") {
		return s.listPeriods(ctx, c)
	}
	if !strings.EqualFold(words[0], "new") {
		return bot.Reply{}, refuse("Usage: `/okr period` to list periods, or `/okr period new \"FY27 H1\" --start 2027-01-01 --end 2027-06-30`.")
	}
	a, err := parseArgs("/okr period new", words[1:], []string{"start", "end"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := c.adminOnly("Only a workspace admin can add periods; quarters like 2026-Q4 need no setup."); err != nil {
		return bot.Reply{}, err
	}
	name := strings.Join(a.pos, " ")
	if _, err := okr.ParsePeriod(name); err == nil {
		return bot.Reply{}, okr.Invalid("period", "%q is a quarter; quarters need no setup.", name)
	}
	start, err := parseDate("--start", a.flags["start"])
	if err != nil {
		return bot.Reply{}, err
	}
	end, err := parseDate("--end", a.flags["end"])
	if err != nil {
		return bot.Reply{}, err
	}
	p, err := okr.CustomPeriod(name, start, end)
	if err != nil {
		return bot.Reply{}, err
	}
	if _, err := s.store.CreatePeriod(ctx, c.ws.ID, p); err != nil {
		return bot.Reply{}, err
	}
	return bot.Say(bot.Textf("✅ Added period %s, %s to %s. Use it with `--period \"%s\"`.",
		bot.Bold(p.Name), start.Format("Jan 2, 2006"), end.Format("Jan 2, 2006"), p.Name)), nil
}

func (s *Service) listPeriods(ctx context.Context, c *caller) (bot.Reply, error) {
	if _, err := s.period(ctx, s.store, c, "", s.quarter()); err != nil {
		return bot.Reply{}, err
	}
	ps, err := s.store.Periods(ctx, c.ws.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	sec := bot.Section{Text: bot.T(bot.Bold("Periods")), Context: bot.T("Quarters such as 2026-Q4 work everywhere without setup.")}
	for _, p := range ps {
		line := fmt.Sprintf("• %s: %s – %s", p.Name, p.StartsAt.Format("Jan 2, 2006"), p.EndsAt.AddDate(0, 0, -1).Format("Jan 2, 2006"))
		if current := s.now(); !current.Before(p.StartsAt) && current.Before(p.EndsAt) {
			line += " (now)"
		}
		sec.Items = append(sec.Items, bot.T(line))
	}
	return bot.Reply{Message: &bot.Message{Summary: bot.T("Periods"), Sections: []bot.Section{sec}}}, nil
}

// parseDate reads a calendar date written as 2026-12-28.
func parseDate(field, text string) (time.Time, error) {
	if strings.TrimSpace(text) == "" {
		return time.Time{}, okr.Invalid(field, "%s needs a date like 2027-01-01.", field)
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(text))
	if err != nil {
		return time.Time{}, okr.Invalid(field, "%s: %q is not a date like 2027-01-01.", field, text)
	}
	return t, nil
}
