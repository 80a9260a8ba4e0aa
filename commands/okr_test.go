package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	"github.com/okrbot/okrbot/commands"
)

func TestObjectiveLifecycle(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		out := h.must("U1", `new "Grow revenue" --team Sales`)
		contains(t, out, "Created objective #1", "*#1 Grow revenue*", "2026-Q4", "owner <@U1>", "team Sales",
			"New team *Sales* was created", "It has 0 key results; 3 to 5", "[Check in][Edit][Close]")

		out = h.must("U1", `kr 1 "Close 20 deals" --target 20 --unit deals`)
		contains(t, out, "Added key result #1.1 (#2)", "`#1.1` Close 20 deals — 0 / 20 deals", "🔴 0.0", "behind pace")
		h.must("U1", `kr 1 "Cut churn" --start 5% --target 2%`)
		out = h.must("U1", `kr 1 "Launch in the EU" --milestone`)
		lacks(t, out, "Coaching")

		out = h.must("U1", "checkin 1.1 12 at-risk pipeline is slow")
		contains(t, out, "Checked in `#1.1` Close 20 deals: 0 / 20 deals → 12 / 20 deals", "🟡 0.6", "at risk",
			"Objective #1 Grow revenue is now 🔴 0.2")
		out = h.must("U1", "checkin #3 3.5")
		contains(t, out, "5% / 2% → 3.5% / 2%", "🟡 0.5", "on track")
		h.must("U1", "checkin 4 done")

		out = h.must("U1", "show 1")
		contains(t, out, "*#1 Grow revenue*  🟢 0.7", "`#1.1` Close 20 deals — 12 / 20 deals · 🟡 0.6",
			"last check-in Nov 15: at risk, “pipeline is slow”", "`#1.3` Launch in the EU — done · 🟢 1.0")
		// A key result's own number shows its objective.
		if got := h.must("U1", "show 2"); got != out {
			t.Errorf("show 2 (a key result) differs from show 1:\n%s", got)
		}

		out = h.must("U1", "list")
		contains(t, out, "Your objectives in 2026-Q4* (1)", "*#1 Grow revenue*  🟢 0.7", "<@U1>", "Sales")

		out = h.must("U1", "close 1")
		contains(t, out, "Closed objective #1 with a final score of 0.7", "closed")
		lacks(t, out, "[Check in]")
		contains(t, h.say("checkin 1.1 15"), "⚠️ Objective #1 is closed")
		contains(t, h.say("close 1"), "already closed")
		contains(t, h.must("U1", "archive 1"), "Archived objective #1")
		contains(t, h.must("U1", "list"), "_None yet._")
	})
}

func TestBehindPaceCountsInLists(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		// Half the quarter is gone: 0.6 progress is on pace, 0 is not.
		h.must("U1", "checkin 1.1 12")
		out := h.must("U1", "list")
		contains(t, out, "⚠️ 2 KRs behind pace")
		h.now = time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC) // two days in: nothing is behind yet
		lacks(t, h.must("U1", "list"), "behind pace")
	})
}

