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
		return bot.Text("done: " + req.Text)
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
