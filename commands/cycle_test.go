package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
	"github.com/okrbot/okrbot/store"
)

// at sets the harness clock to a day of 2026 at 10:00 UTC.
func (h *harness) at(month time.Month, day int) {
	h.now = time.Date(2026, month, day, 10, 0, 0, 0, time.UTC)
}

// act clicks a button as user.
func (h *harness) act(user, id, value string) string {
	h.t.Helper()
	return render(h.svc.Act(context.Background(), request("T1", user, ""), bot.Action{ID: id, Value: value}))
}

// historyCount is how many history entries workspace T1 has.
func (h *harness) historyCount() int {
	h.t.Helper()
	ctx := context.Background()
	ws, err := h.st.Workspace(ctx, "slack", "T1")
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	err = h.st.EachHistory(ctx, ws.ID, func(store.HistoryEntry) error { n++; return nil })
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// unchanged fails the test when running fn changes workspace T1's
// objectives, key results, check-ins or history.
func (h *harness) unchanged(what string, fn func()) {
	h.t.Helper()
	before, history := h.snapshot(), h.historyCount()
	fn()
	if after := h.snapshot(); after != before {
		h.t.Errorf("%s changed something:\nbefore\n%s\nafter\n%s", what, before, after)
	}
	if n := h.historyCount(); n != history {
		h.t.Errorf("%s added %d history entries", what, n-history)
	}
}

// checkInsOver checks in on #1.1 (deals, 0 → 20) on the days given, with
// the values given, at 10:00 UTC.
func (h *harness) checkInsOver(days []time.Time, values ...int) {
	h.t.Helper()
	for i, d := range days {
		h.now = d
		h.must("U1", fmt.Sprintf("checkin 1.1 %d", values[i]))
	}
}

func days(month time.Month, ds ...int) []time.Time {
	var out []time.Time
	for _, d := range ds {
		out = append(out, time.Date(2026, month, d, 10, 0, 0, 0, time.UTC))
	}
	return out
}

func TestForecastInShowHomeAndDigest(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		out := h.must("U1", "show 1")
		contains(t, out, "Forecast: 0.0 now · not enough check-ins for a forecast")

		// Three check-ins, two weeks apart: 3 deals every two weeks, so
		// 8 on Nov 12 is on course for about 18.7 of 20 by Jan 1.
		h.checkInsOver(days(time.October, 15, 29), 2, 5)
		h.checkInsOver(days(time.November, 12), 8)
		h.at(time.November, 15)
		out = h.must("U1", "show 1")
		// The objective: (0.4 + 0 + 0) / 3 now, (0.93 + 0 + 0) / 3 then;
		// the milestone and the untouched churn count as they stand.
		contains(t, out, "Forecast: 0.1 now · on course for 0.3",
			"`#1.1` Close 20 deals — 8 / 20 deals", "0.4 now · on course for 0.9")
		if strings.Count(out, "on course") != 2 {
			t.Errorf("only #1.1 has a trend to forecast:\n%s", out)
		}

		home := h.svc.Home(context.Background(), request("T1", "U1", ""))
		contains(t, renderMessage(*home), "*#1 Grow revenue*", "Forecast: 0.1 now · on course for 0.3")

		msg, err := h.svc.Digest(context.Background(), 1, commands.DigestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		contains(t, renderMessage(*msg), "*#1 Grow revenue*  🔴 0.1", "· on course for 0.3")
	})
}