func TestRefusedInputChangesNothing(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 151)
	cases := []struct {
		name, line string
		want       []string
	}{
		{"empty title", `new ""`, []string{"title is empty"}},
		{"title too long", `new "` + long + `"`, []string{"151 characters"}},
		{"quarter that does not exist", `new "Grow" --period 2026-Q5`, []string{`"2026-Q5"`, "Q1 to Q4"}},
		{"period that is not one", `list --period soon`, []string{`"soon"`, "2026-Q4"}},
		{"unclosed quote", `new "Grow revenue`, []string{"double quote is not closed"}},
		{"unknown option", `new "Grow" --colour red`, []string{"does not know --colour", "--period"}},
		{"malformed target", `kr 1 "Deals" --target twelve`, []string{"--target", `"twelve"`}},
		{"bad grouping", `kr 1 "Deals" --target 1,2`, []string{`"1,2"`}},
		{"no target", `kr 1 "Deals"`, []string{"needs --target"}},
		{"milestone with target", `kr 1 "Ship" --milestone --target 3`, []string{"takes no --target"}},
		{"unknown objective", `kr 99 "Deals" --target 5`, []string{"no objective #99"}},
		{"key result is not an objective", `kr 1.1 "Deals" --target 5`, []string{"#1.1 is a key result"}},
		{"unknown key result", `checkin 1.9 5`, []string{"no key result #1.9"}},
		{"objective is not a key result", `checkin 1 5`, []string{"#1 is an objective", "#1.1"}},
		{"malformed value", `checkin 1.1 lots`, []string{"value", `"lots"`}},
		{"milestone value", `checkin 1.3 maybe`, []string{`"maybe"`, "not-done"}},
		{"final score out of range", `close 1 1.5`, []string{"between 0.0 and 1.0", `"1.5"`}},
		{"not a number", `show abc`, []string{`"abc"`, "#42"}},
		{"unknown team", `list team Nope`, []string{`no team "Nope"`, "Sales"}},
		{"unknown person in Slack", `new "Grow" --owner @nobody`, []string{"don't know @nobody"}},
		{"parent is itself", `edit 1 --parent 1`, []string{"cannot align to itself"}},
		{"number too large", `kr 1 "Big" --target 1e300`, []string{`"1e300"`, "larger than okrbot tracks"}},
		{"weight too large", `kr 1 "Heavy" --target 5 --weight 5000`, []string{"up to 1000"}},
		{"unit too long", `kr 1 "Units" --target 5 --unit "` + strings.Repeat("é", 21) + `"`, []string{"21 characters"}},
		{"team name too long", `new "Grow" --team "` + strings.Repeat("t", 81) + `"`, []string{"81 characters"}},
		{"missing key result shown", `show 1.9`, []string{"no key result #1.9"}},
		{"milestone has no target", `edit 1.3 --target 5`, []string{"milestone"}},
		{"too long comment", `checkin 1.1 5 on-track ` + strings.Repeat("y", 1001), []string{"1001 characters"}},
	}
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		before := h.snapshot()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				out := h.say(tc.line)
				if !strings.HasPrefix(out, "⚠️") {
					t.Errorf("%s was not refused:\n%s", tc.line, out)
				}
				contains(t, out, tc.want...)
				if after := h.snapshot(); after != before {
					t.Errorf("%s changed the data:\nbefore %s\nafter  %s", tc.line, before, after)
				}
			})
		}
	})
}

func TestUnknownSubcommandShowsHelp(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		out := h.say("frobnicate now")
		contains(t, out, "I don't know `/okr frobnicate`", "/okr new", "/okr checkin", "/okr tree")
		if h.say("") != h.say("help") {
			t.Error("/okr with no text should show help")
		}
	})
}

func TestOnlyOwnersAndAdminsChange(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		before := h.snapshot()
		for _, line := range []string{`edit 1 --title "Mine now"`, "close 1", "archive 1", "checkin 1.1 5", `kr 1 "More" --target 3`, "edit 1.1 --target 50"} {
			out := render(h.as("U2", line))
			contains(t, out, "⚠️ Only the owner")
		}
		if h.snapshot() != before {
			t.Fatal("a refused change was written")
		}
		// Anyone may read.
		contains(t, render(h.as("U2", "show 1")), "Grow revenue")
		// An admin from OKRBOT_ADMINS, or Slack's own, may edit and close.
		contains(t, render(h.as("UADMIN", `edit 1 --title "Grow revenue fast"`)), "Updated objective #1", "Grow revenue fast")
		req := request("T1", "U3", "close 1 0.4")
		req.User.IsAdmin = true
		contains(t, render(h.svc.Command(context.Background(), req)), "final score of 0.4")
		// An admin edits but does not check in for others.
		contains(t, render(h.as("UADMIN", "checkin 1.1 5")), "Only the owner")
	})
}

