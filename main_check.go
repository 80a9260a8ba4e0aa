package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/web"
)

var (
	// Slack user ids: U… or, in Enterprise Grid, W….
	slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	// A person's Microsoft Entra object id, which is who they are in
	// Teams.
	aadObjectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Slack team ids: T… (a workspace) or, in Enterprise Grid, E… (an org).
	slackTeamID = regexp.MustCompile(`^[TE][A-Z0-9]+$`)
	// Slack signing secrets are 32 hexadecimal characters.
	signingSecret = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// A checker names what is wrong with okrbot's setup, in words. check
// prints a line for each thing it looks at; serve runs the same checks
// quietly and stops with the problems they found.
type checker struct {
	m        *Main
	out      io.Writer // where check prints; nil in serve
	problems []string  // "what: why"
}

func (c *checker) ok(what, format string, args ...any) {
	if c.out != nil {
		fmt.Fprintf(c.out, "ok       %s: %s\n", what, fmt.Sprintf(format, args...))
	}
}

// note says something worth knowing that is no problem of the setup:
// check goes on to pass.
func (c *checker) note(what, format string, args ...any) {
	if c.out != nil {
		fmt.Fprintf(c.out, "note     %s: %s\n", what, fmt.Sprintf(format, args...))
	}
}

// warn says something that works, though perhaps not as meant; it is no
// problem, and check still passes.
func (c *checker) warn(what, format string, args ...any) {
	if c.out != nil {
		fmt.Fprintf(c.out, "WARN     %s: %s\n", what, fmt.Sprintf(format, args...))
	}
}

func (c *checker) problem(what, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.problems = append(c.problems, what+": "+msg)
	if c.out != nil {
		fmt.Fprintf(c.out, "PROBLEM  %s: %s\n", what, msg)
	}
}

// err is what serve stops with: every problem, one per line; nil when
// there is none.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(c.problems, "\n"))
}

// setting checks one setting with check, which says what is wrong or
// returns "" when nothing is. Unset settings that have a default are fine.
func (c *checker) setting(name string, check func(v string) string) bool {
	v, def := c.m.cfg().lookup(name)
	if why := check(v); why != "" {
		c.problem(name, "%s", why)
		return false
	}
	if v != def {
		c.ok(name, "set")
	}
	return true
}

// check runs "okrbot check": it reads every setting the way serve does,
// reaches the database and each configured chat platform, and names each
// problem. Any problem makes it fail, so that it can gate a deployment.
func (m *Main) check(ctx context.Context) error {
	c := &checker{m: m, out: m.Stdout}
	set := c.settings()
	migrated := set.database && m.checkDatabase(ctx, c)
	if set.slackToken {
		m.checkSlackToken(ctx, c)
	}
	if set.slackInstalls && migrated {
		m.checkSlackInstalls(ctx, c)
	}
	if set.teams {
		m.checkTeams(ctx, c)
	}
	if n := len(c.problems); n > 0 {
		return fmt.Errorf("%d %s found", n, plural(n, "problem", "problems"))
	}
	fmt.Fprintln(m.Stdout, "Everything checks out.")
	return nil
}

// usable says which checks that reach out are worth making: those whose
// settings are all right.
type usable struct {
	database, slackToken, slackInstalls, teams bool
}

// noPlatform is what serve and check say when no chat platform is set up.
const noPlatform = "none is set up: set SLACK_BOT_TOKEN (one Slack workspace), SLACK_CLIENT_ID (many), or TEAMS_APP_ID (Microsoft Teams); to try okrbot without any, run: okrbot console"

