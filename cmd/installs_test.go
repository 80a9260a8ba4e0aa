package cmd

import (
	"database/sql"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// These tests run okrbot installed in many Slack workspaces end to end:
// one or more "okrbot serve" on one database behind one public URL, the
// fake Slack, browsers that install okrbot, and a fake clock that
// everything reads.

const (
	// publicHost is the host of OKRBOT_PUBLIC_URL. Browsers and Slack reach
	// it through the balancer, as they would through DNS and a proxy.
	publicHost = "okrbot.example"
	publicURL  = "http://" + publicHost

	appClientID     = "1111.2222"
	appClientSecret = "e2e-client-secret"
	appToken        = "xapp-1-A0FAKE-1-e2e"
)

// The workspaces the fake Slack knows, and one admin of each.
var (
	acme     = slackTeam{team: "T1", name: "Acme", user: "U1ADA"}
	globex   = slackTeam{team: "T2", name: "Globex", user: "U2BOB"}
	initechA = slackTeam{team: "T3", name: "Initech Sales", org: "E1", user: "W3CY"}
	initechB = slackTeam{team: "T4", name: "Initech Support", org: "E1", user: "W4DI"}
)

type slackTeam struct{ team, name, org, user string }

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a wall-clock time in Berlin, where the people of these tests live.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// okrbot is one running "okrbot serve" of a deployment, with its log.
type okrbot struct {
	*process
	addr string // where it listens, host:port
	log  *logBuffer
}

func startOkrbot(t *testing.T, env map[string]string, c *clock) *okrbot {
	t.Helper()
	o := &okrbot{log: &logBuffer{}}
	o.process = startLogging(t, c, env, o.log)
	o.addr = strings.TrimPrefix(o.base, "http://")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the log of okrbot at %s:\n%s", o.addr, o.log)
		}
	})
	return o
}

// round makes every okrbot's scheduler do a whole round that starts after
// the call, all at once.
func (d *deployment) round() {
	d.t.Helper()
	ps := make([]*process, len(d.procs))
	for i, o := range d.procs {
		ps[i] = o.process
	}
	round(d.t, ps...)
}

// balancer is the load balancer in front of the okrbot processes, and the
// resolver that points publicHost at it: each request to the public URL goes
// to the next process in turn. Other hosts are reached directly.
type balancer struct {
	mu    sync.Mutex
	n     int
	addrs []string
}

func (b *balancer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != publicHost {
		return http.DefaultTransport.RoundTrip(r)
	}
	b.mu.Lock()
	addr := b.addrs[b.n%len(b.addrs)]
	b.n++
	b.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Host = addr // r.Host stays publicHost, as behind a proxy
	return http.DefaultTransport.RoundTrip(r)
}

// deployment is okrbot installed in many workspaces.
type deployment struct {
	t      *testing.T
	clock  *clock
	fake   *fakeslack.Server
	db     string
	procs  []*okrbot
	lb     *balancer
	socket bool            // Slack reaches okrbot over Socket Mode, not HTTP
	orgs   map[string]bool // organizations okrbot was installed in as a whole
	seq    int             // names response URLs and triggers
	env    map[string]string
}

type setup struct {
	db     string
	procs  int  // how many okrbot processes share the database
	socket bool // Socket Mode instead of HTTP
	app    fakeslack.App
	env    map[string]string // settings added to the deployment's own
}

