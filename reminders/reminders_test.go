package reminders_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// A Monday in 2026-Q4.
const monday = "2026-11-30"

func deliveries(t *testing.T, e *env) []store.ReminderDelivery {
	t.Helper()
	ds, err := e.st.Deliveries(context.Background(), e.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestPromptNudgeAndCheckIn(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local(monday+" 08:00"))
		e.person("U1", "Europe/Berlin")
		s := e.scheduler()

		e.tick(s)
		if n := len(e.prompts()); n != 0 {
			t.Fatalf("prompted %d times before 09:00", n)
		}
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		prompts := e.prompts()
		if len(prompts) != 1 {
			t.Fatalf("got %d prompts at 09:00, want 1", len(prompts))
		}
		p := prompts[0]
		if p.Params.Get("channel") != e.slack.DMChannel("U1") {
			t.Errorf("prompt went to %s, not U1's DM", p.Params.Get("channel"))
		}
		for _, want := range []string{"Raise NPS", "20 / 50", "Check in", "Snooze 1 day", "Nothing changed", commands.ActionRemindNothing} {
			if !strings.Contains(p.Params.Get("blocks"), want) {
				t.Errorf("prompt lacks %q:\n%s", want, p.Params.Get("blocks"))
			}
		}

		// No nudge before 24 hours, one after, never a second.
		e.clock.Set(local("2026-12-01 08:59"))
		e.tick(s)
		if n := len(e.nudges()); n != 0 {
			t.Fatalf("nudged %d times within 24 hours", n)
		}
		e.clock.Set(local("2026-12-01 09:01"))
		e.tick(s)
		e.clock.Advance(30 * time.Hour)
		e.tick(s)
		nudges := e.nudges()
		if len(nudges) != 1 {
			t.Fatalf("got %d nudges, want 1", len(nudges))
		}
		if nudges[0].Params.Get("thread_ts") != p.Params.Get("ts") && nudges[0].Params.Get("thread_ts") == "" {
			t.Errorf("nudge not in the prompt's thread")
		}

		// Nothing changed records check-ins and the prompt becomes
		// "Checked in ✓".
		reply := e.svc.Act(context.Background(), e.request("U1"), bot.Action{ID: commands.ActionRemindNothing, Value: "1"})
		if reply.Message == nil || !strings.Contains(reply.Message.Summary.String(), "Checked in") {
			t.Fatalf("Nothing changed answered %+v", reply.Message)
		}
		if e.woken.Load() != 1 {
			t.Errorf("scheduler woken %d times after the check-in, want 1", e.woken.Load())
		}
		e.tick(s)
		updates := e.slack.Calls("chat.update")
		if len(updates) != 1 || !strings.Contains(updates[0].Text(), "Checked in ✓") {
			t.Fatalf("chat.update calls: %+v", updates)
		}
		if !strings.Contains(updates[0].Params.Get("blocks"), "Raise NPS") {
			t.Errorf("updated prompt lacks the key result: %s", updates[0].Params.Get("blocks"))
		}
		if strings.Contains(updates[0].Params.Get("blocks"), commands.ActionRemindSnooze) {
			t.Errorf("updated prompt still has buttons")
		}
	})
}

func TestNoPromptForPeopleWhoCheckedInWithinTwoDays(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-28 10:00")) // Saturday
		e.person("U1", "Europe/Berlin")
		e.person("U2", "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		// U1 checks in on Saturday, 47 hours before the prompt.
		e.svc.Command(context.Background(), func() bot.Request {
			r := e.request("U1")
			r.Text = "checkin 1.1 25"
			return r
		}())
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		per := e.promptsPerUser()
		if per["U1"] != 0 || per["U2"] != 1 {
			t.Errorf("prompts per person %v, want U2 only", per)
		}
	})
}

