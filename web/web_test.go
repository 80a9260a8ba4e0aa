package web_test

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// midQ4 is half-way through 2026-Q4.
var midQ4 = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

// site is a dashboard over real HTTPS and a real database, with people
// who set their OKRs up through the commands, as they would in chat.
type site struct {
	t   *testing.T
	now time.Time
	// platform is where people type their commands: Slack unless set.
	platform string
	svc      *commands.Service
	srv      *httptest.Server
}

func newSite(t *testing.T, st *store.Store) *site { return startSite(t, st, true) }

// startSite serves the dashboard over https, or plain http.
func startSite(t *testing.T, st *store.Store, https bool) *site {
	s := &site{t: t, now: midQ4}
	clock := func() time.Time { return s.now }
	if https {
		s.srv = startTLS(t)
	} else {
		s.srv = httptest.NewUnstartedServer(nil)
		s.srv.Start()
		t.Cleanup(s.srv.Close)
	}
	base := s.srv.URL
	s.svc = commands.New(commands.Config{Store: st, Now: clock, DashboardURL: func(context.Context) (string, error) { return base, nil }})
	d, err := web.New(web.Config{Store: st, Now: clock, PublicURL: base, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.srv.Config.Handler = d
	return s
}

// startTLS starts a server over https whose handler is set later.
func startTLS(t *testing.T) *httptest.Server {
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// say types a command as a person of a workspace and returns the answer.
func (s *site) say(team, user, name, text string) bot.Message {
	s.t.Helper()
	ws := bot.Workspace{Platform: cmp.Or(s.platform, "slack"), TeamID: team}
	cmd, rest, _ := strings.Cut(text, " ")
	req := bot.Request{Workspace: ws, User: bot.User{ID: user, Name: name}, Command: cmd, Text: rest,
		Address: bot.Address{Workspace: ws, Kind: bot.DirectChat, ID: "D" + user}}
	reply := s.svc.Command(context.Background(), req)
	if reply.Message == nil {
		s.t.Fatalf("%s: no message", text)
	}
	if strings.HasPrefix(reply.Message.Summary.String(), "⚠️") {
		s.t.Fatalf("%s: %s", text, reply.Message.Summary)
	}
	return *reply.Message
}

// link is the sign-in link of /okr dashboard's answer.
func (s *site) link(team, user, name string) string {
	s.t.Helper()
	msg := s.say(team, user, name, "/okr dashboard")
	if msg.Visibility != bot.Private {
		s.t.Errorf("the sign-in link is shown to %v, want the asker alone (private)", msg.Visibility)
	}
	for _, sec := range msg.Sections {
		for _, in := range sec.Text {
			if in.Kind == bot.LinkKind {
				return in.ID
			}
		}
	}
	s.t.Fatalf("no link in %+v", msg)
	return ""
}

// browser is a person's browser: its own cookies, following redirects.
type browser struct {
	t *testing.T
	c *http.Client
	s *site
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	// srv.Client is one client for all: each browser needs its own jar.
	c := &http.Client{Transport: s.srv.Client().Transport, Jar: jar}
	return &browser{t: s.t, c: c, s: s}
}

type page struct {
	status int
	body   string
	header http.Header
}

func (b *browser) do(method, path string, form url.Values, header ...string) page {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.s.srv.URL + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	all, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(all), header: resp.Header}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

func (b *browser) post(path string, form url.Values, header ...string) page {
	if form == nil {
		form = url.Values{}
	}
	return b.do(http.MethodPost, path, form, header...)
}

// signIn opens a link and presses Continue.
func (b *browser) signIn(link string) page {
	b.t.Helper()
	if p := b.get(link); p.status != http.StatusOK || !strings.Contains(p.body, "Continue as") {
		b.t.Fatalf("sign-in page: %d %s", p.status, p.body)
	}
	return b.post(link, nil)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field in %s", p.body)
	}
	return m[1]
}

func (p page) has(t *testing.T, what string, wants ...string) {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", what, p.status, p.body)
	}
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s does not show %q:\n%s", what, w, p.body)
		}
	}
}