// settings checks every setting without reaching anything.
func (c *checker) settings() usable {
	m := c.m
	var u usable
	botToken := m.cfg().SlackBotToken
	clientID := m.cfg().SlackClientID
	teamsID := m.cfg().TeamsAppID
	switch {
	case botToken == "" && clientID == "" && teamsID == "":
		c.problem("chat platform", noPlatform)
	case botToken != "" && clientID != "":
		c.problem("Slack", "set SLACK_BOT_TOKEN to serve one Slack workspace, or SLACK_CLIENT_ID to let many install okrbot, not both")
	}
	u.slackToken = c.setting("SLACK_BOT_TOKEN", func(v string) string {
		switch {
		case v == "":
		case strings.HasPrefix(v, "xapp-"):
			return "is an app-level token (xapp-…); it belongs in SLACK_APP_TOKEN, and this one needs the bot token (xoxb-…)"
		case strings.HasPrefix(v, "xoxp-"):
			return "is a user token (xoxp-…); okrbot needs the Bot User OAuth Token (xoxb-…)"
		case !strings.HasPrefix(v, "xoxb-"):
			return "is not a bot token: bot tokens start with xoxb-"
		}
		return ""
	}) && botToken != ""
	appToken := m.cfg().SlackAppToken
	c.setting("SLACK_APP_TOKEN", func(v string) string {
		if v != "" && !strings.HasPrefix(v, "xapp-") {
			return "is not an app-level token: they start with xapp- (Basic Information → App-Level Tokens, with the connections:write scope)"
		}
		return ""
	})
	secret := m.cfg().SlackSigningSecret
	c.setting("SLACK_SIGNING_SECRET", func(v string) string {
		if v != "" && !signingSecret.MatchString(v) {
			return "is not a Slack signing secret (32 hexadecimal characters, from Basic Information → App Credentials)"
		}
		return ""
	})
	if (botToken != "" || clientID != "") && appToken == "" && secret == "" {
		c.problem("Slack mode", "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode")
	}
	apiOK := c.setting("SLACK_API_URL", func(v string) string {
		if v == "" {
			return ""
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Sprintf("%q is not an http(s) URL like https://slack.com/api/", v)
		}
		return ""
	})
	u.slackToken = u.slackToken && apiOK
	if clientID != "" {
		u.slackInstalls = apiOK
		if _, err := m.secretBox(); err != nil {
			// secret names the setting in its words already.
			c.problem("OKRBOT_SECRET_KEY", "%s", strings.TrimPrefix(err.Error(), "OKRBOT_SECRET_KEY: "))
			u.slackInstalls = false
		}
		// The install flow checks its own settings; it gets no store here.
		if _, err := m.slackInstaller(nil, slog.New(slog.DiscardHandler), nil); err != nil {
			c.problem("Slack install", "%v", err)
			u.slackInstalls = false
		}
		if u.slackInstalls {
			c.ok("SLACK_CLIENT_ID", "set, with its secret, OKRBOT_PUBLIC_URL and OKRBOT_SECRET_KEY")
		}
	}
	if teamsID != "" {
		if a, err := m.teamsAdapter(nil, nil, nil, nil); err != nil {
			c.problem("Teams", "%v", err)
		} else {
			u.teams = true
			credential := "TEAMS_APP_PASSWORD"
			if m.cfg().TeamsAppCertificate != "" {
				credential = "the certificate of TEAMS_APP_CERTIFICATE"
			}
			cloud := cmp.Or(strings.ToLower(m.cfg().TeamsCloud), "public")
			c.ok("TEAMS_APP_ID", "set, with %s and TEAMS_TENANT_ID, in the %s cloud (TEAMS_CLOUD)", credential, cloud)
			if a.InstallsThroughGraph() {
				c.ok("TEAMS_GRAPH_INSTALL", "on: okrbot installs itself through Microsoft Graph for people it cannot reach")
			}
		}
	}
	c.setting("OKRBOT_PUBLIC_URL", func(v string) string {
		if v == "" {
			return ""
		}
		if _, err := web.New(web.Config{PublicURL: v}); err != nil {
			return err.Error()
		}
		return ""
	})
	c.setting("TEAMS_LOGIN_URL", func(v string) string {
		if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
			return fmt.Sprintf("%q is not an address like https://login.microsoftonline.com", v)
		}
		return ""
	})
	for _, name := range []string{"OKRBOT_ADDR", "OKRBOT_METRICS_ADDR"} {
		c.setting(name, func(v string) string {
			if v == "" || (name == "OKRBOT_METRICS_ADDR" && v == "off") {
				return ""
			}
			_, port, err := net.SplitHostPort(v)
			if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
				return fmt.Sprintf("%q is not a listen address like :3000 or 127.0.0.1:3000", v)
			}
			return ""
		})
	}
	// Port 0 is any free port, never the same one twice.
	if a := m.cfg().MetricsAddr; a == m.cfg().Addr && !strings.HasSuffix(a, ":0") {
		c.problem("OKRBOT_METRICS_ADDR", "is OKRBOT_ADDR; the metrics get a listener of their own, off the public one")
	}
	u.database = c.setting("DATABASE_URL", checkDatabaseURL)
	c.setting("OKRBOT_ADMINS", func(v string) string {
		for _, id := range splitList(v) {
			if why := adminEntry(id); why != "" {
				return why
			}
		}
		return ""
	})
	c.plainAdmins()
	c.setting("OKRBOT_LOG_LEVEL", func(v string) string {
		var level slog.Level
		if v != "" && level.UnmarshalText([]byte(v)) != nil {
			return fmt.Sprintf("%q is not debug, info, warn or error", v)
		}
		return ""
	})
	c.setting("OKRBOT_LOG_FORMAT", func(v string) string {
		if v != "" && v != "text" && v != "json" {
			return fmt.Sprintf("%q is neither text nor json", v)
		}
		return ""
	})
	c.setting("OKRBOT_REMINDERS", func(v string) string {
		switch strings.ToLower(v) {
		case "", "on", "true", "1", "yes", "off", "false", "0", "no":
			return ""
		}
		return fmt.Sprintf("%q is neither on nor off", v)
	})
	// These settings are read by the very code serve reads them with, one
	// at a time, so that check and serve never disagree.
	c.settingsReadBy(func(m *Main) error { _, err := m.slackTeams(); return err }, "OKRBOT_SLACK_TEAMS")
	c.settingsReadBy(func(m *Main) error { _, _, err := m.roleSettings(); return err },
		"OKRBOT_GUESTS", "OKRBOT_ROLE_TTL")
	c.settingsReadBy(func(m *Main) error { _, err := m.capacity(); return err },
		"OKRBOT_DB_MAX_CONNS", "OKRBOT_WORKERS", "OKRBOT_QUEUE")
	c.settingsReadBy(func(m *Main) error { _, _, _, err := m.reminderSettings(); return err },
		"OKRBOT_REMINDER_SCHEDULE", "OKRBOT_DEFAULT_TZ", "OKRBOT_REMINDER_GRACE",
		"OKRBOT_NUDGE_AFTER", "OKRBOT_REMINDER_TICK", "OKRBOT_REMINDER_RATE", "OKRBOT_GRADING")
	return u
}

