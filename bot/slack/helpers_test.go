package slack_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

const (
	secret = "8f742231b10e8888abcd99yyyzzz85a5"
	team   = "T0TEAM"
	alice  = "U0ALICE"
)

// now is the tests' fixed clock: far from the wall clock on purpose, so a
// check that used time.Now instead of Config.Now would fail.
var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// recorder is a bot.Handler that records what it is asked and answers with
// the functions a test sets.
type recorder struct {
	mu       sync.Mutex
	commands []bot.Request
	submits  []bot.Submission
	acts     []bot.Action
	reqs     []bot.Request
	called   chan struct{}
	kept     []bot.Address // what Remember was handed

	command func(bot.Request) bot.Reply
	submit  func(bot.Submission) bot.SubmitResult
	act     func(bot.Action) bot.Reply
	home    func(bot.Request) *bot.Message
}

// Home makes the recorder a bot.HomeHandler; with no home function set it
// fills no Home tab.
func (r *recorder) Home(_ context.Context, req bot.Request) *bot.Message {
	if r.home == nil {
		return nil
	}
	return r.home(req)
}

// Remember makes the recorder a bot.Rememberer.
func (r *recorder) Remember(_ context.Context, to bot.Address) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kept = append(r.kept, to)
	return nil
}

func (r *recorder) remembered() []bot.Address {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Address(nil), r.kept...)
}

func newRecorder() *recorder { return &recorder{called: make(chan struct{}, 100)} }

func (r *recorder) Command(_ context.Context, req bot.Request) bot.Reply {
	r.mu.Lock()
	r.commands = append(r.commands, req)
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	r.called <- struct{}{}
	if r.command == nil {
		return bot.Reply{}
	}
	return r.command(req)
}

func (r *recorder) Submit(_ context.Context, req bot.Request, sub bot.Submission) bot.SubmitResult {
	r.mu.Lock()
	r.submits = append(r.submits, sub)
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	r.called <- struct{}{}
	if r.submit == nil {
		return bot.SubmitResult{}
	}
	return r.submit(sub)
}

func (r *recorder) Act(_ context.Context, req bot.Request, act bot.Action) bot.Reply {
	r.mu.Lock()
	r.acts = append(r.acts, act)
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	r.called <- struct{}{}
	if r.act == nil {
		return bot.Reply{}
	}
	return r.act(act)
}

// lastRequest is the request of the latest handler call.
func (r *recorder) lastRequest(t *testing.T) bot.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("handler was never called")
	}
	return r.reqs[len(r.reqs)-1]
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// waitCalled blocks until the handler has been called n times in all.
func (r *recorder) waitCalled(t *testing.T, n int) {
	t.Helper()
	for r.calls() < n {
		select {
		case <-r.called:
		case <-time.After(10 * time.Second):
			t.Fatalf("handler called %d times, want %d", r.calls(), n)
		}
	}
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type env struct {
	fake *fakeslack.Server
	a    *slackbot.Adapter
	h    *recorder
	logs *syncBuffer
}

// setup starts a fake Slack with Alice in it and an adapter talking to it.
func setup(t *testing.T, opts ...fakeslack.Option) *env {
	t.Helper()
	return setupWith(t, nil, opts...)
}

// setupWith is setup with a queue of the test's own (nil: the default).
func setupWith(t *testing.T, queue *bot.Queue, opts ...fakeslack.Option) *env {
	t.Helper()
	e := &env{fake: fakeslack.New(t, append([]fakeslack.Option{fakeslack.WithTeam(team)}, opts...)...), h: newRecorder(), logs: &syncBuffer{}}
	e.fake.AddUser(fakeslack.User{ID: alice, Name: "alice", RealName: "Alice Liddell", TZ: "Europe/Berlin", IsOwner: true})
	var w io.Writer = e.logs
	e.a = slackbot.New(slackbot.Config{
		BotToken:      "xoxb-test",
		AppToken:      "xapp-test",
		SigningSecret: secret,
		APIURL:        e.fake.APIURL(),
		Logger:        slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:           func() time.Time { return now },
		Queue:         queue,
	}, e.h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.a.Drain(ctx); err != nil {
			t.Errorf("drain: %v", err)
		}
	})
	if _, err := e.a.TeamID(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// restarted is another adapter on the same fake Slack, as after a
// restart: it has opened no DM yet.
func (e *env) restarted(t *testing.T) *slackbot.Adapter {
	t.Helper()
	a := slackbot.New(slackbot.Config{BotToken: "xoxb-test", APIURL: e.fake.APIURL(), Now: func() time.Time { return now }}, e.h)
	if _, err := a.TeamID(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) ws() bot.Workspace { return bot.Workspace{Platform: slackbot.Platform, TeamID: team} }

// to is the direct chat with a person.
func (e *env) to(user string) bot.Address {
	return bot.Address{Workspace: e.ws(), Kind: bot.DirectChat, ID: user}
}

// channel is a channel of the workspace.
func (e *env) channel(id string) bot.Address {
	return bot.Address{Workspace: e.ws(), Kind: bot.Channel, ID: id}
}

// msg is a message of one line.
func msg(text string) bot.Message { return bot.Message{Summary: bot.T(text)} }

// serve sends a request to the adapter and returns its answer.
func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.a.ServeHTTP(w, r)
	return w
}

func (e *env) slashCommand(text, triggerID string) *http.Request {
	return fakeslack.SlashCommandRequest("http://okrbot/slack/events", secret, now, slack.SlashCommand{
		TeamID: team, ChannelID: "C0GENERAL", UserID: alice, UserName: "alice",
		Command: "/okr", Text: text, TriggerID: triggerID, ResponseURL: e.fake.ResponseURL("cmd"),
	})
}

func (e *env) interaction(cb *slack.InteractionCallback) *http.Request {
	cb.Team.ID = team
	cb.User.ID, cb.User.Name = alice, "alice"
	return fakeslack.InteractionRequest("http://okrbot/slack/events", secret, now, cb)
}

// modalState is a modal's state as Slack reports it, for the fields of
// testForm.
func modalState(title, period, owner string) *slack.ViewState {
	return &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		"title":  {"value": {Type: "plain_text_input", Value: title}},
		"period": {"value": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: period}}},
		"owner":  {"value": {Type: "users_select", SelectedUser: owner}},
	}}
}

var testForm = bot.Form{
	CallbackID: "objective_new",
	Title:      "New objective",
	SubmitText: "Create",
	State:      "team=42",
	Fields: []bot.Field{
		{ID: "title", Label: "Objective", Kind: bot.TextInput, Placeholder: "Create wildly loyal customers"},
		{ID: "why", Label: "Why it matters", Kind: bot.LongText, Optional: true, Hint: "One or two sentences"},
		{ID: "period", Label: "Period", Kind: bot.Select, Initial: "2026-Q2",
			Options: []bot.Option{{Value: "2026-Q1", Label: "Q1 2026"}, {Value: "2026-Q2", Label: "Q2 2026"}}},
		{ID: "owner", Label: "Owner", Kind: bot.UserSelect, Initial: alice},
		{ID: "add", Label: "Add key result", Kind: bot.ActionButton, ActionID: "kr_add"},
		{ID: "note", Note: bot.T(bot.Italic("3 to 5 key results work best.")), Kind: bot.Note},
	},
}
