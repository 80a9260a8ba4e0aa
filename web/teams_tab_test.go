package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

const tabAppID = "6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00"

// tabSite is the dashboard with the Teams tab, over https, against a fake
// Entra ID that signs Teams' single sign-on tokens.
func tabSite(t *testing.T, st *store.Store) (*site, *faketeams.Server) {
	s := &site{t: t, now: midQ4, platform: "teams"}
	clock := func() time.Time { return s.now }
	fake := faketeams.New(t, faketeams.WithClock(clock))
	s.srv = startTLS(t)
	base := s.srv.URL
	s.svc = commands.New(commands.Config{Store: st, Now: clock, DashboardURL: func(context.Context) (string, error) { return base, nil }})
	d, err := web.New(web.Config{Store: st, Now: clock, PublicURL: s.srv.URL,
		Teams: &web.TeamsTab{AppID: tabAppID, LoginURL: fake.LoginURL()}})
	if err != nil {
		t.Fatal(err)
	}
	s.srv.Config.Handler = d
	return s, fake
}

// sayInTeams types a command as a person of the fake tenant.
func (s *site) sayInTeams(u faketeams.User, text string) {
	s.t.Helper()
	s.say(faketeams.TenantID, u.AADObjectID, u.Name, text)
}

func TestTeamsTabSignsInWithTeams(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		s, fake := tabSite(t, st)
		ada := faketeams.User{ID: "29:ada", AADObjectID: "aad-ada", Name: "Ada Lovelace", Email: "ada@example.com"}
		s.sayInTeams(ada, `/okr new "Delight customers"`)
		host := strings.TrimPrefix(s.srv.URL, "https://")

		tab := s.browser()
		p := tab.get(web.TeamsTabPath)
		p.has(t, "the tab's page", `src="/assets/teams/MicrosoftTeams.min.js"`, `src="/assets/tab.js"`, "okr dashboard")
		csp := p.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'self' https://teams.microsoft.com") || !strings.Contains(csp, "https://*.cloud.microsoft") ||
			!strings.Contains(csp, "https://*.teams.microsoft.us") ||
			!strings.Contains(csp, "script-src 'self'") || p.header.Get("X-Frame-Options") != "" {
			t.Errorf("the tab's page may not be shown in Teams: CSP %q, X-Frame-Options %q", csp, p.header.Get("X-Frame-Options"))
		}
		if lib := tab.get("/assets/teams/MicrosoftTeams.min.js"); lib.status != 200 || !strings.Contains(lib.body, "microsoftTeams") {
			t.Errorf("the Teams library is not served: %d", lib.status)
		}

		signIn := func(b *browser, token string) page {
			return b.post(web.TeamsTabSignInPath, url.Values{"token": {token}})
		}
		// A token okrbot cannot accept is 401, and the tab offers a link; a
		// person it may not let in is 403 with the reason the tab shows.
		for name, want := range map[string]struct {
			token  string
			status int
			says   string
		}{
			"not a token":                       {"nonsense", http.StatusUnauthorized, "not a Teams sign-in token"},
			"for another app":                   {fake.TabToken(ada, "", "api://"+host+"/00000000-0000-0000-0000-0000000000ff"), http.StatusUnauthorized, "could not be checked"},
			"of a tenant okrbot does not serve": {fake.TabToken(ada, "0e0e0000-0000-4000-8000-000000000bad", tabAppID), http.StatusForbidden, "okrbot does not serve your Microsoft 365 organization."},
		} {
			if p := signIn(s.browser(), want.token); p.status != want.status || !strings.Contains(p.body, want.says) || p.header.Get("Set-Cookie") != "" {
				t.Errorf("a token %s: %d %s", name, p.status, p.body)
			}
		}
		expired := fake.TabToken(ada, "", tabAppID)
		s.now = s.now.Add(2 * time.Hour)
		if p := signIn(s.browser(), expired); p.status != http.StatusUnauthorized {
			t.Errorf("an expired token: %d", p.status)
		}

		p = signIn(tab, fake.TabToken(ada, "", "api://"+host+"/"+tabAppID))
		cookie := p.header.Get("Set-Cookie")
		if p.status != http.StatusNoContent || !strings.HasPrefix(cookie, "__Host-okrbot_tab=") || !strings.Contains(cookie, "SameSite=None") ||
			!strings.Contains(cookie, "Partitioned") || !strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "HttpOnly") {
			t.Fatalf("tab sign-in: %d, cookie %q: %s", p.status, cookie, p.body)
		}
		home := tab.get("/")
		home.has(t, "Home in the tab", "#1 Delight customers", "Ada Lovelace")
		if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' https://teams.microsoft.com") {
			t.Errorf("a page of the tab may not be shown in Teams: %q", csp)
		}
		// Outside Teams the same pages may be shown in no frame.
		other := s.browser()
		other.signIn(s.link(faketeams.TenantID, ada.AADObjectID, ada.Name))
		if csp := other.get("/").header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("a page outside the tab may be framed: %q", csp)
		}
		// A token by the app's client id works too, for a person okrbot
		// has not met: they are recorded.
		bob := faketeams.User{ID: "29:bob", AADObjectID: "aad-bob", Name: "Bob Smith"}
		b := s.browser()
		if p := signIn(b, fake.TabToken(bob, "", tabAppID)); p.status != http.StatusNoContent {
			t.Fatalf("Bob's tab sign-in: %d %s", p.status, p.body)
		}
		b.get("/").has(t, "Bob's Home", "None yet", "Bob Smith")

		// When the tab's session has ended, the tab's pages say so inside
		// Teams and offer to sign in with Teams again, not a sign-in that
		// cannot work in a frame.
		s.now = s.now.Add(web.IdleTimeout + time.Minute)
		ended := b.get("/tree")
		if ended.status != http.StatusUnauthorized || !strings.Contains(ended.body, `href="/teams/tab">Sign in with Teams`) ||
			strings.Contains(ended.body, "Bob Smith") || !strings.Contains(ended.header.Get("Content-Security-Policy"), "https://teams.microsoft.com") {
			t.Errorf("an ended session in the tab: %d, CSP %q: %s", ended.status, ended.header.Get("Content-Security-Policy"), ended.body)
		}
	})
}