func TestDigestListsTheForecastsThatFell(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", `kr 1 "Sign partners" --target 10`)
		// #1.1 rose fast early in October, then stalled; #1.4 rises
		// steadily.
		h.checkInsOver(days(time.October, 1, 8, 15, 29), 0, 4, 8, 8)
		h.checkInsOver(days(time.November, 5, 12), 8, 8)
		for i, d := range days(time.October, 2, 16, 30) {
			h.now = d
			h.must("U1", fmt.Sprintf("checkin 1.4 %d", i+1))
		}
		h.at(time.November, 15)
		msg, err := h.svc.Digest(context.Background(), 1, commands.DigestOptions{Since: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		out := renderMessage(*msg)
		// On Nov 1, the fast start was on course for all 20 deals; the
		// flat weeks since bring it down.
		contains(t, out, "*Forecasts falling* since Nov 1", "📉 `#1.1` Close 20 deals — on course for 0.8, was 1.0 · <@U1>")
		lacks(t, out, "`#1.4` Sign partners — on course")

		// Nothing fell since Nov 13: no section.
		msg, err = h.svc.Digest(context.Background(), 1, commands.DigestOptions{Since: time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		lacks(t, renderMessage(*msg), "Forecasts falling")
	})
}

func TestGradeByCommand(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", "checkin 1.1 12")
		h.at(time.December, 28)

		for _, bad := range []struct{ text, want string }{
			{"grade", "Usage: `/okr grade ID`"},
			{"grade 1 --note hi", "Say how objective #1 went: --outcome achieved, partly or missed."},
			{"grade 1 --outcome great", `The outcome "great" is not one okrbot knows`},
			{"grade 1 --outcome partly --score 1.1=1.5", `Key result #1.1: A final score is between 0.0 and 1.0, not "1.5".`},
			{"grade 1 --outcome partly --score 1.1=70%", `not "70%"`},
			{"grade 1 --outcome partly --score 1.1", "--score takes a key result and its final score, like --score 1.1=0.7"},
			{"grade 1 --outcome partly --score 2.1=0.5", "#2.1 is not a key result of objective #1"},
			{"grade 1 --outcome partly --final 2", `A final score is between 0.0 and 1.0, not "2"`},
			{"grade 1 --outcome partly --note " + strings.Repeat("x", 3001), "3001 characters"},
			{"grade 1 --outcome partly --grade 1", "/okr grade does not know --grade"},
			{"grade 9 --outcome partly", "There is no objective #9"},
			{"grade 1.1 --outcome partly", "#1.1 is a key result; use the objective's number, #1."},
		} {
			h.unchanged(bad.text, func() { contains(t, h.say(bad.text), "⚠️", bad.want) })
		}
		h.unchanged("someone else's grade", func() {
			contains(t, render(h.as("U2", "grade 1 --outcome achieved")), "⚠️ Only the owner of objective #1 (<@U1>) or an admin can grade it")
		})

		out := h.must("U1", `grade 1 --outcome partly --note "Pipeline beats heroics" --score 1.1=0.7 --score #4=1`)
		// (0.7 + 0 + 1) / 3, the churn key result kept at its progress.
		contains(t, out, "🏁 Graded objective #1: final score 0.6, partly achieved.",
			"🏁 Graded 0.6 · partly achieved", "What we learned: _Pipeline beats heroics_",
			"`#1.1` Close 20 deals", "final score 0.7", "final score 1.0", "[Grade again][Carry over]")
		lacks(t, out, "[Check in]")

		out = h.must("U1", "review")
		contains(t, out, "*Review of 2026-Q4*", "ends Dec 31, 2026 · 1 objective · 1 graded · 0 carried over",
			"Sales  🟡 0.6", "*#1 Grow revenue*  🟡 0.6", "<@U1> · partly achieved", "_“Pipeline beats heroics”_")

		// Grading again changes the grade; an admin may too.
		out = h.must("UADMIN", `grade 1 --outcome achieved --score 1.2=1`)
		contains(t, out, "final score 0.9, achieved", "Pipeline beats heroics")
		lacks(t, h.must("U1", `grade 1 --outcome achieved --note ""`), "Pipeline beats heroics")
		// Without key results there is nothing to average: it keeps the
		// score it was closed with, or takes --final, or the form's.
		h.must("U1", `new "Be kind"`)
		h.must("U1", "close 5 0.8")
		contains(t, h.must("U1", "grade 5 --outcome achieved"), "Graded objective #5: final score 0.8, achieved.")
		contains(t, h.must("U1", "grade 5 --outcome achieved --final 0.9"), "final score 0.9")
		f := h.as("U1", "grade 5").Form
		if f == nil || len(f.Fields) != 4 || f.Fields[1].ID != "final" || f.Fields[1].Initial != "0.9" {
			t.Errorf("the Grade form of an objective without key results: %+v", f)
		}

		h.must("U1", "archive 1")
		h.unchanged("grading an archived objective", func() {
			contains(t, h.say("grade 1 --outcome missed"), "⚠️ Objective #1 is archived; it cannot be graded")
		})
	})
}