func TestMissedPromptsWithinGraceAreSentOnStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start string
		sent  bool
	}{
		{"five hours late", monday + " 14:00", true},
		{"seven hours late", monday + " 16:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Dialects(t, func(t *testing.T, st *store.Store) {
				e := newEnv(t, st, local("2026-11-27 12:00"))
				e.person("U1", "Europe/Berlin")
				e.tick(e.scheduler()) // planned for Monday 09:00, then okrbot is down
				e.clock.Set(local(tt.start))
				e.tick(e.scheduler()) // a new process starts
				if got := len(e.prompts()) == 1; got != tt.sent {
					t.Fatalf("sent = %v, want %v", got, tt.sent)
				}
				ds := deliveries(t, e)
				if len(ds) != 1 {
					t.Fatalf("%d deliveries, want 1", len(ds))
				}
				if !tt.sent && (ds[0].State != store.DeliverySkipped || !strings.Contains(ds[0].Note, "grace")) {
					t.Errorf("delivery %s %q, want skipped beyond grace", ds[0].State, ds[0].Note)
				}
				// Either way the next Monday comes as usual.
				e.clock.Set(local("2026-12-07 09:00"))
				e.tick(e.scheduler())
				want := 1
				if tt.sent {
					want = 2
				}
				if n := len(e.prompts()); n != want {
					t.Errorf("%d prompts after the next Monday, want %d", n, want)
				}
			})
		})
	}
}

func TestDaylightSavingInBerlin(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-03-10 12:00"))
		u := e.person("U1", "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		// Jump to each planned prompt in turn, across spring forward (29
		// March) and fall back (25 October).
		var times []time.Time
		for e.clock.Now().Before(local("2026-11-10 00:00")) {
			p, err := e.st.ReminderPerson(context.Background(), e.ws.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Set(*p.NextAt)
			times = append(times, *p.NextAt)
			e.tick(s)
		}
		for _, at := range times {
			l := at.In(berlin)
			if l.Weekday() != time.Monday || l.Hour() != 9 || l.Minute() != 0 {
				t.Errorf("prompt at %s, want Monday 09:00 Berlin", l)
			}
		}
		if len(e.prompts()) != len(times) {
			t.Errorf("%d prompts for %d Mondays", len(e.prompts()), len(times))
		}
		for _, c := range e.prompts() {
			if l := c.At.In(berlin); l.Hour() != 9 || l.Minute() != 0 {
				t.Errorf("prompt reached Slack at %s", l)
			}
		}
	})
}

func TestPromptInsideDaylightSavingGapComesAfterIt(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-03-27 12:00"))
		e.person("U1", "Europe/Berlin")
		e.person("UADMIN", "Europe/Berlin")
		// Sunday 02:30 does not exist on 29 March 2026 in Berlin.
		r := e.request("UADMIN")
		r.Text = "remind set sunday 02:30"
		if out := e.svc.Command(context.Background(), r); strings.HasPrefix(out.Message.Summary.String(), "⚠️") {
			t.Fatal(out.Message.Summary.String())
		}
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local("2026-03-29 01:59"))
		e.tick(s)
		if n := len(e.prompts()); n != 0 {
			t.Fatalf("%d prompts before the gap", n)
		}
		gapEnd := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC) // 03:00 CEST
		e.clock.Set(gapEnd)
		e.tick(s)
		if n := len(e.prompts()); n != 2 {
			t.Fatalf("%d prompts at 03:00 CEST, want 2", n)
		}
		// The week after, 02:30 exists again.
		e.clock.Set(local("2026-04-05 02:29"))
		e.tick(s)
		e.clock.Set(local("2026-04-05 02:30"))
		e.tick(s)
		if n := len(e.prompts()); n != 4 {
			t.Errorf("%d prompts after the second Sunday, want 4", n)
		}
	})
}

// crashingSender passes posts through until it has sent n, then kills its
// process: the context is cancelled and nothing more is sent.
type crashingSender struct {
	bot.Sender
	mu     sync.Mutex
	left   int
	cancel context.CancelFunc
}

func (c *crashingSender) Send(ctx context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	c.mu.Lock()
	if c.left == 0 {
		c.mu.Unlock()
		c.cancel()
		return bot.MessageRef{}, context.Canceled
	}
	c.left--
	c.mu.Unlock()
	return c.Sender.Send(ctx, to, msg)
}