// fill gives workspace T1 Ada's objectives and KPI, aligned to a company
// objective, and workspace T2 a secret of its own.
func (s *site) fill() {
	s.say("T1", "U1", "Ada", `/okr new "Delight customers"`)
	s.say("T1", "U1", "Ada", `/okr new "Grow revenue <fast>" --team Sales --parent 1`)
	s.say("T1", "U1", "Ada", `/okr kr 2 "Close deals" --target 20 --unit deals`)
	s.say("T1", "U1", "Ada", `/okr kr 2 "Launch pricing" --milestone`)
	s.say("T1", "U1", "Ada", `/kpi new "Churn rate" --unit % --target 2 --lower-is-better --team Sales`)
	s.now = midQ4.Add(-14 * 24 * time.Hour)
	s.say("T1", "U1", "Ada", `/okr checkin 3 4 on-track first deals`)
	s.say("T1", "U1", "Ada", `/kpi set "Churn rate" 2.2`)
	s.now = midQ4
	s.say("T1", "U1", "Ada", `/okr checkin 3 9 at-risk "slow month"`)
	s.say("T1", "U1", "Ada", `/kpi set "Churn rate" 3.4`)
	s.say("T2", "U9", "Eve", `/okr new "Secret plan"`)
	s.say("T2", "U9", "Eve", `/okr kr 1 "Hidden number" --target 5`)
	s.say("T2", "U9", "Eve", `/kpi new "Secret metric" --target 2`)
}

func TestDashboardShowsAPersonTheirWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st)
		s.fill()
		ada := s.browser()
		link := s.link("T1", "U1", "Ada")
		if !strings.HasPrefix(link, s.srv.URL+commands.DashboardSignInPath) {
			t.Fatalf("link %q is not under the dashboard's address", link)
		}
		// Chat apps open links to preview them: that signs no one in.
		preview := s.browser().get(link)
		preview.has(t, "the sign-in page", "Continue as Ada")
		if c := preview.header.Get("Set-Cookie"); c != "" {
			t.Errorf("opening the link set a cookie: %s", c)
		}
		home := ada.signIn(link)
		home.has(t, "Home", "Your objectives in 2026-Q4", "#2 Grow revenue &lt;fast&gt;", "Close deals", "9 / 20 deals",
			"KPIs you own", "Churn rate", "off target", "2026-Q4 at a glance", "Forecast:",
			"50% of 2 key results checked in on in the last 7 days")
		if strings.Contains(home.body, "<fast>") {
			t.Error("a title is shown unescaped")
		}
		tree := ada.get("/tree")
		tree.has(t, "the tree", "Alignment in 2026-Q4", "#1 Delight customers", "<ul><li><a href=\"/o/2\">#2 Grow revenue &lt;fast&gt;</a>",
			"Sales", "red")
		if strings.Contains(tree.body, "<fast>") {
			t.Error("the tree shows a title unescaped")
		}
		ada.get("/tree?team=Sales").has(t, "the tree of Sales", "Alignment in 2026-Q4 · Sales", "#2 Grow revenue")
		obj := ada.get("/o/2")
		obj.has(t, "objective #2", "#2.1 Close deals", "#2.2 Launch pricing", `src="/o/2/chart.png"`, "Aligned to", "#1 Delight customers",
			"slow month", "at risk", "Check-ins", "History", "Forecast:")
		if c := ada.get("/o/2/chart.png"); c.status != http.StatusOK || c.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(c.body, "\x89PNG") {
			t.Errorf("objective chart: %d %s", c.status, c.header.Get("Content-Type"))
		}
		ada.get("/o/1").has(t, "objective #1", "Aligned objectives", "#2 Grow revenue")
		ada.get("/scorecard").has(t, "the scorecard", "Sales", "Churn rate", "3.4%", "≤ 2%", "↑", `<svg class="spark"`)
		ada.get("/k/1").has(t, "the KPI", "Churn rate", `src="/k/1/chart.png"`, "3.4%", "2.2%", "Thresholds")
		if c := ada.get("/k/1/chart.png"); c.status != http.StatusOK || !strings.HasPrefix(c.body, "\x89PNG") {
			t.Errorf("KPI chart: %d", c.status)
		}
		ada.get("/review").has(t, "the review", "Review of 2026-Q4", "Average per team", "Sales")
		ada.get("/review?period=2026-Q3").has(t, "an empty review", "No objectives in 2026-Q3")

		// Workspace T2's objective #1 and KPI are not Ada's to see.
		for _, path := range []string{"/", "/tree", "/o/1", "/scorecard", "/review", "/k/1"} {
			if p := ada.get(path); strings.Contains(p.body, "Secret") {
				t.Errorf("%s shows another workspace's data", path)
			}
		}
		if p := ada.get("/k/2"); p.status != http.StatusNotFound || strings.Contains(p.body, "Secret") {
			t.Errorf("another workspace's KPI: %d", p.status)
		}
		if p := ada.get("/o/99"); p.status != http.StatusNotFound {
			t.Errorf("an unknown objective: %d", p.status)
		}

		// The link is used up: opening or pressing it again signs no one in.
		again := s.browser()
		if p := again.get(link); p.status != http.StatusGone || strings.Contains(p.body, "Continue") {
			t.Errorf("a used link: %d %s", p.status, p.body)
		}
		if p := again.post(link, nil); p.status != http.StatusGone {
			t.Errorf("a used link pressed again: %d", p.status)
		}
		if p := again.get("/o/2"); p.status != http.StatusUnauthorized || strings.Contains(p.body, "Grow revenue") || !strings.Contains(p.body, "/okr dashboard") {
			t.Errorf("a page without a session: %d %s", p.status, p.body)
		}
	})
}