func newDeployment(t *testing.T, s setup) *deployment {
	t.Helper()
	d := &deployment{t: t, clock: fakeclock.New(at("2026-11-27 12:00")), db: s.db, socket: s.socket, lb: &balancer{},
		orgs: map[string]bool{}}
	s.app.ClientID, s.app.ClientSecret = appClientID, appClientSecret
	s.app.RedirectURLs = []string{publicURL + "/slack/oauth_redirect", publicURL + web.SlackCallbackPath}
	d.fake = fakeslack.New(t, fakeslack.WithApp(s.app), fakeslack.WithClock(d.clock.Now))
	var admins []string
	for _, w := range []slackTeam{acme, globex, initechA, initechB} {
		team := fakeslack.Team{ID: w.team, Name: w.name, EnterpriseID: w.org}
		if w.org != "" {
			team.EnterpriseName = "Initech"
		}
		d.fake.AddTeam(team)
		d.fake.AddUser(fakeslack.User{ID: w.user, Name: strings.ToLower(w.user[2:]), RealName: w.user, TZ: "Europe/Berlin"})
		admins = append(admins, w.team+":"+w.user)
	}
	env := map[string]string{
		"SLACK_CLIENT_ID": appClientID, "SLACK_CLIENT_SECRET": appClientSecret, "OKRBOT_SECRET_KEY": newSecretKey(t),
		"OKRBOT_PUBLIC_URL": publicURL, "SLACK_API_URL": d.fake.APIURL(), "DATABASE_URL": s.db,
		"OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_LOG_LEVEL": "info",
		"OKRBOT_ADMINS": strings.Join(admins, ","),
	}
	if s.socket {
		env["SLACK_APP_TOKEN"] = appToken
	} else {
		env["SLACK_SIGNING_SECRET"] = slackSigningSecret
	}
	maps.Copy(env, s.env)
	d.env = env
	for range max(s.procs, 1) {
		o := startOkrbot(t, env, d.clock)
		d.procs = append(d.procs, o)
		d.lb.addrs = append(d.lb.addrs, o.addr)
	}
	return d
}

// browser is a new web browser, with its own cookies.
func (d *deployment) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		d.t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: d.lb}
}

// get opens u in browser b, and returns the status and the page as a
// person reads it.
func (d *deployment) get(b *http.Client, u string) (int, string) {
	d.t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, pageText(string(body))
}

var (
	buttonHref = regexp.MustCompile(`<a class="button" href="([^"]+)">`)
	markup     = regexp.MustCompile(`(?s)<style>.*</style>|<[^>]+>`)
)

// pageText is a page without its markup.
func pageText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(markup.ReplaceAllString(page, " "))), " ")
}

// addToSlack opens the install page in b and clicks Add to Slack; it
// returns the address of Slack's page that opens.
func (d *deployment) addToSlack(b *http.Client) string {
	d.t.Helper()
	resp, err := b.Get(publicURL + "/slack/install")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := buttonHref.FindStringSubmatch(string(body))
	if resp.StatusCode != http.StatusOK || m == nil {
		d.t.Fatalf("install page: %d %s", resp.StatusCode, pageText(string(body)))
	}
	return html.UnescapeString(m[1])
}

// approve is a person of g.TeamID clicking Allow on Slack's page in b; it
// returns where Slack sends the browser back.
func (d *deployment) approve(b *http.Client, g fakeslack.Grant) string {
	d.t.Helper()
	back, err := d.fake.Approve(d.addToSlack(b), g)
	if err != nil {
		d.t.Fatal(err)
	}
	return back
}

// install installs okrbot as a person does, and returns the last page.
func (d *deployment) install(w slackTeam, orgWide bool) string {
	d.t.Helper()
	b := d.browser()
	status, page := d.get(b, d.approve(b, fakeslack.Grant{TeamID: w.team, UserID: w.user, OrgWide: orgWide}))
	if status != http.StatusOK {
		d.t.Fatalf("installing into %s: %d %s", w.name, status, page)
	}
	if orgWide {
		d.orgs[w.org] = true
	}
	return page
}

// send is Slack handing okrbot a slash command, over HTTP or the socket.
func (d *deployment) send(cmd slack.SlashCommand) {
	d.t.Helper()
	if d.socket {
		d.fake.Deliver(fakeslack.EnvelopeSlashCommand, cmd)
		return
	}
	d.post(fakeslack.SlashCommandRequest(publicURL+"/slack/events", slackSigningSecret, d.clock.Now(), cmd))
}

// event is Slack sending okrbot an Events API event. It returns once okrbot
// has handled it: over HTTP the event is handled before the answer; over the
// socket events are handled in order, so the next envelope's ack comes after.
func (d *deployment) event(ev map[string]any) {
	d.t.Helper()
	if d.socket {
		d.fake.Deliver(fakeslack.EnvelopeEventsAPI, ev)
		d.fake.Deliver(fakeslack.EnvelopeEventsAPI, map[string]any{"type": "event_callback", "team_id": acme.team,
			"event": map[string]any{"type": "app_mention"}})
		return
	}
	d.post(fakeslack.EventRequest(publicURL+"/slack/events", slackSigningSecret, d.clock.Now(), ev))
}

func (d *deployment) post(r *http.Request) string {
	d.t.Helper()
	resp, err := (&http.Client{Transport: d.lb}).Do(r)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		d.t.Fatalf("%s %s: %d %s", r.Method, r.URL.Path, resp.StatusCode, body)
	}
	return string(body)
}