// adminEntry says what is wrong with an OKRBOT_ADMINS entry, or "".
func adminEntry(id string) string {
	ws, user, qualified := strings.Cut(id, ":")
	switch {
	case !qualified && (slackUserID.MatchString(id) || aadObjectID.MatchString(id)):
		return ""
	case qualified && slackTeamID.MatchString(ws) && slackUserID.MatchString(user):
		return ""
	case qualified && aadObjectID.MatchString(ws) && aadObjectID.MatchString(user):
		return ""
	}
	return fmt.Sprintf("%q is none of a Slack team and user like T0123ABCD:U0123ABCD (a profile's ⋮ menu → Copy member ID), "+
		"a Teams tenant and person like 72f988bf-…:0a1b2c3d-… (Microsoft Entra ids), or a user id alone", id)
}

// plainAdmins warns of OKRBOT_ADMINS entries without their workspace where
// okrbot serves many workspaces of the platform: they name nobody there.
func (c *checker) plainAdmins() {
	for _, id := range c.m.plainSlackAdmins() {
		c.warn("OKRBOT_ADMINS", "%s names no workspace, and okrbot serves every Slack workspace that installs it (SLACK_CLIENT_ID), so it makes nobody an admin; write it as TEAM_ID:%s", id, id)
	}
}