func TestGradeForm(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", "checkin 1.1 9")
		r := h.as("U1", "grade 1")
		f := r.Form
		if f == nil || f.CallbackID != commands.CallbackGrade || f.State != "1" {
			t.Fatalf("grade 1 = %s", render(r))
		}
		initial := map[string]string{}
		for _, fl := range f.Fields {
			initial[fl.ID] = fl.Initial
		}
		// Each key result starts at its current score.
		if initial["score_2"] != "0.45" || initial["score_3"] != "0" || initial["score_4"] != "0" || initial["outcome"] != "" {
			t.Errorf("initial values = %v", initial)
		}
		if contains(t, f.Fallback.String(), "/okr grade 1 --outcome achieved|partly|missed"); t.Failed() {
			return
		}
		submit := func(user string, values map[string]string) bot.SubmitResult {
			return h.svc.Submit(context.Background(), request("T1", user, ""), bot.Submission{CallbackID: f.CallbackID, State: f.State, Values: values})
		}
		bad := map[string]string{"score_2": "0.5", "score_3": "1.2", "score_4": "", "outcome": "", "retrospective": strings.Repeat("é", 3001)}
		h.unchanged("a bad Grade form", func() {
			res := submit("U1", bad)
			for field, want := range map[string]string{"score_3": `not "1.2"`, "score_4": "Final score", "outcome": "achieved, partly or missed", "retrospective": "3001 characters"} {
				if !strings.Contains(res.Errors[field], want) {
					t.Errorf("error on %s = %q, want it to say %q", field, res.Errors[field], want)
				}
			}
			if _, ok := res.Errors["score_2"]; ok {
				t.Errorf("a good score was refused: %v", res.Errors)
			}
		})
		h.unchanged("someone else's Grade form", func() {
			res := submit("U2", map[string]string{"score_2": "0.5", "score_3": "0", "score_4": "1", "outcome": "achieved"})
			contains(t, renderMessage(*res.Message), "⚠️ Only the owner of objective #1")
		})
		res := submit("U1", map[string]string{"score_2": "0.5", "score_3": "0.2", "score_4": "1", "outcome": "partly", "retrospective": "Start the EU launch earlier."})
		if len(res.Errors) > 0 || res.Message == nil {
			t.Fatalf("submit: %+v", res)
		}
		contains(t, renderMessage(*res.Message), "Graded objective #1: final score 0.6, partly achieved.", "Start the EU launch earlier.")
		contains(t, h.must("U1", "review"), "partly achieved", "Start the EU launch earlier.")

		// The form of a graded objective starts from its grade.
		for _, fl := range h.as("U1", "grade 1").Form.Fields {
			if fl.ID == "score_3" && fl.Initial != "0.2" || fl.ID == "outcome" && fl.Initial != "partly" || fl.ID == "retrospective" && fl.Initial != "Start the EU launch earlier." {
				t.Errorf("regrade form: %s starts at %q", fl.ID, fl.Initial)
			}
		}
	})
}

func TestCarryOver(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", `new "Be the market leader"`)        // #5
		h.must("U1", `new "Win Europe" --parent 5`)       // #6
		h.must("U1", `kr 6 "Open an office" --milestone`) // #7
		h.must("U1", `kr 6 "Hire locally" --target 10`)   // #8
		h.must("U1", "checkin 1.1 12")
		h.must("U1", "checkin 1.3 done")
		h.at(time.December, 28)

		for _, bad := range []struct{ user, text, want string }{
			{"U1", "carry", "Usage: `/okr carry ID [--to 2027-Q1]`"},
			{"U1", "carry 1 --to 2026-Q3", "carry it over to a later period than 2026-Q3"},
			{"U1", "carry 1 --to someday", `"someday"`},
			{"U2", "carry 1", "Only the owner of objective #1"},
		} {
			h.unchanged(bad.text, func() { contains(t, render(h.as(bad.user, bad.text)), "⚠️", bad.want) })
		}

		out := h.must("U1", "carry 1")
		contains(t, out, "↪️ Carried objective #1 over to 2027-Q1 as #9, with 2 unfinished key results starting where they stood. #1 is closed with a final score of 0.5.",
			"*#9 Grow revenue*", "2027-Q1 · owner <@U1> · team Sales · continues #1",
			"`#9.1` Close 20 deals — 12 / 20 deals", "`#9.2` Cut churn")
		lacks(t, out, "Launch in the EU")
		contains(t, h.must("U1", "show 1"), "closed · carried over to #9", "[Grade]")
		lacks(t, h.must("U1", "show 1"), "[Carry over]")
		h.unchanged("carrying twice", func() { contains(t, h.say("carry 1"), "⚠️ Objective #1 was already carried over to #9.") })

		// #6's parent #5 was not carried: flagged, and aligned once it is.
		out = h.act("U1", commands.ActionCarry, "6")
		contains(t, out, "Carried objective #6 over to 2027-Q1 as #12",
			"⚠️ #6 was aligned to #5 Be the market leader, which was not carried over: #12 is not aligned to anything yet.")
		out = h.must("U1", "carry 5 --to 2027-Q1")
		contains(t, out, "as #15, with 0 unfinished key results", "#12 Win Europe, carried over before, now aligns to #15.")
		contains(t, h.must("U1", "show 12"), "aligned to #15 Be the market leader", "continues #6")

		contains(t, h.must("U1", "review"), "*Carried over*", "↪️ #1 Grow revenue → #9 in 2027-Q1", "↪️ #6 Win Europe → #12 in 2027-Q1")
		contains(t, h.must("U1", "review --period 2027-Q1"), "*#9 Grow revenue*", "open: `/okr grade 9`")
	})
}

