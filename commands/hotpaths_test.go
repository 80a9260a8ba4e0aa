package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// hotSizes are a workspace of a few objectives and people, and one of the
// size the load goals are set for: 20 objectives of 3 key results with 13
// weekly check-ins each, and 50 people. What a hot path costs in queries
// must be the same in both.
var hotSizes = []benchSize{
	{name: "tiny", kpis: 2, measurements: 5, objectives: 2, krs: 1, checkIns: 2, people: 3, teams: 2},
	{name: "hot", kpis: 20, measurements: 30, objectives: 20, krs: 3, checkIns: 13, people: 50, teams: 5},
}

// hotPath is something many people do at once: a command, a button or a
// form, answered for person U000, who owns objective #1 and its key
// results. Those that record check-ins come last, so that the history the
// others read is the fixture's.
type hotPath struct {
	name string
	// roundTrips is the most database round trips it may take.
	roundTrips int64
	run        func(ctx context.Context, h *hotHarness) string
}

var hotPaths = []hotPath{
	{"/okr list", 2, command("/okr", "list")},
	{"/okr list all", 2, command("/okr", "list all")},
	{"/okr list team", 3, command("/okr", "list team Team 01")},
	{"/okr show", 6, command("/okr", "show 1")},
	{"/okr tree", 2, command("/okr", "tree")},
	{"Home", 4, home(false)},
	{"Home with charts (Slack)", 5, home(true)},
	{"/kpi list", 2, command("/kpi", "list")},
	{"Check in button of a prompt", 2, button(commands.ActionRemindCheckIn, "")},
	{"Check in button of an objective", 3, button(commands.ActionCheckIn, "1")},
	{"/okr checkin KR VALUE", 12, command("/okr", "checkin 1.1 42 at risk slower than hoped")},
	{"Check-in form submitted", 11, func(ctx context.Context, h *hotHarness) string {
		res := h.svc.Submit(ctx, h.req("", ""), h.submission)
		if len(res.Errors) > 0 {
			return "⚠️ " + strings.Join(mapValues(res.Errors), "; ")
		}
		return renderMessage(*res.Message)
	}},
}

func command(cmd, text string) func(ctx context.Context, h *hotHarness) string {
	return func(ctx context.Context, h *hotHarness) string {
		return render(h.svc.Command(ctx, h.req(cmd, text)))
	}
}

func button(id, value string) func(ctx context.Context, h *hotHarness) string {
	return func(ctx context.Context, h *hotHarness) string {
		return render(h.svc.Act(ctx, h.req("", ""), bot.Action{ID: id, Value: value}))
	}
}

func home(charts bool) func(ctx context.Context, h *hotHarness) string {
	return func(ctx context.Context, h *hotHarness) string {
		req := h.req("", "")
		req.ShowsImages = charts
		return renderMessage(*h.svc.Home(ctx, req))
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// hotHarness answers the hot paths in a seeded workspace as person U000.
type hotHarness struct {
	st  *store.Store
	svc *commands.Service
	// submission fills in every field of the check-in form of objective
	// #1.
	submission bot.Submission
}

func newHotHarness(tb testing.TB, url string, sz benchSize) *hotHarness {
	tb.Helper()
	st := storetest.OpenURL(tb, url)
	seedBench(tb, st, sz)
	h := &hotHarness{st: st, svc: commands.New(commands.Config{Store: st, Now: func() time.Time { return benchNow }})}
	ctx := context.Background()
	// The person, the workspace and the period are known from here on, as
	// they are for everyone but a newcomer.
	if out := render(h.svc.Command(ctx, h.req("/okr", "list"))); strings.HasPrefix(out, "⚠️") {
		tb.Fatal(out)
	}
	form := h.svc.Act(ctx, h.req("", ""), bot.Action{ID: commands.ActionCheckIn, Value: "1"}).Form
	if form == nil {
		tb.Fatal("no check-in form for objective #1")
	}
	h.submission = bot.Submission{CallbackID: form.CallbackID, State: form.State, Values: map[string]string{}}
	for _, f := range form.Fields {
		switch {
		case strings.HasSuffix(f.ID, "_value"):
			h.submission.Values[f.ID] = "37"
		case strings.HasSuffix(f.ID, "_confidence"):
			h.submission.Values[f.ID] = f.Initial
		case strings.HasSuffix(f.ID, "_comment"):
			h.submission.Values[f.ID] = "steady"
		}
	}
	return h
}

// req is a request of U000 in a channel, as the Slack adapter hands it
// over.
func (h *hotHarness) req(command, text string) bot.Request {
	ws := bot.Workspace{Platform: "slack", TeamID: "TBENCH"}
	return bot.Request{Workspace: ws, User: bot.User{ID: "U000", Name: "person0", TZ: "Europe/Berlin"},
		Address: bot.Address{Workspace: ws, Kind: bot.Channel, ID: "C1"}, Command: command, Text: text, CanOpenForm: true,
		Capabilities: slack.Capabilities}
}

// TestHotPathsTakeFewRoundTrips shows that what people do most costs a
// few round trips to the database, the same number however many
// objectives, key results and people the workspace has.
func TestHotPathsTakeFewRoundTrips(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("seeds two workspaces per dialect")
	}
	trips := map[string][]int64{} // by dialect and path
	for _, sz := range hotSizes {
		for _, url := range storetest.MigratedURLs(t) {
			h := newHotHarness(t, url, sz)
			for _, p := range hotPaths {
				ctx := context.Background()
				count := h.st.CountRoundTrips()
				out := p.run(ctx, h)
				n := count()
				if strings.HasPrefix(out, "⚠️") {
					t.Fatalf("%s, %s: %s", h.st.Dialect(), p.name, out)
				}
				key := h.st.Dialect() + " " + p.name
				trips[key] = append(trips[key], n)
				t.Logf("%s, %s workspace: %s takes %d round trips", h.st.Dialect(), sz.name, p.name, n)
				if n > p.roundTrips {
					t.Errorf("%s, %s workspace: %s takes %d round trips, want at most %d", h.st.Dialect(), sz.name, p.name, n, p.roundTrips)
				}
			}
		}
	}
	for key, ns := range trips {
		if ns[0] != ns[1] {
			t.Errorf("%s: %d round trips in the tiny workspace, %d in the larger one", key, ns[0], ns[1])
		}
	}
}
