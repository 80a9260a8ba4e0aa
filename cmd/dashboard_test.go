package cmd

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// dashboardBrowser is a browser that reaches okrbot at addr whatever host a
// link names, as a reverse proxy in front of okrbot would: links carry
// OKRBOT_PUBLIC_URL, and the test's okrbot listens on a port of its own.
func dashboardBrowser(addr string) *http.Client {
	jar, _ := cookiejar.New(nil)
	dial := &net.Dialer{}
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial.DialContext(ctx, network, addr)
	}}}
}

func fetch(t *testing.T, c *http.Client, method, u string) (int, string) {
	t.Helper()
	return send(t, c, must(http.NewRequest(method, u, nil)))
}

func send(t *testing.T, c *http.Client, r *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var slackLink = regexp.MustCompile(`<(https?://[^|>]+)\|Open your okrbot dashboard>`)

// TestDashboardFromSlack: a person types /okr dashboard in Slack, okrbot
// serve answers them alone with a link, and the link opens their objective,
// its chart, the scorecard and a KPI, once.
func TestDashboardFromSlack(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/Berlin"})
			const public = "http://okrbot.example.test"
			base := serve(t, map[string]string{
				"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
				"OKRBOT_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL, "OKRBOT_LOG_LEVEL": "warn", "OKRBOT_PUBLIC_URL": public,
			})
			say := slashCommands(t, fake, base+"/slack/events", time.Now)
			say("/okr", `new "Delight customers" --team Sales`)
			say("/okr", `kr 1 "Raise NPS" --start 30 --target 50`)
			say("/okr", `checkin 1.1 38 on-track "survey in"`)
			say("/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)
			say("/kpi", `set "Churn rate" 2.4`)
			answer := say("/okr", "dashboard")
			if answer.Params.Get("response_type") != "ephemeral" {
				t.Errorf("the link was answered %q, want ephemeral", answer.Params.Get("response_type"))
			}
			m := slackLink.FindStringSubmatch(blocksText(answer))
			if m == nil {
				t.Fatalf("no dashboard link in %s", blocksText(answer))
			}
			link := m[1]
			if !strings.HasPrefix(link, public+"/signin/") {
				t.Fatalf("link %s is not at OKRBOT_PUBLIC_URL", link)
			}
			browser := dashboardBrowser(strings.TrimPrefix(base, "http://"))
			if code, body := fetch(t, browser, "GET", link); code != 200 || !strings.Contains(body, "Continue as Ada Lovelace") {
				t.Fatalf("sign-in page: %d %s", code, body)
			}
			if code, body := fetch(t, browser, "POST", link); code != 200 || !strings.Contains(body, "#1 Delight customers") {
				t.Fatalf("Home after sign-in: %d %s", code, body)
			}
			for path, want := range map[string]string{
				"/tree": "Alignment in", "/o/1": "Raise NPS", "/scorecard": "Churn rate", "/k/1": "2.4%", "/review": "Review of",
			} {
				if code, body := fetch(t, browser, "GET", public+path); code != 200 || !strings.Contains(body, want) {
					t.Errorf("%s: %d, want %q in %s", path, code, want, body)
				}
			}
			for _, chart := range []string{"/o/1/chart.png", "/k/1/chart.png"} {
				if code, body := fetch(t, browser, "GET", public+chart); code != 200 || !strings.HasPrefix(body, "\x89PNG") {
					t.Errorf("%s: %d", chart, code)
				}
			}
			// /okr show links to the objective's page, and the Home tab
			// has a button that opens the dashboard.
			if show := blocksText(say("/okr", "show 1")); !strings.Contains(show, "<"+public+"/o/1|Open in the dashboard>") {
				t.Errorf("/okr show links to no page:\n%s", show)
			}
			home := map[string]any{"type": "event_callback", "team_id": fakeslack.TeamID,
				"event": map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}}
			if code, _ := do(t, fakeslack.EventRequest(base+"/slack/events", slackSigningSecret, time.Now(), home)); code != 200 {
				t.Fatalf("app_home_opened = %d", code)
			}
			if view := fake.WaitCalls("views.publish", 1)[0].Params.Get("view"); !strings.Contains(view, `"url":"`+public+`/"`) ||
				!strings.Contains(view, "Open dashboard") {
				t.Errorf("the Home tab has no Open dashboard button: %s", view)
			}
			again := dashboardBrowser(strings.TrimPrefix(base, "http://"))
			if code, body := fetch(t, again, "POST", link); code != http.StatusGone || strings.Contains(body, "Delight") {
				t.Errorf("the link used again: %d %s", code, body)
			}
			// The chat endpoints are still theirs alone.
			if code, _ := fetch(t, again, "GET", base+"/slack/events"); code != http.StatusMethodNotAllowed {
				t.Errorf("GET /slack/events = %d, want 405", code)
			}
		})
	}
}