// plainSlackAdmins are the Slack user ids in OKRBOT_ADMINS that name no
// workspace while okrbot serves many Slack workspaces.
func (m *Main) plainSlackAdmins() []string {
	if !m.manyWorkspaces()[slackbot.Platform] {
		return nil
	}
	var ids []string
	for _, id := range splitList(m.cfg().Admins) {
		if !strings.Contains(id, ":") && slackUserID.MatchString(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// settingsReadBy checks each of names by reading it alone with read, which
// is how serve reads it.
func (c *checker) settingsReadBy(read func(*Main) error, names ...string) {
	for _, name := range names {
		c.setting(name, func(v string) string {
			only := &Main{set: readSettings(func(k string) string {
				if k == name {
					return v
				}
				return ""
			})}
			if err := read(only); err != nil {
				return strings.TrimPrefix(err.Error(), name+": ")
			}
			return ""
		})
	}
}

// checkDatabaseURL checks DATABASE_URL the way store.Open reads it.
func checkDatabaseURL(v string) string {
	if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		u, err := url.Parse(v)
		if err != nil {
			// url.Parse quotes the URL in its error, password and all.
			return "is not a valid postgres:// URL (check that special characters in the password are %-encoded)"
		}
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return "a postgres:// URL needs a host and a database: postgres://user:password@host:5432/okrbot"
		}
		return ""
	}
	if strings.Contains(v, "://") && !strings.HasPrefix(v, "sqlite://") {
		return "is neither a postgres:// URL nor a SQLite file path (or sqlite:PATH)"
	}
	return ""
}

// checkDatabase reaches the database and says where its schema stands. A
// SQLite file that does not exist yet is not created: serve does that.
// migrated says whether the database has every migration of this okrbot.
func (m *Main) checkDatabase(ctx context.Context, c *checker) (migrated bool) {
	dbURL := m.cfg().DatabaseURL
	if !strings.Contains(dbURL, "://") || strings.HasPrefix(dbURL, "sqlite://") {
		path := cmp.Or(strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite://"), "sqlite:"), store.DefaultPath)
		path, _, _ = strings.Cut(path, "?")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if info, err := os.Stat(filepath.Dir(path)); err != nil || !info.IsDir() {
				c.problem("database", "the folder of the SQLite file %s does not exist", path)
				return false
			}
			c.ok("database", "the SQLite file %s does not exist yet; serve creates it", path)
			return false
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dbURL, slog.New(slog.DiscardHandler))
	if err != nil {
		c.unreachableDatabase(err)
		return false
	}
	defer st.Close()
	s, err := st.SchemaStatus(ctx)
	if err != nil {
		c.problem("database", "reached, but its migrations cannot be read: %v", err)
		return false
	}
	c.ok("database", "%s", schemaSummary(st.Dialect(), s))
	return s.Pending() == 0
}

// unreachableDatabase names a database that store.Open could not reach.
func (c *checker) unreachableDatabase(err error) {
	c.problem("database", "unreachable: %v", err)
}

// checkSlackToken asks Slack whether the bot token works, as serve does.
func (m *Main) checkSlackToken(ctx context.Context, c *checker) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	a := slackbot.New(slackbot.Config{BotToken: m.cfg().SlackBotToken,
		APIURL: m.cfg().SlackAPIURL, Logger: slog.New(slog.DiscardHandler)}, nil)
	resp, err := a.AuthTest(ctx)
	c.slackAuth(m.slackAPIURL(), resp, err)
}

func (m *Main) slackAPIURL() string {
	return cmp.Or(m.cfg().SlackAPIURL, slack.APIURL)
}

// slackAuth names what Slack's answer to auth.test says of the bot token.
func (c *checker) slackAuth(apiURL string, resp *slack.AuthTestResponse, err error) {
	var slackErr slack.SlackErrorResponse
	switch {
	case errors.As(err, &slackErr):
		// Slack answered, and refused: invalid_auth, account_inactive, ….
		c.problem("Slack", "Slack refused the bot token: %v (copy it again from the app's OAuth & Permissions page)", err)
	case err != nil:
		c.problem("Slack", "cannot reach Slack at %s: %v", apiURL, err)
	default:
		c.ok("Slack", "the bot token works, as %s in team %s (%s)", resp.User, resp.Team, resp.TeamID)
	}
}

// checkSlackInstalls reads the workspaces okrbot is installed in, which
// proves that OKRBOT_SECRET_KEY opens their tokens.
func (m *Main) checkSlackInstalls(ctx context.Context, c *checker) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, m.cfg().DatabaseURL, slog.New(slog.DiscardHandler))
	if err != nil {
		return // checkDatabase said why
	}
	defer st.Close()
	box, _ := m.secretBox()
	st.SetSealer(box)
	installs, err := st.ActiveInstallations(ctx)
	c.slackInstalls(len(installs), err)
	if err != nil {
		return
	}
	revoked, err := st.RevokedInstallations(ctx)
	if err != nil {
		c.problem("Slack installations", "the uninstalled ones cannot be read: %v", err)
		return
	}
	for _, in := range revoked {
		where := "workspace " + cmp.Or(in.TeamName, in.TeamID) + " (" + in.TeamID + ")"
		if in.IsEnterpriseInstall {
			where = "organization " + cmp.Or(in.EnterpriseName, in.EnterpriseID) + " (" + in.EnterpriseID + ")"
		}
		c.note("Slack installations", "not serving %s since %s: %s; installing okrbot there again resumes it",
			where, in.RevokedAt.UTC().Format(time.RFC3339), cmp.Or(in.RevokedReason, "uninstalled"))
	}
}

