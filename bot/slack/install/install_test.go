package install_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"go.yaml.in/yaml/v3"

	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// installs backs install.Store with okrbot's database, as main does.
type installs struct{ st *store.Store }

func (s installs) SaveInstallation(ctx context.Context, in install.Installation) error {
	return s.st.SaveInstallation(ctx, store.Installation(in))
}

func (s installs) InstallationFor(ctx context.Context, enterpriseID, teamID string) (install.Installation, error) {
	got, err := s.st.InstallationFor(ctx, enterpriseID, teamID)
	if errors.Is(err, okr.ErrNotFound) {
		err = install.ErrNotInstalled
	}
	return install.Installation(got), err
}

func (s installs) ClaimRefresh(ctx context.Context, enterpriseID, teamID, holder string, now, until time.Time) (install.Installation, int, bool, error) {
	got, failures, claimed, err := s.st.ClaimRefresh(ctx, enterpriseID, teamID, holder, now, until)
	return install.Installation(got), failures, claimed, err
}

func (s installs) FinishRefresh(ctx context.Context, enterpriseID, teamID, holder string, next *install.Installation, now, retryAt time.Time) (bool, error) {
	return s.st.FinishRefresh(ctx, enterpriseID, teamID, holder, (*store.Installation)(next), now, retryAt)
}

func (s installs) RevokeInstallation(ctx context.Context, enterpriseID, teamID string, at time.Time, reason string) error {
	return s.st.RevokeInstallation(ctx, enterpriseID, teamID, at, reason)
}

func (s installs) ActiveInstallations(ctx context.Context) ([]install.Installation, error) {
	all, err := s.st.ActiveInstallations(ctx)
	out := make([]install.Installation, len(all))
	for i, in := range all {
		out[i] = install.Installation(in)
	}
	return out, err
}

func (s installs) UseOAuthState(ctx context.Context, state string, expires, now time.Time) (bool, error) {
	return s.st.UseOAuthState(ctx, state, expires, now)
}

const (
	clientID     = "1111.2222"
	clientSecret = "the-client-secret"
)

// harness is okrbot's install flow on a real HTTP server and database,
// with a fake Slack.
type harness struct {
	t     *testing.T
	clock *fakeclock.Clock
	f     *fakeslack.Server
	st    *store.Store
	in    *install.Installer
	srv   *httptest.Server
}

func newHarness(t *testing.T, st *store.Store, app fakeslack.App, cfg install.Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: fakeclock.New(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)), st: st}
	h.f = fakeslack.New(t, fakeslack.WithApp(app), fakeslack.WithClock(h.clock.Now))
	h.f.AddTeam(fakeslack.Team{ID: "T1", Name: "Acme"})
	h.f.AddTeam(fakeslack.Team{ID: "T2", Name: "Globex"})
	h.f.AddTeam(fakeslack.Team{ID: "T3", Name: "Initech Sales", EnterpriseID: "E1", EnterpriseName: "Initech"})
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	box, err := secret.ParseKeys(base64.StdEncoding.EncodeToString(key))
	if err != nil {
		t.Fatal(err)
	}
	st.SetSealer(box)

	var handler http.Handler
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.srv.Close)
	h.in = h.installer(cfg)
	handler = h.in
	return h
}

func (h *harness) installer(cfg install.Config) *install.Installer {
	h.t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = clientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = clientSecret
	}
	cfg.PublicURL, cfg.APIURL, cfg.Store, cfg.Now = h.srv.URL+"/", h.f.APIURL(), installs{h.st}, h.clock.Now
	in, err := install.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return in
}

