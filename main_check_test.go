package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// goodSecret has the shape of a Slack signing secret.
const goodSecret = "8f742231b10e8888abcd9912ffee85a5"

func TestCheckPassesAGoodSetup(t *testing.T) {
	for _, dbURL := range storetest.URLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			storetest.OpenURL(t, dbURL).Close()
			env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-1-A1-2-abc",
				"SLACK_SIGNING_SECRET": goodSecret, "SLACK_API_URL": fake.APIURL(), "DATABASE_URL": dbURL,
				"OKRBOT_ADMINS": "U0123ABCD, W0456", "OKRBOT_DEFAULT_TZ": "Europe/Berlin", "OKRBOT_REMINDER_GRACE": "3h",
				"OKRBOT_REMINDER_SCHEDULE": "tuesday 10:30 2w", "OKRBOT_LOG_LEVEL": "debug", "OKRBOT_ADDR": "127.0.0.1:8080"}
			out, err := run(t, env, "", "check")
			if err != nil {
				t.Fatalf("check: %v\n%s", err, out)
			}
			for _, want := range []string{
				"ok       SLACK_BOT_TOKEN: set",
				fmt.Sprintf("database is at schema version %d, up to date", latestSchema(t)),
				"ok       Slack: the bot token works, as okrbot in team Fake (T0FAKE)",
				"Everything checks out.",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("check output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "xoxb-1-2-abc") || strings.Contains(out, goodSecret) {
				t.Errorf("check printed a secret:\n%s", out)
			}
		})
	}
}

// TestCheckNamesEveryProblem gives check a setup wrong in many ways at
// once: it names each, in words, and fails.
func TestCheckNamesEveryProblem(t *testing.T) {
	fake := fakeslack.New(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxp-1-2-abc",
		"SLACK_APP_TOKEN":      "xoxb-oops",
		"SLACK_SIGNING_SECRET": "not-a-secret",
		"SLACK_API_URL":        fake.APIURL(),
		"DATABASE_URL":         "postgres://okrbot:hunter2@127.0.0.1:1/okrbot?connect_timeout=2",
		"OKRBOT_ADMINS":        "U0123ABCD,ada",
		"OKRBOT_LOG_LEVEL":     "loud",
		"OKRBOT_REMINDERS":     "sometimes",
		"OKRBOT_DEFAULT_TZ":    "Mars/Olympus_Mons",
		"OKRBOT_REMINDER_TICK": "soon",
		"OKRBOT_REMINDER_RATE": "-1",
		"OKRBOT_ADDR":          "3000",
	}
	out, err := run(t, env, "", "check")
	if err == nil || err.Error() != "11 problems found" {
		t.Errorf("check: err = %v, want 11 problems found", err)
	}
	for _, want := range []string{
		"PROBLEM  SLACK_BOT_TOKEN: is a user token (xoxp-…); okrbot needs the Bot User OAuth Token (xoxb-…)",
		"PROBLEM  SLACK_APP_TOKEN: is not an app-level token: they start with xapp-",
		"PROBLEM  SLACK_SIGNING_SECRET: is not a Slack signing secret (32 hexadecimal characters",
		`PROBLEM  OKRBOT_ADDR: "3000" is not a listen address like :3000`,
		`PROBLEM  OKRBOT_ADMINS: "ada" is not a Slack user id like U0123ABCD`,
		`PROBLEM  OKRBOT_LOG_LEVEL: "loud" is not debug, info, warn or error`,
		`PROBLEM  OKRBOT_REMINDERS: "sometimes" is neither on nor off`,
		`PROBLEM  OKRBOT_DEFAULT_TZ: unknown time zone "Mars/Olympus_Mons"`,
		`PROBLEM  OKRBOT_REMINDER_TICK: "soon" is not a duration like 6h or 30m`,
		`PROBLEM  OKRBOT_REMINDER_RATE: "-1" is not a number of messages a second`,
		"PROBLEM  database: unreachable: open postgres database: failed to connect to `user=okrbot database=okrbot`",
		"ok       SLACK_API_URL: set",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("check printed the database password:\n%s", out)
	}
	if len(fake.Calls("auth.test")) != 0 {
		t.Error("check sent a user token to Slack")
	}
}