func TestKeyResultOwnerMayCheckIn(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Grow revenue"`)
		h.must("U1", `kr 1 "Close deals" --target 20 --owner <@U2|bob>`)
		out := render(h.as("U2", "checkin 1.1 4 on-track first deals"))
		contains(t, out, "Checked in `#1.1`")
		contains(t, h.must("U1", "show 1"), "#2 · <@U2>", "“first deals”")
		contains(t, render(h.as("U2", "list <@U1|ada>")), "#1 Grow revenue")
	})
}

func TestWorkspacesDoNotSeeEachOther(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		before := h.snapshot()
		other := func(text string) string {
			return render(h.svc.Command(context.Background(), request("T2", "U1", text)))
		}
		contains(t, other("show 1"), "no objective #1")
		contains(t, other("checkin 1.1 5"), "no objective #1")
		contains(t, other("close 1"), "no objective #1")
		contains(t, other("list all"), "None yet")
		if h.snapshot() != before {
			t.Fatal("another workspace changed this one")
		}
	})
}

func TestUserTextIsEscaped(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		// Typed into Slack, "<!channel> & <@U9> hi" arrives escaped.
		out := h.must("U1", `new "&lt;!channel&gt; &amp; &lt;@U9&gt; hi" --team "&lt;!here&gt;"`)
		contains(t, out, "&lt;!channel&gt; &amp; &lt;@U9&gt; hi", "&lt;!here&gt;")
		lacks(t, out, "<!channel>", "<!here>", "<@U9>")
		contains(t, h.must("U1", "list"), "&lt;!channel&gt;")
	})
}

func TestNumbersAsPeopleTypeThem(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Grow"`)
		contains(t, h.must("U1", `kr 1 "Revenue" --start $1,000 --target $12,500 --unit $`), "$1,000 / $12,500")
		contains(t, h.must("U1", `kr 1 "Adoption" --target 40%`), "0% / 40%")
		contains(t, h.must("U1", "checkin 1.2 12.5"), "12.5% / 40%")
	})
}

func TestAlignmentTree(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Company: grow"`)
		h.must("U1", `new "Sales: close more" --team Sales --parent 1`)
		h.must("U2", `new "Bob: pipeline" --parent 2`)
		h.must("U1", `new "Other quarter" --period 2027-Q1`)
		out := h.must("U1", "tree")
		contains(t, out, "Alignment in 2026-Q4", "• *#1 Company: grow*", "\n    • *#2 Sales: close more*", "\n        • *#3 Bob: pipeline*")
		lacks(t, out, "Other quarter")
		contains(t, h.must("U1", "tree --period 2027-Q1"), "Other quarter")
		contains(t, h.must("U1", "show 1"), "Aligned objectives", "#2 Sales: close more")
		contains(t, h.must("U1", "show 2"), "aligned to #1 Company: grow")
		// Aligning #1 under its own grandchild would make a loop.
		contains(t, h.say("edit 1 --parent 3"), "cannot align to #3")
	})
}

