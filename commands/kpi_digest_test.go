package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
)

func TestDigest(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed() // objective #1 of U1, team Sales, with KRs #1.1–#1.3
		h.must("U1", `new "Hire a support team" --team Support --owner <@U2|u2>`)
		h.must("UADMIN", `kr 5 "Hire 5 agents" --target 5 --owner <@U3|u3>`)
		day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, time.UTC) }
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better --warn 2.5 --crit 3 --team Sales`)
		h.kpiMust("U1", `new "NPS" --target 50 --warn 49 --crit 45 --team Support`)
		h.kpiMust("U1", `new "Signups" --target 100 --cadence daily`)
		h.kpiMust("U1", `new "Uptime" --unit % --target 99.9`)
		for i, v := range []string{"2", "2.2", "3.4"} {
			h.now = day(2 + 7*i)
			h.kpiMust("U1", "set 1 "+v)
		}
		h.now = day(2)
		h.kpiMust("U1", "set NPS 40")
		h.now = day(9)
		h.kpiMust("U1", "set NPS 48")
		h.kpiMust("U1", "set Signups 120")
		h.now = day(17) // Tuesday: the week began Monday the 16th
		h.must("U1", "checkin 1.1 12 at-risk pipeline is slow")

		out := h.kpiMust("UADMIN", "digest now")
		contains(t, out,
			"📊 *Leadership digest* · Tuesday, November 17, 2026",
			"KPIs: 🟢 0 on target · 🟡 1 at risk · 🔴 1 off target · ⏳ 1 stale · ⚪ 1 no data",
			"*KPIs needing attention*\n🔴 *Churn rate*  3.4% (target ≤ 2%) · ↑ 54.55% · ▁▂█ · <@U1>\n🟡 *NPS*  48 (target ≥ 50) · ↑ 20% · ▁█ · <@U1>\n⏳ *Signups*  120 (target ≥ 100)",
			"*OKRs · Sales*", "*#1 Grow revenue*", "↳ `#1.1` Close 20 deals — 12 / 20 deals · at risk",
			"*OKRs · Support*", "*#5 Hire a support team*",
			"*Check-ins this week* (since Monday Nov 16)\n✅ 1 of 2 people have checked in.\n⏳ Not yet: <@U3>",
			"*Biggest movers* since Nov 10\n📉 *Churn rate* 2.2% → 3.4% (↑ 54.55%) · <@U1>")
		lacks(t, out, "Uptime", "cannot get prompts") // no data: counted, not listed

		// U3 is someone okrbot may not write to: admins see it here.
		ctx := context.Background()
		ws, _ := h.st.Workspace(ctx, "slack", "T1")
		u3, err := h.st.UserByPlatformID(ctx, ws.ID, "U3")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.st.SetReminderStatus(ctx, ws.ID, u3.ID, store.ReminderUnreachable); err != nil {
			t.Fatal(err)
		}
		contains(t, h.kpiMust("UADMIN", "digest now"), "⏳ Not yet: <@U3>\n⚠️ 1 person cannot get prompts: okrbot is not installed for them.")
		contains(t, h.must("UADMIN", "remind"), "⚠️ 1 person cannot get prompts: okrbot is not installed for them (u3).")

		out = h.kpiMust("UADMIN", "digest now --team Support")
		contains(t, out, "📊 *Digest for Support*", "KPIs: 🟢 0 on target · 🟡 1 at risk", "*OKRs · Support*")
		lacks(t, out, "Churn rate", "Grow revenue")

		contains(t, h.kpiMust("UADMIN", "digest now <#CLEAD|leadership>"), "📨 Posted the digest to <#CLEAD>.")
		posts := h.take()
		if len(posts) != 1 || !strings.HasPrefix(posts[0], "CLEAD: ") {
			t.Fatalf("posts = %q", posts)
		}
		contains(t, posts[0], "*KPIs needing attention*")
	})
}

func TestDigestStaysWithinSlackLimits(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		for i := range 40 {
			h.kpiMust("U1", fmt.Sprintf(`new "KPI %02d with a rather long name to fill the section" --target 100 --team T%d`, i, i%12))
			h.kpiMust("U1", fmt.Sprintf(`set %d %d`, i+1, 50+i%3*2))
		}
		for i := range 12 {
			h.must("U1", fmt.Sprintf(`new "Objective %d" --team T%d`, i, i))
			for j := range 7 {
				h.must("U1", fmt.Sprintf(`kr %d "Key result %d of objective %d with a long title" --target 10`, 1+i*8, j, i))
			}
		}
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		msg, err := h.svc.Digest(context.Background(), ws.ID, commands.DigestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, blocks, err := slack.RenderMessage(*msg)
		if err != nil || len(blocks) > 50 {
			t.Errorf("digest renders as %d blocks, %v", len(blocks), err)
		}
		out := render(bot.Reply{Message: msg})
		contains(t, out, "_…and 30 more off target._\n[Full scorecard]", "_…and 4 more teams with 4 objectives._\n[All objectives]")

		r := h.svc.Act(context.Background(), request("T1", "U1", ""), bot.Action{ID: commands.ActionKPIFullList, Value: "scorecard:0"})
		contains(t, render(r), "*Scorecard* (40 KPIs)", "💡 This scorecard holds 40 KPIs")
		r = h.svc.Act(context.Background(), request("T1", "U1", ""), bot.Action{ID: commands.ActionKPIFullList, Value: "okrs:0"})
		contains(t, render(r), "Objective 11")
	})
}

