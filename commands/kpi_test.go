package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
)

// kpi runs a /kpi command line as user in workspace T1.
func (h *harness) kpi(user, text string) string {
	h.t.Helper()
	req := request("T1", user, text)
	req.Command = "/kpi"
	return render(h.svc.Command(context.Background(), req))
}

func (h *harness) kpiMust(user, text string) string {
	h.t.Helper()
	out := h.kpi(user, text)
	if strings.HasPrefix(out, "⚠️") {
		h.t.Fatalf("%s: /kpi %s\n%s", user, text, out)
	}
	return out
}

// kpiSnapshot describes every KPI row of workspace T1 with its history, to
// show that a refused command changed nothing.
func (h *harness) kpiSnapshot() string {
	h.t.Helper()
	ctx := context.Background()
	ws, err := h.st.Workspace(ctx, "slack", "T1")
	if err != nil {
		h.t.Fatal(err)
	}
	ks, err := h.st.KPIs(ctx, ws.ID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		h.t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range ks {
		fmt.Fprintf(&b, "%d %q %s %v/%v/%v %s last=%v health=%s archived=%v team=%v owner=%d\n", k.ID, k.Name, k.Direction,
			k.Target, k.Warn, k.Crit, k.Cadence, deref(k.LastValue), k.Health, k.Archived, deref(k.TeamID), k.OwnerID)
		ms, _ := h.st.Measurements(ctx, ws.ID, k.ID, 1000)
		for _, m := range ms {
			fmt.Fprintf(&b, "  %v %v %q\n", m.At.UTC(), m.Value, m.Comment)
		}
	}
	return b.String() + h.snapshot()
}

func TestKPILifecycle(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		out := h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better --team Support`)
		contains(t, out, "Created KPI *Churn rate* (id 1)", "no value yet", "⚪ no data", "owner <@U1>", "team Support",
			"weekly", "lower is better", "Target ≤ 2% · at risk at 2.1% · off target at 2.2%", "_No values yet._")

		day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, time.UTC) }
		for i, v := range []string{"1.8", "1.9", "2.15", "2.4"} {
			h.now = day(1 + 7*i)
			h.kpiMust("U1", "set 1 "+v)
		}
		h.now = day(29)
		out = h.kpiMust("U1", `set "churn RATE" 2.05 after the price change`)
		contains(t, out, "Recorded 2.05% for *Churn rate*: 🟢 on target (target ≤ 2%). Was 2.4%.\n`▁▂▅█▄` · ↓ 14.58% vs last, ↑ 13.89% vs 4 weeks ago")

		out = h.kpiMust("U1", `show "Churn rate"`)
		contains(t, out, "*Churn rate*  2.05% · 🟢 on target", "↓ 14.58% vs last, ↑ 13.89% vs 4 weeks ago",
			"`▁▂▅█▄` last 5 values", "• Nov 29, 2026  2.05% · “after the price change”", "• Nov 1, 2026  1.8%")

		out = h.kpiMust("U1", "list")
		contains(t, out, "*KPIs* (1)", "🟢 *Churn rate*  2.05% (target ≤ 2%) · ↓ 14.58% · ▁▂▅█▄ · <@U1>")
		contains(t, h.kpiMust("U1", "list team support"), "*KPIs of Support* (1)")
		contains(t, h.kpi("U1", "list team Nope"), "⚠️ There is no team \"Nope\". Teams: Support.")

		out = h.kpiMust("U1", `edit 1 --name "Logo churn" --crit 2.5`)
		contains(t, out, "Changed KPI *Logo churn*", "at risk at 2.1% · off target at 2.5%")
		contains(t, h.kpiMust("U1", `archive "logo churn"`), "Archived KPI *Logo churn*")
		contains(t, h.kpiMust("U1", "list"), "_None yet._")
		contains(t, h.kpi("U1", "set 1 3"), "⚠️ KPI *Logo churn* is archived")
	})
}

func TestKPIBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		h.kpiMust("U1", "set 1 2.2")
		before := h.kpiSnapshot()
		tests := []struct{ user, text, want string }{
			{"U1", "set 1 lots", `⚠️ value: "lots" is not a number`},
			{"U1", "set 1 2 --at 2026-11-16", "⚠️ --at 2026-11-16 is in the future"},
			{"U1", "set 1 2 --at yesterday", `⚠️ --at: "yesterday" is not a date like 2026-11-20.`},
			{"U1", `set "Chrun rate" 2`, `⚠️ There is no KPI "Chrun rate". Did you mean *Churn rate*?`},
			{"U1", `set "Revenue" 2`, "⚠️ There is no KPI \"Revenue\". `/kpi list` shows them."},
			{"U2", "set 1 2", "⚠️ Only the owner of *Churn rate* (<@U1>) or an admin can record its values."},
			{"U1", `new "NPS" --target 50 --warn 60`, "⚠️ The at-risk threshold 60 is on the good side of the target 50"},
			{"U1", `new "Churn" --target 2 --lower-is-better --warn 2.5 --crit 2.2`, "⚠️ The off-target threshold 2.2 must be at or above the at-risk threshold 2.5."},
			{"U1", `new "NPS" --warn 40`, "⚠️ A KPI needs a target"},
			{"U1", `new "churn RATE" --target 3`, `⚠️ There is already a KPI named "churn RATE".`},
			{"U1", `new "NPS" --target 50 --cadence hourly`, `⚠️ Cadence "hourly" is not daily, weekly or monthly.`},
			{"U1", `new "NPS" --target high`, `⚠️ --target: "high" is not a number`},
			{"U1", `edit 1 --warn 1`, "⚠️ The at-risk threshold 1 is on the good side"},
			{"U2", `edit 1 --target 1`, "⚠️ Only the owner of *Churn rate*"},
			{"U1", `new "NPS" --target 50 --lower-is-better --higher-is-better`, "⚠️ A KPI is either"},
			{"U1", "token create CI", "⚠️ Only an okrbot admin can manage API tokens."},
			{"U1", "frobnicate", "I don't know `/kpi frobnicate`."},
		}
		for _, tt := range tests {
			out := h.kpi(tt.user, tt.text)
			if !strings.HasPrefix(out, tt.want) && !strings.Contains(out, tt.want) {
				t.Errorf("/kpi %s:\n got %q\nwant %q", tt.text, out, tt.want)
			}
		}
		if after := h.kpiSnapshot(); after != before {
			t.Errorf("refused commands changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

func TestKPIAlertsFireOncePerChangeOfHealth(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better --warn 2.5 --crit 3 --team Support`)
		h.kpiMust("UADMIN", "alerts #support-leads --team Support")
		contains(t, h.kpiMust("UADMIN", "alerts <#CALL|all-kpis>"), "KPIs without a team's own channel now go to <#CALL>")

		steps := []struct {
			value string
			want  string // "" for no alert
		}{
			{"1.9", ""}, // first value, on target: nothing to announce
			{"2.6", "#support-leads: 🟡 *Churn rate* is at risk: 2.6% (target ≤ 2%, at risk at 2.5%).\nOwner <@U1> · was on target · team Support · ▁█\n[Show KPI]"},
			{"2.7", ""},
			{"3.4", "#support-leads: 🔴 *Churn rate* is off target: 3.4% (target ≤ 2%, off target at 3%)."},
			{"3.1", ""},
			{"2.8", ""}, // better, still not on target
			{"1.7", "#support-leads: 🟢 *Churn rate* is back on target: 1.7% (target ≤ 2%)."},
			{"1.6", ""},
		}
		for i, step := range steps {
			h.now = midQ4.Add(time.Duration(i) * time.Hour)
			h.kpiMust("U1", "set 1 "+step.value)
			posts := h.take()
			switch {
			case step.want == "" && len(posts) > 0:
				t.Errorf("set %s: unexpected alert %q", step.value, posts)
			case step.want != "" && len(posts) != 1:
				t.Errorf("set %s: %d alerts %q, want one", step.value, len(posts), posts)
			case step.want != "":
				contains(t, posts[0], step.want)
			}
		}

		// A week and two days without a value: stale, announced once, by
		// whichever replica looks first.
		h.now = midQ4.Add(7*time.Hour).AddDate(0, 0, 8).Add(time.Minute)
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		for range 2 {
			if _, err := h.svc.CheckStaleKPIs(context.Background(), []uint{ws.ID}); err != nil {
				t.Fatal(err)
			}
		}
		posts := h.take()
		if len(posts) != 1 {
			t.Fatalf("stale: %d alerts %q, want one", len(posts), posts)
		}
		contains(t, posts[0], "⏳ *Churn rate* is stale: no value since Nov 15, and it is measured weekly.", "was on target")
		h.kpiMust("U1", "set 1 1.5")
		contains(t, strings.Join(h.take(), ""), "back on target")
	})
}