// slash is the slash command a person of w types.
func (d *deployment) slash(w slackTeam, command, text string) slack.SlashCommand {
	d.seq++
	id := fmt.Sprintf("r%d", d.seq)
	return slack.SlashCommand{TeamID: w.team, TeamDomain: strings.ToLower(w.name), EnterpriseID: w.org,
		IsEnterpriseInstall: d.orgs[w.org], UserID: w.user, UserName: w.user,
		ChannelID: "CGENERAL", Command: command, Text: text, TriggerID: "trigger-" + id, ResponseURL: d.fake.ResponseURL(id)}
}

// command is a person of w typing a slash command; it returns okrbot's
// reply as they see it.
func (d *deployment) command(w slackTeam, command, text string) string {
	d.t.Helper()
	cmd := d.slash(w, command, text)
	d.send(cmd)
	path := strings.TrimPrefix(cmd.ResponseURL, d.fake.URL())
	return blocksText(waitCall(d.t, d.fake, fakeslack.ResponseURLMethod, func(c fakeslack.Call) bool { return c.Path == path }))
}

// openForm is a person of w typing a command that opens a form; it returns
// the views.open call that opened it.
func (d *deployment) openForm(w slackTeam, command, text string) fakeslack.Call {
	d.t.Helper()
	cmd := d.slash(w, command, text)
	d.send(cmd)
	return waitCall(d.t, d.fake, "views.open", func(c fakeslack.Call) bool { return c.Params.Get("trigger_id") == cmd.TriggerID })
}

// submitObjective is a person of w submitting the New objective form that
// opened with views.open call form; it returns the confirmation okrbot sends
// them.
func (d *deployment) submitObjective(w slackTeam, form fakeslack.Call, title string) fakeslack.Call {
	d.t.Helper()
	cb := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission,
		User: slack.User{ID: w.user, Name: w.user, TeamID: w.team}, View: *form.View}
	cb.View.ID = "V" + form.Params.Get("trigger_id")
	cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		"title":      {"value": {Type: "plain_text_input", Value: title}},
		"period":     {"value": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "2026-Q4"}}},
		"owner":      {"value": {Type: "users_select", SelectedUser: w.user}},
		"kr1_title":  {"value": {Type: "plain_text_input", Value: "Answer within a day"}},
		"kr1_start":  {"value": {Type: "plain_text_input", Value: "0"}},
		"kr1_target": {"value": {Type: "plain_text_input", Value: "90"}},
	}}
	// As Slack sends it: with "team": null where okrbot is installed
	// org-wide.
	payload := d.fake.Interaction(cb)
	if d.socket {
		if ack := d.fake.Deliver(fakeslack.EnvelopeInteractive, payload); len(ack) != 0 && string(ack) != "null" {
			d.t.Fatalf("submitting the form in %s: %s", w.name, ack)
		}
	} else if body := d.post(fakeslack.InteractionRequest(publicURL+"/slack/events", slackSigningSecret, d.clock.Now(), payload)); body != "" {
		d.t.Fatalf("submitting the form in %s: %s", w.name, body)
	}
	dm := d.fake.DMChannel(w.user)
	return waitCall(d.t, d.fake, "chat.postMessage", func(c fakeslack.Call) bool {
		return c.Params.Get("channel") == dm && strings.Contains(blocksText(c), title)
	})
}

// waitCall waits for a call to the fake that matches.
func waitCall(t *testing.T, fake *fakeslack.Server, method string, match func(fakeslack.Call) bool) fakeslack.Call {
	t.Helper()
	for {
		calls := fake.Calls(method)
		for _, c := range calls {
			if match(c) {
				return c
			}
		}
		fake.WaitCalls(method, len(calls)+1)
	}
}

// whose names the installation whose token a call used: a team, or an
// organization for an org-wide install.
func whose(c fakeslack.Call) string {
	if c.TeamID == "" {
		return c.EnterpriseID
	}
	return c.TeamID
}

// tokensOf are the tokens okrbot used for an installation so far.
func (d *deployment) tokensOf(installation string) map[string]bool {
	tokens := map[string]bool{}
	for _, c := range d.fake.Calls("") {
		if c.Token != "" && whose(c) == installation {
			tokens[c.Token] = true
		}
	}
	return tokens
}

