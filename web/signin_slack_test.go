package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// slackSite is a dashboard with Sign in with Slack, against a fake Slack
// that does OpenID Connect over real HTTP with signed id_tokens.
func slackSite(t *testing.T, st *store.Store, secret string) (*site, *fakeslack.Server) {
	s := &site{t: t, now: midQ4}
	clock := func() time.Time { return s.now }
	fake := fakeslack.New(t, fakeslack.WithClock(clock), fakeslack.WithApp(fakeslack.App{ClientID: "123.456", ClientSecret: "s3cr3t"}))
	s.srv = startTLS(t)
	s.svc = commands.New(commands.Config{Store: st, Now: clock})
	d, err := web.New(web.Config{Store: st, Now: clock, PublicURL: s.srv.URL,
		Slack: &web.SlackSignIn{ClientID: "123.456", ClientSecret: secret, Issuer: fake.Issuer()}})
	if err != nil {
		t.Fatal(err)
	}
	s.srv.Config.Handler = d
	return s, fake
}

// noRedirects is a browser that stops at each redirect, to hand the
// Slack page's part to the fake.
func (b *browser) noRedirects() *browser {
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: b.t, c: &c, s: b.s}
}

func TestSignInWithSlack(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		s, fake := slackSite(t, st, "s3cr3t")
		fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace"})
		fake.AddUser(fakeslack.User{ID: "U2", Name: "bob", RealName: "Bob Smith"})
		s.say(fakeslack.TeamID, "U1", "Ada Lovelace", `/okr new "Delight customers"`)

		ada := s.browser()
		signIn := ada.get("/")
		if signIn.status != http.StatusUnauthorized || !strings.Contains(signIn.body, `href="/signin/slack"`) {
			t.Fatalf("the sign-in page offers no Sign in with Slack: %d %s", signIn.status, signIn.body)
		}
		stop := ada.noRedirects()
		start := stop.get("/signin/slack")
		toSlack := start.header.Get("Location")
		if start.status != http.StatusFound || !strings.HasPrefix(toSlack, fake.Issuer()+"/openid/connect/authorize?") {
			t.Fatalf("start: %d to %s", start.status, toSlack)
		}
		back, err := fake.SignIn(toSlack, fakeslack.Grant{UserID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(back, s.srv.URL+web.SlackCallbackPath+"?") {
			t.Fatalf("Slack sends the browser to %s", back)
		}
		done := stop.get(back)
		if done.status != http.StatusSeeOther || done.header.Get("Location") != "/" {
			t.Fatalf("callback: %d %s", done.status, done.body)
		}
		ada.get("/").has(t, "Home after Sign in with Slack", "Your objectives in 2026-Q4", "#1 Delight customers", "Ada Lovelace")

		// The same answer again is refused: its state was this browser's
		// once, and Slack's code works once.
		if p := stop.get(back); p.status != http.StatusBadRequest {
			t.Errorf("the callback again: %d", p.status)
		}
		// Another browser cannot finish a sign-in it did not start.
		bob := s.browser().noRedirects()
		toSlack = stop.get("/signin/slack").header.Get("Location")
		back, err = fake.SignIn(toSlack, fakeslack.Grant{UserID: "U2"})
		if err != nil {
			t.Fatal(err)
		}
		if p := bob.get(back); p.status != http.StatusBadRequest || strings.Contains(p.body, "Delight") {
			t.Errorf("a callback in another browser: %d", p.status)
		}
		// Slack's Cancel comes back with an error.
		toSlack = stop.get("/signin/slack").header.Get("Location")
		u, _ := url.Parse(toSlack)
		if p := stop.get(web.SlackCallbackPath + "?error=access_denied&state=" + u.Query().Get("state")); p.status != http.StatusForbidden ||
			!strings.Contains(p.body, "access_denied") {
			t.Errorf("a cancelled sign-in: %d %s", p.status, p.body)
		}
	})
}

func TestSignInWithSlackRefusesOthers(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		// A workspace okrbot has never served.
		s, fake := slackSite(t, st, "s3cr3t")
		fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace"})
		b := s.browser().noRedirects()
		back, err := fake.SignIn(b.get("/signin/slack").header.Get("Location"), fakeslack.Grant{UserID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		if p := b.get(back); p.status != http.StatusForbidden || !strings.Contains(p.body, "does not serve the Slack workspace") {
			t.Errorf("a workspace okrbot does not serve: %d %s", p.status, p.body)
		}
		if p := b.get("/"); p.status != http.StatusUnauthorized {
			t.Errorf("signed in anyway: %d", p.status)
		}
		if _, err := st.FindWorkspace(context.Background(), "slack", fakeslack.TeamID); err == nil {
			t.Error("signing in added the workspace")
		}

		// A wrong client secret: Slack refuses the code.
		s2, fake2 := slackSite(t, st, "wrong")
		fake2.AddUser(fakeslack.User{ID: "U1", Name: "ada"})
		s2.say(fakeslack.TeamID, "U1", "Ada", `/okr list`)
		b2 := s2.browser().noRedirects()
		back, err = fake2.SignIn(b2.get("/signin/slack").header.Get("Location"), fakeslack.Grant{UserID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		if p := b2.get(back); p.status != http.StatusForbidden || !strings.Contains(p.body, "Slack refused") {
			t.Errorf("a refused code: %d %s", p.status, p.body)
		}
	})
}
