package reminders_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// each runs a test on every database, with a fresh env at start.
func each(t *testing.T, start time.Time, fn func(t *testing.T, e *env)) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) { fn(t, newEnv(t, st, start)) })
}

func TestScheduledDigestsGoOutOnce(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-15 12:00"), func(t *testing.T, e *env) {
		a, b := e.scheduler(), e.scheduler() // two replicas
		run := func() {
			var wg sync.WaitGroup
			for _, s := range []*reminders.Scheduler{a, b} {
				wg.Go(func() { e.tick(s) })
			}
			wg.Wait()
		}
		e.run("UADMIN", "/kpi", "digest <#CLEAD|leadership> weekly monday 09:00 --tz Europe/Berlin")
		run()
		if n := len(e.posts("CLEAD")); n != 0 {
			t.Fatalf("%d digests before Monday", n)
		}
		if got := e.run("UADMIN", "/kpi", "digest list"); !strings.Contains(got, "next Mon Nov 16, 09:00") {
			t.Errorf("digest list = %s", got)
		}

		e.clock.Set(local("2026-11-16 09:00").Add(30 * time.Second))
		run()
		run()
		posts := e.posts("CLEAD")
		if len(posts) != 1 || !strings.Contains(posts[0].Text(), "Leadership digest") {
			t.Fatalf("Monday: %d digests, want one", len(posts))
		}
		if got := e.run("UADMIN", "/kpi", "digest list"); !strings.Contains(got, "next Mon Nov 23, 09:00 · last sent Nov 16") {
			t.Errorf("digest list = %s", got)
		}

		// Down for a week and back 7 hours late: that digest is skipped,
		// the next is planned.
		e.clock.Set(local("2026-11-23 16:00"))
		run()
		if n := len(e.posts("CLEAD")); n != 1 {
			t.Errorf("7 hours late: %d digests, want the one of last week", n)
		}
		if got := e.run("UADMIN", "/kpi", "digest list"); !strings.Contains(got, "next Mon Nov 30, 09:00 · last sent Nov 16") {
			t.Errorf("digest list = %s", got)
		}

		// Down for two weeks and back on a Monday at 09:00: that Monday's
		// digest goes out, not a missed one.
		e.clock.Set(local("2026-12-14 09:00"))
		run()
		if posts := e.posts("CLEAD"); len(posts) != 2 || !strings.Contains(posts[1].Text(), "Leadership digest") {
			t.Errorf("back on a Monday after two weeks: %d digests, want that Monday's too", len(posts))
		}
		if got := e.run("UADMIN", "/kpi", "digest list"); !strings.Contains(got, "next Mon Dec 21, 09:00 · last sent Dec 14") {
			t.Errorf("digest list = %s", got)
		}
	})
}

func TestScheduledDigestIsRetriedAfterAFailure(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-15 12:00"), func(t *testing.T, e *env) {
		e.run("UADMIN", "/kpi", "digest #leadership daily 08:00 --tz UTC")
		s := e.scheduler()
		e.tick(s)
		e.clock.Set(time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC))
		e.slack.FailChannel("#leadership", fakeslack.HTTPError(http.StatusServiceUnavailable))
		e.tick(s) // fails, is retried within its lease, then left for later
		if n := len(e.posts("#leadership")); n != 0 {
			t.Fatalf("%d digests while Slack fails", n)
		}
		e.slack.ClearFaults()
		e.clock.Advance(20 * time.Second) // before its backoff: nobody retries yet
		e.tick(s)
		if n := len(e.posts("#leadership")); n != 0 {
			t.Fatalf("%d digests before the retry is due", n)
		}
		e.clock.Advance(10 * time.Minute)
		e.tick(s)
		e.tick(s)
		if n := len(e.posts("#leadership")); n != 1 {
			t.Errorf("%d digests after the retry is due, want 1", n)
		}
	})
}

