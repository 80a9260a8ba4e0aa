package cmd

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestCheckAndServeAgreeOnATrailingNewline gives check and serve a signing
// secret pasted with a line end, as secret stores and `echo` leave it:
// check passes it, and serve takes requests signed with the secret.
// healthcheck finds serve on the port of OKRBOT_ADDR.
func TestCheckAndServeAgreeOnATrailingNewline(t *testing.T) {
	fake := fakeslack.New(t)
	fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/Berlin"})
	env := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-e2e\n", "SLACK_SIGNING_SECRET": slackSigningSecret + "\n", "SLACK_API_URL": fake.APIURL(),
		"OKRBOT_ADDR": "127.0.0.1:0", "DATABASE_URL": storetest.SQLiteURL(t), "OKRBOT_LOG_LEVEL": "warn",
	}
	out, err := run(t, env, "", "check")
	if err != nil || !strings.Contains(out, "ok       SLACK_SIGNING_SECRET: set") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	base := serve(t, env)
	cmd := slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: "U1", UserName: "ada", ChannelID: "C1",
		Command: "/okr", Text: "help", ResponseURL: fake.ResponseURL("help")}
	if code, body := do(t, fakeslack.SlashCommandRequest(base+"/slack/events", slackSigningSecret, time.Now(), cmd)); code != http.StatusOK {
		t.Fatalf("a request signed with the secret check passed = %d %s, want 200", code, body)
	}
	// healthcheck asks the port serve listens on, OKRBOT_ADDR's, with
	// the same line end.
	addr := strings.TrimPrefix(base, "http://") + "\n"
	if out, err := run(t, map[string]string{"OKRBOT_ADDR": addr}, "", "healthcheck"); err != nil || out != "ok\n" {
		t.Errorf("healthcheck on OKRBOT_ADDR %q: %q, %v", addr, out, err)
	}
}

// TestListenErrorsNameTheSetting starts serve where its metrics' address is
// taken: it stops, naming the setting to change.
func TestListenErrorsNameTheSetting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fake := fakeslack.New(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
		"OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": ln.Addr().String(), "DATABASE_URL": storetest.SQLiteURL(t),
	}
	_, err = run(t, env, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+ln.Addr().String()+" for the metrics") ||
		!strings.Contains(err.Error(), "set OKRBOT_METRICS_ADDR to a free address, or to off") {
		t.Errorf("serve with its metrics' address taken: %v", err)
	}
}

// TestDefaultAddresses keeps the metrics off Prometheus' own port 9090, so
// that okrbot starts beside a Prometheus server.
func TestDefaultAddresses(t *testing.T) {
	s := readSettings(func(string) string { return "" })
	if s.Addr != ":3000" || s.MetricsAddr != "127.0.0.1:9464" {
		t.Errorf("defaults: OKRBOT_ADDR %q, OKRBOT_METRICS_ADDR %q", s.Addr, s.MetricsAddr)
	}
}

// TestBadSecretKeyIsNamedOnce: check names OKRBOT_SECRET_KEY and the key
// at fault once, not the setting twice over.
func TestBadSecretKeyIsNamedOnce(t *testing.T) {
	fake := fakeslack.New(t)
	env := map[string]string{"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "s3cr3t", "OKRBOT_PUBLIC_URL": "https://okrbot.example.com",
		"OKRBOT_SECRET_KEY": "c2hvcnQ=", "SLACK_SIGNING_SECRET": goodSecret, "SLACK_API_URL": fake.APIURL(), "DATABASE_URL": storetest.SQLiteURL(t)}
	out, err := run(t, env, "", "check")
	if err == nil || !strings.Contains(out, "PROBLEM  OKRBOT_SECRET_KEY: key 1 of 1 is 5 bytes") ||
		strings.Contains(out, "OKRBOT_SECRET_KEY: OKRBOT_SECRET_KEY") {
		t.Errorf("check with a short key: %v\n%s", err, out)
	}
}

// TestSourceSettings: OKRBOT_SOURCE_* read into what KPI sources may
// reach and send; a bad one is named.
func TestSourceSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OKRBOT_SOURCE_HOSTS": "*.example.com, 10.0.0.0/8", "OKRBOT_SOURCE_SECRETS": "BI_TOKEN, JIRA_TOKEN",
		"BI_TOKEN": " t0k3n\n", "OKRBOT_SOURCE_DB_WAREHOUSE": "postgres://bi@db/warehouse", "OKRBOT_SOURCE_PROMETHEUS_URL": "http://prometheus:9090/"}
	m := &Main{Getenv: func(k string) string { return env[k] }}
	cfg, err := m.sourceSettings()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Secrets["BI_TOKEN"] != "t0k3n" || cfg.Secrets["JIRA_TOKEN"] != "" || len(cfg.Secrets) != 2 {
		t.Errorf("secrets %v", cfg.Secrets)
	}
	if cfg.Database("warehouse") != "postgres://bi@db/warehouse" || cfg.Database("other") != "" || cfg.PrometheusURL != "http://prometheus:9090" {
		t.Errorf("databases and Prometheus: %q %q", cfg.Database("warehouse"), cfg.PrometheusURL)
	}
	if cfg.Hosts.Any() {
		t.Error("OKRBOT_SOURCE_HOSTS was not read")
	}
	for name, bad := range map[string]string{"OKRBOT_SOURCE_HOSTS": "http://x/", "OKRBOT_SOURCE_SECRETS": "SLACK_BOT_TOKEN",
		"OKRBOT_SOURCE_PROMETHEUS_URL": "prometheus:9090", "OKRBOT_SOURCE_TIMEOUT": "1h"} {
		m := &Main{Getenv: func(k string) string {
			if k == name {
				return bad
			}
			return ""
		}}
		if _, err := m.sourceSettings(); err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%s=%s: %v, want an error naming it", name, bad, err)
		}
	}
}

// TestCheckWarnsOfAnUnsetSourceSecret: okrbot check says which secret a
// source would fail to send.
func TestCheckWarnsOfAnUnsetSourceSecret(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OKRBOT_SOURCE_SECRETS": "BI_TOKEN,JIRA_AUTH", "BI_TOKEN": "x"}
	c := &checker{m: &Main{Getenv: func(k string) string { return env[k] }}}
	var out strings.Builder
	c.out = &out
	c.settings()
	if !strings.Contains(out.String(), "lists JIRA_AUTH, which is not set") || strings.Contains(out.String(), "lists BI_TOKEN") {
		t.Errorf("check says:\n%s", out.String())
	}
}
