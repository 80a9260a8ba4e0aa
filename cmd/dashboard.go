package cmd

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/web"
)

// dashboardConfig is the dashboard's configuration at publicURL: with Sign
// in with Slack when the Slack app's credentials are set (the app that
// people install okrbot with, given Slack's OpenID issuer beside its API),
// Sign in with Microsoft with the Teams app's registration, and the Teams
// app's tab when TEAMS_APP_ID is set and the address is https, as Teams
// requires of tabs.
func (m *Main) dashboardConfig(st *store.Store, log *slog.Logger, publicURL string) web.Config {
	cfg := web.Config{Store: st, Now: m.Now, Logger: log, PublicURL: publicURL}
	id, secret := m.cfg().SlackClientID, m.cfg().SlackClientSecret
	if id != "" && secret != "" {
		cfg.Slack = &web.SlackSignIn{ClientID: id, ClientSecret: secret, Issuer: slackIssuer(m.slackAPIURL())}
	}
	cloud, ok := teams.Clouds[strings.ToLower(m.cfg().TeamsCloud)]
	if !ok {
		cloud = teams.Clouds["public"]
	}
	appID, login := m.cfg().TeamsAppID, cmp.Or(m.cfg().TeamsLoginURL, cloud.Login)
	if appID != "" && strings.HasPrefix(publicURL, "https://") {
		cfg.Teams = &web.TeamsTab{AppID: appID, LoginURL: login}
	}
	if appID != "" && m.cfg().TeamsAppPassword != "" && m.cfg().TeamsTenantID != "" {
		cfg.Microsoft = &web.MicrosoftSignIn{AppID: appID, AppPassword: m.cfg().TeamsAppPassword,
			TenantID: m.cfg().TeamsTenantID, LoginURL: login}
	}
	return cfg
}

// slackIssuer is Slack's OpenID issuer for its Web API's address:
// https://slack.com for https://slack.com/api/.
func slackIssuer(apiURL string) string {
	return strings.TrimSuffix(strings.TrimSuffix(apiURL, "/"), "/api")
}

// consoleDashboard is the dashboard of the console's workspace, served on
// 127.0.0.1 from the first /okr dashboard until the console ends: a
// newcomer sees the pages without setting anything up, and nothing
// listens beyond this machine.
type consoleDashboard struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time

	mu   sync.Mutex
	srv  *http.Server
	base string
}

// url starts the dashboard the first time and returns its address.
func (c *consoleDashboard) url(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		return c.base, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	base := "http://" + ln.Addr().String()
	d, err := web.New(web.Config{Store: c.st, Now: c.now, Logger: c.log, PublicURL: base})
	if err != nil {
		ln.Close()
		return "", err
	}
	c.srv = &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	c.base = base
	go func() {
		if err := c.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("the console's dashboard stopped", "err", err)
		}
	}()
	return base, nil
}

func (c *consoleDashboard) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		c.srv.Close()
	}
}