// TestDigestsOfOtherPlatformsAreNotSent shows that a digest subscribed in the
// console is never claimed by a server that posts to Slack.
func TestDigestsOfOtherPlatformsAreNotSent(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-15 12:00"), func(t *testing.T, e *env) {
		ws := bot.Workspace{Platform: bot.ConsolePlatform, TeamID: bot.ConsolePlatform}
		req := bot.Request{Workspace: ws, User: bot.User{ID: "UADMIN", Name: "UADMIN"}, Command: "/kpi", Text: "digest #leadership daily 09:00",
			Capabilities: console.Capabilities}
		if out := e.svc.Command(context.Background(), req); !strings.Contains(out.Message.Summary.String(), "#leadership gets the digest") {
			t.Fatalf("console subscription: %v", out.Message.Summary)
		}
		s := e.scheduler()
		for range 3 {
			e.clock.Advance(24 * time.Hour)
			e.tick(s)
		}
		if n := len(e.posts("#leadership")); n != 0 {
			t.Errorf("a console digest was posted to Slack %d times", n)
		}
	})
}

// TestKPIAlertsAreSentOnceByTheScheduler shows that a change of a KPI's
// health, recorded by /kpi set, reaches the alert channel once with two
// schedulers running, and that an alert Slack refuses for a while is sent
// when it can be.
func TestKPIAlertsAreSentOnceByTheScheduler(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-16 10:00"), func(t *testing.T, e *env) {
		a, b := e.scheduler(), e.scheduler()
		e.run("UADMIN", "/kpi", "alerts <#CALERTS|kpi-alerts>")
		e.run("UADMIN", "/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		e.run("UADMIN", "/kpi", `set "Churn rate" 1.9`)
		woken := e.woken.Load()
		e.run("UADMIN", "/kpi", `set "Churn rate" 3.4`)
		if e.woken.Load() != woken+1 {
			t.Errorf("the scheduler was not woken for the alert")
		}
		e.slack.FailChannel("CALERTS", fakeslack.Fault{Status: http.StatusServiceUnavailable, Times: 40})
		e.tick(a)
		if n := len(e.posts("CALERTS")); n != 0 {
			t.Fatalf("%d alerts while Slack fails", n)
		}
		e.slack.ClearFaults()
		for range 3 {
			e.clock.Advance(10 * time.Minute)
			var wg sync.WaitGroup
			for _, s := range []*reminders.Scheduler{a, b} {
				wg.Go(func() { e.tick(s) })
			}
			wg.Wait()
		}
		posts := e.posts("CALERTS")
		if len(posts) != 1 || !strings.Contains(posts[0].Text(), "Churn rate is off target: 3.4%") {
			t.Fatalf("%d alerts, want one: %v", len(posts), posts)
		}
		alerts, err := e.st.KPIAlerts(context.Background(), e.ws.ID)
		if err != nil || len(alerts) != 1 || alerts[0].Note != "sent" {
			t.Errorf("alerts = %+v, %v", alerts, err)
		}
	})
}

// TestKPIAlertsTooLateAreNotSent shows that an alert that could not go out
// for longer than the grace period (okrbot was down, or uninstalled) is
// given up rather than announced as news, and one within it is sent.
func TestKPIAlertsTooLateAreNotSent(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-16 10:00"), func(t *testing.T, e *env) {
		e.run("UADMIN", "/kpi", "alerts <#CALERTS|kpi-alerts>")
		e.run("UADMIN", "/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		e.run("UADMIN", "/kpi", `set "Churn rate" 1.9`)
		e.run("UADMIN", "/kpi", `set "Churn rate" 3.4`)
		e.clock.Advance(6*time.Hour + time.Minute)
		e.run("UADMIN", "/kpi", `set "Churn rate" 1.5`)
		e.tick(e.scheduler())

		posts := e.posts("CALERTS")
		if len(posts) != 1 || !strings.Contains(posts[0].Text(), "Churn rate is back on target: 1.5%") {
			t.Fatalf("alerts posted = %v, want only the recent one", posts)
		}
		alerts, err := e.st.KPIAlerts(context.Background(), e.ws.ID)
		if err != nil || len(alerts) != 2 || alerts[0].Note != "too late" || alerts[1].Note != "sent" {
			t.Errorf("alerts = %+v, %v", alerts, err)
		}
	})
}

// panicky is a Sender that panics when asked to post to one channel.
type panicky struct {
	bot.Sender
	channel string
}

