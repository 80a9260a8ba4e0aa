package slack_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

// observer records what the adapter tells it.
type observer struct {
	mu    sync.Mutex
	acked []string // kind
	done  []string // kind/outcome, with +reply when work followed the ack
	calls []string // method, or method! for a failed call
}

func (o *observer) Acked(_ string, kind bot.RequestKind, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.acked = append(o.acked, string(kind))
}

func (o *observer) Done(_ string, kind bot.RequestKind, outcome bot.Outcome, replied time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := string(kind) + "/" + string(outcome)
	if replied > 0 {
		s += "+reply"
	}
	o.done = append(o.done, s)
}

func (o *observer) Called(_, method string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		method += "!"
	}
	o.calls = append(o.calls, method)
}

// TestObserverHearsOfRequestsAndCalls follows requests through the
// Observer: a slash command whose reply goes out, a form refused in the
// ack, a forged request; and every Web API call by method, Slack's
// ok:false answers counted as failures.
func TestObserverHearsOfRequestsAndCalls(t *testing.T) {
	e := setup(t)
	obs := &observer{}
	e.a = slackbot.New(slackbot.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: e.fake.APIURL(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, Observer: obs}, e.h)
	if _, err := e.a.TeamID(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.h.command = func(bot.Request) bot.Reply { return bot.Say("hi") }
	e.h.submit = func(bot.Submission) bot.SubmitResult {
		return bot.SubmitResult{Errors: map[string]string{"title": "Taken."}}
	}
	e.fake.FailMethod("users.info", fakeslack.SlackError("user_not_found"))

	e.serve(e.slashCommand("hello", ""))
	e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)
	view := slack.View{ID: "V1", Type: slack.VTModal, CallbackID: testForm.CallbackID, State: modalState("", "2026-Q2", alice)}
	if w := e.serve(e.interaction(&slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, View: view})); !strings.Contains(w.Body.String(), "Taken.") {
		t.Fatalf("submission answered %s", w.Body)
	}
	forged := fakeslack.SlashCommandRequest("http://okrbot/slack/events", strings.Repeat("0", 32), now, slack.SlashCommand{TeamID: team, Command: "/okr"})
	e.serve(forged)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.a.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	obs.mu.Lock()
	defer obs.mu.Unlock()
	if want := []string{"command", "form"}; !slices.Equal(obs.acked, want) {
		t.Errorf("acked %v, want %v", obs.acked, want)
	}
	// The command's reply may still be on its way when the form is sent.
	slices.Sort(obs.done)
	if want := []string{"command/ok+reply", "form/ok", "unknown/refused"}; !slices.Equal(obs.done, want) {
		t.Errorf("done %v, want %v", obs.done, want)
	}
	// The submission looks the person up again, in the background.
	slices.Sort(obs.calls)
	if want := []string{"auth.test", "response_url", "users.info!", "users.info!"}; !slices.Equal(obs.calls, want) {
		t.Errorf("calls %v, want %v", obs.calls, want)
	}
}