func TestCheckReportsTheSlackAnswer(t *testing.T) {
	fake := fakeslack.New(t)
	fake.FailMethod("auth.test", fakeslack.SlackError("invalid_auth"))
	db := storetest.SQLiteURL(t)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": goodSecret,
		"SLACK_API_URL": fake.APIURL(), "DATABASE_URL": db}
	out, err := run(t, env, "", "check")
	if err == nil || err.Error() != "1 problem found" {
		t.Errorf("check: err = %v, want 1 problem found", err)
	}
	if !strings.Contains(out, "PROBLEM  Slack: Slack refused the bot token: invalid_auth") {
		t.Errorf("check output:\n%s", out)
	}
	// A SQLite file that is not there yet is fine, and check leaves it so.
	if !strings.Contains(out, "ok       database: the SQLite file "+strings.TrimPrefix(db, "sqlite:")+" does not exist yet; serve creates it") {
		t.Errorf("check output:\n%s", out)
	}
	if created, _ := filepath.Glob(strings.TrimPrefix(db, "sqlite:") + "*"); len(created) > 0 {
		t.Errorf("check created %v", created)
	}

	env["SLACK_API_URL"] = "http://127.0.0.1:1/api/"
	env["DATABASE_URL"] = filepath.Join(t.TempDir(), "missing", "okrbot.db")
	out, _ = run(t, env, "", "check")
	for _, want := range []string{
		"PROBLEM  Slack: cannot reach Slack at http://127.0.0.1:1/api/",
		"PROBLEM  database: the folder of the SQLite file",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckManyWorkspaces checks a setup that serves every workspace that
// installs okrbot: no bot token is needed, the install settings are, and
// the stored tokens must open with OKRBOT_SECRET_KEY.
func TestCheckManyWorkspaces(t *testing.T) {
	for _, dbURL := range storetest.URLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			key := newSecretKey(t)
			st := storetest.OpenURL(t, dbURL)
			box, _ := secret.ParseKeys(key)
			st.SetSealer(box)
			for _, in := range []store.Installation{
				{TeamID: "T1", TeamName: "Acme", BotToken: "xoxb-1-acme", InstalledAt: time.Now()},
				{EnterpriseID: "E1", EnterpriseName: "Initech", IsEnterpriseInstall: true, BotToken: "xoxb-2-initech", InstalledAt: time.Now()},
			} {
				if err := st.SaveInstallation(context.Background(), in); err != nil {
					t.Fatal(err)
				}
			}
			env := map[string]string{"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s3cret", "OKRBOT_SECRET_KEY": key,
				"OKRBOT_PUBLIC_URL": "https://okrbot.example.com", "SLACK_SIGNING_SECRET": goodSecret,
				"SLACK_API_URL": fake.APIURL(), "DATABASE_URL": dbURL}
			out, err := run(t, env, "", "check")
			if err != nil {
				t.Fatalf("check: %v\n%s", err, out)
			}
			for _, want := range []string{
				"ok       SLACK_CLIENT_ID: set",
				"ok       OKRBOT_SECRET_KEY: set",
				"ok       Slack: okrbot is installed in Acme (T1), the Initech organization (E1), and OKRBOT_SECRET_KEY opens every token",
				"Everything checks out.",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("check output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "SLACK_BOT_TOKEN") || strings.Contains(out, key) || strings.Contains(out, "xoxb-") {
				t.Errorf("check output:\n%s", out)
			}

			env["OKRBOT_SECRET_KEY"] = newSecretKey(t)
			out, err = run(t, env, "", "check")
			if err == nil || !strings.Contains(out, "PROBLEM  Slack: the tokens of the workspaces that installed okrbot do not open: "+
				"open bot_token of the installation in workspace T1: sealed with a key that OKRBOT_SECRET_KEY does not hold") ||
				!strings.Contains(out, "keep the key they were sealed with in OKRBOT_SECRET_KEY, after the new one, until okrbot rotate-key has run") {
				t.Errorf("check with another key: %v\n%s", err, out)
			}
		})
	}

	out, err := run(t, map[string]string{"SLACK_CLIENT_ID": "1111.2222", "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
		"OKRBOT_PUBLIC_URL": "okrbot.example.com", "OKRBOT_SECRET_KEY": "c2hvcnQ=", "DATABASE_URL": storetest.SQLiteURL(t)}, "", "check")
	if err == nil || err.Error() != "5 problems found" {
		t.Errorf("check: err = %v, want 5 problems found", err)
	}
	for _, want := range []string{
		"PROBLEM  SLACK_BOT_TOKEN: and SLACK_CLIENT_ID are both set; serve takes one",
		"PROBLEM  Slack mode: set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode",
		"PROBLEM  SLACK_CLIENT_SECRET: is not set; SLACK_CLIENT_ID needs it: the Slack app's client secret",
		`PROBLEM  OKRBOT_PUBLIC_URL: "okrbot.example.com" is not an http(s) URL like https://okrbot.example.com`,
		"PROBLEM  OKRBOT_SECRET_KEY: key 1 of 1 is 5 bytes; a key is 32 random bytes in base64",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckTeamsAlone checks a setup that serves Microsoft Teams only: no
// Slack setting is needed, and Microsoft must accept the app's credentials.
func TestCheckTeamsAlone(t *testing.T) {
	fake := faketeams.New(t)
	env := map[string]string{"TEAMS_APP_ID": faketeams.AppID, "TEAMS_APP_PASSWORD": faketeams.AppPassword,
		"TEAMS_TENANT_ID": faketeams.TenantID, "TEAMS_TOKEN_URL": fake.TokenURL(), "DATABASE_URL": storetest.SQLiteURL(t)}
	out, err := run(t, env, "", "check")
	if err != nil || !strings.Contains(out, "ok       Teams: Microsoft gives okrbot a token for TEAMS_APP_ID") || strings.Contains(out, "SLACK") {
		t.Errorf("check: %v\n%s", err, out)
	}

	env["TEAMS_APP_PASSWORD"] = "wrong"
	out, err = run(t, env, "", "check")
	if err == nil || err.Error() != "1 problem found" || !strings.Contains(out, "PROBLEM  Teams: token for TEAMS_APP_ID") {
		t.Errorf("check with a wrong password: %v\n%s", err, out)
	}
	delete(env, "TEAMS_APP_PASSWORD")
	out, _ = run(t, env, "", "check")
	if !strings.Contains(out, "PROBLEM  Teams: TEAMS_APP_PASSWORD is required") {
		t.Errorf("check without a password:\n%s", out)
	}
}