func (p panicky) Send(ctx context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	if to.ID == p.channel {
		panic("posting to " + p.channel)
	}
	return p.Sender.Send(ctx, to, msg)
}

// TestAPanicInOneJobDoesNotStopTheOthers shows that a digest that panics
// while being sent does not keep the check-in prompts from going out.
func TestAPanicInOneJobDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-15 12:00"), func(t *testing.T, e *env) {
		e.people(3, "Europe/Berlin")
		e.run("UADMIN", "/kpi", "digest <#CBOOM|boom> weekly monday 09:00 --tz Europe/Berlin")
		s := e.schedulerOn(e.st, panicky{Sender: e.sender, channel: "CBOOM"})
		e.tick(s)
		e.clock.Set(local("2026-11-16 09:00"))
		err := s.RunOnce(context.Background())
		if err == nil || !strings.Contains(err.Error(), "digests: panic: posting to CBOOM") {
			t.Errorf("RunOnce = %v, want the digest's panic reported", err)
		}
		if n := len(e.prompts()); n != 3 {
			t.Errorf("%d prompts, want 3", n)
		}
	})
}

// TestTwoWorkspacesEachGetTheirOwn shows two Slack workspaces on one
// database, each served by its own okrbot with its own token, connection
// pool and scheduler (as two deployments sharing Postgres would): each
// workspace's prompts, digests and alerts reach only its own Slack, once.
func TestTwoWorkspacesEachGetTheirOwn(t *testing.T) {
	t.Parallel()
	for _, url := range storetest.URLs(t) {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) { twoWorkspaces(t, url) })
	}
}

func twoWorkspaces(t *testing.T, url string) {
	clk := &clock{t: local("2026-11-15 12:00")}
	one := newEnvOn(t, storetest.OpenURL(t, url), clk.Now)
	two := newEnvOn(t, storetest.OpenURL(t, url), clk.Now, fakeslack.WithTeam("T0TWO"))
	one.clock, two.clock = clk, clk
	one.person("UONE1", "Europe/Berlin")
	one.person("UONE2", "Europe/Berlin")
	two.person("UTWO1", "Europe/Berlin")
	two.person("UTWO2", "Europe/Berlin")
	for _, e := range []*env{one, two} {
		e.run("UADMIN", "/kpi", "digest <#CLEAD|leadership> weekly monday 09:00 --tz Europe/Berlin")
		e.run("UADMIN", "/kpi", "alerts <#CALERTS|kpi-alerts>")
		e.run("UADMIN", "/kpi", `new "NPS" --target 50`)
		e.run("UADMIN", "/kpi", "set NPS 55")
	}
	one.run("UADMIN", "/kpi", "set NPS 30") // off target in workspace one only

	schedulers := []*reminders.Scheduler{one.scheduler(), two.scheduler()}
	tickAll := func() {
		var wg sync.WaitGroup
		for _, s := range schedulers {
			wg.Go(func() {
				if err := s.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	tickAll()
	clk.Set(local("2026-11-16 09:00"))
	tickAll()
	tickAll()

	for _, tc := range []struct {
		e      *env
		alerts int
	}{{one, 1}, {two, 0}} {
		if per := tc.e.promptsPerUser(); len(per) != 2 {
			t.Errorf("%s: prompts %v, want one to each of its 2 people", tc.e.ws.TeamID, per)
		} else {
			for u, n := range per {
				if n != 1 {
					t.Errorf("%s: %s prompted %d times", tc.e.ws.TeamID, u, n)
				}
			}
		}
		if n := len(tc.e.posts("CLEAD")); n != 1 {
			t.Errorf("%s: %d digests, want 1", tc.e.ws.TeamID, n)
		}
		if n := len(tc.e.posts("CALERTS")); n != tc.alerts {
			t.Errorf("%s: %d alerts, want %d", tc.e.ws.TeamID, n, tc.alerts)
		}
		// Each fake Slack is asked only about its own people.
		for _, c := range tc.e.slack.Calls("conversations.open") {
			if !strings.HasPrefix(c.Params.Get("users"), tc.e.ids[0][:4]) {
				t.Errorf("%s: asked to open a chat with %s", tc.e.ws.TeamID, c.Params.Get("users"))
			}
		}
	}
}