func TestNewObjectiveForm(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Company goal"`)
		reply := h.as("U1", "new")
		f := reply.Form
		if f == nil || f.CallbackID != commands.CallbackNewObjective {
			t.Fatalf("/okr new did not open the New objective form: %+v", reply)
		}
		ids := fieldIDs(f)
		for _, id := range []string{"title", "description", "period", "team", "owner", "parent", "kr1_title", "kr3_target", "kr3_unit"} {
			if !contains1(ids, id) {
				t.Errorf("form lacks field %s; has %v", id, ids)
			}
		}
		if field(f, "owner").Initial != "U1" || field(f, "period").Initial != "2026-Q4" || len(field(f, "period").Options) != 4 {
			t.Errorf("defaults: owner %q, period %q with %d options", field(f, "owner").Initial, field(f, "period").Initial, len(field(f, "period").Options))
		}

		// "Add key result" keeps what was typed and adds a row, up to 7.
		typed := map[string]string{"title": "Delight customers", "kr1_title": "Raise NPS", "kr1_start": "30", "kr1_target": "50", "owner": "U1", "period": "2026-Q4"}
		sub := &bot.Submission{CallbackID: f.CallbackID, State: f.State, Values: typed}
		for rows := 4; rows <= 8; rows++ {
			next := h.svc.Act(context.Background(), request("T1", "U1", ""), bot.Action{ID: commands.ActionAddKeyResult, Form: sub})
			if next.Form == nil {
				t.Fatalf("add key result: %s", render(next))
			}
			want := min(rows, 7)
			if got := strings.Count(strings.Join(fieldIDs(next.Form), " "), "_title"); got != want {
				t.Errorf("after adding a row: %d rows, want %d", got, want)
			}
			if field(next.Form, "kr1_target").Initial != "50" || field(next.Form, "title").Initial != "Delight customers" {
				t.Error("typed values were lost when a row was added")
			}
			sub = &bot.Submission{CallbackID: next.Form.CallbackID, State: next.Form.State, Values: typed}
		}

		// Errors go next to their fields and nothing is created.
		before := h.snapshot()
		bad := map[string]string{"title": "", "kr1_title": "Raise NPS", "kr1_target": "lots", "kr2_title": "", "kr2_target": "5", "owner": "U1", "period": "2026-Q4"}
		res := h.svc.Submit(context.Background(), request("T1", "U1", ""), bot.Submission{CallbackID: f.CallbackID, State: "3", Values: bad})
		if res.Errors["title"] == "" || !strings.Contains(res.Errors["kr1_target"], `"lots"`) || res.Errors["kr2_title"] == "" {
			t.Errorf("errors = %v", res.Errors)
		}
		bad = map[string]string{"title": "Fine", "period": "2026-Q4", "owner": "U1", "parent": "99"}
		res = h.svc.Submit(context.Background(), request("T1", "U1", ""), bot.Submission{CallbackID: f.CallbackID, State: "3", Values: bad})
		if !strings.Contains(res.Errors["parent"], "#99") {
			t.Errorf("unknown parent: %+v", res)
		}
		if h.snapshot() != before {
			t.Fatal("a refused form wrote data")
		}

		good := map[string]string{"title": "Delight customers", "description": "Why: retention", "period": "2027-Q1", "team": "Support",
			"owner": "U2", "parent": "1", "kr1_title": "Raise NPS", "kr1_start": "30", "kr1_target": "50",
			"kr2_title": "Answer in 1h", "kr2_target": "95%", "kr3_title": "Ship help center", "kr3_start": "0", "kr3_target": "1", "kr3_unit": "launch"}
		res = h.svc.Submit(context.Background(), request("T1", "U1", ""), bot.Submission{CallbackID: f.CallbackID, State: "3", Values: good})
		if len(res.Errors) > 0 || res.Message == nil {
			t.Fatalf("valid form: %+v", res)
		}
		out := render(bot.Reply{Message: res.Message})
		contains(t, out, "Created objective #2", "Delight customers", "2027-Q1", "owner <@U2>", "team Support", "aligned to #1 Company goal",
			"`#2.1` Raise NPS — 30 / 50", "`#2.2` Answer in 1h — 0% / 95%", "`#2.3` Ship help center")
		lacks(t, out, "Coaching")
	})
}