func TestCarriedKeyResultsFollowTheirKPIOnly(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		cmd := func(text string) string {
			h.t.Helper()
			req := request("T1", "U1", text)
			req.Command = "/kpi"
			return render(h.svc.Command(context.Background(), req))
		}
		h.must("U1", `new "Keep customers"`)
		cmd(`new "Churn rate" --unit % --target 2 --lower-is-better`)
		h.must("U1", `kr 1 "Cut churn" --start 5 --target 2 --kpi "Churn rate"`)
		cmd(`set "Churn rate" 4`)
		h.must("U1", "carry 1")
		out := cmd(`set "Churn rate" 3`)
		// Only the copy's key result is checked in; the original keeps
		// the value it was closed with.
		contains(t, out, "↳ Checked in key result #4 Cut churn: 3 / 2")
		lacks(t, out, "#2 Cut churn")
		contains(t, h.must("U1", "show 1"), "`#1.1` Cut churn — 4 / 2")
		contains(t, h.must("U1", "show 3"), "`#3.1` Cut churn — 3 / 2")
	})
}

func TestHistoryOfAnObjective(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", "checkin 1.1 5 at-risk")
		h.must("U1", "edit 1.1 --target 25 --title \"Close 25 deals\"")
		h.must("U1", `edit 1 --owner <@U2|bob> --team Growth --title "Grow revenue fast"`)
		h.must("UADMIN", "close 1 0.4")
		out := h.must("U1", "history 1")
		contains(t, out, "📜 History of *#1 Grow revenue fast*",
			"• Nov 15, 13:00 · <@UADMIN> · `#1` closed — score: 0.4",
			"`#1` closed — status: active → closed",
			"<@U1> · `#1` changed owner — owner: <@U1> → <@U2>",
			"`#1` edited — team: Sales → Growth",
			"`#1` edited — title: Grow revenue → Grow revenue fast",
			"`#1.1` changed target — target: 20 deals → 25 deals",
			"`#1.1` edited — title: Close 20 deals → Close 25 deals",
			"`#1.1` checked in — value: 0 deals → 5 deals (at risk)",
			"`#1.3` created — title: Launch in the EU",
			"`#1` created — title: Grow revenue",
			"Newest first · page 1")
		// Newest first.
		if strings.Index(out, "closed — score") > strings.Index(out, "created — title: Grow revenue") {
			t.Errorf("not newest first:\n%s", out)
		}
		lacks(t, out, "[More]")

		// Another workspace sees nothing of it.
		other := render(h.svc.Command(context.Background(), request("T2", "U1", "history 1")))
		contains(t, other, "⚠️ There is no objective #1.")
		contains(t, h.say("history"), "Usage: `/okr history ID [--page N]`")
		contains(t, h.say("history 1 --page 0"), "--page is a page number like 2")
	})
}

func TestHistoryPages(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed() // 4 entries
		for i := 1; i <= 40; i++ {
			h.now = h.now.Add(time.Minute)
			h.must("U1", fmt.Sprintf("checkin 1.1 %d", i%20))
		}
		first := h.must("U1", "history 1")
		contains(t, first, "Newest first · page 1 · `/okr history 1 --page 2` for older changes", "[More]")
		if n := strings.Count(first, "\n• "); n != store.HistoryPageSize {
			t.Errorf("page 1 has %d changes:\n%s", n, first)
		}
		second := h.must("U1", "history 1 --page 2")
		third := h.must("U1", "history 1 --page 3")
		contains(t, third, "`#1` created — title: Grow revenue", "page 3")
		lacks(t, third, "[More]")
		contains(t, h.must("U1", "history 1 --page 4"), "There is no page 4")

		// The More button leads to the same page as --page.
		r := h.as("U1", "history 1")
		btn := r.Message.Sections[0].Buttons[0]
		if got := h.act("U1", btn.ActionID, btn.Value); got != second {
			t.Errorf("More shows\n%s\nwant page 2\n%s", got, second)
		}
	})
}