// TestConsoleOpensTheDashboard: okrbot console, /okr dashboard, and the
// link it prints works on 127.0.0.1 while the console runs.
func TestConsoleOpensTheDashboard(t *testing.T) {
	t.Parallel()
	dbURL := storetest.MigratedSQLiteURL(t)
	in, typing := io.Pipe()
	outR, out := io.Pipe()
	m := &Main{Args: []string{"console", "--as", "ada", "--no-charts"}, Getenv: func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL}[k]
	}, Stdin: in, Stdout: out, Stderr: io.Discard}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(context.Background())
		out.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() {
		io.WriteString(typing, "/okr new \"Grow revenue\"\n/okr dashboard\n")
	}()
	link := ""
	for line := range lines {
		if i := strings.Index(line, "http://127.0.0.1:"); i >= 0 {
			link = strings.TrimRight(strings.Fields(line[i:])[0], ")")
			break
		}
	}
	if link == "" {
		t.Fatal("the console printed no link")
	}
	u := must(url.Parse(link))
	browser := dashboardBrowser(u.Host)
	if code, body := fetch(t, browser, "POST", link); code != 200 || !strings.Contains(body, "#1 Grow revenue") {
		t.Errorf("the console's dashboard: %d %s", code, body)
	}
	typing.Close()
	go func() {
		for range lines {
		}
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(link); err == nil {
		t.Error("the console's dashboard still answers after the console ended")
	}
}

var teamsLink = regexp.MustCompile(`\[Open your okrbot dashboard\]\((https?://[^)]+)\)`)

