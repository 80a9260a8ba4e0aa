package main

import (
	"cmp"
	"strings"
)

// settings are okrbot's settings, read from the environment once, at the
// start of each command (readSettings). Every value is trimmed of the
// spaces and line ends that editors, secret stores and `echo` leave around
// it, once, here, so that check and serve see the same value: a signing
// secret with a trailing newline is the secret in both. checker.settings
// says what is wrong with them, in words naming the setting, for check and
// for serve alike.
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
		{"USER", &s.User, ""},
	}
}

// readSettings reads every setting with getenv, the one place okrbot
// reads its environment.
func readSettings(getenv func(string) string) *settings {
	s := &settings{}
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

// cfg is m's settings: those the command running read at its start, or,
// outside Run, read now.
func (m *Main) cfg() *settings {
	if m.set == nil {
		m.set = readSettings(m.Getenv)
	}
	return m.set
}
