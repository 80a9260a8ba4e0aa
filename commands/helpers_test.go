package commands_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// midQ4 is half-way through 2026-Q4, so anything under 0.35 progress is
// behind pace.
var midQ4 = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

// harness drives a Service as people in Slack would, against a real store.
type harness struct {
	t    *testing.T
	st   *store.Store
	svc  *commands.Service
	now  time.Time
	sent *recorder
}

func each(t *testing.T, fn func(t *testing.T, h *harness)) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		h := &harness{t: t, st: st, now: midQ4, sent: &recorder{}}
		h.svc = commands.New(commands.Config{Store: st, Now: func() time.Time { return h.now }, Admins: []string{"UADMIN"}, Sender: h.sent})
		fn(t, h)
	})
}

// recorder is a bot.Sender that records what okrbot posts, as "where: text".
type recorder struct {
	mu    sync.Mutex
	posts []string
}

func (r *recorder) Serves(context.Context, bot.Workspace) bool { return true }

func (r *recorder) Send(_ context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(r.posts, to.ID+": "+renderMessage(msg))
	return bot.MessageRef{Address: to, Conversation: to.ID, ID: fmt.Sprint(len(r.posts))}, nil
}

func (r *recorder) Update(context.Context, bot.MessageRef, bot.Message) error { return nil }