// TestDashboardFromTeams: asked in a channel, okrbot sends the link to the
// person's own chat, never the channel, and it signs them in to their
// tenant's dashboard.
func TestDashboardFromTeams(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			const public = "https://okrbot.example.test"
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_PUBLIC_URL"] = public
			env["TEAMS_LOGIN_URL"] = fake.LoginURL()
			p := start(t, c, env)
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			channel := fake.Channel(teamsTeam, teamsChannel)
			ada.ask(dm, dm.ConversationID, `okr new "Delight customers" --period 2026-Q4`)
			ada.say(channel, "okr dashboard")
			answer := ada.next(dm.ConversationID).Card().Text()
			if got := posted(fake, teamsChannel); got != "" {
				t.Errorf("okrbot wrote in the channel:\n%s", got)
			}
			m := teamsLink.FindStringSubmatch(answer)
			if m == nil {
				t.Fatalf("no dashboard link in %s", answer)
			}
			// okrbot listens on plain HTTP here; the link is https, as
			// behind a proxy that ends TLS. Its cookie is Secure, so the
			// browser is sent over http to the same host.
			link := strings.Replace(m[1], "https://", "http://", 1)
			browser := dashboardBrowser(strings.TrimPrefix(p.base, "http://"))
			if code, body := fetch(t, browser, "GET", link); code != 200 || !strings.Contains(body, "Continue as "+teamsAda.Name) {
				t.Fatalf("sign-in page: %d %s", code, body)
			}
			req := must(http.NewRequest("POST", link, nil))
			resp, err := (&http.Client{Transport: browser.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cookie := resp.Header.Get("Set-Cookie")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(cookie, "__Host-okrbot_session=") ||
				!strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
				t.Fatalf("sign-in: %d, cookie %q", resp.StatusCode, cookie)
			}
			home := must(http.NewRequest("GET", public+"/", nil))
			home.URL.Scheme = "http"
			home.Header.Set("Cookie", strings.SplitN(cookie, ";", 2)[0])
			code, body := send(t, browser, home)
			if code != 200 || !strings.Contains(body, "#1 Delight customers") {
				t.Errorf("Home: %d %s", code, body)
			}

			// Sign in with Microsoft, through serve, with the Teams app's
			// registration.
			// The browser's cookies are Secure, so they are handed over by
			// hand on the plain HTTP the test's okrbot listens on.
			b := &http.Client{Transport: browser.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			start := must(b.Get(strings.Replace(public, "https", "http", 1) + web.MicrosoftSignInPath))
			start.Body.Close()
			back, err := fake.SignIn(start.Header.Get("Location"), teamsAda, "")
			if err != nil {
				t.Fatal(err)
			}
			callback := must(http.NewRequest("GET", strings.Replace(back, "https", "http", 1), nil))
			callback.Header.Set("Cookie", strings.SplitN(start.Header.Get("Set-Cookie"), ";", 2)[0])
			done := must(b.Do(callback))
			done.Body.Close()
			signedIn := slices.ContainsFunc(done.Cookies(), func(c *http.Cookie) bool { return c.Name == "__Host-okrbot_session" && c.Value != "" })
			if done.StatusCode != http.StatusSeeOther || !signedIn {
				t.Errorf("Sign in with Microsoft: %d %v", done.StatusCode, done.Header["Set-Cookie"])
			}

			// Inside the Teams tab: the app package's tab is the page okrbot
			// serves, and Teams' single sign-on token signs Ada in there.
			if teams.TabPath != web.TeamsTabPath {
				t.Fatalf("the manifest's tab is at %s, okrbot serves it at %s", teams.TabPath, web.TeamsTabPath)
			}
			if code, body := fetch(t, browser, "GET", strings.Replace(public, "https", "http", 1)+web.TeamsTabPath); code != 200 ||
				!strings.Contains(body, "MicrosoftTeams.min.js") {
				t.Fatalf("the tab's page: %d %s", code, body)
			}
			token := fake.TabToken(teamsAda, "", "api://okrbot.example.test/"+faketeams.AppID)
			tabSignIn := must(http.NewRequest("POST", strings.Replace(public, "https", "http", 1)+web.TeamsTabSignInPath,
				strings.NewReader(url.Values{"token": {token}}.Encode())))
			tabSignIn.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err = browser.Transport.RoundTrip(tabSignIn)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			tabCookie := resp.Header.Get("Set-Cookie")
			if resp.StatusCode != http.StatusNoContent || !strings.HasPrefix(tabCookie, "__Host-okrbot_tab=") {
				t.Fatalf("tab sign-in: %d %q", resp.StatusCode, tabCookie)
			}
			inTab := must(http.NewRequest("GET", strings.Replace(public, "https", "http", 1)+"/o/1", nil))
			inTab.Header.Set("Cookie", strings.SplitN(tabCookie, ";", 2)[0])
			resp, err = browser.Transport.RoundTrip(inTab)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self' https://teams.microsoft.com") {
				t.Errorf("an objective in the tab: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
}

// TestSignInWithSlackAcrossReplicas: with okrbot installed from
// /slack/install and two processes behind a load balancer, a person signs
// in with Slack on one and is served by either; a person of a workspace
// okrbot was never installed in is refused.
func TestSignInWithSlackAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			d := newDeployment(t, setup{db: dbURL, procs: 2})
			d.install(acme, false)
			d.send(d.slash(acme, "/okr", `new "Acme grows" --period 2026-Q4`))
			d.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)

			signIn := func(w slackTeam) (*http.Client, int, string) {
				b := d.browser()
				stop := *b
				stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				resp, err := stop.Get(publicURL + web.SlackSignInPath)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				back, err := d.fake.SignIn(resp.Header.Get("Location"), fakeslack.Grant{TeamID: w.team, UserID: w.user})
				if err != nil {
					t.Fatal(err)
				}
				code, page := d.get(b, back)
				return b, code, page
			}
			ada, code, home := signIn(acme)
			if code != 200 || !strings.Contains(home, "#1 Acme grows") {
				t.Fatalf("Home after Sign in with Slack: %d %s", code, home)
			}
			// The balancer sends each request to the next process.
			for range 4 {
				if code, page := d.get(ada, publicURL+"/o/1"); code != 200 || !strings.Contains(page, "Acme grows") {
					t.Errorf("/o/1 on a replica: %d %s", code, page)
				}
			}
			_, code, page := signIn(globex)
			if code != http.StatusForbidden || !strings.Contains(page, "does not serve the Slack workspace") || strings.Contains(page, "Acme") {
				t.Errorf("a person of a workspace okrbot is not installed in: %d %s", code, page)
			}
		})
	}
}
