package cmd

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/sources"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/web"
)

// This file is okrbot's settings: reading them from the environment,
// their defaults, the code that parses each into what okrbot runs with,
// and checker.settings, which says what is wrong with them in words naming
// the setting. check and serve both run checker.settings and parse with
// the same code, so that what check passes is what serve runs with.

// settings are okrbot's settings, read from the environment once, at the
// start of each command (readSettings). Every value is trimmed of the
// spaces and line ends that editors, secret stores and `echo` leave around
// it, once, here, so that check and serve see the same value: a signing
// secret with a trailing newline is the secret in both.
type settings struct {
	Addr        string // OKRBOT_ADDR: the public listener
	MetricsAddr string // OKRBOT_METRICS_ADDR: the metrics' listener, or "off"
	PublicURL   string // OKRBOT_PUBLIC_URL
	DatabaseURL string // DATABASE_URL: postgres:// or a SQLite path
	SecretKey   string // OKRBOT_SECRET_KEY: keys sealing tokens at rest
	Admins      string // OKRBOT_ADMINS, comma-separated
	LogLevel    string // OKRBOT_LOG_LEVEL
	LogFormat   string // OKRBOT_LOG_FORMAT: text or json

	Reminders        string // OKRBOT_REMINDERS: on or off
	ReminderSchedule string // OKRBOT_REMINDER_SCHEDULE
	Grading          string // OKRBOT_GRADING
	DefaultTZ        string // OKRBOT_DEFAULT_TZ
	ReminderTick     string // OKRBOT_REMINDER_TICK
	ReminderGrace    string // OKRBOT_REMINDER_GRACE
	NudgeAfter       string // OKRBOT_NUDGE_AFTER
	ReminderRate     string // OKRBOT_REMINDER_RATE

	SlackTeams string // OKRBOT_SLACK_TEAMS
	Guests     string // OKRBOT_GUESTS
	RoleTTL    string // OKRBOT_ROLE_TTL
	DBMaxConns string // OKRBOT_DB_MAX_CONNS
	Workers    string // OKRBOT_WORKERS
	Queue      string // OKRBOT_QUEUE

	SlackBotToken      string // SLACK_BOT_TOKEN
	SlackAppToken      string // SLACK_APP_TOKEN
	SlackSigningSecret string // SLACK_SIGNING_SECRET
	SlackClientID      string // SLACK_CLIENT_ID
	SlackClientSecret  string // SLACK_CLIENT_SECRET
	SlackAPIURL        string // SLACK_API_URL

	TeamsAppID             string // TEAMS_APP_ID
	TeamsAppPassword       string // TEAMS_APP_PASSWORD
	TeamsAppCertificate    string // TEAMS_APP_CERTIFICATE: a PEM file's path
	TeamsTenantID          string // TEAMS_TENANT_ID
	TeamsCloud             string // TEAMS_CLOUD
	TeamsOpenIDMetadataURL string // TEAMS_OPENID_METADATA_URL
	TeamsTokenURL          string // TEAMS_TOKEN_URL
	TeamsServiceURLHosts   string // TEAMS_SERVICE_URL_HOSTS
	TeamsGraphURL          string // TEAMS_GRAPH_URL
	TeamsGraphInstall      string // TEAMS_GRAPH_INSTALL: on or off
	TeamsLoginURL          string // TEAMS_LOGIN_URL

	SourceHosts         string // OKRBOT_SOURCE_HOSTS
	SourceSecrets       string // OKRBOT_SOURCE_SECRETS
	SourcePrometheusURL string // OKRBOT_SOURCE_PROMETHEUS_URL
	SourceTimeout       string // OKRBOT_SOURCE_TIMEOUT
	// getenv reads the settings whose names are made up by whoever
	// deploys okrbot: the secrets OKRBOT_SOURCE_SECRETS lists and the
	// databases OKRBOT_SOURCE_DB_<NAME>, read when a source needs them.
	getenv func(string) string

	// User is USER, the login name: who the console says you are.
	User string
}

const (
	defaultAddr = ":3000"
	// defaultMetricsAddr is the port Prometheus exporters conventionally
	// take (OpenTelemetry's among them), not Prometheus' own 9090, so that
	// okrbot starts beside a Prometheus server on one host.
	defaultMetricsAddr = "127.0.0.1:9464"
)

// setting is one setting: its name in the environment, where it is kept
// and its value when unset.
type setting struct {
	name string
	to   *string
	def  string
}

