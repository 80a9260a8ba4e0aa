package commands

import (
	"context"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

// command is one /okr subcommand.
type command struct {
	usage   string
	summary string
	run     func(s *Service, ctx context.Context, c *caller, words []string) (bot.Reply, error)
}

// okrCommands are the /okr subcommands, in the order help lists them.
var okrCommands map[string]command

var okrOrder = []string{"new", "kr", "list", "show", "checkin", "edit", "close", "archive", "tree", "period", "remind", "help"}

func init() {
	okrCommands = map[string]command{
		"new": {`/okr new "Grow revenue" [--period 2026-Q4] [--team Sales] [--parent 12] [--owner @ada]`,
			"Create an objective; with no text, opens a form with key results.", (*Service).newObjective},
		"kr": {`/okr kr 42 "Close 20 deals" --target 20 [--start 0] [--unit deals] [--owner @ada] [--weight 2] [--kpi NAME]`,
			"Add a key result to objective #42; `--milestone` instead of `--target` for done/not done; `--kpi` lets a KPI drive it.", (*Service).addKeyResult},
		"list": {"/okr list [mine|@ada|team Sales|all] [--period 2026-Q4]",
			"Objectives with score, progress, owner and what is behind pace.", (*Service).list},
		"show": {"/okr show 42", "An objective with its key results, last check-ins, alignment and coaching.", (*Service).show},
		"checkin": {"/okr checkin 42.1 12 [on-track|at-risk|off-track] [comment]",
			"Record a key result's new value; with no text, opens a form for all of yours.", (*Service).checkIn},
		"edit": {`/okr edit 42 [--title "…"] [--team Sales] [--owner @ada] [--parent 12]`,
			"Change an objective; with only an id, opens a form. Key results too: `/okr edit 42.1 --target 30`.", (*Service).edit},
		"close":   {"/okr close 42 [0.7]", "Close an objective with its score, or the final score you give.", (*Service).closeObjective},
		"archive": {"/okr archive 42", "Archive an objective so it no longer shows in lists.", (*Service).archiveObjective},
		"tree":    {"/okr tree [--period 2026-Q4]", "The alignment tree: company, team and personal objectives.", (*Service).tree},
		"period": {`/okr period [new "FY27 H1" --start 2027-01-01 --end 2027-06-30]`,
			"List periods, or add one with custom dates (admins); quarters need no setup.", (*Service).periods},
		"remind": {"/okr remind [set monday 09:00 [--every 2w] [--team NAME] | off | on | pause until 2026-12-28 | channel #team-okrs]",
			"Your weekly check-in prompt: when it comes, and turning it off or pausing it; admins set the schedule.", (*Service).remindCommand},
		"help": {"/okr help", "This list.", func(*Service, context.Context, *caller, []string) (bot.Reply, error) {
			return bot.Reply{Message: helpMessage("")}, nil
		}},
	}
	okrCommands["check-in"] = okrCommands["checkin"]
}

// helpMessage lists every /okr command with an example, under an optional
// first line (such as why help is shown).
func helpMessage(first string) *bot.Message {
	return commandList("okrbot commands", "*okrbot* keeps your OKRs where you talk. Numbers like `#42` name objectives; `#42.1` is the first key result of #42. Put titles with spaces in double quotes.",
		first, okrOrder, okrCommands)
}

// commandList is a help message: an optional first line, an introduction,
// then each command's usage and summary in order.
func commandList(title, intro, first string, order []string, cmds map[string]command) *bot.Message {
	lines := []string{intro}
	if first != "" {
		lines = append([]string{first}, lines...)
	}
	for _, name := range order {
		cmd := cmds[name]
		lines = append(lines, "• `"+cmd.usage+"`\n    "+cmd.summary)
	}
	return &bot.Message{Text: title, Sections: []bot.Section{{Text: strings.Join(lines, "\n")}}}
}
