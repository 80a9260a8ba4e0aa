package teams_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
)

const endpoint = "http://okrbot.test/api/messages"

// People of the fake tenant.
var (
	ada = faketeams.User{ID: "29:1ada", AADObjectID: "aad-ada-0001", Name: "Ada Lovelace", Email: "ada@example.com"}
	bob = faketeams.User{ID: "29:1bob", AADObjectID: "aad-bob-0002", Name: "Bob Smith", Email: "bob@example.com"}
)

type clock = fakeclock.Clock

type env struct {
	t     testing.TB
	fake  *faketeams.Server
	clock *clock
	a     *teams.Adapter
	h     *okrHandler
	ws    bot.Workspace
}

func newEnv(t testing.TB, opts ...faketeams.Option) *env {
	t.Helper()
	return newEnvWith(t, nil, opts...)
}

// newEnvWith is newEnv with a queue of the test's own (nil: the default).
func newEnvWith(t testing.TB, queue *bot.Queue, opts ...faketeams.Option) *env {
	t.Helper()
	c := fakeclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	fake := faketeams.New(t, append([]faketeams.Option{faketeams.WithClock(c.Now)}, opts...)...)
	fake.AddUser(ada)
	fake.AddUser(bob)
	h := &okrHandler{}
	cfg := config(fake, c)
	cfg.Queue = queue
	a, err := teams.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, fake: fake, clock: c, a: a, h: h, ws: bot.Workspace{Platform: teams.Platform, TeamID: faketeams.TenantID}}
}

func config(fake *faketeams.Server, c *clock) teams.Config {
	return teams.Config{
		AppID:             faketeams.AppID,
		AppPassword:       faketeams.AppPassword,
		TenantID:          faketeams.TenantID,
		OpenIDMetadataURL: fake.OpenIDMetadataURL(),
		TokenURL:          fake.TokenURL(),
		ServiceURLHosts:   "127.0.0.1",
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:               c.Now,
	}
}

// post delivers an activity as the Bot Connector does and waits for the
// work it started.
func (e *env) post(act faketeams.Activity, c faketeams.Claims) *httptest.ResponseRecorder {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.a.ServeHTTP(rec, e.fake.Request(endpoint, act, c))
	e.drain()
	return rec
}

// invoke posts an invoke and reads Teams' view of the answer.
func (e *env) invoke(act faketeams.Activity) faketeams.InvokeAnswer {
	e.t.Helper()
	rec := e.post(act, faketeams.Claims{})
	if rec.Code != http.StatusOK {
		e.t.Fatalf("invoke %s answered %d: %s", act.Name, rec.Code, rec.Body)
	}
	ans, err := faketeams.ReadAnswer(rec.Body.Bytes())
	if err != nil {
		e.t.Fatalf("invoke %s: %v\n%s", act.Name, err, rec.Body)
	}
	return ans
}

// click clicks a button of a card, typing inputs, and returns the answer.
func (e *env) click(p faketeams.Place, who faketeams.User, card faketeams.Card, title string, inputs map[string]string) faketeams.InvokeAnswer {
	e.t.Helper()
	act, err := e.fake.Click(p, who, card, title, inputs)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.invoke(act)
}

func (e *env) drain() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.a.Drain(ctx); err != nil {
		e.t.Fatal("handlers still running:", err)
	}
}

// only returns the one message in a conversation.
func (e *env) only(conv string) faketeams.Activity {
	e.t.Helper()
	msgs := e.fake.Messages(conv)
	if len(msgs) != 1 {
		e.t.Fatalf("%d messages in %s, want 1: %+v", len(msgs), conv, msgs)
	}
	return msgs[0]
}

func (e *env) personalChat(u faketeams.User) string {
	e.t.Helper()
	id, ok := e.fake.PersonalChat(u.ID)
	if !ok {
		e.t.Fatalf("no personal chat with %s", u.Name)
	}
	return id
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

func mentions(c faketeams.Card) []map[string]any {
	var out []map[string]any
	ms, _ := c["msteams"].(map[string]any)
	es, _ := ms["entities"].([]any)
	for _, e := range es {
		out = append(out, e.(map[string]any))
	}
	return out
}

func decodeRef(t *testing.T, ref string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(ref), &m); err != nil {
		t.Fatalf("ref %q: %v", ref, err)
	}
	return m
}

// okrHandler is a small OKR bot: enough of one to drive every path of the
// adapter.
type okrHandler struct {
	mu       sync.Mutex
	requests []bot.Request
	subs     []bot.Submission
	acts     []bot.Action
	// block, when set, holds Command until it is closed; started, when
	// set, is told that Command began.
	block   chan struct{}
	started chan struct{}
}

