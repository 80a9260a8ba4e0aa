package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

// runSocket runs the adapter's Socket Mode until the test ends.
func runSocket(t *testing.T, e *env) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.RunSocketMode(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunSocketMode after cancel: %v", err)
		}
	})
}

func socketCommand(e *env, text string) slack.SlashCommand {
	return slack.SlashCommand{TeamID: team, ChannelID: "C0GENERAL", UserID: alice, UserName: "alice",
		Command: "/okr", Text: text, ResponseURL: e.fake.ResponseURL(text)}
}

func TestSocketMode(t *testing.T) {
	e := setup(t)
	runSocket(t, e)
	release := make(chan struct{})
	e.h.command = func(req bot.Request) bot.Reply {
		if req.Text == "first" {
			<-release // the ack must not wait for this
		}
		return bot.Say("done: " + req.Text)
	}

	if ack := e.fake.Deliver(fakeslack.EnvelopeSlashCommand, socketCommand(e, "first")); len(ack) != 0 {
		t.Errorf("slash command ack payload = %s, want none", ack)
	}
	close(release)
	if c := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]; c.Path != "/response/first" || c.Text() != "done: first" {
		t.Errorf("reply %s %q", c.Path, c.Text())
	}

	// A view submission's errors travel in the ack.
	e.h.submit = func(bot.Submission) bot.SubmitResult {
		return bot.SubmitResult{Errors: map[string]string{"title": "Required"}}
	}
	cb := submissionPayload()
	cb.Team.ID, cb.User.ID = team, alice
	ack := e.fake.Deliver(fakeslack.EnvelopeInteractive, cb)
	if got := string(ack); got != `{"response_action":"errors","errors":{"title":"Required"}}` {
		t.Errorf("view submission ack = %s", got)
	}

	// A dropped connection is reopened and requests keep coming.
	e.fake.DropConnections()
	e.fake.Deliver(fakeslack.EnvelopeSlashCommand, socketCommand(e, "second"))
	e.fake.WaitCalls(fakeslack.ResponseURLMethod, 2)
	if n := e.fake.Connections(); n < 2 {
		t.Errorf("%d connections after a drop", n)
	}
}

func TestSocketModeStopsWhenSlackRefusesTheToken(t *testing.T) {
	e := setup(t)
	e.fake.FailMethod("apps.connections.open", fakeslack.SlackError("invalid_auth"))
	if err := e.a.RunSocketMode(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("RunSocketMode = %v, want invalid_auth", err)
	}

	noToken := slackbot.New(slackbot.Config{BotToken: "xoxb-test", APIURL: e.fake.APIURL()}, e.h)
	if err := noToken.RunSocketMode(context.Background()); err == nil {
		t.Error("RunSocketMode without an app token succeeded")
	}
}

func TestSocketModeHomeTab(t *testing.T) {
	e := setup(t)
	runSocket(t, e)
	asked := make(chan bot.Request, 1)
	e.h.home = func(req bot.Request) *bot.Message {
		asked <- req
		return &bot.Message{Summary: bot.T("home"), Sections: []bot.Section{{Text: bot.T(bot.Bold("Your objectives"), " for "+req.User.ID)}}}
	}
	event := map[string]any{"type": "event_callback", "team_id": team,
		"event": map[string]any{"type": "app_home_opened", "user": alice, "channel": "D0ALICE", "tab": "home"}}
	e.fake.Deliver(fakeslack.EnvelopeEventsAPI, event)
	c := e.fake.WaitCalls("views.publish", 1)[0]
	if c.Params.Get("user_id") != alice || !strings.Contains(c.Params.Get("view"), "*Your objectives* for "+alice) {
		t.Errorf("views.publish = %v", c.Params)
	}
	// The event's channel is okrbot's DM with the person: the ref of
	// their direct chat.
	if got, want := (<-asked).Address, (bot.Address{Workspace: e.ws(), Kind: bot.DirectChat, ID: alice, Ref: "D0ALICE"}); got != want {
		t.Errorf("home request address = %+v, want %+v", got, want)
	}
	// The messages tab publishes nothing.
	e.h.command = func(req bot.Request) bot.Reply { return bot.Say("done") }
	event["event"] = map[string]any{"type": "app_home_opened", "user": alice, "tab": "messages"}
	e.fake.Deliver(fakeslack.EnvelopeEventsAPI, event)
	e.fake.Deliver(fakeslack.EnvelopeSlashCommand, socketCommand(e, "after"))
	e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)
	if n := len(e.fake.Calls("views.publish")); n != 1 {
		t.Errorf("%d views.publish calls, want 1", n)
	}
}