func TestCheckInForm(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", "checkin 1.1 4 at-risk")
		reply := h.as("U1", "checkin")
		f := reply.Form
		if f == nil || f.CallbackID != commands.CallbackCheckIn {
			t.Fatalf("/okr checkin did not open the form: %s", render(reply))
		}
		if got := field(f, "kr_2_confidence").Initial; got != "at-risk" {
			t.Errorf("confidence defaults to %q, want the last one, at-risk", got)
		}
		if len(field(f, "kr_4_value").Options) != 2 {
			t.Error("a milestone should offer done / not done")
		}
		sub := bot.Submission{CallbackID: f.CallbackID, State: f.State}
		sub.Values = map[string]string{"kr_2_value": "nine"}
		if res := h.svc.Submit(context.Background(), request("T1", "U1", ""), sub); !strings.Contains(res.Errors["kr_2_value"], `"nine"`) {
			t.Errorf("bad value: %+v", res)
		}
		sub.Values = map[string]string{}
		if res := h.svc.Submit(context.Background(), request("T1", "U1", ""), sub); res.Errors["kr_2_value"] == "" {
			t.Errorf("an empty check-in should ask for a value: %+v", res)
		}
		sub.Values = map[string]string{"kr_2_value": "10", "kr_2_confidence": "on-track", "kr_2_comment": "two big wins", "kr_4_value": "done"}
		res := h.svc.Submit(context.Background(), request("T1", "U1", ""), sub)
		out := render(bot.Reply{Message: res.Message})
		contains(t, out, "`#1.1` Close 20 deals: 4 / 20 deals → 10 / 20 deals", "on track", "`#1.3` Launch in the EU: not done → done", "Objective #1 Grow revenue is now")
		contains(t, h.must("U1", "show 1"), "“two big wins”")

		// Someone with nothing to check in on is told so.
		contains(t, render(h.as("U2", "checkin")), "own no key results")
	})
}

func TestButtonsOnAnObjective(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		act := func(user, id, value string) bot.Reply {
			return h.svc.Act(context.Background(), request("T1", user, ""), bot.Action{ID: id, Value: value})
		}
		if f := act("U1", commands.ActionCheckIn, "1").Form; f == nil || f.CallbackID != commands.CallbackCheckIn {
			t.Error("Check in did not open the check-in form")
		}
		f := act("U1", commands.ActionEdit, "1").Form
		if f == nil || field(f, "title").Initial != "Grow revenue" || field(f, "team").Initial != "Sales" {
			t.Fatalf("Edit did not open a filled form: %+v", f)
		}
		res := h.svc.Submit(context.Background(), request("T1", "U1", ""), bot.Submission{CallbackID: f.CallbackID, State: f.State,
			Values: map[string]string{"title": "Grow revenue 2x", "team": "", "owner": "U1"}})
		contains(t, render(bot.Reply{Message: res.Message}), "Updated objective #1", "Grow revenue 2x")
		lacks(t, render(bot.Reply{Message: res.Message}), "team Sales")
		contains(t, render(act("U2", commands.ActionClose, "1")), "Only the owner")
		contains(t, render(act("U1", commands.ActionClose, "1")), "Closed objective #1")
	})
}

func TestConsoleNamesPeopleByName(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		req := bot.Request{Workspace: bot.Workspace{Platform: bot.ConsolePlatform, TeamID: "console"},
			User: bot.User{ID: "ada", Name: "ada"}, Command: "/okr", Text: `new "Grow" --owner @bob`, Capabilities: console.Capabilities}
		out := render(h.svc.Command(context.Background(), req))
		contains(t, out, "owner <@bob>")
		req.Text = "new"
		if r := h.svc.Command(context.Background(), req); r.Form == nil || !strings.Contains(r.Form.Fallback.String(), "/okr new") {
			t.Errorf("a form should carry the command line that does the same: %+v", r.Form)
		}
	})
}

func fieldIDs(f *bot.Form) []string {
	var ids []string
	for _, fl := range f.Fields {
		ids = append(ids, fl.ID)
	}
	return ids
}

func field(f *bot.Form, id string) bot.Field {
	for _, fl := range f.Fields {
		if fl.ID == id {
			return fl
		}
	}
	return bot.Field{}
}