func (h *okrHandler) Requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

func (h *okrHandler) Submissions() []bot.Submission {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.subs)
}

func (h *okrHandler) Actions() []bot.Action {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.acts)
}

func newObjectiveForm() *bot.Form {
	return &bot.Form{
		CallbackID: "new_objective",
		Title:      "New objective",
		SubmitText: "Create",
		State:      "period=2026-Q1",
		Fallback:   bot.T(bot.Code(`okr new "TITLE"`)),
		Fields: []bot.Field{
			{ID: "title", Label: "Title", Kind: bot.TextInput, Placeholder: "Create wildly loyal customers"},
			{ID: "owner", Label: "Owner", Kind: bot.UserSelect, Optional: true},
			{ID: "period", Label: "Period", Kind: bot.Select, Initial: "2026-Q1", Options: []bot.Option{{Value: "2026-Q1", Label: "Q1 2026"}, {Value: "2026-Q2", Label: "Q2 2026"}}},
			{ID: "add_kr", Label: "Add key result", Kind: bot.ActionButton, ActionID: "add_kr"},
		},
	}
}

func (h *okrHandler) Command(_ context.Context, req bot.Request) bot.Reply {
	h.mu.Lock()
	h.requests = append(h.requests, req)
	block, started := h.block, h.started
	h.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if block != nil {
		<-block
	}
	switch req.Text {
	case "new":
		return bot.Reply{Form: newObjectiveForm()}
	case "list":
		return bot.Reply{Message: &bot.Message{
			Summary:    bot.T("Objectives of ", bot.Mention(req.User.ID, req.User.Name)),
			Visibility: bot.Conversation,
			Sections: []bot.Section{{
				Text:  bot.T(bot.Bold("Grow revenue"), " 0.4"),
				Items: []bot.Text{bot.T("KR1 Sign 10 customers")},
				Buttons: []bot.Button{
					{ActionID: "checkin", Label: "Check in", Value: "kr-1", Style: bot.Primary},
					{ActionID: "snooze", Label: "Snooze", Value: "kr-1"},
					{ActionID: "close", Label: "Close", Value: "obj-7", Style: bot.Danger, Confirm: "Close Grow revenue?"},
				},
			}},
		}}
	case "boom":
		panic("boom")
	}
	if strings.HasPrefix(req.Text, "token") || strings.Contains(req.Text, "secret") {
		// The asker's own, such as an API token.
		return bot.Reply{Message: &bot.Message{Summary: bot.T("Your token, ", req.User.Name, ": ", req.Text), Visibility: bot.Private}}
	}
	return bot.Say("You are ", req.User.Name, " in ", req.User.TZ, "; you said: ", req.Text)
}

func (h *okrHandler) Submit(_ context.Context, req bot.Request, sub bot.Submission) bot.SubmitResult {
	h.mu.Lock()
	h.subs = append(h.subs, sub)
	h.mu.Unlock()
	if sub.Values["title"] == "taken" {
		return bot.SubmitResult{Errors: map[string]string{"title": "An objective with this title exists."}}
	}
	owner := bot.Text{bot.Plain("nobody")}
	if id := sub.Values["owner"]; id != "" {
		owner = bot.T(bot.Mention(id, ""))
	}
	return bot.SubmitResult{Message: &bot.Message{Summary: bot.T("Created ", bot.Bold(sub.Values["title"]), " for ", owner, " in ", sub.Values["period"])}}
}

func (h *okrHandler) Act(_ context.Context, req bot.Request, act bot.Action) bot.Reply {
	h.mu.Lock()
	h.acts = append(h.acts, act)
	h.mu.Unlock()
	switch act.ID {
	case "checkin":
		return bot.Reply{Form: &bot.Form{CallbackID: "checkin", Title: "Check in", State: act.Value,
			Fields: []bot.Field{{ID: "value", Label: "New value", Kind: bot.TextInput}}}}
	case "snooze":
		return bot.Say("Snoozed until tomorrow")
	case "close":
		return bot.Reply{Message: &bot.Message{Summary: bot.T("Closed ", act.Value), Visibility: bot.Conversation}}
	case "add_kr":
		f := newObjectiveForm()
		for i := range f.Fields {
			f.Fields[i].Initial = act.Form.Values[f.Fields[i].ID]
		}
		f.Fields = append(f.Fields, bot.Field{ID: "kr1", Label: "Key result 1", Kind: bot.TextInput})
		return bot.Reply{Form: f}
	}
	return bot.Reply{}
}
