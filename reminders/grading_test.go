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
	t.Parallel()
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
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, local(gradingPrompt))
		e.person("U1", "Europe/Berlin")
		e.person("U2", "Europe/Berlin")
		// Objectives of a workspace this okrbot does not serve (the
		// console's) are nobody's to prompt here.
		ctx := context.Background()
		cws, _, _ := elsewhere(t, st, bot.Workspace{Platform: bot.ConsolePlatform, TeamID: "console"}, false)

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
	t.Parallel()
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
	t.Parallel()
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

// gradingUpdates returns the ok chat.update calls, which redraw messages.
func (e *env) gradingUpdates() []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range e.slack.Calls("chat.update") {
		if c.Status == 200 && c.Error == "" {
			out = append(out, c)
		}
	}
	return out
}

// promptedToGrade starts an env on the day grading prompts are due, with
// the people given, each prompted once.
func promptedToGrade(t *testing.T, st *store.Store, people ...string) (*env, *reminders.Scheduler) {
	t.Helper()
	e := newEnv(t, st, local(gradingPrompt))
	for _, id := range people {
		e.person(id, "Europe/Berlin")
	}
	s := e.scheduler()
	e.tick(s)
	if n := len(e.gradingMessages()); n != len(people) {
		t.Fatalf("%d grading prompts, want one each", n)
	}
	return e, s
}

// redrawnOnce checks that the grading message to a person was redrawn once,
// in place, with the text given and without its buttons.
func (e *env) redrawnOnce(user string, want ...string) {
	e.t.Helper()
	ds, err := e.st.GradingDeliveries(context.Background(), e.ws.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	sent := map[string]bool{}
	for _, d := range ds {
		if d.Conversation == e.slack.DMChannel(user) {
			sent[d.MessageID] = true
		}
	}
	var mine []fakeslack.Call
	for _, c := range e.gradingUpdates() {
		if c.Params.Get("channel") == e.slack.DMChannel(user) {
			mine = append(mine, c)
		}
	}
	if len(mine) != 1 {
		e.t.Fatalf("%s's grading message redrawn %d times, want once", user, len(mine))
	}
	if !sent[mine[0].Params.Get("ts")] {
		e.t.Errorf("the update is of message %s, not of %s's grading message %v", mine[0].Params.Get("ts"), user, sent)
	}
	blocks := mine[0].Params.Get("blocks")
	for _, w := range want {
		if !strings.Contains(blocks, w) {
			e.t.Errorf("%s's redrawn grading message lacks %q:\n%s", user, w, blocks)
		}
	}
	for _, button := range []string{commands.ActionGrade, commands.ActionCarry, commands.ActionGradeLater, `"actions"`} {
		if strings.Contains(blocks, button) {
			e.t.Errorf("%s's redrawn grading message still has buttons (%s):\n%s", user, button, blocks)
		}
	}
}

func TestGradingMessageIsRedrawnOnceWhenGradedFromItsForm(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e, a := promptedToGrade(t, st, "U1")
		b := e.scheduler()
		r := e.act("U1", commands.ActionGrade, "1")
		if r.Form == nil {
			t.Fatalf("Grade: %s", console.Render(r))
		}
		woken := e.woken.Load()
		res := e.svc.Submit(context.Background(), e.request("U1"), bot.Submission{CallbackID: r.Form.CallbackID, State: r.Form.State,
			Values: map[string]string{"score_2": "0.7", "outcome": "achieved", "retrospective": "Ask customers sooner.\nAnd more of them."}})
		if len(res.Errors) > 0 || res.Message == nil {
			t.Fatalf("submitting the Grade form: %+v", res)
		}
		if e.woken.Load() != woken+1 {
			t.Errorf("the scheduler was not woken to redraw the grading message")
		}
		for _, s := range []*reminders.Scheduler{a, b, a} {
			e.tick(s)
			e.clock.Advance(time.Minute)
		}
		e.redrawnOnce("U1", "Graded ✓ 0.7 · achieved", "#1 Delight customers of U1", "2026-Q4", "Ask customers sooner.")
		if strings.Contains(e.gradingUpdates()[0].Params.Get("blocks"), "And more of them") {
			t.Errorf("the redrawn message quotes more than the note's first line")
		}
		if got := a.Count(reminders.GradingUpdate, reminders.Sent) + b.Count(reminders.GradingUpdate, reminders.Sent); got != 1 {
			t.Errorf("schedulers count %d grading messages redrawn", got)
		}
	})
}

func TestGradingMessageIsRedrawnWhenGradedByCommand(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e, s := promptedToGrade(t, st, "U1")
		e.run("U1", "/okr", `grade 1 --outcome partly --note "A note that goes on and on, longer than anyone would read in a one-line summary of how the quarter went."`)
		e.tick(s)
		e.tick(s)
		e.redrawnOnce("U1", "Graded ✓ 0.4 · partly achieved")
		if blocks := e.gradingUpdates()[0].Params.Get("blocks"); strings.Contains(blocks, "goes on and on") {
			t.Errorf("the redrawn message quotes a long note:\n%s", blocks)
		}
		// Grading again redraws it again, with the new grade.
		e.run("U1", "/okr", "grade 1 --outcome achieved --final 0.9")
		e.tick(s)
		if ups := e.gradingUpdates(); len(ups) != 2 || !strings.Contains(ups[1].Params.Get("blocks"), "Graded ✓ 0.9 · achieved") {
			t.Errorf("after grading again: %d updates", len(ups))
		}
	})
}