// take sends the KPI alerts recorded in workspace T1 as the scheduler
// would, and returns everything posted since the last take.
func (h *harness) take() []string {
	h.t.Helper()
	ctx := context.Background()
	ws, err := h.st.Workspace(ctx, "slack", "T1")
	if err != nil {
		h.t.Fatal(err)
	}
	jobs, err := h.st.ClaimJobs(ctx, []string{store.JobKPIAlert}, []uint{ws.ID}, h.now, time.Minute, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, j := range jobs {
		var args store.AlertJob
		if err := j.Decode(&args); err != nil {
			h.t.Fatal(err)
		}
		a, err := h.st.KPIAlertByID(ctx, ws.ID, args.Alert)
		if err != nil {
			h.t.Fatal(err)
		}
		to, msg, err := h.svc.KPIAlert(ctx, a)
		if err != nil {
			h.t.Fatal(err)
		}
		if msg != nil {
			h.sent.Send(ctx, to, *msg)
		}
		if _, err := h.st.FinishJob(ctx, j, store.JobDone, h.now, "sent"); err != nil {
			h.t.Fatal(err)
		}
	}
	h.sent.mu.Lock()
	defer h.sent.mu.Unlock()
	out := h.sent.posts
	h.sent.posts = nil
	return out
}

// request is a slash command as the Slack adapter hands it over: text is
// what Slack sends, mentions and escapes included.
func request(team, user, text string) bot.Request {
	ws := bot.Workspace{Platform: "slack", TeamID: team}
	req := bot.Request{Workspace: ws, User: bot.User{ID: user, Name: strings.ToLower(user), TZ: "Europe/Berlin"},
		Address: bot.Address{Workspace: ws, Kind: bot.Channel, ID: "C1"}, Command: "/okr", CanOpenForm: true,
		Capabilities: slack.Capabilities}
	req.Text, req.People, req.Channels = slack.NeutralText(text)
	return req
}

// as runs a command line as user in workspace T1 and returns the reply.
func (h *harness) as(user, text string) bot.Reply {
	h.t.Helper()
	return h.svc.Command(context.Background(), request("T1", user, text))
}

// seeing runs a command line as user in workspace T1, from a place that
// shows pictures, and returns the reply.
func (h *harness) seeing(user, command, text string) bot.Reply {
	h.t.Helper()
	req := request("T1", user, text)
	req.Command, req.ShowsImages = command, true
	return h.svc.Command(context.Background(), req)
}

// say runs a command as U1 and returns what they would read.
func (h *harness) say(text string) string {
	h.t.Helper()
	return render(h.as("U1", text))
}

// must runs a command that is expected to succeed.
func (h *harness) must(user, text string) string {
	h.t.Helper()
	out := render(h.as(user, text))
	if strings.HasPrefix(out, "⚠️") {
		h.t.Fatalf("%s: %s\n%s", user, text, out)
	}
	return out
}

// render flattens a reply into the text a person reads in Slack, as the
// Slack adapter writes it (mrkdwn).
func render(r bot.Reply) string {
	var b strings.Builder
	if r.Form != nil {
		fmt.Fprintf(&b, "[form %s: %s]\n", r.Form.CallbackID, r.Form.Title)
	}
	if m := r.Message; m != nil {
		b.WriteString(renderMessage(*m))
	}
	return b.String()
}

func renderMessage(m bot.Message) string {
	var b strings.Builder
	if len(m.Sections) == 0 {
		b.WriteString(slack.Mrkdwn(m.Summary) + "\n")
	}
	for _, s := range m.Sections {
		var lines []string
		if !s.Text.IsEmpty() {
			lines = append(lines, slack.Mrkdwn(s.Text))
		}
		for _, it := range s.Items {
			lines = append(lines, slack.Mrkdwn(it))
		}
		if len(lines) > 0 {
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
		if s.Image != nil {
			fmt.Fprintf(&b, "[image %s: %s]\n", s.Image.Name, s.Image.Alt)
		}
		if !s.Context.IsEmpty() {
			b.WriteString(slack.Mrkdwn(s.Context) + "\n")
		}
		for _, btn := range s.Buttons {
			fmt.Fprintf(&b, "[%s]", btn.Label)
		}
	}
	return b.String()
}

// snapshot describes every row a command could change in workspace T1, to
// show that a refused command changed nothing.
func (h *harness) snapshot() string {
	h.t.Helper()
	ctx := context.Background()
	ws, err := h.st.Workspace(ctx, "slack", "T1")
	if err != nil {
		h.t.Fatal(err)
	}
	os, err := h.st.Objectives(ctx, ws.ID, store.ObjectiveFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	var b strings.Builder
	var ids []uint
	for _, o := range os {
		fmt.Fprintf(&b, "#%d %q owner=%d team=%v parent=%v period=%d status=%s final=%v\n",
			o.Number, o.Title, o.OwnerID, deref(o.TeamID), deref(o.ParentID), o.PeriodID, o.Status, deref(o.FinalScore))
		for _, kr := range o.KeyResults {
			fmt.Fprintf(&b, "  #%d %q %+v w=%v owner=%v\n", kr.Number, kr.Title, kr.Measure, kr.Weight, deref(kr.OwnerID))
			ids = append(ids, kr.ID)
		}
	}
	last, err := h.st.LastCheckIns(ctx, ws.ID, ids)
	if err != nil {
		h.t.Fatal(err)
	}
	var checkIns []string
	for _, c := range last {
		checkIns = append(checkIns, fmt.Sprintf("%d:%d:%v", c.KeyResultID, c.ID, c.Value))
	}
	slices.Sort(checkIns)
	teams, _ := h.st.Teams(ctx, ws.ID)
	fmt.Fprintf(&b, "check-ins %v teams %d ws.last=%d", checkIns, len(teams), ws.LastNumber)
	return b.String()
}

// seed creates objective #1 "Grow revenue" for U1 with three key results:
// #1.1 (#2) deals 0→20, #1.2 (#3) churn 5%→2% (down), #1.3 (#4) a milestone.
func (h *harness) seed() {
	h.t.Helper()
	h.must("U1", `new "Grow revenue" --team Sales`)
	h.must("U1", `kr 1 "Close 20 deals" --target 20 --unit deals`)
	h.must("U1", `kr 1 "Cut churn" --start 5% --target 2%`)
	h.must("U1", `kr 1 "Launch in the EU" --milestone`)
}

func contains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q:\n%s", w, got)
		}
	}
}

func lacks(t *testing.T, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("reply has %q:\n%s", w, got)
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