func TestCrashInFanOutThenRestartSendsTheRestOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.people(10, "Europe/Berlin")
		e.tick(e.scheduler())
		e.clock.Set(local(monday + " 09:00"))

		ctx, cancel := context.WithCancel(context.Background())
		crash := &crashingSender{Sender: e.sender, left: 4, cancel: cancel}
		dying := e.schedulerOn(st, crash, func(c *reminders.Config) { c.Lease = 5 * time.Minute })
		_ = dying.RunOnce(ctx)
		if n := len(e.prompts()); n != 4 {
			t.Fatalf("%d prompts before the crash, want 4", n)
		}
		// The restarted process finds the rest leased by the dead one, and
		// takes them over when the lease ends.
		restarted := e.scheduler()
		e.clock.Advance(time.Minute)
		e.tick(restarted)
		if n := len(e.prompts()); n != 4 {
			t.Fatalf("%d prompts while the lease holds, want 4", n)
		}
		e.clock.Advance(5 * time.Minute)
		e.tick(restarted)
		per := e.promptsPerUser()
		if len(per) != 10 {
			t.Errorf("%d people prompted, want 10: %v", len(per), per)
		}
		for u, n := range per {
			if n != 1 {
				t.Errorf("%s prompted %d times", u, n)
			}
		}
	})
}

func TestTwoSchedulersOnOnePostgresSendEachPromptOnce(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	st1, st2 := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
	e := newEnv(t, st1, local("2026-11-27 12:00"))
	e.people(60, "Europe/Berlin")
	e.tick(e.scheduler())
	e.clock.Set(local(monday + " 09:00"))
	small := func(c *reminders.Config) { c.Batch, c.Workers = 7, 3 }
	a, b := e.schedulerOn(st1, e.sender, small), e.schedulerOn(st2, e.sender, small)
	var wg sync.WaitGroup
	for _, s := range []*reminders.Scheduler{a, b, a, b} {
		wg.Go(func() {
			if err := s.RunOnce(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	per := e.promptsPerUser()
	if len(per) != 60 {
		t.Errorf("%d people prompted, want 60", len(per))
	}
	for u, n := range per {
		if n != 1 {
			t.Errorf("%s prompted %d times", u, n)
		}
	}
	if sa, sb := a.Stats().Sent, b.Stats().Sent; sa+sb != 60 {
		t.Errorf("schedulers sent %d + %d", sa, sb)
	}
}

func TestRateLimitsAndServerErrorsAreWaitedOut(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"), fakeslack.WithRandom429(0.2, 7))
		e.people(20, "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.slack.FailUser("U00003", fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second, Times: 2})
		e.slack.FailMethod("chat.postMessage", fakeslack.Fault{Status: http.StatusServiceUnavailable, Times: 3})
		e.tick(s)
		per := e.promptsPerUser()
		if len(per) != 20 {
			t.Errorf("%d people prompted, want 20", len(per))
		}
		for u, n := range per {
			if n != 1 {
				t.Errorf("%s prompted %d times", u, n)
			}
		}
		waited30 := false
		for _, w := range e.clock.Waits() {
			waited30 = waited30 || w == 30*time.Second
		}
		if !waited30 {
			t.Errorf("Retry-After: 30 was not honoured; waits %v", e.clock.Waits())
		}
		if st := s.Stats(); st.RateLimited == 0 || st.Retried < 3 {
			t.Errorf("stats %+v, want rate limits and 5xx retries", st)
		}
	})
}

func TestARateLimitedDirectChatOpeningCostsNoMessagesTurn(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.people(3, "Europe/Berlin")
		s := e.scheduler(func(c *reminders.Config) { c.Rate = 1 })
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		// Opening U00002's direct chat is rate limited once; Slack limits
		// conversations.open apart from messages.
		e.slack.FailUser("U00002", fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 1})
		e.tick(s)
		var got []string
		for _, c := range e.prompts() {
			got = append(got, c.At.In(berlin).Format("15:04:05"))
		}
		// One message a second, the second one as soon as its chat is open.
		if want := "09:00:00 09:00:01 09:00:02"; strings.Join(got, " ") != want {
			t.Errorf("prompts sent at %v, want %s", got, want)
		}
	})
}