func TestHistoryOfAKPI(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		cmd := func(user, text string) string {
			h.t.Helper()
			req := request("T1", user, text)
			req.Command = "/kpi"
			return render(h.svc.Command(context.Background(), req))
		}
		cmd("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		cmd("U1", `set "Churn rate" 2.6`)
		cmd("U1", `edit "Churn rate" --target 1.8 --owner <@U2|bob>`)
		ctx := context.Background()
		if _, err := h.svc.RecordMeasurement(ctx, commands.MeasurementInput{WorkspaceID: 1, KPIID: 1, Value: 2.4, Source: "API: bi", Platform: "api"}); err != nil {
			t.Fatal(err)
		}
		h.now = h.now.Add(time.Hour)
		if _, err := csvio.ImportKPIs(ctx, h.svc, 1, strings.NewReader("kpi,value,at\nChurn rate,2.5,2026-11-10\n")); err != nil {
			t.Fatal(err)
		}
		cmd("U2", `archive "Churn rate"`)
		out := cmd("U1", `history "churn rate"`)
		contains(t, out, "📜 History of KPI *Churn rate*",
			"<@U2> · *Churn rate* archived",
			"• Nov 15, 14:00 · an import · *Churn rate* recorded a value — value: 2.5% for 2026-11-10",
			"the API · *Churn rate* recorded a value — value: 2.6% → 2.4%",
			"<@U1> · *Churn rate* changed owner — owner: <@U1> → <@U2>",
			"*Churn rate* changed target — target: 2% → 1.8%",
			"*Churn rate* edited — at risk at: 2.1% → 1.89%",
			"*Churn rate* recorded a value — value: 2.6%",
			"*Churn rate* created — name: Churn rate")
		contains(t, cmd("U1", "history Churn"), `⚠️ There is no KPI "Churn".`)
		contains(t, cmd("U1", "history"), "Usage: `/kpi history NAME-OR-ID [--page N]`")
	})
}

func TestReviewInTheFirstDigestAfterThePeriodEnds(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", `new "Delight customers" --team Support`)
		h.must("U1", "checkin 1.1 14")
		h.at(time.December, 30)
		h.must("U1", `grade 1 --outcome partly --note "Pipeline beats heroics"`)
		h.must("U1", "carry 5")

		// Jan 4: the digest since Dec 28 is the first after 2026-Q4 ended.
		h.now = time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
		msg, err := h.svc.Digest(context.Background(), 1, commands.DigestOptions{Since: time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		out := renderMessage(*msg)
		// Sales: (0.7 + 0 + 0) / 3; Support: 0; their mean 0.1.
		contains(t, out, "🏁 *2026-Q4 has ended*  🔴 0.1", "Sales  🔴 0.2", "Support  🔴 0.0",
			"2 objectives · 1 graded · 1 carried over", "[Full review]")
		review := h.act("U1", commands.ActionReview, "0:2026-Q4")
		contains(t, review, "*Review of 2026-Q4*", "ended Dec 31, 2026", "Pipeline beats heroics", "↪️ #5 Delight customers → #6 in 2027-Q1")

		// The next one is measured from this one: no review again.
		h.now = h.now.AddDate(0, 0, 7)
		msg, err = h.svc.Digest(context.Background(), 1, commands.DigestOptions{Since: time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		lacks(t, renderMessage(*msg), "has ended")
	})
}

func TestReviewRefusesBadInput(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		contains(t, h.say("review Sales"), "⚠️ Usage: `/okr review [--period 2026-Q4] [team NAME]`")
		contains(t, h.say("review team Nope"), `⚠️ There is no team "Nope". Teams: Sales.`)
		contains(t, h.say("review --period 2026-Q9"), "⚠️")
		contains(t, h.must("U1", "review team Sales --period 2026-Q4"), "*Review of 2026-Q4 · team Sales*", "*#1 Grow revenue*")
		lacks(t, h.must("U1", "review team Sales"), "Average score by team")
		contains(t, h.must("U1", "review --period 2025-Q1"), "_No objectives in 2025-Q1._")
	})
}
