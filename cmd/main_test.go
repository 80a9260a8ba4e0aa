package cmd

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

const slackSigningSecret = "e2e5161e65ec7e70e2e5161e65ec7e70"

// server runs okrbot serve in-process on port 0 against a fake Slack and a
// fresh database, and returns its base URL once it is ready.
func server(t *testing.T, fake *fakeslack.Server, databaseURL string) string {
	t.Helper()
	return serve(t, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
		"OKRBOT_ADDR": "127.0.0.1:0", "DATABASE_URL": databaseURL, "OKRBOT_LOG_LEVEL": "warn",
	})
}

// serve runs okrbot serve in-process with env as its environment, changed
// by mods, until the test ends, and returns its base URL once it is ready.
// OKRBOT_ADDR should name port 0.
func serve(t *testing.T, env map[string]string, mods ...func(*Main)) string {
	t.Helper()
	in := startIn(t, env, io.Discard, mods...)
	in.waitReady(t)
	return in.public
}

// served is where a running okrbot serve listens.
type served struct {
	public, metrics string // base URLs; metrics is "" when off
}

// instance is okrbot serve running in-process for a test.
type instance struct {
	served
	stop   func()        // stops serve and waits until it has
	ready  chan struct{} // closed once serve is ready
	exited chan struct{} // closed once serve has stopped, with err
	err    error
}

// waitReady waits until serve is ready; a serve that stops first fails the
// test.
func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	select {
	case <-in.ready:
	case <-in.exited:
		t.Fatalf("serve stopped before it was ready: %v", in.err)
	}
}

// serveIn runs okrbot serve in-process with env, logging to logs, and
// returns where it listens once it is ready. It stops when the test ends.
func serveIn(t *testing.T, env map[string]string, logs io.Writer) served {
	t.Helper()
	in := startIn(t, env, logs)
	in.waitReady(t)
	return in.served
}