func TestDigestSubscriptions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Grow" --team Sales`)
		contains(t, h.kpi("U1", "digest #leadership weekly monday 09:00"), "⚠️ Only an okrbot admin can change digests.")
		contains(t, h.kpiMust("UADMIN", "digest <#CLEAD|leadership> weekly monday 09:00 --tz Europe/Berlin"),
			"📅 <#CLEAD> gets the digest of the whole workspace at `0 9 * * 1` (Europe/Berlin), next on Mon Nov 16, 09:00.")
		contains(t, h.kpiMust("UADMIN", "digest #sales daily 8:30 --team sales"), "#sales gets the digest of team Sales at `30 8 * * *` (Europe/Berlin)")
		contains(t, h.kpiMust("UADMIN", `digest #board "0 7 1 * *"`), "`0 7 1 * *`")
		before := h.kpiMust("UADMIN", "digest list")
		contains(t, before, "• <#CLEAD> · whole workspace · `0 9 * * 1` Europe/Berlin · next Mon Nov 16, 09:00", "• #sales · team Sales · `30 8 * * *`", "• #board")
		for _, bad := range []struct{ text, want string }{
			{"digest #x weekly someday 09:00", `⚠️ "weekly someday 09:00" is not a schedule`},
			{"digest #x daily 25:00", `is not a schedule`},
			{"digest #x monthly 31 09:00", "⚠️ A monthly digest goes out on day 1 to 28"},
			{"digest #x weekly monday 09:00 --tz Mars/Olympus", `⚠️ "Mars/Olympus" is not a time zone`},
			{"digest #x weekly monday 09:00 --team Nope", `⚠️ There is no team "Nope"`},
			{"digest leadership weekly monday 09:00", `⚠️ "leadership" is not a channel`},
			{"digest off #nowhere", "⚠️ #nowhere gets no digest."},
			{`digest #x "0 9 31 2 *"`, `⚠️ The schedule "0 9 31 2 *" never runs.`},
			{`digest #x "* * * * *"`, `⚠️ The schedule "* * * * *" sends two digests 1 minute apart (Sun Nov 15 13:01 and 13:02); a digest goes out at most once an hour.`},
			{`digest #x "61 9 * * 1"`, `⚠️ The cron expression "61 9 * * 1" does not parse`},
		} {
			contains(t, h.kpi("UADMIN", bad.text), bad.want)
		}
		if got := h.kpiMust("UADMIN", "digest list"); got != before {
			t.Errorf("refused digest commands changed the list:\n%s", got)
		}
		contains(t, h.kpiMust("UADMIN", "digest off #sales"), "🔕 #sales no longer gets the digest.")
		lacks(t, h.kpiMust("UADMIN", "digest list"), "#sales")
	})
}

// TestDigestsAtMostHourly shows that a schedule is refused when any two of
// its runs in a year are less than an hour apart, not just its next two: set
// on a Monday at 09:03, "0,5 9 * * 1" next runs at 09:05 and a week later.
func TestDigestsAtMostHourly(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.now = time.Date(2026, 11, 16, 9, 3, 0, 0, time.UTC)
		contains(t, h.kpi("UADMIN", `digest #x "0,5 9 * * 1" --tz UTC`),
			`⚠️ The schedule "0,5 9 * * 1" sends two digests 5 minutes apart (Mon Nov 23 09:00 and 09:05); a digest goes out at most once an hour.`)
		// Hourly stays hourly across daylight saving in Berlin: 02:00 of the
		// spring forward does not exist and runs once, at 03:00, and the
		// repeated hour of the fall back runs once.
		h.kpiMust("UADMIN", `digest #y "0 * * * *" --tz Europe/Berlin`)
		contains(t, h.kpi("UADMIN", `digest #z "0,30 1 * * *" --tz UTC`), "sends two digests 30 minutes apart")
	})
}

func TestDigestNowToAChannelIsForAdmins(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		contains(t, h.kpi("U1", "digest now #general"), "⚠️ Only an okrbot admin can post the digest to a channel")
		contains(t, h.kpiMust("U1", "digest now"), "📊 *Leadership digest*")
		if posts := h.take(); len(posts) != 0 {
			t.Errorf("posts = %q", posts)
		}
	})
}

// TestDigestMoversOfAKPIMeasuredOften shows that the biggest movers compare
// with the value in effect at the last digest, however many values came in
// since: a KPI a BI export pushes every hour moves as much as a weekly one.
func TestDigestMoversOfAKPIMeasuredOften(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "Orders" --target 100 --cadence daily`)
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		start := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
		h.now = start.AddDate(0, 0, 8)
		for i := range 8 * 24 {
			at := start.Add(time.Duration(i) * time.Hour)
			v := 100.0
			if at.After(start.AddDate(0, 0, 6)) {
				v = 150 // the last two days
			}
			if _, err := h.svc.RecordMeasurement(context.Background(), commands.MeasurementInput{
				WorkspaceID: ws.ID, KPIID: 1, Value: v, At: at, Source: "BI", Platform: "api"}); err != nil {
				t.Fatal(err)
			}
		}
		msg, err := h.svc.Digest(context.Background(), ws.ID, commands.DigestOptions{Since: start.AddDate(0, 0, 2)})
		if err != nil {
			t.Fatal(err)
		}
		contains(t, render(bot.Reply{Message: msg}), "*Biggest movers* since Nov 10\n📈 *Orders* 100 → 150 (↑ 50%) · <@U1>")
	})
}