func defaultApp() fakeslack.App {
	return fakeslack.App{ClientID: clientID, ClientSecret: clientSecret}
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var buttonHref = regexp.MustCompile(`<a class="button" href="([^"]+)">`)

// addToSlack opens the install page and returns where its button points.
func (h *harness) addToSlack(c *http.Client) string {
	h.t.Helper()
	status, body := get(h.t, c, h.srv.URL+install.InstallPath)
	m := buttonHref.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil || !strings.Contains(body, "Add to Slack") {
		h.t.Fatalf("install page: %d\n%s", status, body)
	}
	return html.UnescapeString(m[1])
}

// install goes through the whole flow in browser c, and returns the page
// okrbot shows at the end.
func (h *harness) install(c *http.Client, g fakeslack.Grant) (int, string) {
	h.t.Helper()
	back, err := h.f.Approve(h.addToSlack(c), g)
	if err != nil {
		h.t.Fatal(err)
	}
	return get(h.t, c, back)
}

// text is a page without its markup, to assert on what a person reads.
func text(page string) string {
	page = regexp.MustCompile(`(?s)<style>.*</style>|<[^>]+>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(html.UnescapeString(page)), " ")
}

func wantPage(t *testing.T, status int, page string, wantStatus int, wants ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("status %d, want %d: %s", status, wantStatus, text(page))
	}
	for _, w := range wants {
		if !strings.Contains(text(page), w) {
			t.Errorf("page does not say %q:\n%s", w, text(page))
		}
	}
}

func TestTwoWorkspacesInstall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st, defaultApp(), install.Config{})
		for _, team := range []string{"T1", "T2"} {
			status, page := h.install(browser(t), fakeslack.Grant{TeamID: team, UserID: "U" + team})
			name := map[string]string{"T1": "Acme", "T2": "Globex"}[team]
			wantPage(t, status, page, http.StatusOK, "okrbot is installed in "+name+".", "Type /okr help in any channel to start.", "Open Slack")
		}
		for _, team := range []string{"T1", "T2"} {
			inst, err := h.in.Authorize(ctx, "", team)
			if err != nil {
				t.Fatal(err)
			}
			if inst.BotUserID != fakeslack.BotUserIDOf(team) || inst.InstallerID != "U"+team || inst.Scopes != strings.Join(install.Scopes, ",") ||
				!inst.InstalledAt.Equal(h.clock.Now()) || !inst.ExpiresAt.IsZero() || inst.RefreshToken != "" {
				t.Errorf("installation of %s = %+v", team, inst)
			}
			// The stored token is the one Slack issued to that team.
			slack.New(inst.BotToken, slack.OptionAPIURL(h.f.APIURL())).PostMessage("C1", slack.MsgOptionText("for "+team, false))
		}
		for _, c := range h.f.Calls("chat.postMessage") {
			if c.Text() != "for "+c.TeamID {
				t.Errorf("%q went out with team %q's token", c.Text(), c.TeamID)
			}
		}
		if _, err := h.in.Authorize(ctx, "", "T9"); !errors.Is(err, install.ErrNotInstalled) {
			t.Errorf("a workspace that did not install: %v", err)
		}
	})
}

func TestInstallPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, storetest.OpenURL(t, storetest.SQLiteURL(t)), defaultApp(), install.Config{})
	c := browser(t)
	link, err := url.Parse(h.addToSlack(c))
	if err != nil {
		t.Fatal(err)
	}
	q := link.Query()
	if link.Scheme+"://"+link.Host+link.Path != h.f.URL()+"/oauth/v2/authorize" || q.Get("client_id") != clientID ||
		q.Get("scope") != strings.Join(install.Scopes, ",") || q.Get("redirect_uri") != h.srv.URL+"/slack/oauth_redirect" ||
		len(q.Get("state")) < 40 || h.in.RedirectURL() != q.Get("redirect_uri") {
		t.Errorf("Add to Slack points at %s", link)
	}
	resp, err := c.Get(h.srv.URL + install.InstallPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode ||
		cookies[0].Path != install.RedirectPath || cookies[0].MaxAge != 600 || cookies[0].Secure {
		t.Errorf("state cookie = %+v", cookies)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q: a cached page would hand out one state twice", resp.Header.Get("Cache-Control"))
	}
	// Neither the install page nor a refusal may be framed by another
	// site, where a click meant for that site would land on okrbot's.
	refusal, err := c.Get(h.srv.URL + install.RedirectPath + "?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	refusal.Body.Close()
	for _, r := range []*http.Response{resp, refusal} {
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: Content-Security-Policy %q, X-Frame-Options %q; want frame-ancestors 'none' and DENY", r.Request.URL.Path, csp, r.Header.Get("X-Frame-Options"))
		}
	}
	if again := h.addToSlack(browser(t)); strings.Contains(again, q.Get("state")) {
		t.Error("two visits got the same state")
	}
	for _, scope := range install.Scopes {
		if body := func() string { _, b := get(t, c, h.srv.URL+install.InstallPath); return b }(); !strings.Contains(text(body), scope) {
			t.Errorf("the page does not list the permission %s", scope)
		}
	}
	if status, _ := get(t, c, h.srv.URL+"/slack/other"); status != http.StatusNotFound {
		t.Errorf("another path: %d", status)
	}
	resp, _ = c.Post(h.srv.URL+install.InstallPath, "text/plain", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestRefusedStates(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st, defaultApp(), install.Config{})
		approve := func(c *http.Client) string {
			back, err := h.f.Approve(h.addToSlack(c), fakeslack.Grant{TeamID: "T1", UserID: "U1"})
			if err != nil {
				t.Fatal(err)
			}
			return back
		}
		exchanges := func() int { return len(h.f.Calls("oauth.v2.access")) }

		// A replayed redirect is refused even with its cookie.
		victim := browser(t)
		back := approve(victim)
		redirect, _ := url.Parse(back)
		cookies := victim.Jar.Cookies(redirect)
		status, page := get(t, victim, back)
		wantPage(t, status, page, http.StatusOK, "okrbot is installed in Acme.")
		replay := browser(t)
		replay.Jar.SetCookies(redirect, cookies)
		status, page = get(t, replay, back)
		wantPage(t, status, page, http.StatusBadRequest, "okrbot was not installed", "This installation link was already used.", "Start again")
		if exchanges() != 1 {
			t.Errorf("%d code exchanges, want 1", exchanges())
		}

		// Another browser's redirect: the attacker's own state in the
		// victim's browser.
		attacker := browser(t)
		forged := approve(attacker)
		h.addToSlack(victim) // the victim has a state cookie of their own
		status, page = get(t, victim, forged)
		wantPage(t, status, page, http.StatusForbidden, "The installation link was not made by this okrbot for this browser, so it was refused.")

		// A redirect in a browser that never started an install.
		status, page = get(t, browser(t), approve(browser(t)))
		wantPage(t, status, page, http.StatusBadRequest, "This browser did not start the installation here")

		// A cookie signed with another key, for the state in the URL.
		c := browser(t)
		back = approve(c)
		u, _ := url.Parse(back)
		state := u.Query().Get("state")
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "okrbot_slack_oauth_state", Value: state + ".9999999999.bm90LXRoZS1tYWM", Path: install.RedirectPath}})
		status, page = get(t, c, back)
		wantPage(t, status, page, http.StatusForbidden, "was not made by this okrbot")

		// An old link.
		c = browser(t)
		back = approve(c)
		h.clock.Advance(10 * time.Minute)
		status, page = get(t, c, back)
		wantPage(t, status, page, http.StatusBadRequest, "The installation link expired: it works for 10m0s.")

		if exchanges() != 1 {
			t.Errorf("refused redirects exchanged codes: %d exchanges, want 1", exchanges())
		}
	})
}

func TestSlackSaysNo(t *testing.T) {
	t.Parallel()
	st := storetest.OpenURL(t, storetest.SQLiteURL(t))
	h := newHarness(t, st, defaultApp(), install.Config{})

	c := browser(t)
	back, err := h.f.Deny(h.addToSlack(c))
	if err != nil {
		t.Fatal(err)
	}
	status, page := get(t, c, back)
	wantPage(t, status, page, http.StatusForbidden, "the installation was cancelled on Slack's page", "Start again")

	// A code that is not Slack's.
	c = browser(t)
	back, _ = h.f.Approve(h.addToSlack(c), fakeslack.Grant{TeamID: "T1"})
	status, page = get(t, c, strings.Replace(back, "code=", "code=x", 1))
	wantPage(t, status, page, http.StatusBadRequest, "Slack did not accept the authorization code: it was already used, or it is too old.")

	// Slack is down.
	h.f.FailMethod("oauth.v2.access", fakeslack.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	status, page = h.install(browser(t), fakeslack.Grant{TeamID: "T1"})
	wantPage(t, status, page, http.StatusBadGateway, "Slack could not be reached to finish the installation.", "Start again")

	// okrbot runs with a client secret that is not the app's.
	wrong := h.installer(install.Config{ClientSecret: "stale-secret"})
	rec := httptest.NewRecorder()
	wrong.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, install.InstallPath, nil))
	link := html.UnescapeString(buttonHref.FindStringSubmatch(rec.Body.String())[1])
	back, _ = h.f.Approve(link, fakeslack.Grant{TeamID: "T1"})
	req := httptest.NewRequest(http.MethodGet, back, nil)
	for _, ck := range rec.Result().Cookies() {
		req.AddCookie(ck)
	}
	rec = httptest.NewRecorder()
	wrong.ServeHTTP(rec, req)
	wantPage(t, rec.Code, rec.Body.String(), http.StatusBadGateway,
		"Slack refused okrbot's credentials: SLACK_CLIENT_ID or SLACK_CLIENT_SECRET does not match this Slack app.")

	if all, _ := st.ActiveInstallations(context.Background()); len(all) != 0 {
		t.Errorf("failed installs saved %+v", all)
	}
}

func TestOrgWideInstall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st, defaultApp(), install.Config{})
		status, page := h.install(browser(t), fakeslack.Grant{TeamID: "T3", UserID: "U3", OrgWide: true})
		wantPage(t, status, page, http.StatusOK, "okrbot is installed for the whole Initech organization.", "/okr help")
		// Any workspace of the organization is served by it.
		inst, err := h.in.Authorize(ctx, "E1", "T42")
		if err != nil || !inst.IsEnterpriseInstall || inst.EnterpriseID != "E1" || inst.TeamID != "" || inst.BotUserID != fakeslack.BotUserIDOf("E1") {
			t.Errorf("Authorize(E1, T42) = %+v, %v", inst, err)
		}
	})
}

func TestPagesEscapeNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, storetest.OpenURL(t, storetest.SQLiteURL(t)), defaultApp(), install.Config{})
	h.f.AddTeam(fakeslack.Team{ID: "T6", Name: `<script>alert("hi")</script>`})
	status, page := h.install(browser(t), fakeslack.Grant{TeamID: "T6"})
	if status != http.StatusOK || strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("a workspace name with markup: %d\n%s", status, page)
	}
}

func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app := defaultApp()
	app.TokenRotation = true
	for _, url := range storetest.MigratedURLs(t) {
		st := storetest.OpenURL(t, url)
		t.Run(st.Dialect(), func(t *testing.T) {
			h := newHarness(t, st, app, install.Config{RefreshBefore: 30 * time.Minute})
			status, page := h.install(browser(t), fakeslack.Grant{TeamID: "T1"})
			wantPage(t, status, page, http.StatusOK, "okrbot is installed in Acme.")
			first, err := h.in.Authorize(ctx, "", "T1")
			if err != nil || !first.ExpiresAt.Equal(h.clock.Now().Add(12*time.Hour)) || first.RefreshToken == "" {
				t.Fatalf("rotating install = %+v, %v", first, err)
			}
			refreshes := func() int {
				n := 0
				for _, c := range h.f.Calls("oauth.v2.access") {
					if c.Params.Get("grant_type") == "refresh_token" {
						n++
					}
				}
				return n
			}

			h.clock.Advance(11 * time.Hour) // 1 hour left: not yet
			if got, err := h.in.Authorize(ctx, "", "T1"); err != nil || got.BotToken != first.BotToken || refreshes() != 0 {
				t.Errorf("an hour before expiry: %v, %d refreshes; want the same token", err, refreshes())
			}

			// 20 minutes left: two replicas want the token at once. One
			// refreshes it; the other goes on with the current token,
			// which works for 20 minutes more.
			h.clock.Advance(40 * time.Minute)
			other := h.installer(install.Config{RefreshBefore: 30 * time.Minute})
			var wg sync.WaitGroup
			got := make([]install.Installation, 2)
			for i, in := range []*install.Installer{h.in, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if got[i], err = in.Authorize(ctx, "", "T1"); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if refreshes() != 1 {
				t.Errorf("%d refreshes, want 1", refreshes())
			}
			for i, in := range []*install.Installer{h.in, other} {
				if got[i], err = in.Authorize(ctx, "", "T1"); err != nil {
					t.Fatal(err)
				}
			}
			if refreshes() != 1 || got[0].BotToken != got[1].BotToken || got[0].BotToken == first.BotToken ||
				!got[0].ExpiresAt.Equal(h.clock.Now().Add(12*time.Hour)) {
				t.Errorf("after refresh (%d refreshes): %+v and %+v", refreshes(), got[0], got[1])
			}
			if who, err := slack.New(got[0].BotToken, slack.OptionAPIURL(h.f.APIURL())).AuthTest(); err != nil || who.TeamID != "T1" {
				t.Errorf("refreshed token at Slack: %+v, %v", who, err)
			}
			stored, _ := st.InstallationFor(ctx, "", "T1")
			if stored.BotToken != got[0].BotToken || stored.RefreshToken != got[0].RefreshToken {
				t.Error("the refreshed tokens were not stored")
			}

			// Slack fails to refresh: the current token goes on until it
			// expires, and the refresh is tried again after a backoff, not
			// on every call.
			second := got[0]
			h.f.FailMethod("oauth.v2.access", fakeslack.HTTPError(http.StatusServiceUnavailable))
			h.clock.Advance(11*time.Hour + 40*time.Minute)
			for range 3 {
				if got, err := h.in.Authorize(ctx, "", "T1"); err != nil || got.BotToken != second.BotToken {
					t.Errorf("while Slack fails to refresh: %v, %v; want the current token", got.BotToken, err)
				}
			}
			if refreshes() != 2 {
				t.Errorf("%d refreshes after one failed, want 2 (the failed one is not tried again at once)", refreshes())
			}
			h.f.ClearFaults()
			h.clock.Advance(time.Minute)
			if got, err := h.in.Authorize(ctx, "", "T1"); err != nil || got.BotToken == second.BotToken || refreshes() != 3 {
				t.Errorf("after the backoff: %v (%d refreshes), want a new token", err, refreshes())
			}

			// Once the app is uninstalled, Slack refuses the refresh token:
			// the installation is revoked, with Slack's reason.
			h.f.Uninstall("T1")
			h.clock.Advance(12 * time.Hour)
			if _, err := h.in.Authorize(ctx, "", "T1"); err == nil || !strings.Contains(err.Error(), "invalid_refresh_token") ||
				!strings.Contains(err.Error(), "workspace T1") || !errors.Is(err, install.ErrNotInstalled) {
				t.Errorf("refresh after uninstall: %v", err)
			}
			revoked, _ := st.RevokedInstallations(ctx)
			if len(revoked) != 1 || revoked[0].TeamID != "T1" || !strings.Contains(revoked[0].RevokedReason, "invalid_refresh_token") {
				t.Errorf("revoked installations: %+v", revoked)
			}
		})
	}
}

func callback(t *testing.T, payload map[string]any) slackevents.EventsAPICallbackEvent {
	t.Helper()
	body, _ := json.Marshal(payload)
	var cb slackevents.EventsAPICallbackEvent
	if err := json.Unmarshal(body, &cb); err != nil {
		t.Fatal(err)
	}
	return cb
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	f := fakeslack.New(t)
	f.AddTeam(fakeslack.Team{ID: "T1"})
	f.AddTeam(fakeslack.Team{ID: "T2", EnterpriseID: "E1"})
	f.AddTeam(fakeslack.Team{ID: "T3", EnterpriseID: "E1"})
	for _, g := range []fakeslack.Grant{{TeamID: "T1"}, {TeamID: "T2", OrgWide: true}, {TeamID: "T3"}} {
		if _, err := f.InstallBot(g); err != nil {
			t.Fatal(err)
		}
	}
	uninstalled, _ := f.Uninstall("T1")
	revokedOrg, _ := f.RevokeTokens("E1")
	revokedTeam, _ := f.RevokeTokens("T3")
	userOnly := callback(t, revokedTeam)
	*userOnly.InnerEvent = json.RawMessage(`{"type":"tokens_revoked","tokens":{"oauth":["U1"]}}`)
	other := callback(t, uninstalled)
	*other.InnerEvent = json.RawMessage(`{"type":"app_home_opened","user":"U1"}`)

	for _, tc := range []struct {
		name             string
		cb               slackevents.EventsAPICallbackEvent
		enterprise, team string
		ok               bool
	}{
		{"app_uninstalled", callback(t, uninstalled), "", "T1", true},
		{"tokens_revoked, org-wide", callback(t, revokedOrg), "E1", "", true},
		{"tokens_revoked, a team in an org", callback(t, revokedTeam), "E1", "T3", true},
		{"user tokens only", userOnly, "", "", false},
		{"another event", other, "", "", false},
	} {
		e, team, ok := install.Revocation(tc.cb)
		if e != tc.enterprise || team != tc.team || ok != tc.ok {
			t.Errorf("%s: Revocation = %q, %q, %v; want %q, %q, %v", tc.name, e, team, ok, tc.enterprise, tc.team, tc.ok)
		}
	}
}

func TestScopesMatchManifest(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(manifest.OAuth.Scopes.Bot, install.Scopes) {
		t.Errorf("manifest.yml declares the bot scopes %v, the install page asks for %v", manifest.OAuth.Scopes.Bot, install.Scopes)
	}
}

func TestNewNamesTheMissingSetting(t *testing.T) {
	t.Parallel()
	st := installs{}
	for _, tc := range []struct {
		cfg  install.Config
		want string
	}{
		{install.Config{ClientSecret: "s", PublicURL: "https://x", Store: st}, "SLACK_CLIENT_ID"},
		{install.Config{ClientID: "1", PublicURL: "https://x", Store: st}, "SLACK_CLIENT_SECRET"},
		{install.Config{ClientID: "1", ClientSecret: "s", Store: st}, "OKRBOT_PUBLIC_URL"},
		{install.Config{ClientID: "1", ClientSecret: "s", PublicURL: "okrbot.example.com", Store: st}, "OKRBOT_PUBLIC_URL"},
		{install.Config{ClientID: "1", ClientSecret: "s", PublicURL: "https://x", APIURL: "::", Store: st}, "SLACK_API_URL"},
	} {
		if _, err := install.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
}

func TestBehindAProxy(t *testing.T) {
	t.Parallel()
	in, err := install.New(install.Config{ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: "https://example.com/okrbot/", Store: installs{}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	in.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, install.InstallPath, nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Path != "/okrbot/slack/oauth_redirect" || !cookies[0].Secure {
		t.Errorf("state cookie behind a proxy = %+v", cookies)
	}
	link := html.UnescapeString(buttonHref.FindStringSubmatch(rec.Body.String())[1])
	if !strings.HasPrefix(link, "https://slack.com/oauth/v2/authorize?") ||
		!strings.Contains(link, url.QueryEscape("https://example.com/okrbot/slack/oauth_redirect")) {
		t.Errorf("Add to Slack points at %s", link)
	}
}

// TestInstalledAsLastRead: the replica that installs or uninstalls knows
// at once; another replica learns of a new install when a request comes
// from it, and of an uninstall once what it read is older than 30 seconds.
func TestInstalledAsLastRead(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		h := newHarness(t, st, defaultApp(), install.Config{})
		other := h.installer(install.Config{})
		for _, in := range []*install.Installer{h.in, other} {
			if err := in.Load(ctx); err != nil {
				t.Fatal(err)
			}
		}
		status, page := h.install(browser(t), fakeslack.Grant{TeamID: "T1", UserID: "UT1"})
		wantPage(t, status, page, http.StatusOK, "okrbot is installed in Acme.")
		if !h.in.Installed(ctx, "", "T1") {
			t.Error("the replica that installed okrbot does not know it")
		}
		if other.Installed(ctx, "", "T1") {
			t.Error("the other replica read the installations again before they were 30 s old")
		}
		if !other.InstalledNow(ctx, "", "T1") || !other.Installed(ctx, "", "T1") {
			t.Error("a request from the new workspace is not served by the other replica")
		}

		h.in.Uninstalled(ctx, "", "T1", "app_uninstalled")
		if h.in.Installed(ctx, "", "T1") {
			t.Error("the replica Slack told of the uninstall still serves the workspace")
		}
		if !other.Installed(ctx, "", "T1") {
			t.Error("the other replica read the installations again before they were 30 s old")
		}
		h.clock.Advance(31 * time.Second)
		if other.Installed(ctx, "", "T1") {
			t.Error("31 s after the uninstall, the other replica still serves the workspace")
		}
	})
}