// all lists every setting of s.
func (s *settings) all() []setting {
	return []setting{
		{"OKRBOT_ADDR", &s.Addr, defaultAddr},
		{"OKRBOT_METRICS_ADDR", &s.MetricsAddr, defaultMetricsAddr},
		{"OKRBOT_PUBLIC_URL", &s.PublicURL, ""},
		{"DATABASE_URL", &s.DatabaseURL, ""},
		{"OKRBOT_SECRET_KEY", &s.SecretKey, ""},
		{"OKRBOT_ADMINS", &s.Admins, ""},
		{"OKRBOT_LOG_LEVEL", &s.LogLevel, ""},
		{"OKRBOT_LOG_FORMAT", &s.LogFormat, ""},
		{"OKRBOT_REMINDERS", &s.Reminders, ""},
		{"OKRBOT_REMINDER_SCHEDULE", &s.ReminderSchedule, ""},
		{"OKRBOT_GRADING", &s.Grading, ""},
		{"OKRBOT_DEFAULT_TZ", &s.DefaultTZ, ""},
		{"OKRBOT_REMINDER_TICK", &s.ReminderTick, ""},
		{"OKRBOT_REMINDER_GRACE", &s.ReminderGrace, ""},
		{"OKRBOT_NUDGE_AFTER", &s.NudgeAfter, ""},
		{"OKRBOT_REMINDER_RATE", &s.ReminderRate, ""},
		{"OKRBOT_SLACK_TEAMS", &s.SlackTeams, ""},
		{"OKRBOT_GUESTS", &s.Guests, ""},
		{"OKRBOT_ROLE_TTL", &s.RoleTTL, ""},
		{"OKRBOT_DB_MAX_CONNS", &s.DBMaxConns, ""},
		{"OKRBOT_WORKERS", &s.Workers, ""},
		{"OKRBOT_QUEUE", &s.Queue, ""},
		{"SLACK_BOT_TOKEN", &s.SlackBotToken, ""},
		{"SLACK_APP_TOKEN", &s.SlackAppToken, ""},
		{"SLACK_SIGNING_SECRET", &s.SlackSigningSecret, ""},
		{"SLACK_CLIENT_ID", &s.SlackClientID, ""},
		{"SLACK_CLIENT_SECRET", &s.SlackClientSecret, ""},
		{"SLACK_API_URL", &s.SlackAPIURL, ""},
		{"TEAMS_APP_ID", &s.TeamsAppID, ""},
		{"TEAMS_APP_PASSWORD", &s.TeamsAppPassword, ""},
		{"TEAMS_APP_CERTIFICATE", &s.TeamsAppCertificate, ""},
		{"TEAMS_TENANT_ID", &s.TeamsTenantID, ""},
		{"TEAMS_CLOUD", &s.TeamsCloud, ""},
		{"TEAMS_OPENID_METADATA_URL", &s.TeamsOpenIDMetadataURL, ""},
		{"TEAMS_TOKEN_URL", &s.TeamsTokenURL, ""},
		{"TEAMS_SERVICE_URL_HOSTS", &s.TeamsServiceURLHosts, ""},
		{"TEAMS_GRAPH_URL", &s.TeamsGraphURL, ""},
		{"TEAMS_GRAPH_INSTALL", &s.TeamsGraphInstall, ""},
		{"TEAMS_LOGIN_URL", &s.TeamsLoginURL, ""},
		{"OKRBOT_SOURCE_HOSTS", &s.SourceHosts, ""},
		{"OKRBOT_SOURCE_SECRETS", &s.SourceSecrets, ""},
		{"OKRBOT_SOURCE_PROMETHEUS_URL", &s.SourcePrometheusURL, ""},
		{"OKRBOT_SOURCE_TIMEOUT", &s.SourceTimeout, ""},
		{"USER", &s.User, ""},
	}
}

// readSettings reads every setting with getenv, the one place okrbot
// reads its environment.
func readSettings(getenv func(string) string) *settings {
	s := &settings{getenv: getenv}
	for _, f := range s.all() {
		*f.to = cmp.Or(strings.TrimSpace(getenv(f.name)), f.def)
	}
	return s
}

// lookup is the value of the setting called name and its default.
func (s *settings) lookup(name string) (value, def string) {
	for _, f := range s.all() {
		if f.name == name {
			return *f.to, f.def
		}
	}
	panic("okrbot has no setting " + name)
}