// slackInstalls names what reading the installations said.
func (c *checker) slackInstalls(n int, err error) {
	if err != nil {
		c.problem("Slack installations", "cannot be read: %v (is OKRBOT_SECRET_KEY the key they were sealed with?)", err)
		return
	}
	c.ok("Slack installations", "okrbot is installed in %d %s", n, plural(n, "workspace", "workspaces"))
}

// checkTeams asks Microsoft for okrbot's token, as serve does.
func (m *Main) checkTeams(ctx context.Context, c *checker) {
	a, err := m.teamsAdapter(nil, slog.New(slog.DiscardHandler), nil, nil)
	if err != nil {
		return // settings said why
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = a.CheckCredentials(ctx)
	c.teamsToken(err)
	if err != nil {
		return
	}
	switch err := a.CheckGraph(ctx); {
	case err != nil:
		c.problem("TEAMS_GRAPH_INSTALL", "okrbot cannot find itself in the tenant's app catalog through Microsoft Graph (grant AppCatalog.Read.All and TeamsAppInstallation.ReadWriteSelfForUser.All, and upload the app; see docs/TEAMS.md): %v", err)
	case a.InstallsThroughGraph():
		c.ok("Microsoft Graph", "okrbot is in the tenant's app catalog and may install itself")
	}
}

// teamsToken names what the token endpoint said of okrbot's credentials.
func (c *checker) teamsToken(err error) {
	switch kind, _ := bot.FailureOf(err); {
	case err == nil:
		c.ok("Teams", "Microsoft issued okrbot a token for TEAMS_APP_ID")
	case kind == bot.Permanent:
		credential := "TEAMS_APP_PASSWORD"
		if c.m.cfg().TeamsAppCertificate != "" {
			credential = "TEAMS_APP_CERTIFICATE"
		}
		c.problem("Teams", "Microsoft refused TEAMS_APP_ID, %s or TEAMS_TENANT_ID: %v", credential, err)
	default:
		c.problem("Teams", "cannot get a token from Microsoft: %v", err)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
