package cmd

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestReadyOnceSlackAnswers starts okrbot while Slack holds its answer to
// auth.test: okrbot is healthy but not ready, says what it waits for, and
// takes no Slack requests; once Slack answers, it is ready and serves them.
func TestReadyOnceSlackAnswers(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			fake.AddUser(fakeslack.User{ID: "U1", Name: "ada"})
			release := fake.Hold("auth.test")
			defer release()
			in := startIn(t, map[string]string{
				"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
				"OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": "off", "DATABASE_URL": dbURL, "OKRBOT_LOG_LEVEL": "warn",
			}, io.Discard)
			get := func(path string) (int, string) {
				t.Helper()
				return do(t, must(http.NewRequest("GET", in.public+path, nil)))
			}
			// okrbot asks Slack once its migrations are applied.
			fake.WaitHeld("auth.test")
			if code, body := get("/readyz"); code != http.StatusServiceUnavailable || strings.TrimSpace(body) != "not ready: waiting for Slack to answer auth.test" {
				t.Errorf("/readyz while Slack is silent = %d %q", code, body)
			}
			if code, body := get("/healthz"); code != http.StatusOK {
				t.Errorf("/healthz while starting = %d %q", code, body)
			}
			cmd := slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: "U1", UserName: "ada", ChannelID: "C1",
				Command: "/okr", Text: "help", ResponseURL: fake.ResponseURL("help")}
			events := in.public + "/slack/events"
			if code, _ := do(t, fakeslack.SlashCommandRequest(events, slackSigningSecret, time.Now(), cmd)); code != http.StatusServiceUnavailable {
				t.Errorf("a slash command while starting = %d, want 503", code)
			}

			release()
			in.waitReady(t)
			if code, body := get("/readyz"); code != http.StatusOK || strings.TrimSpace(body) != "ready" {
				t.Errorf("/readyz once ready = %d %q", code, body)
			}
			if code, _ := do(t, fakeslack.SlashCommandRequest(events, slackSigningSecret, time.Now(), cmd)); code != http.StatusOK {
				t.Errorf("a slash command once ready = %d", code)
			}
			fake.WaitCalls(fakeslack.ResponseURLMethod, 1)
		})
	}
}

// TestServeStopsWithCheckWords starts okrbot with settings check finds
// wrong, and with a bot token Slack refuses: serve stops, naming the
// problem with the words check prints.
func TestServeStopsWithCheckWords(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN": "xoxp-1-2-abc", "SLACK_SIGNING_SECRET": "not-a-secret", "SLACK_API_URL": fake.APIURL(),
		"OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": "off", "DATABASE_URL": storetest.MigratedSQLiteURL(t),
		"OKRBOT_LOG_FORMAT": "yaml",
	}
	serve := func() error {
		m := &Main{Args: []string{"serve"}, Getenv: func(k string) string { return env[k] }, Stdout: io.Discard, Stderr: io.Discard}
		return m.Run(context.Background())
	}
	checked, _ := run(t, env, "", "check")
	err := serve()
	if err == nil {
		t.Fatal("serve started with wrong settings")
	}
	for _, problem := range strings.Split(err.Error(), "\n") {
		if !strings.Contains(checked, "PROBLEM  "+problem+"\n") {
			t.Errorf("serve stopped with %q, which check does not print:\n%s", problem, checked)
		}
	}
	for _, want := range []string{"SLACK_BOT_TOKEN: is a user token", "SLACK_SIGNING_SECRET: is not a Slack signing secret",
		`OKRBOT_LOG_FORMAT: "yaml" is neither text nor json`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("serve stopped with %q, which lacks %q", err, want)
		}
	}
	if n := len(fake.Calls("auth.test")); n != 0 {
		t.Errorf("serve sent a user token to Slack (%d auth.test calls)", n)
	}

	fake.FailMethod("auth.test", fakeslack.SlackError("invalid_auth"))
	env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["OKRBOT_LOG_FORMAT"] = "xoxb-revoked", goodSecret, "json"
	checked, _ = run(t, env, "", "check")
	err = serve()
	want := "Slack: Slack refused the bot token: invalid_auth (copy it again from the app's OAuth & Permissions page)"
	if err == nil || err.Error() != want {
		t.Errorf("serve with a refused token: %v, want %q", err, want)
	}
	if !strings.Contains(checked, "PROBLEM  "+want) {
		t.Errorf("check does not say %q:\n%s", want, checked)
	}
}
