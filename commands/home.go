package commands

import (
	"context"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

var _ bot.HomeHandler = (*Service)(nil)

// Home is a person's own page (Slack's App Home): their objectives this
// quarter, the key results they check in on, and how to do more.
func (s *Service) Home(ctx context.Context, req bot.Request) *bot.Message {
	msg, err := s.home(ctx, req)
	if err != nil {
		return s.failure(ctx, req, err).Message
	}
	return msg
}

func (s *Service) home(ctx context.Context, req bot.Request) (*bot.Message, error) {
	c, err := s.caller(ctx, req)
	if err != nil {
		return nil, err
	}
	p, err := s.period(ctx, s.store, c, "", s.quarter())
	if err != nil {
		return nil, err
	}
	os, err := s.store.Objectives(ctx, c.ws.ID, store.ObjectiveFilter{OwnerID: c.user.ID, PeriodID: p.ID, Statuses: []okr.Status{okr.Active}})
	if err != nil {
		return nil, err
	}
	krs, err := s.store.CheckInKeyResults(ctx, c.ws.ID, c.user.ID)
	if err != nil {
		return nil, err
	}
	msg := &bot.Message{Summary: bot.T("okrbot")}
	mine := bot.Section{Text: bot.T(bot.Bold("Your objectives in " + p.Name))}
	if len(os) == 0 {
		mine.Items = append(mine.Items, bot.T(bot.Italic("None yet."), bot.Textf(" Type `/okr new` in any channel to set one.")))
	}
	points, err := s.checkInPoints(ctx, c.ws.ID, os)
	if err != nil {
		return nil, err
	}
	for _, o := range os {
		f, _ := forecastAt(o, points, s.now())
		mine.Items = append(mine.Items, bot.T(objectiveLine(o, s.now()), "\n    "+forecastText(f)))
	}
	msg.Sections = append(msg.Sections, mine)
	if req.ShowsImages {
		charts, err := s.homeCharts(ctx, c, os)
		if err != nil {
			return nil, err
		}
		msg.Sections = append(msg.Sections, charts...)
	}
	if len(krs) > 0 {
		sec := bot.Section{Text: bot.Textf("%s (%d)", bot.Bold("Key results you check in on"), len(krs)),
			Buttons: []bot.Button{{ActionID: ActionCheckIn, Label: "Check in", Style: bot.Primary}}}
		for _, kr := range krs {
			sec.Items = append(sec.Items, bot.Textf("`#%d` %s — %s · %s", kr.Number, kr.Title, MeasureText(kr), scoreText(kr.Progress())))
		}
		msg.Sections = append(msg.Sections, sec)
	}
	if s.publicURL != "" {
		msg.Sections = append(msg.Sections, bot.Section{Text: bot.T("📊 The tree, every objective's chart and the scorecard are on the dashboard."),
			Buttons: []bot.Button{{ActionID: ActionOpenDashboard, Label: "Open dashboard", URL: s.publicURL + "/"}}})
	}
	msg.Sections = append(msg.Sections, bot.Section{Context: bot.Textf("`/okr help` lists everything: `/okr list all`, `/okr tree`, `/okr remind`, `/kpi scorecard`…")})
	return msg, nil
}