func TestDashboardSessionsAndForms(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st)
		s.fill()

		// A link expires after 10 minutes.
		late := s.link("T1", "U1", "Ada")
		s.now = s.now.Add(commands.DashboardLinkTTL + time.Second)
		if p := s.browser().get(late); p.status != http.StatusGone {
			t.Errorf("an expired link: %d", p.status)
		}

		ada := s.browser()
		home := ada.do(http.MethodPost, s.link("T1", "U1", "Ada"), url.Values{})
		home.has(t, "Home after sign-in", "Your objectives")
		for name, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
		} {
			if got := home.header.Get(name); !strings.Contains(got, want) {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
		if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q", csp)
		}
		u, _ := url.Parse(s.srv.URL)
		cookies := ada.c.Jar.Cookies(u)
		if len(cookies) != 1 || cookies[0].Name != "__Host-okrbot_session" {
			t.Fatalf("cookies %v, want the session's", cookies)
		}

		// Another site's form is refused, signed in or not.
		if p := ada.post("/logout", url.Values{"csrf": {home.csrf(t)}}, "Origin", "https://evil.example"); p.status != http.StatusForbidden {
			t.Errorf("a cross-site logout: %d", p.status)
		}
		if p := s.browser().post(s.link("T1", "U1", "Ada"), nil, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
			t.Errorf("a cross-site sign-in: %d", p.status)
		}
		if p := ada.post("/logout", url.Values{"csrf": {"0000"}}); p.status != http.StatusForbidden {
			t.Errorf("a logout without the form's token: %d", p.status)
		}

		// Idle for 11 hours: still signed in; 13 hours after that: not.
		s.now = s.now.Add(11 * time.Hour)
		ada.get("/").has(t, "Home after 11 hours", "Your objectives")
		s.now = s.now.Add(13 * time.Hour)
		if p := ada.get("/"); p.status != http.StatusUnauthorized {
			t.Errorf("after 13 idle hours: %d", p.status)
		}

		// A week is the most a session lasts, however busy.
		bob := s.browser()
		bob.signIn(s.link("T1", "U2", "Bob")).has(t, "Bob's Home", "None yet", "You own no KPIs.")
		for range 15 { // 165 hours, never 12 idle
			s.now = s.now.Add(11 * time.Hour)
			if p := bob.get("/"); p.status != http.StatusOK {
				t.Fatalf("a busy session ended early: %d", p.status)
			}
		}
		s.now = s.now.Add(4 * time.Hour)
		if p := bob.get("/"); p.status != http.StatusUnauthorized {
			t.Errorf("a session older than a week: %d", p.status)
		}

		// Signing out ends the session on the server, not only the cookie.
		eve := s.browser()
		eveHome := eve.signIn(s.link("T2", "U9", "Eve"))
		eveHome.has(t, "Eve's Home", "Secret plan")
		stolen := eve.c.Jar.Cookies(u)
		if p := eve.post("/logout", url.Values{"csrf": {eveHome.csrf(t)}}); p.status != http.StatusOK || !strings.Contains(p.body, "signed out") {
			t.Errorf("logout: %d %s", p.status, p.body)
		}
		thief := s.browser()
		thief.c.Jar.SetCookies(u, stolen)
		if p := thief.get("/"); p.status != http.StatusUnauthorized {
			t.Errorf("a signed-out session still works: %d", p.status)
		}
	})
}