// startIn starts okrbot serve in-process with env, changed by mods, and
// returns as soon as it listens. It stops when the test ends; an error then
// fails the test. Metrics are off unless env names their address.
func startIn(t *testing.T, env map[string]string, logs io.Writer, mods ...func(*Main)) *instance {
	t.Helper()
	if _, ok := env["OKRBOT_METRICS_ADDR"]; !ok {
		env = maps.Clone(env)
		env["OKRBOT_METRICS_ADDR"] = "off"
	}
	addrs := make(chan served, 1)
	in := &instance{ready: make(chan struct{}), exited: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Main{Args: []string{"serve"}, Getenv: func(k string) string { return env[k] },
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs,
		Listening: func(public, metrics string) {
			s := served{public: "http://" + public}
			if metrics != "" {
				s.metrics = "http://" + metrics
			}
			addrs <- s
		},
		Ready: func() { close(in.ready) }}
	for _, mod := range mods {
		mod(m)
	}
	go func() {
		in.err = m.Run(ctx)
		close(in.exited)
	}()
	in.stop = func() {
		cancel()
		<-in.exited
	}
	t.Cleanup(func() {
		in.stop()
		if in.err != nil {
			t.Errorf("serve stopped with %v", in.err)
		}
	})
	select {
	case in.served = <-addrs:
	case <-in.exited:
		t.Fatalf("serve did not start: %v", in.err)
	}
	return in
}

func do(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestSlackEndToEnd walks a person through okrbot over real HTTP with real
// signatures: a slash command opens the New objective modal, submitting it
// creates the objective, and /okr list shows it.
func TestSlackEndToEnd(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.URLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/Berlin"})
			base := server(t, fake, dbURL)
			events := base + "/slack/events"

			if code, body := do(t, must(http.NewRequest("GET", base+"/healthz", nil))); code != 200 {
				t.Fatalf("healthz = %d %s", code, body)
			}

			cmd := slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: "U1", UserName: "ada", ChannelID: "C1",
				Command: "/okr", Text: "new", TriggerID: "trigger-1", ResponseURL: fake.ResponseURL("new")}
			if code, _ := do(t, fakeslack.SlashCommandRequest(events, slackSigningSecret, time.Now(), cmd)); code != 200 {
				t.Fatalf("/okr new = %d", code)
			}
			open := fake.WaitCalls("views.open", 1)[0]
			if open.View == nil || open.View.CallbackID != "okr_new_objective" || open.Params.Get("trigger_id") != "trigger-1" {
				t.Fatalf("views.open = %+v", open)
			}

			// A forged request changes nothing.
			forged := fakeslack.SlashCommandRequest(events, "wrong-secret", time.Now(), withText(cmd, `new "Forged"`))
			if code, _ := do(t, forged); code != http.StatusUnauthorized {
				t.Errorf("forged request = %d, want 401", code)
			}

			sub := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, Team: slack.Team{ID: fakeslack.TeamID},
				User: slack.User{ID: "U1", Name: "ada"}, View: *open.View}
			sub.View.ID = "V1"
			sub.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
				"title":      {"value": {Type: "plain_text_input", Value: "Delight customers"}},
				"period":     {"value": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "2026-Q4"}}},
				"owner":      {"value": {Type: "users_select", SelectedUser: "U1"}},
				"kr1_title":  {"value": {Type: "plain_text_input", Value: "Raise NPS"}},
				"kr1_start":  {"value": {Type: "plain_text_input", Value: "30"}},
				"kr1_target": {"value": {Type: "plain_text_input", Value: "abc"}},
			}}
			code, body := do(t, fakeslack.InteractionRequest(events, slackSigningSecret, time.Now(), sub))
			if code != 200 || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"kr1_target"`) {
				t.Fatalf("bad target: %d %s", code, body)
			}
			sub.View.State.Values["kr1_target"] = map[string]slack.BlockAction{"value": {Type: "plain_text_input", Value: "50"}}
			if code, body := do(t, fakeslack.InteractionRequest(events, slackSigningSecret, time.Now(), sub)); code != 200 || strings.Contains(body, "errors") {
				t.Fatalf("submission: %d %s", code, body)
			}
			dm := fake.WaitCalls("chat.postMessage", 1)[0]
			if dm.Params.Get("channel") != fake.DMChannel("U1") || !strings.Contains(blocksText(dm), "Created objective #1") {
				t.Errorf("confirmation DM = %s to %s", blocksText(dm), dm.Params.Get("channel"))
			}

			if code, _ := do(t, fakeslack.SlashCommandRequest(events, slackSigningSecret, time.Now(), withText(cmd, "list", fake.ResponseURL("list")))); code != 200 {
				t.Fatal("list failed")
			}
			var list fakeslack.Call
			for _, c := range fake.WaitCalls(fakeslack.ResponseURLMethod, 1) {
				if strings.HasSuffix(c.Path, "/list") {
					list = c
				}
			}
			got := blocksText(list)
			if !strings.Contains(got, "#1 Delight customers") || strings.Contains(got, "Forged") {
				t.Errorf("/okr list = %s", got)
			}

			// Opening okrbot's Home tab shows the person's own OKRs.
			home := map[string]any{"type": "event_callback", "team_id": fakeslack.TeamID,
				"event": map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}}
			if code, _ := do(t, fakeslack.EventRequest(events, slackSigningSecret, time.Now(), home)); code != 200 {
				t.Fatalf("app_home_opened = %d", code)
			}
			published := fake.WaitCalls("views.publish", 1)[0]
			if published.Params.Get("user_id") != "U1" || !strings.Contains(published.Params.Get("view"), "#1 Delight customers") ||
				!strings.Contains(published.Params.Get("view"), "Raise NPS") {
				t.Errorf("views.publish = %v", published.Params)
			}
		})
	}
}

func withText(cmd slack.SlashCommand, text string, responseURL ...string) slack.SlashCommand {
	cmd.Text = text
	if len(responseURL) > 0 {
		cmd.ResponseURL = responseURL[0]
	}
	return cmd
}

// slashCommands is ada (U1, in channel C1) typing slash commands into the
// app at events, signed at now: each returns the reply Slack got on the
// command's response URL.
func slashCommands(t *testing.T, fake *fakeslack.Server, events string, now func() time.Time) func(command, text string) fakeslack.Call {
	n := 0
	return func(command, text string) fakeslack.Call {
		t.Helper()
		n++
		cmd := slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: "U1", UserName: "ada", ChannelID: "C1",
			Command: command, Text: text, ResponseURL: fake.ResponseURL("r" + strconv.Itoa(n))}
		if code, _ := do(t, fakeslack.SlashCommandRequest(events, slackSigningSecret, now(), cmd)); code != 200 {
			t.Fatalf("%s %s: status %d", command, text, code)
		}
		path := strings.TrimPrefix(cmd.ResponseURL, fake.URL())
		return waitCall(t, fake, fakeslack.ResponseURLMethod, func(c fakeslack.Call) bool { return c.Path == path })
	}
}

// blocksText is every text a message's blocks show.
func blocksText(c fakeslack.Call) string {
	var b bytes.Buffer
	b.WriteString(c.Text())
	for _, block := range c.Blocks {
		switch bl := block.(type) {
		case *slack.SectionBlock:
			if bl.Text != nil {
				b.WriteString("\n" + bl.Text.Text)
			}
		case *slack.ContextBlock:
			for _, el := range bl.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok {
					b.WriteString("\n" + t.Text)
				}
			}
		}
	}
	return b.String()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestConsole drives okrbot console as a script would: commands on standard
// input, plain text out, no Slack and no setup beyond a database file.
// Charts are saved beside the SQLite database, or where --charts says.
func TestConsole(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			script := strings.Join([]string{
				`/okr new "<!channel> Grow revenue" --team Sales`,
				`okr kr 1 "Close 20 deals" --target 20 --unit deals --owner @bob`,
				`/okr new`,
				`/okr checkin 1.1 5`,
				`/okr close 99`,
				`/okr frob`,
				`/kpi new "Churn rate" --unit % --target 2 --lower-is-better`,
				`/kpi set 1 2.4`,
				`/kpi show 1`,
				`exit`,
				`/okr list`,
			}, "\n")
			args := []string{"console", "--as", "ada"}
			charts := filepath.Join(filepath.Dir(store.FilePath(dbURL)), "charts")
			if !strings.HasPrefix(dbURL, "sqlite:") {
				charts = filepath.Join(t.TempDir(), "pictures")
				args = append(args, "--charts", charts)
			}
			var out bytes.Buffer
			m := &Main{Args: args, Getenv: func(k string) string {
				return map[string]string{"DATABASE_URL": dbURL}[k]
			}, Stdin: strings.NewReader(script), Stdout: &out, Stderr: io.Discard}
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			for _, want := range []string{
				"Created objective #1.", "*#1 <!channel> Grow revenue*", "owner @ada", "team Sales",
				"`#1.1` Close 20 deals — 0 / 20 deals", "#2 · @bob",
				`(In Slack this opens the "New objective" form.)`, `/okr new "Title"`,
				"Checked in `#1.1` Close 20 deals: 0 / 20 deals → 5 / 20 deals",
				"There is no objective #99.", "I don't know `/okr frob`",
				"📈 " + filepath.Join(charts, "kpi-1.png") + "\n    Churn rate: 2.4% on ",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("console output lacks %q:\n%s", want, got)
				}
			}
			if b, err := os.ReadFile(filepath.Join(charts, "kpi-1.png")); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
				t.Errorf("the chart is not a PNG beside the database: %v", err)
			}
			if strings.Contains(got, "Your objectives") {
				t.Error("commands after exit were run")
			}
		})
	}
}

