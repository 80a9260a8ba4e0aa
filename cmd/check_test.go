package cmd

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
	t.Parallel()
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
	t.Parallel()
	fake := fakeslack.New(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxp-1-2-abc",
		"SLACK_APP_TOKEN":      "xoxb-oops",
		"SLACK_SIGNING_SECRET": "not-a-secret",
		"SLACK_API_URL":        fake.APIURL(),
		"DATABASE_URL":         "postgres://okrbot:hunter2@127.0.0.1:1/okrbot?connect_timeout=2",
		"OKRBOT_ADMINS":        "U0123ABCD,T0123ABCD:U0456,ada",
		"OKRBOT_GUESTS":        "everyone",
		"OKRBOT_ROLE_TTL":      "forever",
		"OKRBOT_LOG_LEVEL":     "loud",
		"OKRBOT_REMINDERS":     "sometimes",
		"OKRBOT_DEFAULT_TZ":    "Mars/Olympus_Mons",
		"OKRBOT_REMINDER_TICK": "soon",
		"OKRBOT_REMINDER_RATE": "-1",
		"OKRBOT_GRADING":       "25 09:00",
		"OKRBOT_ADDR":          "3000",
		"OKRBOT_WORKERS":       "lots",
		"OKRBOT_SLACK_TEAMS":   "T0123ABCD, acme",
	}
	out, err := run(t, env, "", "check")
	if err == nil || err.Error() != "16 problems found" {
		t.Errorf("check: err = %v, want 16 problems found", err)
	}
	for _, want := range []string{
		"PROBLEM  SLACK_BOT_TOKEN: is a user token (xoxp-…); okrbot needs the Bot User OAuth Token (xoxb-…)",
		"PROBLEM  SLACK_APP_TOKEN: is not an app-level token: they start with xapp-",
		"PROBLEM  SLACK_SIGNING_SECRET: is not a Slack signing secret (32 hexadecimal characters",
		`PROBLEM  OKRBOT_ADDR: "3000" is not a listen address like :3000`,
		`PROBLEM  OKRBOT_ADMINS: "ada" is none of a Slack team and user like T0123ABCD:U0123ABCD`,
		`PROBLEM  OKRBOT_GUESTS: "everyone" is neither none nor own`,
		`PROBLEM  OKRBOT_ROLE_TTL: "forever" is not a duration from 1s to 1h, like 5m`,
		`PROBLEM  OKRBOT_LOG_LEVEL: "loud" is not debug, info, warn or error`,
		`PROBLEM  OKRBOT_REMINDERS: "sometimes" is neither on nor off`,
		`PROBLEM  OKRBOT_DEFAULT_TZ: unknown time zone "Mars/Olympus_Mons"`,
		`PROBLEM  OKRBOT_REMINDER_TICK: "soon" is not a duration like 6h or 30m`,
		`PROBLEM  OKRBOT_REMINDER_RATE: "-1" is not a number of messages a second`,
		`PROBLEM  OKRBOT_WORKERS: "lots" is not a number of workers (1 or more)`,
		`PROBLEM  OKRBOT_SLACK_TEAMS: "acme" is neither a Slack team id like T0123ABCD nor an Enterprise Grid organization id like E0123ABCD`,
		`PROBLEM  OKRBOT_GRADING: Grading prompts go out 1 to 20 working days before a period ends, not 25.`,
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
	t.Parallel()
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

// TestCheckAndServeAskMicrosoft checks a Teams-only setup: check gets a
// token from Microsoft for it; with a wrong password, check names the
// refusal and serve stops with the same words.
func TestCheckAndServeAskMicrosoft(t *testing.T) {
	t.Parallel()
	fake := faketeams.New(t)
	db := storetest.SQLiteURL(t)
	env := map[string]string{"TEAMS_APP_ID": faketeams.AppID, "TEAMS_APP_PASSWORD": faketeams.AppPassword,
		"TEAMS_TENANT_ID": faketeams.TenantID, "TEAMS_TOKEN_URL": fake.TokenURL(),
		"TEAMS_OPENID_METADATA_URL": fake.OpenIDMetadataURL(), "TEAMS_SERVICE_URL_HOSTS": "127.0.0.1",
		"DATABASE_URL": db, "OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": "off"}
	out, err := run(t, env, "", "check")
	if err != nil || !strings.Contains(out, "ok       Teams: Microsoft issued okrbot a token for TEAMS_APP_ID") {
		t.Fatalf("check: %v\n%s", err, out)
	}

	env["TEAMS_APP_PASSWORD"] = "wrong"
	out, err = run(t, env, "", "check")
	const refused = "Teams: Microsoft refused TEAMS_APP_ID, TEAMS_APP_PASSWORD or TEAMS_TENANT_ID: teams: token for TEAMS_APP_ID: token endpoint answered 401 Unauthorized: invalid_client AADSTS7000215: Invalid client secret provided."
	if err == nil || !strings.Contains(out, "PROBLEM  "+refused+"\n") {
		t.Errorf("check with a wrong password: %v\n%s", err, out)
	}
	if strings.Contains(out, "wrong") {
		t.Errorf("check printed the password:\n%s", out)
	}
	_, err = run(t, env, "", "serve")
	if err == nil || err.Error() != refused {
		t.Errorf("serve with a wrong password: %v, want %q", err, refused)
	}
}

// TestCheckAsksGraph checks TEAMS_GRAPH_INSTALL: a value that is neither
// on nor off is named; on, check finds okrbot in the tenant's app catalog
// through Graph, and says so when it is not there.
func TestCheckAsksGraph(t *testing.T) {
	t.Parallel()
	fake := faketeams.New(t)
	env := map[string]string{"TEAMS_APP_ID": faketeams.AppID, "TEAMS_APP_PASSWORD": faketeams.AppPassword,
		"TEAMS_TENANT_ID": faketeams.TenantID, "TEAMS_TOKEN_URL": fake.TokenURL(),
		"TEAMS_OPENID_METADATA_URL": fake.OpenIDMetadataURL(), "TEAMS_SERVICE_URL_HOSTS": "127.0.0.1",
		"TEAMS_GRAPH_INSTALL": "maybe", "TEAMS_GRAPH_URL": fake.GraphURL(),
		"DATABASE_URL": storetest.SQLiteURL(t), "OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": "off"}
	out, err := run(t, env, "", "check")
	if err == nil || !strings.Contains(out, `TEAMS_GRAPH_INSTALL "maybe" is neither on nor off`) {
		t.Errorf("check with TEAMS_GRAPH_INSTALL=maybe: %v\n%s", err, out)
	}
	env["TEAMS_GRAPH_INSTALL"] = "on"
	out, err = run(t, env, "", "check")
	for _, want := range []string{"ok       TEAMS_GRAPH_INSTALL: on", "ok       Microsoft Graph: okrbot is in the tenant's app catalog"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("check with TEAMS_GRAPH_INSTALL=on lacks %q: %v\n%s", want, err, out)
		}
	}
	fake.RemoveFromCatalog()
	out, err = run(t, env, "", "check")
	if err == nil || !strings.Contains(out, "PROBLEM  TEAMS_GRAPH_INSTALL: okrbot cannot find itself in the tenant's app catalog") {
		t.Errorf("check without the app in the catalog: %v\n%s", err, out)
	}
}