func TestSlackDownLongerThanTheLeaseIsRetriedLater(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		s := e.scheduler(func(c *reminders.Config) { c.Lease = 4 * time.Minute })
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.slack.FailMethod("chat.postMessage", fakeslack.HTTPError(http.StatusBadGateway))
		e.tick(s)
		if n := len(e.prompts()); n != 0 {
			t.Fatalf("%d prompts while Slack is down", n)
		}
		e.slack.ClearFaults()
		e.clock.Advance(10 * time.Minute)
		e.tick(s)
		if n := len(e.prompts()); n != 1 {
			t.Errorf("%d prompts after Slack is back, want 1", n)
		}
	})
}

func TestPeopleWhoLeftAreSkippedAndTurnedOff(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		gone := e.person("U2", "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		e.slack.FailUser("U2", fakeslack.SlackError("user_disabled"))
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		if per := e.promptsPerUser(); per["U1"] != 1 || per["U2"] != 0 {
			t.Errorf("prompts %v", per)
		}
		p, err := st.ReminderPerson(context.Background(), e.ws.ID, gone.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != store.ReminderGone {
			t.Errorf("U2's reminders are %q, want gone", p.Status)
		}
		calls := len(e.slack.Calls(""))
		e.clock.Set(local("2026-12-07 09:00"))
		e.tick(s)
		for _, c := range e.slack.Calls("")[calls:] {
			if c.Params.Get("users") == "U2" || c.Params.Get("channel") == "U2" {
				t.Errorf("U2 was tried again: %s", c.Method)
			}
		}
		if s.Stats().Gone != 1 {
			t.Errorf("stats %+v", s.Stats())
		}
	})
}

func TestTeamThreadGetsEachCheckIn(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		e.person("UADMIN", "Europe/Berlin")
		r := e.request("UADMIN")
		r.Text, r.People, r.Channels = slackbot.NeutralText("remind channel <#CTEAM|team-okrs>")
		if out := e.svc.Command(context.Background(), r); strings.HasPrefix(out.Message.Summary.String(), "⚠️") {
			t.Fatal(out.Message.Summary.String())
		}
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		var opening []fakeslack.Call
		for _, c := range e.slack.Calls("chat.postMessage") {
			if c.Params.Get("channel") == "CTEAM" {
				opening = append(opening, c)
			}
		}
		if len(opening) != 1 {
			t.Fatalf("%d posts to the team channel, want one thread opening", len(opening))
		}
		ci := e.request("U1")
		ci.Text = "checkin 1.1 30 at-risk slow week"
		e.svc.Command(context.Background(), ci)
		e.tick(s)
		var replies []fakeslack.Call
		for _, c := range e.slack.Calls("chat.postMessage") {
			if c.Params.Get("channel") == "CTEAM" && c.Params.Get("thread_ts") != "" {
				replies = append(replies, c)
			}
		}
		if len(replies) != 1 {
			t.Fatalf("%d thread replies, want 1", len(replies))
		}
		if replies[0].Params.Get("thread_ts") != e.slack.Calls("chat.postMessage")[0].Params.Get("ts") && replies[0].Params.Get("thread_ts") == "" {
			t.Errorf("reply not in the thread")
		}
		for _, want := range []string{"Raise NPS", "30 / 50", "slow week"} {
			if !strings.Contains(replies[0].Params.Get("blocks"), want) {
				t.Errorf("thread reply lacks %q: %s", want, replies[0].Params.Get("blocks"))
			}
		}
		if n := len(e.slack.Calls("chat.update")); n != 1 {
			t.Errorf("%d prompt updates, want 1", n)
		}
	})
}

func TestUnknownTimeZoneFallsBackToTheDefault(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
		e.person("U1", "Mars/Olympus_Mons")
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		e.tick(s)
		if n := len(e.prompts()); n != 1 {
			t.Errorf("%d prompts at 09:00 UTC, want 1", n)
		}
	})
}