// prepare gives workspace w what the scheduler works on: an objective with
// a key result its admin owns, a KPI, a Monday digest in #leadership and
// KPI alerts in #kpi-alerts. It returns an API token of the workspace and
// the id of the KPI.
func (d *deployment) prepare(w slackTeam) (apiToken, kpi string) {
	d.t.Helper()
	for _, c := range []struct{ command, text, want string }{
		{"/okr", fmt.Sprintf("new %q", w.name+" grows"), "Created objective #1"},
		{"/okr", `kr 1 "Close deals" --target 20`, "Close deals"},
		{"/kpi", fmt.Sprintf("new %q --target 50", w.name+" NPS"), "Created KPI"},
		{"/kpi", fmt.Sprintf("set %q 55", w.name+" NPS"), "55"},
		{"/kpi", "digest <#CLEAD|leadership> weekly monday 09:00 --tz Europe/Berlin", "<#CLEAD> gets the digest"},
		{"/kpi", "alerts <#CALERTS|kpi-alerts>", "go to <#CALERTS>"},
		{"/kpi", "token create BI export", "Copy it now"},
	} {
		got := d.command(w, c.command, c.text)
		if !strings.Contains(got, c.want) {
			d.t.Fatalf("%s: %s %s = %q, want %q", w.name, c.command, c.text, got, c.want)
		}
		if m := apiTokenText.FindString(got); m != "" {
			apiToken = m
		}
		if m := createdKPI.FindStringSubmatch(got); m != nil {
			kpi = m[1]
		}
	}
	return apiToken, kpi
}

var (
	apiTokenText = regexp.MustCompile(`okrbot_[0-9a-f]+`)
	createdKPI   = regexp.MustCompile(`Created KPI .* \(id (\d+)\)`)
)

// measure sends a KPI value through the HTTP API, as a BI export would.
func (d *deployment) measure(apiToken, kpi string, value float64) {
	d.t.Helper()
	if code, body := d.tryMeasure(apiToken, kpi, value); code/100 != 2 {
		d.t.Fatalf("POST a value of KPI %s: %d %s", kpi, code, body)
	}
}

// tryMeasure is measure that returns the API's answer, whatever it is.
func (d *deployment) tryMeasure(apiToken, kpi string, value float64) (int, string) {
	d.t.Helper()
	r, err := http.NewRequest(http.MethodPost, publicURL+"/api/v1/kpis/"+kpi+"/measurements",
		strings.NewReader(fmt.Sprintf(`{"value": %g}`, value)))
	if err != nil {
		d.t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+apiToken)
	r.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: d.lb}).Do(r)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// sent is what the scheduler posted, and with whose token: "T1 prompt" is