// cfg is m's settings: those Run read at its start, or, for a method
// called outside Run (as tests do, changing the environment between
// calls), read now.
func (m *Main) cfg() *settings {
	if m.set == nil {
		return readSettings(m.Getenv)
	}
	return m.set
}

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
		if _, err := m.slackInstaller(nil, slog.New(slog.DiscardHandler)); err != nil {
			c.problem("Slack install", "%v", err)
			u.slackInstalls = false
		}
		if u.slackInstalls {
			c.ok("SLACK_CLIENT_ID", "set, with its secret, OKRBOT_PUBLIC_URL and OKRBOT_SECRET_KEY")
		}
	}
	if teamsID != "" {
		if a, err := m.teamsAdapter(nil, nil, nil, nil, nil); err != nil {
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
		// The dashboard as serve builds it, sign-ins and tab and all.
		if _, err := web.New(m.dashboardConfig(nil, nil, v)); err != nil {
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
	c.settingsReadBy(func(m *Main) error { _, err := m.sourceSettings(); return err },
		"OKRBOT_SOURCE_HOSTS", "OKRBOT_SOURCE_SECRETS", "OKRBOT_SOURCE_PROMETHEUS_URL", "OKRBOT_SOURCE_TIMEOUT")
	if src, err := m.sourceSettings(); err == nil {
		for name, v := range src.Secrets {
			if v == "" {
				c.warn("OKRBOT_SOURCE_SECRETS", "lists %s, which is not set: a KPI source that sends {env:%s} fails until it is", name, name)
			}
		}
	}
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

// capacity is how much work serve takes on at once.
type capacity struct {
	dbConns int // OKRBOT_DB_MAX_CONNS: connections to Postgres
	workers int // OKRBOT_WORKERS: requests handled at once after their ack
	queue   int // OKRBOT_QUEUE: requests waiting for a worker
}

// capacity reads OKRBOT_DB_MAX_CONNS, OKRBOT_WORKERS and OKRBOT_QUEUE.
func (m *Main) capacity() (capacity, error) {
	c := capacity{dbConns: store.DefaultMaxConns, workers: bot.DefaultWorkers(), queue: -1}
	for _, s := range []struct {
		name, v string
		to      *int
		min     int
		what    string
	}{
		{"OKRBOT_DB_MAX_CONNS", m.cfg().DBMaxConns, &c.dbConns, 1, "a number of connections (1 or more)"},
		{"OKRBOT_WORKERS", m.cfg().Workers, &c.workers, 1, "a number of workers (1 or more)"},
		{"OKRBOT_QUEUE", m.cfg().Queue, &c.queue, 0, "a number of requests (0 or more)"},
	} {
		v := s.v
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < s.min {
			return c, fmt.Errorf("%s: %q is not %s", s.name, v, s.what)
		}
		*s.to = n
	}
	if c.queue < 0 { // not set: sized for the workers
		c.queue = bot.DefaultQueue(c.workers)
	}
	return c, nil
}

// roleSettings reads OKRBOT_GUESTS and OKRBOT_ROLE_TTL.
func (m *Main) roleSettings() (commands.GuestPolicy, time.Duration, error) {
	guests, err := commands.ParseGuestPolicy(m.cfg().Guests)
	if err != nil {
		return commands.GuestsNone, commands.DefaultRoleTTL, fmt.Errorf("OKRBOT_GUESTS: %w", err)
	}
	ttl := commands.DefaultRoleTTL
	if v := m.cfg().RoleTTL; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Hour {
			return guests, ttl, fmt.Errorf("OKRBOT_ROLE_TTL: %q is not a duration from 1s to 1h, like 5m", v)
		}
		ttl = d
	}
	return guests, ttl, nil
}

// splitList reads a comma-separated setting.
func splitList(s string) []string {
	var list []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			list = append(list, v)
		}
	}
	return list
}

// secretBox reads the keys that seal tokens at rest from OKRBOT_SECRET_KEY.
func (m *Main) secretBox() (*secret.Box, error) {
	return secret.ParseKeys(m.cfg().SecretKey)
}

// slackTeams reads OKRBOT_SLACK_TEAMS: the Slack teams and organizations
// okrbot may be installed in and serve; empty allows any.
func (m *Main) slackTeams() (install.Allowed, error) {
	allowed, err := install.ParseAllowed(m.cfg().SlackTeams)
	if err != nil {
		return nil, fmt.Errorf("OKRBOT_SLACK_TEAMS: %w", err)
	}
	return allowed, nil
}