func TestSnoozePutsTheNudgeOffADay(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		d := deliveries(t, e)[0]
		e.clock.Set(local("2026-12-01 08:00"))
		reply := e.svc.Act(context.Background(), e.request("U1"),
			bot.Action{ID: commands.ActionRemindSnooze, Value: strconv.FormatUint(uint64(d.ID), 10)})
		if reply.Message == nil || !strings.Contains(reply.Message.Summary.String(), "Snoozed") {
			t.Fatalf("Snooze answered %+v", reply.Message)
		}
		e.clock.Set(local("2026-12-01 10:00")) // the nudge would have been due at 09:00
		e.tick(s)
		if n := len(e.nudges()); n != 0 {
			t.Fatalf("nudged %d times while snoozed", n)
		}
		e.clock.Set(local("2026-12-02 08:01"))
		e.tick(s)
		if n := len(e.nudges()); n != 1 {
			t.Errorf("%d nudges after the snooze, want 1", n)
		}
		// Snoozing again after the nudge does not bring another.
		e.svc.Act(context.Background(), e.request("U1"),
			bot.Action{ID: commands.ActionRemindSnooze, Value: strconv.FormatUint(uint64(d.ID), 10)})
		e.clock.Advance(48 * time.Hour)
		e.tick(s)
		if n := len(e.nudges()); n != 1 {
			t.Errorf("%d nudges, want never more than 1", n)
		}
	})
}

func TestMovingToAnotherTimeZoneMovesThePrompt(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		u := e.person("U1", "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		// Slack now reports New York, as users.info does when a person
		// travels; the next request saves it.
		u.TZ = "America/New_York"
		if _, err := st.SaveUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		if n := len(e.prompts()); n != 0 {
			t.Fatalf("prompted at 09:00 Berlin after moving to New York")
		}
		e.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, mustLoad("America/New_York")))
		e.tick(s)
		if n := len(e.prompts()); n != 1 {
			t.Errorf("%d prompts at 09:00 New York, want 1", n)
		}
	})
}

func TestTimeZoneIsLookedUpForPeopleOkrbotHasNotMet(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "")
		e.slack.AddUser(fakeslack.User{ID: "U1", Name: "ada", TZ: "America/New_York"})
		s := e.scheduler(func(c *reminders.Config) { c.Directory = e.sender })
		e.tick(s)
		e.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		e.tick(s)
		if n := len(e.prompts()); n != 0 {
			t.Fatalf("prompted at 09:00 UTC, the default, though Slack knows U1 is in New York")
		}
		e.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, mustLoad("America/New_York")))
		e.tick(s)
		if n := len(e.prompts()); n != 1 {
			t.Errorf("%d prompts at 09:00 New York, want 1", n)
		}
	})
}

func TestNoNudgeAfterTurningRemindersOff(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.people(2, "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		r := e.request("U00001")
		r.Text = "remind off"
		e.svc.Command(context.Background(), r)
		e.clock.Set(local("2026-12-01 09:30"))
		e.tick(s)
		nudges := e.nudges()
		if len(nudges) != 1 || nudges[0].Params.Get("channel") != e.slack.DMChannel("U00002") {
			t.Errorf("nudges %d, want only U00002's", len(nudges))
		}
	})
}

// TestDigestsRideTheSchedulerTick shows that a subscribed channel gets its
// KPI digest from the scheduler's tick, at its time and once.
func TestDigestsRideTheSchedulerTick(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local(monday+" 08:00"))
		req := e.request("UADMIN")
		req.Command = "/kpi"
		req.Text, req.People, req.Channels = slackbot.NeutralText("digest <#CLEAD|leadership> weekly monday 09:00 --tz Europe/Berlin")
		if r := e.svc.Command(context.Background(), req); r.Message == nil || !strings.Contains(fmt.Sprint(r.Message), "CLEAD") {
			t.Fatalf("subscribe: %+v", r)
		}
		s := e.scheduler()
		digests := func() int {
			n := 0
			for _, c := range e.slack.Calls("chat.postMessage") {
				if c.Params.Get("channel") == "CLEAD" {
					n++
				}
			}
			return n
		}
		e.tick(s)
		if n := digests(); n != 0 {
			t.Fatalf("%d digests before 09:00", n)
		}
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		e.clock.Advance(time.Minute)
		e.tick(s)
		if n := digests(); n != 1 {
			t.Fatalf("%d digests at 09:00, want 1", n)
		}
	})
}

