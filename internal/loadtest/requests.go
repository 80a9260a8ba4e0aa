package loadtest

import (
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

// Request is a kind of request a run sends, and what its reply must show.
type Request struct {
	// Name says what is sent, in the report: "/okr list all".
	Name string
	// Want is what a correct reply shows, every one of it.
	Want []string
	// build makes the request of person user, signed with secret at at,
	// to be answered at responseURL.
	build func(events, secret, team, user, responseURL string, at time.Time) *http.Request
}

// channel is where people type the slash commands.
const channel = "CLOADTEST"

// SlashCommand is a slash command typed in a channel, like "/okr list
// all", as Slack posts it.
func SlashCommand(line string, want []string) Request {
	line = strings.TrimSpace(line)
	command, text, _ := strings.Cut(line, " ")
	return Request{Name: line, Want: want,
		build: func(events, secret, team, user, responseURL string, at time.Time) *http.Request {
			return fakeslack.SlashCommandRequest(events, secret, at, slack.SlashCommand{
				TeamID: team, UserID: user, UserName: user, ChannelID: channel,
				Command: command, Text: text, ResponseURL: responseURL, TriggerID: "trigger." + user,
			})
		}}
}

// NothingChanged is a click on "Nothing changed" in a person's weekly
// check-in prompt, as Slack posts it (block_actions): okrbot checks in
// each of their key results with the value it has and answers at the
// response_url. It writes, as a Monday wave of prompts does.
func NothingChanged() Request {
	return Request{Name: `"Nothing changed" clicks`, Want: []string{"Checked in"},
		build: func(events, secret, team, user, responseURL string, at time.Time) *http.Request {
			cb := &slack.InteractionCallback{Type: slack.InteractionTypeBlockActions,
				Team: slack.Team{ID: team}, User: slack.User{ID: user, Name: user},
				ResponseURL: responseURL, TriggerID: "trigger." + user,
				ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
					{ActionID: commands.ActionRemindNothing, BlockID: "prompt", Type: "button", Value: "1"},
				}}}
			cb.Channel.ID = "D" + user
			return fakeslack.InteractionRequest(events, secret, at, cb)
		}}
}