func TestKPIDrivesAKeyResult(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		h.must("U1", `new "Delight customers"`)
		contains(t, h.say(`kr 1 "Cut churn" --start 5% --target 2% --kpi "Chrun rate"`), "Did you mean *Churn rate*?")
		h.must("U1", `kr 1 "Cut churn" --start 5% --target 2% --kpi "churn rate"`)
		contains(t, h.say(`kr 1 "Launch" --milestone --kpi "churn rate"`), "⚠️ A milestone is done or not done")

		out := h.kpiMust("U1", "set 1 3.5 churn fell after onboarding changes")
		contains(t, out, "Recorded 3.5% for *Churn rate*: 🔴 off target", "↳ Checked in key result #2 Cut churn: 3.5% / 2%")
		out = h.must("U1", "show 1")
		contains(t, out, "`#1.1` Cut churn — 3.5% / 2% · 🟡 0.5", "off track, “From KPI Churn rate: churn fell after onboarding changes”")
		contains(t, h.kpiMust("U1", "show 1"), "*Drives key results*", "`#1.1` Cut churn — 3.5% / 2% · objective #1 Delight customers")

		// A back-dated value is history; the key result keeps the latest.
		out = h.kpiMust("U1", "set 1 4.5 --at 2026-11-01")
		contains(t, out, "Recorded 4.5% for *Churn rate* on Nov 1. A newer value (3.5%) stays the latest.")
		lacks(t, out, "Checked in")
	})
}