// the check-in prompt to T1's admin, "T1 digest" a digest to #leadership,
// "T1 alert" a KPI alert. Failed posts are "… failed".
func (d *deployment) sent(since int) []string {
	dms := map[string]string{}
	for _, w := range []slackTeam{acme, globex, initechA, initechB} {
		dms[d.fake.DMChannel(w.user)] = w.team
	}
	var out []string
	for _, c := range d.fake.Calls("chat.postMessage")[since:] {
		var what string
		switch ch := c.Params.Get("channel"); {
		case c.Params.Get("thread_ts") != "":
			what = "nudge"
		case dms[ch] != "":
			what = "prompt to " + dms[ch]
		case ch == "CLEAD":
			what = "digest"
		case ch == "CALERTS":
			what = "alert"
		default:
			what = "message to " + ch
		}
		s := whose(c) + " " + what
		if c.Error != "" {
			s = what + " failed: " + c.Error
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func (d *deployment) posts() int { return len(d.fake.Calls("chat.postMessage")) }

// checkNoPlainTokens looks through every value of every table, and each
// okrbot's log, for a Slack token.
func (d *deployment) checkNoPlainTokens(mustHold ...string) {
	d.t.Helper()
	db := dump(d.t, d.db)
	for _, want := range mustHold {
		if !strings.Contains(db, want) {
			d.t.Errorf("the dump of the database lacks %q, so it is not the whole database", want)
		}
	}
	plain := regexp.MustCompile(`xox[a-z]-|xoxe\.|xapp-`)
	if m := plain.FindString(db); m != "" {
		d.t.Errorf("the database holds a plain token (%s…)", m)
	}
	for _, o := range d.procs {
		if m := plain.FindString(o.log.String()); m != "" {
			d.t.Errorf("okrbot at %s logged a plain token (%s…)", o.addr, m)
		}
	}
}

// dump is every value in every table of the database at dbURL, as text:
// what a copy of the database shows whoever gets hold of it.
func dump(t *testing.T, dbURL string) string {
	t.Helper()
	driver, dsn, tables := "sqlite", strings.TrimPrefix(dbURL, "sqlite:"), `SELECT name FROM sqlite_master WHERE type = 'table'`
	if strings.HasPrefix(dbURL, "postgres") {
		driver, dsn, tables = "pgx", dbURL, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	rows, err := db.Query(tables)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, name := range names {
		rows, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:", name)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteString("\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(names) < 10 || b.Len() == 0 {
		t.Fatalf("the dump found %d tables:\n%s", len(names), b.String())
	}
	return b.String()
}

func dialect(dbURL string) string { return strings.SplitN(dbURL, ":", 2)[0] }

// TestManyWorkspaces installs okrbot into two workspaces through the install
// page and runs them side by side until one uninstalls: on SQLite with one
// okrbot, on Postgres with two behind a balancer, so that an install started
// at one finishes at the other and both schedulers run.
func TestManyWorkspaces(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			procs := 1
			if dialect(dbURL) == "postgres" {
				procs = 2
			}
			d := newDeployment(t, setup{db: dbURL, procs: procs})
			pages := map[slackTeam]string{acme: d.install(acme, false), globex: installPastRefusals(t, d, globex)}
			for w, page := range pages {
				for _, want := range []string{"okrbot is installed in " + w.name + ".", "Type /okr help in any channel"} {
					if !strings.Contains(page, want) {
						t.Errorf("the page after installing into %s does not say %q: %s", w.name, want, page)
					}
				}
			}

			// Each workspace is answered with its own token, and sees only
			// its own OKRs.
			for _, w := range []slackTeam{acme, globex} {
				if c := d.openForm(w, "/okr", "new"); whose(c) != w.team || c.Error != "" || c.View.CallbackID != "okr_new_objective" {
					t.Errorf("/okr in %s opened %q with %s's token (error %q)", w.name, c.View.CallbackID, whose(c), c.Error)
				}
			}
			tokens := map[slackTeam]string{}
			kpis := map[slackTeam]string{}
			for _, w := range []slackTeam{acme, globex} {
				tokens[w], kpis[w] = d.prepare(w)
			}
			for _, w := range []slackTeam{acme, globex} {
				other := map[slackTeam]slackTeam{acme: globex, globex: acme}[w]
				if got := d.command(w, "/okr", "list"); !strings.Contains(got, "#1 "+w.name+" grows") || strings.Contains(got, other.name) {
					t.Errorf("/okr list in %s = %q", w.name, got)
				}
			}
			for _, c := range d.fake.Calls("") {
				if c.Method != fakeslack.ResponseURLMethod && c.Method != "oauth.v2.access" && whose(c) == "" {
					t.Errorf("%s was called with a token no installation has: %q", c.Method, c.Token)
				}
			}

			// Monday 09:00: each workspace gets its prompt and its digest,
			// once, whichever okrbot sends them.
			d.round()
			d.clock.Set(at("2026-11-30 09:00"))
			d.round()
			want := []string{"T1 digest", "T1 prompt to T1", "T2 digest", "T2 prompt to T2"}
			if got := d.sent(0); !slices.Equal(got, want) {
				t.Errorf("on Monday okrbot sent %q, want %q", got, want)
			}
			for _, c := range d.fake.Calls("chat.postMessage") {
				own, other := acme, globex
				if c.TeamID == globex.team {
					own, other = globex, acme
				}
				if text := blocksText(c); c.Params.Get("channel") == "CLEAD" &&
					(!strings.Contains(text, "#1 "+own.name+" grows") || strings.Contains(text, other.name)) {
					t.Errorf("%s's digest: %s", own.name, text)
				}
			}

			// Acme uninstalls okrbot: from then on nothing of Acme's is sent,
			// while Globex goes on.
			acmeTokens := d.tokensOf(acme.team)
			uninstalled, err := d.fake.Uninstall(acme.team)
			if err != nil {
				t.Fatal(err)
			}
			d.event(uninstalled)
			mark, calls := d.posts(), len(d.fake.Calls(""))
			// Acme's API token stops with it.
			if code, body := d.tryMeasure(tokens[acme], kpis[acme], 10); code != http.StatusUnauthorized || !strings.Contains(body, "okrbot is no longer installed") {
				t.Errorf("Acme's API token after the uninstall: %d %s, want 401", code, body)
			}
			d.measure(tokens[globex], kpis[globex], 10)
			d.round()
			if got, want := d.sent(mark), []string{"T2 alert"}; !slices.Equal(got, want) {
				t.Errorf("right after Acme uninstalled, okrbot sent %q, want %q", got, want)
			}
			d.clock.Set(at("2026-12-07 09:00"))
			d.round()
			if got, want := d.sent(mark), []string{"T2 alert", "T2 digest", "T2 prompt to T2"}; !slices.Equal(got, want) {
				t.Errorf("by the Monday after Acme uninstalled, okrbot sent %q, want %q", got, want)
			}
			for _, c := range d.fake.Calls("")[calls:] {
				if acmeTokens[c.Token] {
					t.Errorf("after the uninstall, okrbot called %s with Acme's token", c.Method)
				}
			}

			// Acme's data stays: it exports, and installing okrbot again
			// brings it back.
			dir := t.TempDir()
			if out, err := run(t, map[string]string{"DATABASE_URL": dbURL}, "", "export", "--dir", dir, "--workspace", acme.team); err != nil {
				t.Fatalf("export of Acme after the uninstall: %v\n%s", err, out)
			}
			if okrs, err := os.ReadFile(filepath.Join(dir, "okrs.csv")); err != nil || !strings.Contains(string(okrs), "Acme grows") || strings.Contains(string(okrs), "Globex") {
				t.Errorf("Acme's okrs.csv after the uninstall: %s %v", okrs, err)
			}
			d.install(acme, false)
			if got := d.command(acme, "/okr", "list"); !strings.Contains(got, "#1 Acme grows") {
				t.Errorf("/okr list in Acme installed again = %q", got)
			}
			mark = d.posts()
			d.clock.Set(at("2026-12-14 09:00"))
			d.round()
			// (KPI alerts come too: both KPIs went stale meanwhile.)
			got := slices.DeleteFunc(d.sent(mark), func(s string) bool { return strings.HasSuffix(s, " alert") })
			if want := []string{"T1 digest", "T1 prompt to T1", "T2 digest", "T2 prompt to T2"}; !slices.Equal(got, want) {
				t.Errorf("the Monday after Acme installed okrbot again, okrbot sent %q, want %q", got, want)

			}

			// Acme's API token works again with Acme installed.
			d.measure(tokens[acme], kpis[acme], 10)

			d.checkNoPlainTokens("Acme", "Globex", "Acme grows", "Globex NPS")
		})
	}
}

// installPastRefusals installs okrbot into w after following install links
// that must not install it, and reads why on the page each ends on. It
// returns the page of the install that went through.
func installPastRefusals(t *testing.T, d *deployment, w slackTeam) string {
	t.Helper()
	exchanges := len(d.fake.Calls("oauth.v2.access"))
	grant := fakeslack.Grant{TeamID: w.team, UserID: w.user}
	refused := func(what string, status int, page string, want string) {
		t.Helper()
		if status < 400 || !strings.Contains(page, "okrbot was not installed") || !strings.Contains(page, want) {
			t.Errorf("%s: %d %q, want a page saying %q", what, status, page, want)
		}
	}

	b := d.browser()
	back := d.approve(b, grant)
	d.clock.Advance(11 * time.Minute)
	status, page := d.get(b, back)
	refused("an expired state", status, page, "The installation link expired: it works for 10m0s")

	b = d.browser()
	cancelled, err := d.fake.Deny(d.addToSlack(b))
	if err != nil {
		t.Fatal(err)
	}
	status, page = d.get(b, cancelled)
	refused("Cancel on Slack's page", status, page, "the installation was cancelled on Slack's page")

	b = d.browser()
	back = d.approve(b, grant)
	status, page = d.get(b, strings.Replace(back, "state=", "state=forged", 1))
	refused("a forged state", status, page, "The installation link was not made by this okrbot for this browser")

	status, page = d.get(d.browser(), back)
	refused("a state without its cookie", status, page, "This browser did not start the installation here")

	// Someone who got hold of both the link and the cookie replays them
	// once the install went through.
	redirect := must(url.Parse(publicURL + "/slack/oauth_redirect"))
	cookies := b.Jar.Cookies(redirect)
	status, installed := d.get(b, back)
	if status != http.StatusOK {
		t.Fatalf("installing into %s after the refusals: %d %s", w.name, status, installed)
	}
	replay := d.browser()
	replay.Jar.SetCookies(redirect, cookies)
	status, page = d.get(replay, back)
	refused("a replayed state", status, page, "This installation link was already used")

	if n := len(d.fake.Calls("oauth.v2.access")) - exchanges; n != 1 {
		t.Errorf("okrbot exchanged %d codes, want 1 (of the install that went through)", n)
	}
	return installed
}

// TestRotatingTokens runs a workspace whose Slack app rotates tokens: they
// expire after 12 hours, and okrbot trades the refresh token for new ones
// before they do, once however many okrbots need it, and goes on working.
func TestRotatingTokens(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			procs := 1
			if dialect(dbURL) == "postgres" {
				procs = 2
			}
			d := newDeployment(t, setup{db: dbURL, procs: procs, app: fakeslack.App{TokenRotation: true}})
			d.install(acme, false)
			d.prepare(acme)
			refreshes := func() []fakeslack.Call {
				var out []fakeslack.Call
				for _, c := range d.fake.Calls("oauth.v2.access") {
					if c.Params.Get("grant_type") == "refresh_token" {
						out = append(out, c)
					}
				}
				return out
			}
			first := d.tokensOf(acme.team)
			if len(first) != 1 || len(refreshes()) != 0 {
				t.Fatalf("before it expires: %d tokens used, %d refreshes", len(first), len(refreshes()))
			}

			// Two hours before the token expires, the next call to Slack
			// brings a new one.
			d.clock.Advance(10*time.Hour + time.Minute)
			calls := len(d.fake.Calls(""))
			if got := d.command(acme, "/okr", "list"); !strings.Contains(got, "#1 Acme grows") {
				t.Errorf("/okr list after 10 hours = %q", got)
			}
			if n := len(refreshes()); n != 1 {
				t.Errorf("%d refreshes 10 hours after the install, want 1", n)
			}
			if used := d.tokensOf(acme.team); len(used) != 2 {
				t.Errorf("%d tokens used, want 2 (the first, then the refreshed one)", len(used))
			}
			for _, c := range d.fake.Calls("")[calls:] {
				if first[c.Token] {
					t.Errorf("%s after the refresh used the token of before", c.Method)
				}
			}

			// By Monday that token has long expired too: the scheduled
			// messages get a fresh one, refreshed once.
			d.round()
			d.clock.Set(at("2026-11-30 09:00"))
			d.round()
			if got, want := d.sent(0), []string{"T1 digest", "T1 prompt to T1"}; !slices.Equal(got, want) {
				t.Errorf("on Monday okrbot sent %q, want %q", got, want)
			}
			if n := len(refreshes()); n != 2 {
				t.Errorf("%d refreshes by Monday, want 2", n)
			}
			for _, c := range d.fake.Calls("") {
				if c.Error != "" {
					t.Errorf("%s failed: %s", c.Method, c.Error)
				}
			}
			d.checkNoPlainTokens("Acme")
		})
	}
}