// TestCheckReadsTheInstallations checks a setup that serves every Slack
// workspace that installs okrbot: the installations open with the key
// given, and not with another.
func TestCheckReadsTheInstallations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := fakeslack.New(t)
	dbURL := storetest.SQLiteURL(t)
	st := storetest.OpenURL(t, dbURL)
	key := newSecretKey(t)
	box, _ := secret.ParseKeys(key)
	st.SetSealer(box)
	if err := st.SaveInstallation(ctx, store.Installation{TeamID: "T1", BotToken: "xoxb-1", InstalledAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "s3cr3t", "OKRBOT_PUBLIC_URL": "https://okrbot.example.com",
		"OKRBOT_SECRET_KEY": key, "SLACK_SIGNING_SECRET": goodSecret, "SLACK_API_URL": fake.APIURL(), "DATABASE_URL": dbURL,
		"OKRBOT_ADMINS": "T0001:U0BOSS, U0PLAIN"}
	out, err := run(t, env, "", "check")
	if err != nil || !strings.Contains(out, "ok       Slack installations: okrbot is installed in 1 workspace\n") {
		t.Errorf("check: %v\n%s", err, out)
	}
	// A plain user id names nobody when every workspace may install
	// okrbot: check says so, and passes.
	if !strings.Contains(out, "WARN     OKRBOT_ADMINS: U0PLAIN names no workspace") || strings.Contains(out, "WARN     OKRBOT_ADMINS: T0001:U0BOSS") {
		t.Errorf("check on plain admin ids:\n%s", out)
	}

	env["OKRBOT_SECRET_KEY"] = newSecretKey(t)
	out, err = run(t, env, "", "check")
	if err == nil || !strings.Contains(out, "PROBLEM  Slack installations: cannot be read: ") {
		t.Errorf("check with another key: %v\n%s", err, out)
	}
	env["OKRBOT_SECRET_KEY"], env["OKRBOT_PUBLIC_URL"] = "", ""
	out, _ = run(t, env, "", "check")
	for _, want := range []string{"PROBLEM  OKRBOT_SECRET_KEY: no secret key: set OKRBOT_SECRET_KEY", `PROBLEM  Slack install: OKRBOT_PUBLIC_URL "" is not an http(s) URL`} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}
}