// reminderSettings reads the check-in reminder settings from the
// environment: the defaults commands needs, and the scheduler's timing.
// enabled is false when OKRBOT_REMINDERS is off.
func (m *Main) reminderSettings() (rd commands.ReminderDefaults, cfg reminders.Config, enabled bool, err error) {
	rd.Schedule = okr.DefaultWeeklyTime
	if v := m.cfg().ReminderSchedule; v != "" {
		if rd.Schedule, err = okr.ParseWeeklyTime(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_REMINDER_SCHEDULE: %w", err)
		}
	}
	rd.Grading = okr.DefaultGrading
	if v := m.cfg().Grading; v != "" {
		if rd.Grading, err = okr.ParseGradingSchedule(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_GRADING: %w", err)
		}
	}
	rd.TZ = time.UTC
	if v := m.cfg().DefaultTZ; v != "" {
		if rd.TZ, err = time.LoadLocation(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_DEFAULT_TZ: unknown time zone %q", v)
		}
	}
	for _, d := range []struct {
		name, v string
		to      *time.Duration
	}{
		{"OKRBOT_REMINDER_TICK", m.cfg().ReminderTick, &cfg.Tick},
		{"OKRBOT_REMINDER_GRACE", m.cfg().ReminderGrace, &cfg.Grace},
		{"OKRBOT_NUDGE_AFTER", m.cfg().NudgeAfter, &cfg.NudgeAfter},
	} {
		if v := d.v; v != "" {
			if *d.to, err = time.ParseDuration(v); err != nil || *d.to <= 0 {
				return rd, cfg, false, fmt.Errorf("%s: %q is not a duration like 6h or 30m", d.name, v)
			}
		}
	}
	if v := m.cfg().ReminderRate; v != "" {
		if cfg.Rate, err = strconv.ParseFloat(v, 64); err != nil || cfg.Rate <= 0 {
			return rd, cfg, false, fmt.Errorf("OKRBOT_REMINDER_RATE: %q is not a number of messages a second", v)
		}
	}
	cfg.Now, cfg.After = m.Now, m.After
	switch strings.ToLower(m.cfg().Reminders) {
	case "off", "false", "0", "no":
		return rd, cfg, false, nil
	}
	return rd, cfg, true, nil
}

// sourceSettings reads where KPI sources may connect and what they may use:
// OKRBOT_SOURCE_HOSTS, OKRBOT_SOURCE_SECRETS (names of variables {env:NAME}
// may expand, read now), OKRBOT_SOURCE_DB_<NAME> (read when a sql source
// names its database), OKRBOT_SOURCE_PROMETHEUS_URL and
// OKRBOT_SOURCE_TIMEOUT.
func (m *Main) sourceSettings() (*sources.Config, error) {
	set := m.cfg()
	hosts, err := sources.ParseHosts(set.SourceHosts)
	if err != nil {
		return nil, fmt.Errorf("OKRBOT_SOURCE_HOSTS: %w", err)
	}
	cfg := &sources.Config{Hosts: hosts, Secrets: map[string]string{}}
	getenv := set.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for _, name := range splitList(set.SourceSecrets) {
		if !envName.MatchString(name) || strings.HasPrefix(name, "OKRBOT_") || sensitiveSetting[name] {
			return nil, fmt.Errorf("OKRBOT_SOURCE_SECRETS: %q is not a variable a KPI source may send: name your own, like BI_TOKEN", name)
		}
		cfg.Secrets[name] = strings.TrimSpace(getenv(name))
	}
	cfg.Database = func(name string) string { return strings.TrimSpace(getenv(sources.DatabaseSetting(name))) }
	if v := set.SourcePrometheusURL; v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("OKRBOT_SOURCE_PROMETHEUS_URL: is not an http:// or https:// URL like http://prometheus:9090")
		}
		cfg.PrometheusURL = strings.TrimSuffix(v, "/")
	}
	if v := set.SourceTimeout; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Minute {
			return nil, fmt.Errorf("OKRBOT_SOURCE_TIMEOUT: %q is not a duration from 1s to 1m, like 10s", v)
		}
		cfg.Timeout = d
	}
	return cfg, nil
}

// envName is what an environment variable's name may be.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// sensitiveSetting are okrbot's own credentials, which no source may send
// anywhere.
var sensitiveSetting = map[string]bool{"DATABASE_URL": true, "SLACK_BOT_TOKEN": true, "SLACK_APP_TOKEN": true,
	"SLACK_SIGNING_SECRET": true, "SLACK_CLIENT_SECRET": true, "TEAMS_APP_PASSWORD": true}