// TestSocketModeServesEveryInstallation connects one socket with one app
// token: it carries the requests of every installed workspace, and each is
// answered with its own workspace's token.
func TestSocketModeServesEveryInstallation(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			d := newDeployment(t, setup{db: dbURL, socket: true})
			for _, w := range []slackTeam{acme, globex} {
				d.install(w, false)
			}
			for _, w := range []slackTeam{acme, globex} {
				if c := d.openForm(w, "/okr", "new"); whose(c) != w.team || c.Error != "" {
					t.Errorf("/okr new in %s opened the form with %s's token (error %q)", w.name, whose(c), c.Error)
				}
				d.prepare(w)
			}
			form := d.openForm(globex, "/okr", "new")
			if c := d.submitObjective(globex, form, "Ship faster"); whose(c) != globex.team || c.Error != "" || !strings.Contains(blocksText(c), "Created objective #") {
				t.Errorf("the New objective form submitted in Globex was confirmed with %s's token (error %q): %s", whose(c), c.Error, blocksText(c))
			}
			d.event(map[string]any{"type": "event_callback", "team_id": globex.team,
				"event": map[string]any{"type": "app_home_opened", "user": globex.user, "tab": "home"}})
			home := waitCall(t, d.fake, "views.publish", func(c fakeslack.Call) bool { return c.Params.Get("user_id") == globex.user })
			if whose(home) != globex.team || !strings.Contains(home.Params.Get("view"), "Globex grows") {
				t.Errorf("Globex's Home tab was published with %s's token: %s", whose(home), home.Params.Get("view"))
			}

			// Globex uninstalls; Acme goes on over the same socket.
			uninstalled, err := d.fake.Uninstall(globex.team)
			if err != nil {
				t.Fatal(err)
			}
			d.event(uninstalled)
			if got := d.command(acme, "/okr", "list"); !strings.Contains(got, "#1 Acme grows") {
				t.Errorf("/okr list in Acme after Globex uninstalled = %q", got)
			}
			mark := d.posts()
			d.round()
			d.clock.Set(at("2026-11-30 09:00"))
			d.round()
			if got, want := d.sent(mark), []string{"T1 digest", "T1 prompt to T1"}; !slices.Equal(got, want) {
				t.Errorf("on Monday okrbot sent %q, want %q", got, want)
			}
			if n := d.fake.Connections(); n != 1 {
				t.Errorf("%d sockets, want 1 for every workspace", n)
			}
			for _, c := range d.fake.Calls("apps.connections.open") {
				if c.Token != appToken {
					t.Errorf("the socket was opened with %q, not the app token", c.Token)
				}
			}
			d.checkNoPlainTokens("Acme", "Globex")
		})
	}
}

