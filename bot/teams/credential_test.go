package teams_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// newEnvConfig is newEnv with the adapter's config changed by change.
func newEnvConfig(t *testing.T, change func(*teams.Config), opts ...faketeams.Option) *env {
	t.Helper()
	c := fakeclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	fake := faketeams.New(t, append([]faketeams.Option{faketeams.WithClock(c.Now)}, opts...)...)
	fake.AddUser(ada)
	fake.AddUser(bob)
	h := &okrHandler{}
	cfg := config(fake, c)
	change(&cfg)
	a, err := teams.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, fake: fake, clock: c, a: a, h: h, ws: bot.Workspace{Platform: teams.Platform, TeamID: faketeams.TenantID}}
}

// A certificate proves okrbot is the app: a client assertion signed with
// its key, which the token endpoint checks against the certificate
// uploaded to the app registration, and no client secret at all.
func TestCertificateCredential(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pem := e.fake.Certificate(true)
	e = withConfig(t, e, func(c *teams.Config) { c.AppPassword, c.AppCertificate = "", pem })

	if _, err := e.a.Send(context.Background(), e.channel(), bot.Message{Summary: bot.T("hello")}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "channel", e.only(channelID).Card().Text(), "hello")
	calls := e.fake.Calls(faketeams.OpToken)
	form, _ := url.ParseQuery(string(calls[0].Body))
	if len(calls) != 1 || calls[0].Status != 200 || form.Has("client_secret") || form.Get("client_assertion") == "" {
		t.Fatalf("token calls %+v", calls)
	}

	// A card signed with the derived secret still round-trips: buttons work
	// without a client secret.
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	card := e.only(p.ConversationID).Card()
	ans := e.click(p, ada, card, "Snooze", nil)
	if ans.StatusCode != 200 {
		t.Fatalf("click answered %+v", ans)
	}

	t.Run("a certificate the app registration does not know", func(t *testing.T) {
		e2 := withConfig(t, e, func(c *teams.Config) { c.AppPassword, c.AppCertificate = "", e.fake.Certificate(false) })
		err := e2.a.CheckCredentials(context.Background())
		if err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
			t.Fatalf("unknown certificate: %v", err)
		}
	})
	t.Run("a file without a private key", func(t *testing.T) {
		data, _ := os.ReadFile(pem)
		certOnly := t.TempDir() + "/cert.pem"
		os.WriteFile(certOnly, []byte(strings.SplitAfter(string(data), "-----END PRIVATE KEY-----\n")[1]), 0o600)
		cfg := config(e.fake, e.clock)
		cfg.AppPassword, cfg.AppCertificate = "", certOnly
		if _, err := teams.New(cfg, &okrHandler{}); err == nil || !strings.Contains(err.Error(), "no private key") {
			t.Fatalf("certificate without a key: %v", err)
		}
	})
}

// withConfig is a new adapter on e's fake and clock, with its config
// changed by change.
func withConfig(t *testing.T, e *env, change func(*teams.Config)) *env {
	t.Helper()
	cfg := config(e.fake, e.clock)
	change(&cfg)
	h := &okrHandler{}
	a, err := teams.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, fake: e.fake, clock: e.clock, a: a, h: h, ws: e.ws}
}

// TEAMS_CLOUD=gcchigh: requests signed by Azure Government's Bot
// Framework are accepted, and okrbot asks for tokens for its scope; the
// public cloud's settings are refused by both.
func TestGovernmentCloud(t *testing.T) {
	t.Parallel()
	gov := func(c *teams.Config) { c.Cloud = "gcchigh" }
	e := newEnvConfig(t, gov, faketeams.WithGovernmentCloud())
	p := e.fake.Personal(ada)
	if rec := e.post(e.fake.Message(p, ada, "okr whoami"), faketeams.Claims{}); rec.Code != 200 {
		t.Fatalf("request of the government cloud answered %d", rec.Code)
	}
	mustContain(t, "answer", e.only(p.ConversationID).Card().Text(), "you said: whoami")
	form, _ := url.ParseQuery(string(e.fake.Calls(faketeams.OpToken)[0].Body))
	if form.Get("scope") != faketeams.GovScope {
		t.Errorf("token asked for scope %q, want %q", form.Get("scope"), faketeams.GovScope)
	}

	// An okrbot set up for the public cloud refuses what Azure Government
	// signs, and Azure Government refuses it a token.
	public := newEnvConfig(t, func(*teams.Config) {}, faketeams.WithGovernmentCloud())
	if rec := public.post(public.fake.Message(p, ada, "okr whoami"), faketeams.Claims{}); rec.Code != 401 {
		t.Errorf("a public-cloud okrbot answered a government request with %d, want 401", rec.Code)
	}
	if err := public.a.CheckCredentials(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_scope") {
		t.Errorf("public scope in the government cloud: %v", err)
	}
}