func TestKPIScorecardIsWorstFirst(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		for i, v := range []string{"50", "44", "30", "", "49", "38"} {
			name := fmt.Sprintf("K%d", i+1)
			h.kpiMust("U1", fmt.Sprintf(`new %s --target 50 --warn 45 --crit 40 --team Sales`, name))
			if v != "" {
				h.kpiMust("U1", fmt.Sprintf("set %s %s", name, v))
			}
		}
		out := h.kpiMust("U1", "scorecard team sales")
		contains(t, out, "*Scorecard of Sales* (6 KPIs)\n🔴 2 off target · 🟡 1 at risk · ⚪ 1 no data · 🟢 2 on target")
		order := []string{"🔴 Off target", "*K3*", "*K6*", "🟡 At risk", "*K2*", "⚪ No data", "*K4*", "🟢 On target", "*K5*", "*K1*"}
		at := 0
		for _, w := range order {
			i := strings.Index(out[at:], w)
			if i < 0 {
				t.Fatalf("scorecard lacks %q after position %d:\n%s", w, at, out)
			}
			at += i
		}
		lacks(t, out, "keep it readable")
		for i := 7; i <= 26; i++ {
			h.kpiMust("U1", fmt.Sprintf(`new K%d --target 50 --team Sales`, i))
		}
		contains(t, h.kpiMust("U1", "scorecard team Sales"), "💡 This scorecard holds 26 KPIs; 25 or fewer keep it readable.")
	})
}