// TestConsoleWithoutCharts shows that --no-charts draws and saves none.
func TestConsoleWithoutCharts(t *testing.T) {
	t.Parallel()
	dbURL := storetest.MigratedSQLiteURL(t)
	var out bytes.Buffer
	m := &Main{Args: []string{"console", "--as", "ada", "--no-charts"}, Getenv: func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL}[k]
	}, Stdin: strings.NewReader("/kpi new NPS --target 50\n/kpi set NPS 42\n/kpi show NPS\n"), Stdout: &out, Stderr: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "*NPS*  42") || strings.Contains(out.String(), "📈") {
		t.Errorf("console output:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(store.FilePath(dbURL)), "charts")); !os.IsNotExist(err) {
		t.Errorf("a charts directory was made: %v", err)
	}
}

// TestKPIAlertReachesItsChannel records KPI values through signed slash
// commands and sees the alert arrive in the alert channel through the real
// Slack adapter, sent by the scheduler woken by the change: once when health
// gets worse, not again while it stays.
func TestKPIAlertReachesItsChannel(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", TZ: "Europe/Berlin", IsAdmin: true})
	events := server(t, fake, storetest.MigratedSQLiteURL(t)) + "/slack/events"
	slash := slashCommands(t, fake, events, time.Now)
	kpi := func(text string) string { return blocksText(slash("/kpi", text)) }
	alerts := func(n int) []string {
		var texts []string
		for _, c := range fake.WaitCalls("chat.postMessage", n) {
			if c.Params.Get("channel") == "CALERT" {
				texts = append(texts, blocksText(c))
			}
		}
		return texts
	}
	if got := kpi(`new "Churn rate" --unit % --target 2 --lower-is-better`); !strings.Contains(got, "Created KPI") {
		t.Fatalf("new KPI: %s", got)
	}
	kpi("alerts <#CALERT|kpi-alerts>")
	kpi(`set "Churn rate" 1.9`)
	kpi(`set "Churn rate" 2.5 renewals slipping`)
	kpi(`set "Churn rate" 2.6`)
	got := alerts(1)
	if len(got) != 1 || !strings.Contains(got[0], "Churn rate") || !strings.Contains(got[0], "<@U1>") {
		t.Fatalf("alerts = %q, want one naming the KPI and its owner", got)
	}
	kpi(`set "Churn rate" 1.8`)
	if got := alerts(2); len(got) != 2 {
		t.Errorf("after recovery: %d alerts, want 2 (one worse, one recovered)", len(got))
	}
}
