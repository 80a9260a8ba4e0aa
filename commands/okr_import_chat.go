package commands

import (
	"context"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

// TemplatePath is where the API serves the OKR import template.
const TemplatePath = "/api/v1/import/template.csv"

// /okr import: an import is a file, which chat does not carry well, so
// this says how to bring one in and where the template is.
func (s *Service) importHelp(_ context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) > 0 {
		return bot.Reply{}, refuse("Usage: `/okr import` (it explains how to import a spreadsheet of OKRs).")
	}
	template := bot.T(bot.Code("okrbot import --template > okrs.csv"))
	if s.publicURL != "" {
		template = bot.T(bot.Link(strings.TrimSuffix(s.publicURL, "/")+TemplatePath, "okrs.csv"), " (or ", bot.Code("okrbot import --template > okrs.csv"), ")")
	}
	intro := bot.T(bot.Bold("Bring your OKRs"), bot.Textf(" from a spreadsheet: one row per key result, with its objective's columns (period, objective, owner, parent…) repeated. CSV or Excel; the template is "), template, ".")
	sec := bot.Section{Text: intro, Items: []bot.Text{
		bot.T(bot.Bold("On the server: "), bot.Code("okrbot import okrs.csv"), bot.Textf(" shows what it would create and every problem by line; add "),
			bot.Code("--apply"), bot.Textf(" to import, "), bot.Code("--update"), bot.Textf(" to change what okrbot already has.")),
		bot.T(bot.Bold("Over the API: "), bot.Code("POST /api/v1/import"), bot.Textf(" with the file as the body and a token from "),
			bot.Code("/kpi token create"), bot.Textf(" (admins); "), bot.Code("?apply=true"), bot.Textf(" to import. It answers the same report, as JSON.")),
	}, Context: bot.Textf("Owners by email, name or id; parents by the file's own references or an objective's #number. Nothing is written unless the whole file is right.")}
	if !c.admin {
		sec.Context = bot.T(sec.Context, bot.Textf(" Importing needs an okrbot admin."))
	}
	return bot.Reply{Message: &bot.Message{Summary: bot.T("Import OKRs from a spreadsheet"), Sections: []bot.Section{sec}}}, nil
}
