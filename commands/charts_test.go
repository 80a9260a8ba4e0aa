package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
)

// images are the pictures of a message, in order.
func images(t *testing.T, m *bot.Message) []*bot.Image {
	t.Helper()
	var out []*bot.Image
	for _, s := range m.Sections {
		if s.Image == nil {
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(s.Image.PNG))
		if err != nil || cfg.Width < 1200 {
			t.Errorf("image %s is not a retina PNG: %v, %dx%d", s.Image.Name, err, cfg.Width, cfg.Height)
		}
		out = append(out, s.Image)
	}
	return out
}

// chartData gives workspace T1 a KPI measured three weeks running and
// objective #1 (h.seed) with two check-ins, as of Tuesday Nov 17.
func chartData(h *harness) {
	h.seed()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, time.UTC) }
	h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better --warn 2.5 --crit 3 --team Sales`)
	for i, v := range []string{"2", "2.2", "3.4"} {
		h.now = day(2 + 7*i)
		h.kpiMust("U1", "set 1 "+v)
	}
	h.now = day(3)
	h.must("U1", "checkin 1.1 4 on-track")
	h.now = day(10)
	h.must("U1", "checkin 1.1 8 at-risk")
	h.now = day(17)
}

// TestShowCommandsCarryTheirCharts shows /kpi show with the KPI's trend
// and /okr show with its objective's chart, under the text they belong to,
// with alt text carrying the numbers, at the cost of one query each; and
// neither where no picture can be shown.
func TestShowCommandsCarryTheirCharts(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		chartData(h)
		h.as("U1", "list") // the person and workspace are known from here on
		for _, tc := range []struct {
			command, text string
			section       int // where the chart goes
			name, alt     string
			stays         string // text that stays beside the chart
		}{
			{"/kpi", "show 1", 1, "kpi-1",
				"Churn rate: 3.4% on Nov 16, target 2% (lower is better), off target; 3 values from Nov 2 to Nov 16, rising.",
				"`▁▂█` last 3 values"},
			{"/okr", "show 1", 1, "objective-1",
				"Grow revenue (2026-Q4): score 0.1 on Nov 17, ideal pace 0.5, behind pace. Close 20 deals: 0.4 (8 deals, target 20 deals); Cut churn: 0.0 (5%, target 2%); Launch in the EU: 0.0 (not done).",
				"`#1.1` Close 20 deals — 8 / 20 deals"},
		} {
			queries := h.st.CountQueries()
			plain := h.svc.Command(context.Background(), func() bot.Request {
				req := request("T1", "U1", tc.text)
				req.Command = tc.command
				return req
			}())
			without := queries()
			if imgs := images(t, plain.Message); len(imgs) != 0 {
				t.Errorf("%s %s drew %d charts for a reply that shows none", tc.command, tc.text, len(imgs))
			}
			queries = h.st.CountQueries()
			r := h.seeing("U1", tc.command, tc.text)
			if with := queries(); with != without+1 {
				t.Errorf("%s %s: %d queries with its chart, %d without; want one more", tc.command, tc.text, with, without)
			}
			imgs := images(t, r.Message)
			if len(imgs) != 1 || imgs[0].Name != tc.name || imgs[0].Alt != tc.alt {
				for _, img := range imgs {
					t.Logf("%s: %s", img.Name, img.Alt)
				}
				t.Fatalf("%s %s: want the chart %s: %s", tc.command, tc.text, tc.name, tc.alt)
			}
			if r.Message.Sections[tc.section].Image != imgs[0] {
				t.Errorf("%s %s: the chart is not section %d:\n%s", tc.command, tc.text, tc.section, render(r))
			}
			contains(t, render(r), tc.stays)
		}
	})
}

// TestLargeObjectivesGetABurnUpEachKeyResult shows an objective with more
// key results than one chart tells apart drawn as a burn-up per key
// result, each with its forecast when its check-ins make one, from one
// query for all their check-ins.
func TestLargeObjectivesGetABurnUpEachKeyResult(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Grow revenue"`)
		for i := range 6 {
			h.must("U1", fmt.Sprintf(`kr 1 "Deals in region %d" --target 20 --unit deals`, i+1))
		}
		h.now = time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
		h.must("U1", "checkin 1.1 2")
		h.now = time.Date(2026, 10, 19, 10, 0, 0, 0, time.UTC)
		h.must("U1", "checkin 1.1 5")
		h.now = midQ4
		h.as("U1", "list")
		queries := h.st.CountQueries()
		h.as("U1", "show 1")
		without := queries()
		queries = h.st.CountQueries()
		r := h.seeing("U1", "/okr", "show 1")
		if with := queries(); with != without+1 {
			t.Errorf("%d queries with six burn-ups, %d without; want one more", with, without)
		}
		imgs := images(t, r.Message)
		if len(imgs) != 6 {
			t.Fatalf("%d charts, want a burn-up for each of 6 key results:\n%s", len(imgs), render(r))
		}
		for i, img := range imgs {
			if want := fmt.Sprintf("key-result-%d", i+2); img.Name != want {
				t.Errorf("chart %d is %s, want %s", i, img.Name, want)
			}
		}
		contains(t, imgs[0].Alt, "Deals in region 1: 5 deals on Oct 19 (start 0 deals, target 20 deals), score 0.3",
			"2 check-ins from Oct 5 to Oct 19", "projected 20.77 deals by Dec 31")
		contains(t, imgs[1].Alt, "Deals in region 2: no check-in yet")
		lacks(t, imgs[1].Alt, "projected")
	})
}