func contains1(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestCustomPeriods(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		contains(t, h.say(`period new "FY27 H1" --start 2027-01-01 --end 2027-06-30`), "Only a workspace admin")
		contains(t, render(h.as("UADMIN", `period new "FY27 H1" --start 2027-01-01 --end 2026-06-30`)), "must end after it starts")
		contains(t, render(h.as("UADMIN", `period new "FY27 H1" --start 2027-01-01 --end June`)), `"June" is not a date`)
		contains(t, render(h.as("UADMIN", `period new "FY27 H1" --start 2027-01-01 --end 2027-06-30`)), "Added period *FY27 H1*")
		contains(t, render(h.as("UADMIN", `period new "fy27 h1" --start 2027-01-01 --end 2027-06-30`)), "already a period")
		h.must("U1", `new "Long bet" --period "FY27 H1"`)
		contains(t, h.must("U1", `list --period "fy27 h1"`), "Long bet")
		contains(t, h.must("U1", "period"), "FY27 H1: Jan 1, 2027 – Jun 30, 2027", "2026-Q4: Oct 1, 2026 – Dec 31, 2026 (now)")
	})
}

func TestSlackEscapesAreReadBack(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		// Slack sends "R&D <3" as "R&amp;D &lt;3": it is stored as typed and
		// escaped once when shown.
		out := h.must("U1", `new "R&amp;D &lt;3" --team <#C42|sales>`)
		contains(t, out, "*#1 R&amp;D &lt;3*", "team sales")
		lacks(t, out, "&amp;amp;", "C42")
		out = h.must("U1", `kr 1 "Ping" --target 10 --unit "&lt;!channel&gt;"`)
		contains(t, out, "0 / 10 &lt;!channel&gt;")
		lacks(t, out, "<!channel>")
	})
}

func TestAdminNamesAreNotTrustedOnSlack(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		// U7 calls themselves "uadmin", the id of an admin: no rights.
		contains(t, render(h.as("U7", "close 1")), "Only the owner")
		req := request("T1", "U7", "close 1")
		req.User.Name = "UADMIN"
		contains(t, render(h.svc.Command(context.Background(), req)), "Only the owner")
	})
}

func TestEditsKeepWhatTheyDoNotName(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Company"`)
		h.must("U1", `new "Grow" --parent 1`)
		h.must("U1", `kr 2 "Tiny" --start 0.125 --target 1.0004`)
		h.must("U1", "edit 2.1 --unit pts")
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		kr, err := h.st.KeyResult(context.Background(), ws.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if kr.Start != 0.125 || kr.Target != 1.0004 || kr.Unit != "pts" {
			t.Errorf("after editing the unit: start %v, target %v, unit %q", kr.Start, kr.Target, kr.Unit)
		}

		// The parent is closed, so the form does not offer it among active
		// objectives; saving the form still keeps the alignment.
		h.must("U1", "close 1")
		f := h.svc.Act(context.Background(), request("T1", "U1", ""), bot.Action{ID: commands.ActionEdit, Value: "2"}).Form
		if f == nil || field(f, "parent").Initial != "1" {
			t.Fatalf("edit form parent = %+v", field(f, "parent"))
		}
		values := map[string]string{"title": "Grow more", "owner": "U1", "parent": field(f, "parent").Initial}
		res := h.svc.Submit(context.Background(), request("T1", "U1", ""), bot.Submission{CallbackID: f.CallbackID, State: f.State, Values: values})
		contains(t, render(bot.Reply{Message: res.Message}), "Grow more", "aligned to #1 Company")

		// Closed objectives keep the measures they were scored with.
		h.must("U1", "close 2")
		before := h.snapshot()
		contains(t, h.say("edit 2.1 --target 5"), "is closed")
		contains(t, h.must("U1", `edit 2.1 --title "Tiny, renamed"`), "Tiny, renamed")
		if strings.Contains(h.snapshot(), "Target:5") || before == h.snapshot() {
			t.Error("a closed objective's key result: the target changed, or the title did not")
		}
	})
}