// TestConsolePeopleAreNeverPrompted shows that the scheduler prompts only
// people of Slack workspaces: `okrbot console` may share the database, and
// its people have names, not Slack ids, that the bot's token cannot reach.
func TestConsolePeopleAreNeverPrompted(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		ctx := context.Background()
		cws, err := st.Workspace(ctx, bot.ConsolePlatform, "console")
		if err != nil {
			t.Fatal(err)
		}
		period, err := st.EnsurePeriod(ctx, cws.ID, okr.Quarter(2026, 4))
		if err != nil {
			t.Fatal(err)
		}
		var console []store.User
		for _, name := range []string{"ada", "grace"} {
			u, err := st.SaveUser(ctx, store.User{WorkspaceID: cws.ID, PlatformID: name, Name: name, TZ: "Europe/Berlin"})
			if err != nil {
				t.Fatal(err)
			}
			o := store.Objective{WorkspaceID: cws.ID, Title: "Write the manual", OwnerID: u.ID, PeriodID: period.ID, Status: okr.Active,
				KeyResults: []store.KeyResult{{WorkspaceID: cws.ID, Title: "Chapters", OwnerID: &u.ID,
					Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 10, Current: 2}}}}
			if err := st.InTx(ctx, func(tx *store.Store) error { return tx.CreateObjective(ctx, &o) }); err != nil {
				t.Fatal(err)
			}
			console = append(console, u)
		}
		// grace was planned by an older okrbot that prompted every
		// workspace: her planned prompt must not go out either.
		p, err := st.ReminderPerson(ctx, cws.ID, console[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		sched, err := st.EnsureReminderSchedule(ctx, cws.ID, 0, store.ReminderScheduleOf(okr.DefaultWeeklyTime))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PlanReminder(ctx, p.ID, sched.ID, "Europe/Berlin", local(monday+" 09:00")); err != nil {
			t.Fatal(err)
		}

		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		e.clock.Advance(26 * time.Hour)
		e.tick(s)

		if per := e.promptsPerUser(); len(per) != 1 || per["U1"] != 1 {
			t.Errorf("prompts %v, want U1's only", per)
		}
		for _, c := range e.slack.Calls("") {
			for _, name := range []string{"ada", "grace"} {
				if c.Params.Get("channel") == name || c.Params.Get("users") == name || c.Params.Get("user") == name {
					t.Errorf("%s was tried on Slack: %s", name, c.Method)
				}
			}
		}
		ada, err := st.FindReminderPerson(ctx, cws.ID, console[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if ada.ID != 0 || ada.NextAt != nil {
			t.Errorf("console person ada was planned: %+v", ada)
		}
		ds, err := st.Deliveries(ctx, cws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 0 {
			t.Errorf("%d deliveries for console people, want none", len(ds))
		}
	})
}

// TestAnExAdminLosesAdminRightsOnLookUp shows that when Slack is asked about
// a person, what it says about admin rights replaces what okrbot had.
func TestAnExAdminLosesAdminRightsOnLookUp(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		u := e.person("U1", "")
		u.IsAdmin = true
		if _, err := st.SaveUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		e.slack.AddUser(fakeslack.User{ID: "U1", Name: "ada", TZ: "America/New_York"}) // no longer an admin
		e.tick(e.scheduler(func(c *reminders.Config) { c.Directory = e.sender }))
		got, err := st.UserByID(context.Background(), e.ws.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TZ != "America/New_York" {
			t.Fatalf("time zone %q was not looked up", got.TZ)
		}
		if got.IsAdmin {
			t.Errorf("U1 is still an admin after Slack said they are not")
		}
	})
}

// callsTo returns the calls of a method to a channel, answered or not.
func callsTo(e *env, method, channel string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range e.slack.Calls(method) {
		if c.Params.Get("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}

// TestBrokenTeamChannelIsNotRetriedForever shows that a team channel okrbot
// cannot post to costs a try or two per check-in, not one a minute for
// ever: the check-ins are logged as not posted and the prompt is done.
func TestBrokenTeamChannelIsNotRetriedForever(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// broken is when the channel stops working: "before" the thread is
		// opened or "after".
		broken    string
		maxPosts  int
		maxUpdate int
	}{
		{"okrbot removed after the thread opened", "after", 2, 1},
		{"channel archived before the thread opened", "before", 2, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Dialects(t, func(t *testing.T, st *store.Store) {
				e := newEnv(t, st, local("2026-11-27 12:00"))
				e.person("U1", "Europe/Berlin")
				e.person("UADMIN", "Europe/Berlin")
				r := e.request("UADMIN")
				r.Text, r.People, r.Channels = slackbot.NeutralText("remind channel <#CTEAM|team-okrs>")
				if out := e.svc.Command(context.Background(), r); strings.HasPrefix(out.Message.Summary.String(), "⚠️") {
					t.Fatal(out.Message.Summary.String())
				}
				fault := fakeslack.SlackError("not_in_channel")
				if tt.broken == "before" {
					fault = fakeslack.SlackError("is_archived")
					e.slack.FailChannel("CTEAM", fault)
				}
				s := e.scheduler()
				e.tick(s)
				e.clock.Set(local(monday + " 09:00"))
				e.tick(s)
				if tt.broken == "after" {
					e.slack.FailChannel("CTEAM", fault)
				}
				ci := e.request("U1")
				ci.Text = "checkin 1.1 30"
				e.svc.Command(context.Background(), ci)
				e.tickUntil(s, local(monday+" 18:00"), store.JobPromptUpdate)
				if n := len(callsTo(e, "chat.postMessage", "CTEAM")); n > tt.maxPosts {
					t.Errorf("%d posts to the broken channel in 9 hours, want at most %d", n, tt.maxPosts)
				}
				if n := len(e.slack.Calls("chat.update")); n == 0 || n > tt.maxUpdate {
					t.Errorf("%d prompt updates, want 1 to %d", n, tt.maxUpdate)
				}
				for _, c := range e.slack.Calls("chat.update") {
					if !strings.Contains(c.Text(), "Checked in") {
						t.Errorf("prompt updated to %q", c.Text())
					}
				}
			})
		})
	}
}

// TestUpdatesThatKeepFailingAreGivenUp shows that redrawing an answered
// prompt is retried through a Slack outage of a few hours, then given up,
// rather than tried every minute for ever.
func TestUpdatesThatKeepFailingAreGivenUp(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		e.slack.FailMethod("chat.update", fakeslack.HTTPError(http.StatusServiceUnavailable))
		ci := e.request("U1")
		ci.Text = "checkin 1.1 30"
		e.svc.Command(context.Background(), ci)
		e.tickUntil(s, local(monday+" 21:00"), store.JobPromptUpdate)
		calls := e.slack.Calls("chat.update")
		if len(calls) == 0 {
			t.Fatal("the prompt was never redrawn")
		}
		lastUpdate := calls[len(calls)-1].At
		if lastUpdate.Before(local(monday + " 11:00")) {
			t.Errorf("updates given up at %s, within two hours of the check-in", lastUpdate.In(berlin))
		}
		if lastUpdate.After(local(monday + " 15:00")) {
			t.Errorf("updates still tried at %s, six hours after the check-in", lastUpdate.In(berlin))
		}
	})
}