func TestDashboardWithoutAnAddressSaysWhatToSet(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return midQ4 }})
		ws := bot.Workspace{Platform: "slack", TeamID: "T1"}
		reply := svc.Command(context.Background(), bot.Request{Workspace: ws, User: bot.User{ID: "U1", Name: "Ada"}, Command: "/okr", Text: "dashboard",
			Address: bot.Address{Workspace: ws, Kind: bot.DirectChat, ID: "D1"}})
		if got := reply.Message.Summary.String(); !strings.Contains(got, "OKRBOT_PUBLIC_URL") {
			t.Errorf("/okr dashboard without an address: %q", got)
		}
	})
}

// TestDashboardIsForMembersOfAServedWorkspace: a session stops opening
// pages once its person is a guest (as their platform last said), and once
// okrbot is uninstalled from the workspace; nothing of the workspace shows.
func TestDashboardIsForMembersOfAServedWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := newSite(t, st)
		s.fill()
		ws, err := st.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveInstallation(ctx, store.Installation{TeamID: "T1", TeamName: "Acme", InstalledAt: s.now}); err != nil {
			t.Fatal(err)
		}
		ada := s.browser()
		ada.signIn(s.link("T1", "U1", "Ada")).has(t, "Home", "Your objectives in 2026-Q4")

		u, err := st.UserByPlatformID(ctx, ws.ID, "U1")
		if err != nil {
			t.Fatal(err)
		}
		u.IsGuest = true
		if _, err := st.SaveUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		guest := ada.get("/tree")
		if guest.status != http.StatusForbidden || strings.Contains(guest.body, "Delight customers") || !strings.Contains(guest.body, "for members of the workspace") {
			t.Errorf("a guest's page: %d %q", guest.status, guest.body)
		}

		u.IsGuest = false
		if _, err := st.SaveUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		bob := s.browser()
		bob.signIn(s.link("T1", "U1", "Ada")).has(t, "Home", "Your objectives in 2026-Q4")
		if err := st.RevokeInstallation(ctx, "", "T1", s.now, "app_uninstalled"); err != nil {
			t.Fatal(err)
		}
		gone := bob.get("/")
		if gone.status != http.StatusForbidden || strings.Contains(gone.body, "Delight customers") || !strings.Contains(gone.body, "no longer installed") {
			t.Errorf("a page after the uninstall: %d %q", gone.status, gone.body)
		}
	})
}

// TestDashboardSaysWhereAKPIsValueComesFrom shows a KPI's source on its
// page, and on the scorecard since when it fails.
func TestDashboardSaysWhereAKPIsValueComesFrom(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st)
		s.fill()
		reply := s.say("T1", "U1", "Ada", `/kpi source "Churn rate" http https://bi.example.com/churn.json --path $.churn --every 1h`)
		ada := s.browser()
		ada.signIn(s.link("T1", "U1", "Ada"))
		ada.get("/k/1").has(t, "the KPI", "Where its value comes from", "Value from http bi.example.com $.churn, fetched every hour, on the hour; not fetched yet.")
		if p := ada.get("/scorecard"); strings.Contains(p.body, "source failing") {
			t.Errorf("the scorecard says a source that was never fetched fails (reply to /kpi source: %v)", reply)
		}

		ctx := context.Background()
		ws, err := st.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		due, err := st.ClaimDueSources(ctx, []uint{ws.ID}, s.now, time.Minute, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("claimed %v, %v; want the KPI's source", due, err)
		}
		if _, err := st.SourceFailed(ctx, due[0], s.now, "HTTP 401 from bi.example.com: check <BI_TOKEN>"); err != nil {
			t.Fatal(err)
		}
		ada.get("/scorecard").has(t, "the scorecard", "Churn rate", "⚠️ source failing since Nov 15 12:00 UTC")
		page := ada.get("/k/1")
		page.has(t, "the KPI", "source failing since Nov 15 12:00 UTC: HTTP 401 from bi.example.com: check &lt;BI_TOKEN&gt;")
		if strings.Contains(page.body, "<BI_TOKEN>") {
			t.Error("the source's error is shown unescaped")
		}
	})
}