// TestEnterpriseGrid installs okrbot in a whole Enterprise Grid organization
// at once: its one token serves each workspace of the organization, for
// requests and for the scheduler, while each keeps its own OKRs.
func TestEnterpriseGrid(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			procs := 1
			if dialect(dbURL) == "postgres" {
				procs = 2
			}
			d := newDeployment(t, setup{db: dbURL, procs: procs})
			if page := d.install(initechA, true); !strings.Contains(page, "okrbot is installed for the whole Initech organization.") {
				t.Errorf("the page after installing into the organization: %s", page)
			}
			for _, w := range []slackTeam{initechA, initechB} {
				if c := d.openForm(w, "/okr", "new"); whose(c) != "E1" || c.Error != "" {
					t.Errorf("/okr new in %s opened the form with %s's token (error %q)", w.name, whose(c), c.Error)
				}
				d.prepare(w)
			}
			for _, w := range []slackTeam{initechA, initechB} {
				other := map[slackTeam]slackTeam{initechA: initechB, initechB: initechA}[w]
				if got := d.command(w, "/okr", "list"); !strings.Contains(got, "#1 "+w.name+" grows") || strings.Contains(got, other.name) {
					t.Errorf("/okr list in %s = %q", w.name, got)
				}
			}

			// The scheduler knows each workspace's organization, and so its
			// token.
			d.round()
			d.clock.Set(at("2026-11-30 09:00"))
			d.round()
			want := []string{"E1 digest", "E1 digest", "E1 prompt to T3", "E1 prompt to T4"}
			if got := d.sent(0); !slices.Equal(got, want) {
				t.Errorf("on Monday okrbot sent %q, want %q", got, want)
			}
			for _, c := range d.fake.Calls("chat.postMessage") {
				if text := blocksText(c); c.Params.Get("channel") == "CLEAD" &&
					strings.Contains(text, initechA.name+" grows") == strings.Contains(text, initechB.name+" grows") {
					t.Errorf("a digest tells of both workspaces, or of neither: %s", text)
				}
			}

			form := d.openForm(initechB, "/okr", "new")
			if c := d.submitObjective(initechB, form, "Answer faster"); whose(c) != "E1" || c.Error != "" || !strings.Contains(blocksText(c), "Created objective #") {
				t.Errorf("the New objective form submitted in %s was confirmed with %s's token (error %q): %s", initechB.name, whose(c), c.Error, blocksText(c))
			}

			// An org admin revokes okrbot's token: every workspace of the
			// organization stops.
			mark := d.posts()
			revoked, err := d.fake.RevokeTokens("E1")
			if err != nil {
				t.Fatal(err)
			}
			d.event(revoked)
			d.clock.Set(at("2026-12-07 09:00"))
			d.round()
			if got := d.sent(mark); len(got) != 0 {
				t.Errorf("after the organization's token was revoked, okrbot sent %q", got)
			}
			d.checkNoPlainTokens("Initech")
		})
	}
}