// elsewhere puts Xavier (UX1) of a workspace this okrbot does not serve
// in the database with an objective of 2026-Q4, with a key result of his
// when withKR, as another okrbot sharing the database (or the console)
// would.
func elsewhere(t *testing.T, st *store.Store, ws bot.Workspace, withKR bool) (store.Workspace, store.User, store.Objective) {
	t.Helper()
	ctx := context.Background()
	other, err := st.Workspace(ctx, ws.Platform, ws.TeamID)
	if err != nil {
		t.Fatal(err)
	}
	period, err := st.EnsurePeriod(ctx, other.ID, okr.Quarter(2026, 4))
	if err != nil {
		t.Fatal(err)
	}
	x, err := st.SaveUser(ctx, store.User{WorkspaceID: other.ID, PlatformID: "UX1", Name: "xavier", TZ: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	o := store.Objective{WorkspaceID: other.ID, Title: "Elsewhere", OwnerID: x.ID, PeriodID: period.ID, Status: okr.Active}
	if withKR {
		o.KeyResults = []store.KeyResult{{WorkspaceID: other.ID, Title: "Things", OwnerID: &x.ID,
			Measure: okr.Measure{Kind: okr.Metric, Target: 10}}}
	}
	if err := st.InTx(ctx, func(tx *store.Store) error { return tx.CreateObjective(ctx, &o) }); err != nil {
		t.Fatal(err)
	}
	return other, x, o
}

// otherTeam is a Slack team whose okrbot shares the tests' database.
var otherTeam = bot.Workspace{Platform: "slack", TeamID: "TOTHER"}

// TestOnlyTheTokensTeamIsPrompted shows that people of another Slack team
// sharing the database are never planned: the Sender does not serve it.
func TestOnlyTheTokensTeamIsPrompted(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local(monday+" 08:00"))
		e.person("U1", "Europe/Berlin")
		elsewhere(t, st, otherTeam, true)
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(local(monday + " 09:00"))
		e.tick(s)
		if per := e.promptsPerUser(); len(per) != 1 || per["U1"] != 1 {
			t.Errorf("prompts %v, want U1's only", per)
		}
		for _, c := range e.slack.Calls("") {
			if c.Params.Get("user") == "UX1" || c.Params.Get("users") == "UX1" || c.Params.Get("channel") == "UX1" {
				t.Errorf("a person of another team was tried on Slack: %s", c.Method)
			}
		}
	})
}