func TestKPITokens(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		out := h.kpiMust("UADMIN", `token create "BI export"`)
		contains(t, out, "Token 1 *BI export* created, for every KPI of this workspace, until Nov 15, 2027. Copy it now; it is not shown again:\n`okrbot_")
		list := h.kpiMust("UADMIN", "token list")
		contains(t, list, "• 1 *BI export* `okrbot_", "every KPI · expires Nov 15, 2027", "never used")
		token := out[strings.Index(out, "`okrbot_")+1:]
		token = token[:strings.Index(token, "`")]
		if strings.Contains(list, token) {
			t.Error("token list shows the whole token")
		}
		contains(t, h.kpiMust("UADMIN", "token revoke 1"), "Token 1 revoked")
		contains(t, h.kpi("UADMIN", "token revoke 1"), "⚠️ There is no active token 1.")
		contains(t, h.kpiMust("UADMIN", "token list"), "No API tokens.")

		// A token for one KPI, for 90 days.
		h.kpiMust("U1", `new "Churn rate" --target 2 --lower-is-better`)
		out = h.kpiMust("UADMIN", `token create Warehouse --kpi "churn rate" --expires 90d`)
		contains(t, out, "Token 2 *Warehouse* created, for KPI *Churn rate* only, until Feb 13, 2027.", "`POST /api/v1/kpis/1/measurements`")
		contains(t, h.kpiMust("UADMIN", "token list"), "• 2 *Warehouse*", "KPI *Churn rate* · expires Feb 13, 2027")
		for _, tt := range []struct{ text, want string }{
			{`token create X --expires soon`, `--expires "soon" is not a lifetime like 90d, 12w or 1y`},
			{`token create X --expires 0d`, `--expires "0d" is not a lifetime`},
			{`token create X --expires 2026-11-01`, "is not in the future"},
			{`token create X --expires 6y`, "tokens last five years at most"},
			{`token create X --kpi "Chrun rate"`, "There is no KPI \"Chrun rate\". Did you mean *Churn rate*?"},
			{`token create --kpi "Churn rate"`, "Name the token after what will use it"},
		} {
			contains(t, h.kpi("UADMIN", tt.text), "⚠️", tt.want)
		}
		contains(t, h.kpi("U1", `token create Mine`), "Only an okrbot admin can manage API tokens.")

		// Names are measured in characters, like KPI names.
		for _, tt := range []struct {
			name string
			ok   bool
		}{
			{strings.Repeat("é", 80), true},
			{strings.Repeat("é", 81), false},
		} {
			out := h.kpi("UADMIN", `token create "`+tt.name+`"`)
			if ok := !strings.HasPrefix(out, "⚠️"); ok != tt.ok {
				t.Errorf("token create with a name of %d characters: accepted=%v, want %v:\n%s", utf8.RuneCountInString(tt.name), ok, tt.ok, out)
			}
		}
	})
}

func TestKPIHelp(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		out := h.kpiMust("U1", "help")
		for _, sub := range []string{"/kpi new", "/kpi set", "/kpi list", "/kpi show", "/kpi scorecard", "/kpi edit", "/kpi archive", "/kpi alerts", "/kpi digest", "/kpi token"} {
			contains(t, out, "`"+sub)
		}
		r := h.svc.Command(context.Background(), bot.Request{Workspace: bot.Workspace{Platform: "slack", TeamID: "T1"},
			User: bot.User{ID: "U1", Name: "u1"}, Command: "/kpi", Text: "new", CanOpenForm: true, Capabilities: slack.Capabilities})
		if r.Form == nil || r.Form.CallbackID != commands.CallbackNewKPI {
			t.Fatalf("/kpi new: %+v, want the New KPI form", r)
		}
	})
}

func TestNewKPIForm(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		req := request("T1", "U1", "")
		req.Command = "/kpi"
		submit := func(values map[string]string) bot.SubmitResult {
			return h.svc.Submit(context.Background(), req, bot.Submission{CallbackID: commands.CallbackNewKPI, Values: values})
		}
		form := map[string]string{"name": "NPS", "direction": "higher", "target": "50", "warn": "55", "cadence": "monthly", "owner": "U2", "team": "Support"}
		res := submit(form)
		if res.Errors["warn"] == "" || !strings.Contains(res.Errors["warn"], "good side of the target 50") {
			t.Errorf("warn above a higher-is-better target: %+v", res)
		}
		form["target"] = "lots"
		if res := submit(form); !strings.Contains(res.Errors["target"], `Target: "lots" is not a number`) {
			t.Errorf("non-numeric target: %+v", res)
		}
		if out := h.kpiMust("U1", "list"); !strings.Contains(out, "_None yet._") {
			t.Errorf("a refused form created a KPI:\n%s", out)
		}
		form["target"], form["warn"] = "50", "45"
		res = submit(form)
		if res.Errors != nil || res.Message == nil {
			t.Fatalf("submit: %+v", res)
		}
		contains(t, render(bot.Reply{Message: res.Message}), "Created KPI *NPS*", "owner <@U2>", "team Support", "monthly",
			"Target ≥ 50 · at risk at 45 · off target at 40")
	})
}