func TestConfidenceInTwoWords(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		out := h.must("U1", "checkin 1.1 4 off track lost the big deal")
		contains(t, out, "off track")
		contains(t, h.must("U1", "show 1"), "off track, “lost the big deal”")
	})
}

func TestKeyResultDrivenByAKPI(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Keep customers"`)
		req := request("T1", "U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		req.Command = "/kpi"
		h.svc.Command(context.Background(), req)
		req.Text = `set "Churn rate" 4`
		h.svc.Command(context.Background(), req)
		out := h.must("U1", `kr 1 "Cut churn" --start 5 --target 2 --unit % --kpi "Churn rate"`)
		contains(t, out, "Cut churn — 4% / 2%", "driven by KPI *Churn rate*")
	})
}

// TestReadsDoNotWrite shows that reading commands of a person okrbot knows
// change nothing in the database: the workspace, the person and the period
// are remembered, and saved only when the platform says something new.
func TestReadsDoNotWrite(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.kpiMust("U1", `new "NPS" --target 50`)
		h.must("U1", "list all")
		writes := h.st.CountWrites()
		for _, line := range []string{"list all", "show 1", "tree", "help"} {
			h.must("U1", line)
		}
		h.kpiMust("U1", "list")
		if n := writes(); n != 0 {
			t.Errorf("reading commands wrote %d times", n)
		}
		// A new time zone is news: it is saved, once.
		req := request("T1", "U1", "list")
		req.User.TZ = "America/New_York"
		h.svc.Command(context.Background(), req)
		h.svc.Command(context.Background(), req)
		if n := writes(); n != 1 {
			t.Errorf("a changed time zone was written %d times, want 1", n)
		}
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		if u, _ := h.st.UserByPlatformID(context.Background(), ws.ID, "U1"); u.TZ != "America/New_York" {
			t.Errorf("time zone = %q", u.TZ)
		}
	})
}

// TestCapabilitiesDecideNotPlatformNames shows that what a platform can do
// comes from its adapter's capabilities: a platform okrbot has no name for,
// whose names are people and which gets nothing but answers, is served
// like the console.
func TestCapabilitiesDecideNotPlatformNames(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		ws := bot.Workspace{Platform: "matrix", TeamID: "M1"}
		req := bot.Request{Workspace: ws, User: bot.User{ID: "ada", Name: "ada", TZ: "Europe/Berlin"}, Command: "/okr",
			Capabilities: bot.Capabilities{NamesArePeople: true}}
		for _, text := range []string{`new "Grow"`, `kr 1 "Chapters" --target 10`, "remind", `new "Help" --owner @bob`} {
			req.Text = text
			out := render(h.svc.Command(context.Background(), req))
			switch text {
			case "remind":
				contains(t, out, "gets no prompts")
				lacks(t, out, "Your next prompt")
			case `new "Help" --owner @bob`:
				contains(t, out, "owner <@bob>")
			}
			if strings.HasPrefix(out, "⚠️") {
				t.Fatalf("%s: %s", text, out)
			}
		}
		// From a platform whose names are not people, a plain @name is
		// someone okrbot has met, or no one.
		req.Capabilities, req.Text = bot.Capabilities{Delivers: true}, `new "Grow more" --owner @carol`
		contains(t, render(h.svc.Command(context.Background(), req)), "I don't know @carol yet")
	})
}

// TestQuotesInsideQuotedWords: a double quote inside a quoted word is
// written \", and any other backslash is kept as typed.
func TestQuotesInsideQuotedWords(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		contains(t, h.must("U1", `new "Ship the \"Atlas\" release from C:\builds"`), `Ship the "Atlas" release from C:\builds`)
		contains(t, h.must("U1", "show 1"), `Ship the "Atlas" release from C:\builds`)
	})
}