// TestARestartOpensNoDirectChatsAgain shows that the DM channel the first
// prompt opened is kept in the database: after a restart, the next week's
// prompt goes to the same DM with no conversations.open, and a kept
// channel Slack no longer knows is opened again and replaced.
func TestARestartOpensNoDirectChatsAgain(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		dm := e.slack.DMChannel("U1")
		opens := func() int { return len(e.slack.Calls("conversations.open")) }
		weekly := func(week int) {
			t.Helper()
			e.tick(e.scheduler())
			e.clock.Set(local(monday+" 09:00").AddDate(0, 0, 7*week))
			e.tick(e.scheduler())
			prompts := e.prompts()
			if len(prompts) != week+1 {
				t.Fatalf("week %d: %d prompts in all, want %d", week, len(prompts), week+1)
			}
			if ch := prompts[week].Params.Get("channel"); ch != dm {
				t.Errorf("week %d: prompt went to %s, want U1's DM %s", week, ch, dm)
			}
		}
		kept := func() string {
			t.Helper()
			ref, err := st.ConversationRef(ctx, e.ws.ID, string(bot.DirectChat), "U1")
			if err != nil {
				t.Fatal(err)
			}
			return ref
		}

		weekly(0)
		if n := opens(); n != 1 {
			t.Errorf("first prompt: conversations.open called %d times, want 1", n)
		}
		if ref := kept(); ref != dm {
			t.Errorf("kept ref %q, want the DM channel %s", ref, dm)
		}

		e.start(e.clock.Now) // a restart
		weekly(1)
		if n := opens(); n != 1 {
			t.Errorf("after a restart: conversations.open called %d times in all, want still 1", n)
		}

		// A kept channel that Slack no longer knows (okrbot installed again
		// as another app, say).
		if err := st.SaveConversation(ctx, store.Conversation{WorkspaceID: e.ws.ID, Kind: string(bot.DirectChat), PlatformID: "U1", Ref: "D0STALE"}); err != nil {
			t.Fatal(err)
		}
		e.slack.FailChannel("D0STALE", fakeslack.SlackError("channel_not_found"))
		e.start(e.clock.Now) // a restart
		weekly(2)
		if n := opens(); n != 2 {
			t.Errorf("after a stale ref: conversations.open called %d times in all, want 2", n)
		}
		if ref := kept(); ref != dm {
			t.Errorf("kept ref after a stale one %q, want the DM channel %s", ref, dm)
		}
	})
}