func TestGradingMessageIsRedrawnWhenClosedOrArchivedWithoutAGrade(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e, s := promptedToGrade(t, st, "U1", "U2")
		e.run("U1", "/okr", "close 1 0.6")
		e.run("U2", "/okr", "archive 3")
		e.tick(s)
		e.tick(s)
		e.redrawnOnce("U1", "Closed with a final score of 0.6", "#1 Delight customers of U1")
		e.redrawnOnce("U2", "Archived")
	})
}

func TestGradingMessageIsRedrawnWhenCarriedOverOrPutOff(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e, s := promptedToGrade(t, st, "U1", "U2", "U3")
		if out := console.Render(e.act("U1", commands.ActionCarry, "1")); !strings.Contains(out, "Carried objective #1 over to 2027-Q1 as #7") {
			t.Fatalf("Carry over: %s", out)
		}
		e.run("U2", "/okr", "carry 3 --to 2027-Q2")
		e.act("U3", commands.ActionGradeLater, "5")
		// Not now on someone else's objective redraws nothing.
		e.act("U1", commands.ActionGradeLater, "5")
		e.tick(s)
		e.redrawnOnce("U1", "Carried over to 2027-Q1 as #7", "#1 Delight customers of U1", "closed with a final score of 0.4")
		e.redrawnOnce("U2", "Carried over to 2027-Q2 as #9")
		e.redrawnOnce("U3", "Not now — I'll remind you once if #5 is still open when 2026-Q4 has ended", "/okr grade 5")

		// The reminder after the quarter is a new message, with its
		// buttons; grading then redraws both.
		e.clock.Set(local(gradingReminder))
		e.tick(s)
		msgs := e.gradingMessages()
		if len(msgs) != 4 || msgs[3].Params.Get("channel") != e.slack.DMChannel("U3") {
			t.Fatalf("%d grading messages, want U3's reminder last", len(msgs))
		}
		e.run("U3", "/okr", "grade 5 --outcome missed")
		e.tick(s)
		ups := e.gradingUpdates()
		if len(ups) != 5 {
			t.Fatalf("%d updates, want the three answers and U3's prompt and reminder graded", len(ups))
		}
		for _, u := range ups[3:] {
			if !strings.Contains(u.Params.Get("blocks"), "Graded ✓ 0.4 · missed") {
				t.Errorf("U3's message redrawn as:\n%s", u.Params.Get("blocks"))
			}
		}
		if ups[3].Params.Get("ts") == ups[4].Params.Get("ts") {
			t.Errorf("one message redrawn twice, not the prompt and the reminder")
		}
	})
}

// TestGradingRedrawsThatKeepFailingAreGivenUp shows that redrawing a
// grading message is retried through a Slack outage of a few hours, then
// given up, like the redraw of an answered check-in prompt.
func TestGradingRedrawsThatKeepFailingAreGivenUp(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e, s := promptedToGrade(t, st, "U1")
		e.slack.FailMethod("chat.update", fakeslack.HTTPError(http.StatusServiceUnavailable))
		graded := e.clock.Now()
		e.run("U1", "/okr", "grade 1 --outcome achieved")
		e.tickUntil(s, graded.Add(7*time.Hour), store.JobGradingRedraw)
		calls := e.slack.Calls("chat.update")
		if len(calls) == 0 {
			t.Fatal("the grading message was never redrawn")
		}
		last := calls[len(calls)-1].At
		if last.Before(graded.Add(2 * time.Hour)) {
			t.Errorf("redraws given up at %s, within two hours of grading", last.In(berlin))
		}
		if last.After(graded.Add(6 * time.Hour)) {
			t.Errorf("redraws still tried at %s, six hours after grading", last.In(berlin))
		}
		if s.Count(reminders.GradingUpdate, reminders.Retried) == 0 {
			t.Errorf("no retried grading redraws counted")
		}
		ds, err := st.GradingDeliveries(context.Background(), e.ws.ID)
		if err != nil || len(ds) != 1 || ds[0].RedrawPending || ds[0].RedrawUntil != nil {
			t.Errorf("given up, the delivery still asks for a redraw: %+v, %v", ds, err)
		}
	})
}

// TestAnotherWorkspacesGradingMessagesAreNotRedrawn shows that grading
// messages of a workspace sharing the database that this okrbot does not
// serve are left to the okrbot that sent them.
func TestAnotherWorkspacesGradingMessagesAreNotRedrawn(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		e, s := promptedToGrade(t, st, "U1")
		ctx := context.Background()
		other, x, o := elsewhere(t, st, otherTeam, false)
		d := store.GradingDelivery{WorkspaceID: other.ID, ObjectiveID: o.ID, Step: okr.GradingPrompt, Occurrence: e.clock.Now(), UserID: x.ID}
		if _, err := st.AddGradingDelivery(ctx, &d); err != nil {
			t.Fatal(err)
		}
		if err := st.GradingSent(ctx, d.ID, e.clock.Now(), "DX1", "9.9"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GradeObjective(ctx, other.ID, store.Grade{ObjectiveID: o.ID, Outcome: okr.Achieved,
			By: store.Actor{UserID: x.ID, Platform: "slack"}}); err != nil {
			t.Fatal(err)
		}
		e.run("U1", "/okr", "grade 1 --outcome achieved")
		e.tick(s)
		e.clock.Advance(time.Hour)
		e.tick(s)
		e.redrawnOnce("U1", "Graded ✓")
		for _, c := range e.slack.Calls("chat.update") {
			if c.Params.Get("channel") == "DX1" {
				t.Errorf("another workspace's grading message was redrawn here")
			}
		}
		js, err := st.Jobs(ctx, other.ID, store.JobGradingRedraw)
		if err != nil || len(js) != 1 || js[0].State != store.JobAvailable || js[0].Attempt != 0 {
			t.Errorf("another workspace's redraw: %+v, %v; want it left to its own okrbot", js, err)
		}
	})
}
