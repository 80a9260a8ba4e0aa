package reminders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// 2026-Q4 ends on Thursday, December 31. Its last five working days start
// on Friday, December 25: the grading prompt is due then, at 09:00 in each
// owner's zone; the reminder on Friday, January 1, the first working day
// after the end.
var (
	gradingPrompt   = "2026-12-25 09:00"
	gradingReminder = "2027-01-01 09:00"
)

// gradingMessages returns the grading messages that reached Slack, per
// person's DM channel.
func (e *env) gradingMessages() []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range e.prompts() {
		if strings.Contains(c.Params.Get("blocks"), commands.ActionGrade) {
			out = append(out, c)
		}
	}
	return out
}

// act clicks a button as a person, in their DM.
func (e *env) act(user, id, value string) bot.Reply {
	return e.svc.Act(context.Background(), e.request(user), bot.Action{ID: id, Value: value})
}

// checkIn is a value checked in on a day.
type checkIn struct {
	day   string
	value float64
}

// checkInsOn gives a person's first key result (Raise NPS, 0 → 50)
// check-ins in the quarter, in order, so its objective has a forecast.
func (e *env) checkInsOn(u store.User, cs ...checkIn) {
	e.t.Helper()
	ctx := context.Background()
	krs, err := e.st.CheckInKeyResults(ctx, e.ws.ID, u.ID)
	if err != nil || len(krs) == 0 {
		e.t.Fatalf("key results of %s: %v", u.PlatformID, err)
	}
	for _, ci := range cs {
		c := store.CheckIn{WorkspaceID: e.ws.ID, KeyResultID: krs[0].ID, AuthorID: u.ID, Value: ci.value, Confidence: okr.OnTrack, CreatedAt: local(ci.day + " 10:00")}
		if err := e.st.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestGradingPromptGoesOnceAndIsAnsweredWithTheForm(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-12-24 12:00"))
		u := e.person("U1", "Europe/Berlin")
		e.checkInsOn(u, checkIn{"2026-10-15", 5}, checkIn{"2026-11-12", 12}, checkIn{"2026-12-10", 20})
		a, b := e.scheduler(), e.scheduler()
		e.tick(a)
		e.tick(b)
		if n := len(e.gradingMessages()); n != 0 {
			t.Fatalf("%d grading messages before the last five working days", n)
		}

		e.clock.Set(local(gradingPrompt))
		for _, s := range []*reminders.Scheduler{a, b, a} {
			e.tick(s)
		}
		e.clock.Set(local("2026-12-28 09:00"))
		e.tick(b)
		msgs := e.gradingMessages()
		if len(msgs) != 1 {
			t.Fatalf("%d grading messages, want one", len(msgs))
		}
		if msgs[0].Params.Get("channel") != e.slack.DMChannel("U1") {
			t.Errorf("the grading message went to %s, not U1's DM", msgs[0].Params.Get("channel"))
		}
		blocks := msgs[0].Params.Get("blocks")
		for _, want := range []string{"2026-Q4 ends on Thursday, December 31. Time to grade your objective #1",
			"#1 Delight customers of U1", "0.4", "Forecast: 0.4 now · on course for 0.", "Raise NPS",
			"Grade", "Carry over", "Not now", "2027-Q1", commands.ActionCarry, commands.ActionGradeLater} {
			if !strings.Contains(blocks, want) {
				t.Errorf("the grading message lacks %q:\n%s", want, blocks)
			}
		}
		if got := a.Stats().Grading + b.Stats().Grading; got != 1 {
			t.Errorf("schedulers count %d grading messages sent", got)
		}

		// Grade opens the form; it grades the objective.
		r := e.act("U1", commands.ActionGrade, "1")
		if r.Form == nil || r.Form.CallbackID != commands.CallbackGrade {
			t.Fatalf("Grade: %s", console.Render(r))
		}
		res := e.svc.Submit(context.Background(), e.request("U1"), bot.Submission{CallbackID: r.Form.CallbackID, State: r.Form.State,
			Values: map[string]string{"score_2": "0.5", "outcome": "partly", "retrospective": "Ask customers sooner."}})
		if len(res.Errors) > 0 || res.Message == nil || !strings.Contains(console.Render(bot.Reply{Message: res.Message}), "Graded objective #1: final score 0.5, partly achieved.") {
			t.Fatalf("submitting the Grade form: %+v", res)
		}
		out := e.run("U1", "/okr", "review")
		for _, want := range []string{"Review of 2026-Q4", "#1 Delight customers of U1", "0.5", "partly achieved", "Ask customers sooner."} {
			if !strings.Contains(out, want) {
				t.Errorf("/okr review lacks %q:\n%s", want, out)
			}
		}

		// Graded: no reminder once the quarter is over.
		e.clock.Set(local(gradingReminder))
		e.tick(a)
		e.tick(b)
		if n := len(e.gradingMessages()); n != 1 {
			t.Errorf("%d grading messages after grading, want the one prompt", n)
		}
		ds, err := st.GradingDeliveries(context.Background(), e.ws.ID)
		if err != nil || len(ds) != 1 || ds[0].Step != okr.GradingPrompt || ds[0].Note != "sent" || !ds[0].Occurrence.Equal(local(gradingPrompt)) {
			t.Errorf("grading deliveries = %+v, %v", ds, err)
		}
	})
}

