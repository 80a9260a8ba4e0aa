package commands

import (
	"context"

	"github.com/okrbot/okrbot/bot"
)

// command is one /okr subcommand.
type command struct {
	usage   string
	summary bot.Text
	run     func(s *Service, ctx context.Context, c *caller, words []string) (bot.Reply, error)
}

// okrCommands are the /okr subcommands, in the order help lists them.
var okrCommands map[string]command

var okrOrder = []string{"new", "kr", "list", "show", "checkin", "edit", "close", "grade", "carry", "review", "history", "archive", "tree", "dashboard", "period", "import", "remind", "help"}

func init() {
	okrCommands = map[string]command{
		"new": {`/okr new "Grow revenue" [--period 2026-Q4] [--team Sales] [--parent 12] [--owner @ada]`,
			bot.Textf("Create an objective; with no text, opens a form with key results."), (*Service).newObjective},
		"kr": {`/okr kr 42 "Close 20 deals" --target 20 [--start 0] [--unit deals] [--owner @ada] [--weight 2] [--kpi NAME]`,
			bot.Textf("Add a key result to objective #42; `--milestone` instead of `--target` for done/not done; `--kpi` lets a KPI drive it."), (*Service).addKeyResult},
		"list": {"/okr list [mine|@ada|team Sales|all] [--period 2026-Q4]",
			bot.Textf("Objectives with score, progress, owner and what is behind pace."), (*Service).list},
		"show": {"/okr show 42", bot.Textf("An objective with its key results, last check-ins, alignment and coaching."), (*Service).show},
		"checkin": {"/okr checkin 42.1 12 [on-track|at-risk|off-track] [comment]",
			bot.Textf("Record a key result's new value; with no text, opens a form for all of yours."), (*Service).checkIn},
		"edit": {`/okr edit 42 [--title "…"] [--team Sales] [--owner @ada] [--parent 12]`,
			bot.Textf("Change an objective; with only an id, opens a form. Key results too: `/okr edit 42.1 --target 30`."), (*Service).edit},
		"close": {"/okr close 42 [0.7]", bot.Textf("Close an objective with its score, or the final score you give."), (*Service).closeObjective},
		"grade": {`/okr grade 42 [--outcome achieved|partly|missed] [--note "what we learned"] [--score 42.1=0.7 …] [--final 0.7]`,
			bot.Textf("Grade an objective at the end of its period: a final score from 0.0 to 1.0 per key result, how it went and what you learned. With only an id, opens a form filled in with the current scores; without `--score`, a key result keeps its current score."), (*Service).grade},
		"carry": {"/okr carry 42 [--to 2027-Q1]",
			bot.Textf("Close an objective and continue its unfinished key results in the next period (or the one given), starting where they stand."), (*Service).carry},
		"review": {"/okr review [--period 2026-Q4] [team Sales]",
			bot.Textf("A period's retrospective: final scores, outcomes and what was learned, the average per team, and what was carried over."), (*Service).review},
		"history": {"/okr history 42 [--page 2]",
			bot.Textf("Every change to an objective and its key results, newest first: who, when, and the old and new values."), (*Service).okrHistory},
		"archive":   {"/okr archive 42", bot.Textf("Archive an objective so it no longer shows in lists."), (*Service).archiveObjective},
		"tree":      {"/okr tree [--period 2026-Q4]", bot.Textf("The alignment tree: company, team and personal objectives."), (*Service).tree},
		"dashboard": {"/okr dashboard", bot.Textf("A link, for you alone, that signs you in to the web dashboard: the tree, every objective with its chart, the scorecard and reviews."), (*Service).dashboard},
		"period": {`/okr period [new "FY27 H1" --start 2027-01-01 --end 2027-06-30]`,
			bot.Textf("List periods, or add one with custom dates (admins); quarters need no setup."), (*Service).periods},
		"import": {"/okr import", bot.Textf("How to import the OKRs of a spreadsheet (CSV or Excel), and the template."), (*Service).importHelp},
		"remind": {"/okr remind [set monday 09:00 [--every 2w] [--team NAME] | off | on | pause until 2026-12-28 | channel #team-okrs]",
			bot.Textf("Your weekly check-in prompt: when it comes, and turning it off or pausing it; admins set the schedule."), (*Service).remindCommand},
		"help": {"/okr help", bot.Textf("This list."), func(*Service, context.Context, *caller, []string) (bot.Reply, error) {
			return bot.Reply{Message: helpMessage(nil)}, nil
		}},
	}
	okrCommands["check-in"] = okrCommands["checkin"]
}

// helpMessage lists every /okr command with an example, under an optional
// first line (such as why help is shown).
func helpMessage(first bot.Text) *bot.Message {
	intro := bot.T(bot.Bold("okrbot"), bot.Textf(" keeps your OKRs where you talk. Numbers like `#42` name objectives; `#42.1` is the first key result of #42. Put titles with spaces in double quotes."))
	return commandList("okrbot commands", intro, first, okrOrder, okrCommands)
}

// commandList is a help message: an optional first line, an introduction,
// then each command's usage and summary in order.
func commandList(title string, intro, first bot.Text, order []string, cmds map[string]command) *bot.Message {
	sec := bot.Section{Text: intro}
	if !first.IsEmpty() {
		sec.Text = bot.Lines(first, intro)
	}
	for _, name := range order {
		cmd := cmds[name]
		sec.Items = append(sec.Items, bot.T("• ", bot.Code(cmd.usage), "\n    ", cmd.summary))
	}
	return &bot.Message{Summary: bot.T(title), Sections: []bot.Section{sec}}
}
