package reminders_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
)

// clock is a fake clock. Waiting on it (After) moves it forward at once, so
// retries and pacing take no real time and tests never sleep.
type clock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

func (c *clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

// Waits returns the waits asked of the clock so far.
func (c *clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// local is a wall-clock time in Berlin.
func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// env is one okrbot workspace on a fake Slack, with a fake clock.
type env struct {
	t      testing.TB
	st     *store.Store
	clock  *clock
	slack  *fakeslack.Server
	svc    *commands.Service
	sender *slackbot.Adapter
	ws     store.Workspace
	period store.Period
	woken  atomic.Int64
	ids    []string // platform ids of the people added
}

func newEnv(t testing.TB, st *store.Store, start time.Time, opts ...fakeslack.Option) *env {
	t.Helper()
	c := &clock{t: start}
	e := newEnvOn(t, st, c.Now, opts...)
	e.clock = c
	return e
}

// newEnvOn is newEnv on any clock.
func newEnvOn(t testing.TB, st *store.Store, now func() time.Time, opts ...fakeslack.Option) *env {
	t.Helper()
	e := &env{t: t, st: st}
	e.slack = fakeslack.New(t, append([]fakeslack.Option{fakeslack.WithClock(now)}, opts...)...)
	team := e.start(now)
	ctx := context.Background()
	var err error
	if e.ws, err = st.Workspace(ctx, "slack", team); err != nil {
		t.Fatal(err)
	}
	if e.period, err = st.EnsurePeriod(ctx, e.ws.ID, okr.Quarter(2026, 4)); err != nil {
		t.Fatal(err)
	}
	return e
}

// start starts okrbot's Service and Slack adapter on the env's store and
// fake Slack, and returns the team the adapter serves. Called again, it is
// a restart: the new adapter has opened no DM.
func (e *env) start(now func() time.Time) string {
	e.t.Helper()
	e.svc = commands.New(commands.Config{Store: e.st, Now: now, Admins: []string{"UADMIN"},
		Wake: func() { e.woken.Add(1) }})
	e.sender = slackbot.New(slackbot.Config{BotToken: "xoxb-test", APIURL: e.slack.APIURL(), Now: now}, e.svc)
	// The adapter serves the team auth.test names; a fake that answers
	// 429 at random may need a few tries.
	for attempt := 0; ; attempt++ {
		team, err := e.sender.TeamID(context.Background())
		if err == nil {
			return team
		}
		if _, limited := slackbot.RetryAfter(err); !limited || attempt == 20 {
			e.t.Fatal(err)
		}
	}
}

// scheduler returns a scheduler on the env's store, clock and fake Slack.
func (e *env) scheduler(mods ...func(*reminders.Config)) *reminders.Scheduler {
	return e.schedulerOn(e.st, e.sender, mods...)
}

func (e *env) schedulerOn(st *store.Store, sender bot.Sender, mods ...func(*reminders.Config)) *reminders.Scheduler {
	cfg := reminders.Config{Store: st, Commands: e.svc, Sender: sender,
		Now: e.clock.Now, After: e.clock.After, Workers: 1, Rate: 1000, Jitter: meanJitter}
	for _, m := range mods {
		m(&cfg)
	}
	return reminders.New(cfg)
}

// people adds n people with a key result each, in one transaction, named
// U0001…, in time zone tz.
func (e *env) people(n int, tz string) []store.User {
	e.t.Helper()
	ctx := context.Background()
	var users []store.User
	err := e.st.InTx(ctx, func(tx *store.Store) error {
		for i := range n {
			id := fmt.Sprintf("U%05d", len(e.ids)+1)
			_ = i
			u, err := e.addPerson(ctx, tx, id, tz)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return users
}

func (e *env) person(id, tz string) store.User {
	e.t.Helper()
	u, err := e.addPerson(context.Background(), e.st, id, tz)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) addPerson(ctx context.Context, st *store.Store, id, tz string) (store.User, error) {
	u, err := st.SaveUser(ctx, store.User{WorkspaceID: e.ws.ID, PlatformID: id, Name: strings.ToLower(id), TZ: tz})
	if err != nil {
		return u, err
	}
	e.slack.AddUser(fakeslack.User{ID: id, Name: strings.ToLower(id), TZ: tz})
	e.ids = append(e.ids, id)
	o := store.Objective{WorkspaceID: e.ws.ID, Title: "Delight customers of " + id, OwnerID: u.ID, PeriodID: e.period.ID, Status: okr.Active,
		KeyResults: []store.KeyResult{{WorkspaceID: e.ws.ID, Title: "Raise NPS", OwnerID: &u.ID,
			Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 50, Current: 20}}}}
	create := func(tx *store.Store) error { return tx.CreateObjective(ctx, &o) }
	if err := st.InTx(ctx, create); err != nil {
		return u, err
	}
	return u, nil
}

// meanJitter waits, after a failed job, the mean of what the scheduler's
// full jitter would: tests that count the tries of a job that keeps
// failing see what happens on average, every time.
func meanJitter(d time.Duration) time.Duration { return d / 2 }

// tick runs one round of the scheduler and fails the test on error.
func (e *env) tick(s *reminders.Scheduler) {
	e.t.Helper()
	if err := s.RunOnce(context.Background()); err != nil {
		e.t.Fatalf("RunOnce at %s: %v", e.clock.Now().In(berlin), err)
	}
}

// tickUntil runs the scheduler as its Run would, until end, but skips the
// minutes in which no job of the kinds given falls due: instead of a tick
// every minute, it ticks when the next job is due. Tests of retries that
// span hours run in a few ticks.
func (e *env) tickUntil(s *reminders.Scheduler, end time.Time, kinds ...string) {
	e.t.Helper()
	for e.clock.Now().Before(end) {
		e.tick(s)
		next := end
		for _, kind := range kinds {
			js, err := e.st.Jobs(context.Background(), e.ws.ID, kind)
			if err != nil {
				e.t.Fatal(err)
			}
			for _, j := range js {
				at := j.RunAt
				if j.LockedUntil != nil && j.LockedUntil.After(at) {
					at = *j.LockedUntil
				}
				if j.State == store.JobAvailable && at.Before(next) {
					next = at
				}
			}
		}
		e.clock.Set(later(next, e.clock.Now().Add(time.Second)))
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// prompts returns the prompts that reached Slack: chat.postMessage calls
// answered ok to a DM, not in a thread.
func (e *env) prompts() []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range e.slack.Calls("chat.postMessage") {
		if c.Status == 200 && c.Error == "" && c.Params.Get("thread_ts") == "" && strings.HasPrefix(c.Params.Get("channel"), "D") {
			out = append(out, c)
		}
	}
	return out
}

// nudges returns the ok posts in a DM thread.
func (e *env) nudges() []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range e.slack.Calls("chat.postMessage") {
		if c.Status == 200 && c.Error == "" && c.Params.Get("thread_ts") != "" && strings.HasPrefix(c.Params.Get("channel"), "D") {
			out = append(out, c)
		}
	}
	return out
}

// promptsPerUser counts the prompts each person received.
func (e *env) promptsPerUser() map[string]int {
	users := map[string]string{}
	for _, u := range e.ids {
		users[e.slack.DMChannel(u)] = u
	}
	per := map[string]int{}
	for _, c := range e.prompts() {
		per[users[c.Params.Get("channel")]]++
	}
	return per
}

// request is a person's click or command in the env's workspace.
func (e *env) request(user string) bot.Request {
	ws := bot.Workspace{Platform: "slack", TeamID: e.ws.TeamID}
	return bot.Request{Workspace: ws, User: bot.User{ID: user, Name: strings.ToLower(user), TZ: "Europe/Berlin"},
		Address: bot.Address{Workspace: ws, Kind: bot.DirectChat, ID: user}, Command: "/okr", CanOpenForm: true,
		Capabilities: slackbot.Capabilities}
}

// run answers a slash command typed as Slack sends it, as the person reads
// it, and fails the test when okrbot refuses it.
func (e *env) run(user, command, text string) string {
	e.t.Helper()
	req := e.request(user)
	req.Command = command
	req.Text, req.People, req.Channels = slackbot.NeutralText(text)
	out := console.Render(e.svc.Command(context.Background(), req))
	if strings.HasPrefix(out, "⚠️") {
		e.t.Fatalf("%s %s: %s", command, text, out)
	}
	return out
}

// posts returns the ok chat.postMessage calls to a channel.
func (e *env) posts(channel string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range e.slack.Calls("chat.postMessage") {
		if c.Status == 200 && c.Error == "" && c.Params.Get("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}