// TestKPIUserTextIsEscaped shows that a KPI's name and unit, typed by
// anyone, never ping a channel in any message that shows them.
func TestKPIUserTextIsEscaped(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("UADMIN", "alerts #kpis")
		h.kpiMust("U1", `new "<!channel> rate" --unit <!here> --target 2 --lower-is-better`)
		for _, line := range []string{
			"set 1 1.5",
			"set 1 2.6 --at 2026-11-10",
			"set 1 3",
			"list",
			"show 1",
			"scorecard",
			"edit 1 --target 2.5",
			"digest now",
		} {
			if out := h.kpiMust("U1", line); strings.Contains(out, "<!") {
				t.Errorf("/kpi %s shows user text unescaped:\n%s", line, out)
			}
		}
		posts := h.take()
		if len(posts) == 0 {
			t.Fatal("no alert was posted")
		}
		for _, post := range posts {
			if strings.Contains(post, "<!") {
				t.Errorf("alert shows user text unescaped:\n%s", post)
			}
		}
	})
}

// TestKPIAlertChannelIsForAdmins shows that only an admin may move where
// KPI alerts go, and a refusal moves nothing.
func TestKPIAlertChannelIsForAdmins(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "NPS" --target 50 --team Support`)
		h.kpiMust("UADMIN", "alerts #leads")
		h.kpiMust("UADMIN", "alerts #support-leads --team Support")
		ws, err := h.st.Workspace(context.Background(), "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		before, _ := h.st.AlertChannels(context.Background(), ws.ID)
		for _, line := range []string{"alerts #elsewhere", "alerts #elsewhere --team Support"} {
			contains(t, h.kpi("U1", line), "Only an okrbot admin can choose where KPI alerts go.")
		}
		after, _ := h.st.AlertChannels(context.Background(), ws.ID)
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused /kpi alerts moved the channels: %v, then %v", before, after)
		}
	})
}

// TestArchivedKPIDoesNotAlert shows that an archived KPI stays quiet when
// it is edited into another health.
func TestArchivedKPIDoesNotAlert(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("UADMIN", "alerts #kpis")
		h.kpiMust("U1", `new "NPS" --target 50`)
		h.kpiMust("U1", "set NPS 52")
		h.kpiMust("U1", "archive NPS")
		h.take()
		h.kpiMust("U1", "edit NPS --target 80")
		if posts := h.take(); len(posts) > 0 {
			t.Errorf("an archived KPI alerted: %q", posts)
		}
	})
}

// TestKPIAdminListsFitSlackSections shows that long token and digest lists
// are split into sections Slack accepts, so none is cut off.
func TestKPIAdminListsFitSlackSections(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		for i := range 40 {
			h.kpiMust("UADMIN", fmt.Sprintf(`token create "Nightly export number %02d from the data warehouse"`, i))
			h.kpiMust("UADMIN", fmt.Sprintf("digest #leadership-channel-number-%02d weekly monday 09:00 --tz America/Argentina/Buenos_Aires", i))
		}
		for _, tt := range []struct{ line, last string }{
			{"token list", "number 39"},
			{"digest list", "#leadership-channel-number-39"},
		} {
			req := request("T1", "UADMIN", tt.line)
			req.Command = "/kpi"
			r := h.svc.Command(context.Background(), req)
			_, blocks, err := slack.RenderMessage(*r.Message)
			if err != nil {
				t.Fatalf("/kpi %s: %v", tt.line, err)
			}
			for _, b := range blocks {
				if s, ok := b.(*slackapi.SectionBlock); ok && utf8.RuneCountInString(s.Text.Text) > 3000 {
					t.Errorf("/kpi %s: a section of %d characters", tt.line, utf8.RuneCountInString(s.Text.Text))
				}
			}
			contains(t, render(r), tt.last)
		}
	})
}

// TestNewKPINamedLikeAnArchivedOne says why the name is taken, since lists
// no longer show the archived KPI, and how to free it.
func TestNewKPINamedLikeAnArchivedOne(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "NPS" --target 50`)
		h.kpiMust("U1", "archive NPS")
		before := h.kpiSnapshot()
		contains(t, h.kpi("U1", `new "nps" --target 60`),
			`⚠️ The archived KPI "NPS" has that name; free it with /kpi edit 1 --name "NPS (old)".`)
		if after := h.kpiSnapshot(); after != before {
			t.Errorf("a refused /kpi new changed the database:\n%s\nthen\n%s", before, after)
		}
		h.kpiMust("U1", `edit 1 --name "NPS (old)"`)
		h.kpiMust("U1", `new "NPS" --target 60`)
	})
}