// TestHomeShowsEachObjectivesChart shows the Home tab with a chart of each
// of the person's objectives, under the list of them.
func TestHomeShowsEachObjectivesChart(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		chartData(h)
		h.must("U1", `new "Hire a support team"`)
		h.must("U1", `kr 5 "Hire 5 agents" --target 5`)
		h.must("U1", `new "No key results yet"`)
		req := request("T1", "U1", "")
		if imgs := images(t, h.svc.Home(context.Background(), req)); len(imgs) != 0 {
			t.Errorf("%d charts on a Home that shows none", len(imgs))
		}
		req.ShowsImages = true
		home := h.svc.Home(context.Background(), req)
		imgs := images(t, home)
		if len(imgs) != 2 || imgs[0].Name != "objective-1" || imgs[1].Name != "objective-5" {
			t.Fatalf("home charts %v:\n%s", imgs, renderMessage(*home))
		}
		contains(t, imgs[1].Alt, "Hire a support team (2026-Q4): score 0.0", "Hire 5 agents: 0.0 (0, target 5)")
		contains(t, renderMessage(*home), "*Your objectives in 2026-Q4*\n*#1 Grow revenue*")
	})
}

// TestDigestPicture shows the digest's picture under its headline: the KPIs
// needing attention, most urgent first and at most six, and each team's
// score, for one query more whatever the size of the workspace.
func TestDigestPicture(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		chartData(h)
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		digest := func(picture bool) (*bot.Message, int64) {
			queries := h.st.CountQueries()
			msg, err := h.svc.Digest(context.Background(), ws.ID, commands.DigestOptions{Picture: picture})
			if err != nil {
				t.Fatal(err)
			}
			return msg, queries()
		}
		// with is the digest with its picture, which costs one query more
		// than without.
		with := func() *bot.Message {
			_, without := digest(false)
			msg, queries := digest(true)
			if queries != without+1 {
				t.Errorf("the picture costs %d queries, want 1", queries-without)
			}
			return msg
		}
		msg := with()
		imgs := images(t, msg)
		if len(imgs) != 1 || imgs[0].Name != "digest" || msg.Sections[1].Image != imgs[0] {
			t.Fatalf("digest pictures %v:\n%s", imgs, renderMessage(*msg))
		}
		if want := "KPIs needing attention: Churn rate: 3.4% on Nov 16, target 2%, off target. OKR score by team in 2026-Q4, ideal pace 0.5: Sales 0.1 (behind pace)."; imgs[0].Alt != want {
			t.Errorf("alt = %q\nwant  %q", imgs[0].Alt, want)
		}

		// Eight more KPIs off target, some worse than Churn rate, and two
		// at risk; a company objective and another team's.
		for i := range 10 {
			h.kpiMust("U1", fmt.Sprintf(`new "KPI %d" --target 100 --warn 95 --crit 90`, i))
			h.kpiMust("U1", fmt.Sprintf(`set %d %d`, i+2, []int{10, 20, 30, 40, 50, 60, 70, 80, 92, 93}[i]))
		}
		h.must("U1", `new "Be the best place to work"`)
		h.must("U1", `kr 5 "Engagement" --target 80`)
		h.must("U1", `new "Hire" --team Support`)
		h.must("U1", `kr 7 "Agents" --target 5`)
		msg = with()
		// Churn rate is 70% over its target, as far as KPI 2 is under its.
		contains(t, images(t, msg)[0].Alt, "KPIs needing attention: KPI 0: 10 on Nov 17, target 100, off target; KPI 1: 20 on Nov 17, target 100, off target; "+
			"Churn rate: 3.4% on Nov 16, target 2%, off target; KPI 2: 30 on Nov 17, target 100, off target; KPI 3: 40 on Nov 17, target 100, off target; "+
			"KPI 4: 50 on Nov 17, target 100, off target. OKR score by team in 2026-Q4, ideal pace 0.5: Company 0.0 (behind pace), Sales 0.1 (behind pace), Support 0.0 (behind pace).")

		// Posted to a channel, it has its picture; shown to the asker in a
		// place without pictures, it has none.
		h.kpiMust("UADMIN", "digest now <#CLEAD|leadership>")
		posts := h.take()
		if len(posts) != 1 {
			t.Fatalf("posts = %q", posts)
		}
		contains(t, posts[0], "[image digest: KPIs needing attention: KPI 0")
		lacks(t, h.kpiMust("UADMIN", "digest now"), "[image")
		contains(t, render(h.seeing("UADMIN", "/kpi", "digest now")), "[image digest: ")
	})
}

// TestChartTimeKeepsAnHoursChartsTheSame shows that a chart drawn twice
// within the hour is the same picture, so that it is uploaded once, and
// that a value recorded a minute ago is on it.
func TestChartTimeKeepsAnHoursChartsTheSame(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		chartData(h)
		h.now = time.Date(2026, 11, 17, 10, 1, 0, 0, time.UTC)
		h.kpiMust("U1", "set 1 3.1")
		first := images(t, h.seeing("U1", "/kpi", "show 1").Message)[0]
		h.now = h.now.Add(58 * time.Minute)
		second := images(t, h.seeing("U1", "/kpi", "show 1").Message)[0]
		if !bytes.Equal(first.PNG, second.PNG) {
			t.Error("the same KPI drawn twice in the hour gave two pictures")
		}
		contains(t, first.Alt, "3.1% on Nov 17")
		h.now = h.now.Add(2 * time.Minute)
		if third := images(t, h.seeing("U1", "/kpi", "show 1").Message)[0]; bytes.Equal(first.PNG, third.PNG) {
			t.Error("the next hour's chart is the same picture")
		}
	})
}