func TestGradingReminderComesOnceWhenStillOpen(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local(gradingPrompt))
		e.person("U1", "Europe/Berlin")
		e.person("U2", "Europe/Berlin")
		// Objectives of a workspace this okrbot does not serve (the
		// console's) are nobody's to prompt here.
		ctx := context.Background()
		cws, err := st.Workspace(ctx, bot.ConsolePlatform, "console")
		if err != nil {
			t.Fatal(err)
		}
		period, err := st.EnsurePeriod(ctx, cws.ID, okr.Quarter(2026, 4))
		if err != nil {
			t.Fatal(err)
		}
		ada, err := st.SaveUser(ctx, store.User{WorkspaceID: cws.ID, PlatformID: "ada", Name: "ada", TZ: "Europe/Berlin"})
		if err != nil {
			t.Fatal(err)
		}
		o := store.Objective{WorkspaceID: cws.ID, Title: "Write the manual", OwnerID: ada.ID, PeriodID: period.ID, Status: okr.Active}
		if err := st.InTx(ctx, func(tx *store.Store) error { return tx.CreateObjective(ctx, &o) }); err != nil {
			t.Fatal(err)
		}

		s := e.scheduler()
		e.tick(s)
		if n := len(e.gradingMessages()); n != 2 {
			t.Fatalf("%d grading prompts, want one each", n)
		}
		out := console.Render(e.act("U2", commands.ActionGradeLater, "3"))
		if !strings.Contains(out, "Not now, then. If #3 is still open when 2026-Q4 has ended, I'll remind you once") {
			t.Errorf("Not now: %s", out)
		}
		// U1 carries theirs over from the prompt: no reminder for it.
		out = console.Render(e.act("U1", commands.ActionCarry, "1"))
		if !strings.Contains(out, "Carried objective #1 over to 2027-Q1 as #5") {
			t.Errorf("Carry over: %s", out)
		}

		for _, at := range []string{"2026-12-31 18:00", gradingReminder, "2027-01-01 12:00", "2027-01-04 09:00", "2027-01-20 09:00"} {
			e.clock.Set(local(at))
			e.tick(s)
		}
		msgs := e.gradingMessages()
		if len(msgs) != 3 {
			t.Fatalf("%d grading messages, want two prompts and U2's one reminder", len(msgs))
		}
		last := msgs[2]
		if last.Params.Get("channel") != e.slack.DMChannel("U2") || !strings.Contains(last.Params.Get("blocks"), "2026-Q4 ended on Thursday, December 31, and your objective #3 is still open") {
			t.Errorf("the reminder: to %s\n%s", last.Params.Get("channel"), last.Params.Get("blocks"))
		}
		if strings.Contains(last.Params.Get("blocks"), commands.ActionGradeLater) {
			t.Errorf("the reminder offers Not now; there is no later")
		}
		if ds, err := st.GradingDeliveries(ctx, cws.ID); err != nil || len(ds) != 0 {
			t.Errorf("the console's objective got grading deliveries: %+v, %v", ds, err)
		}
	})
}

func TestGradingFollowsTheSettingAndEachOwnersZone(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local("2026-12-30 12:00"))
		e.person("U1", "Europe/Berlin")
		e.person("U2", "America/New_York")
		// OKRBOT_GRADING="1 08:00": on the last working day, at 08:00.
		svc := commands.New(commands.Config{Store: st, Now: e.clock.Now,
			Reminders: commands.ReminderDefaults{Grading: okr.GradingSchedule{WorkingDays: 1, Minute: 8 * 60}}})
		s := e.scheduler(func(c *reminders.Config) { c.Commands = svc })
		e.tick(s)
		e.clock.Set(local("2026-12-31 08:00"))
		e.tick(s)
		if msgs := e.gradingMessages(); len(msgs) != 1 || msgs[0].Params.Get("channel") != e.slack.DMChannel("U1") {
			t.Fatalf("at 08:00 in Berlin: %d grading messages, want U1's", len(msgs))
		}
		e.clock.Set(time.Date(2026, 12, 31, 7, 59, 0, 0, mustLoad("America/New_York")))
		e.tick(s)
		if n := len(e.gradingMessages()); n != 1 {
			t.Fatalf("U2 prompted before 08:00 in New York")
		}
		e.clock.Advance(time.Minute)
		e.tick(s)
		if msgs := e.gradingMessages(); len(msgs) != 2 || msgs[1].Params.Get("channel") != e.slack.DMChannel("U2") {
			t.Errorf("at 08:00 in New York: %d grading messages, want U2's too", len(msgs))
		}
	})
}

func TestTwoSchedulersOnOnePostgresSendOneGradingPromptEach(t *testing.T) {
	url := storetest.PostgresURL(t)
	st1, st2 := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
	e := newEnv(t, st1, local("2026-12-24 12:00"))
	e.people(40, "Europe/Berlin")
	e.tick(e.scheduler())
	e.clock.Set(local(gradingPrompt))
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
	per := map[string]int{}
	for _, c := range e.gradingMessages() {
		per[c.Params.Get("channel")]++
	}
	if len(per) != 40 {
		t.Errorf("%d people got a grading prompt, want 40", len(per))
	}
	for ch, n := range per {
		if n != 1 {
			t.Errorf("%s got %d grading prompts", ch, n)
		}
	}
	if ga, gb := a.Stats().Grading, b.Stats().Grading; ga+gb != 40 {
		t.Errorf("schedulers sent %d + %d grading prompts", ga, gb)
	}
}
