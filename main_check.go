package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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

	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
)

var (
	// Slack user ids: U… or, in Enterprise Grid, W….
	slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	// Slack signing secrets are 32 hexadecimal characters.
	signingSecret = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// A checker prints one line per thing checked and counts the problems.
type checker struct {
	m        *Main
	problems int
}

func (c *checker) ok(what, format string, args ...any) {
	fmt.Fprintf(c.m.Stdout, "ok       %s: %s\n", what, fmt.Sprintf(format, args...))
}

func (c *checker) problem(what, format string, args ...any) {
	c.problems++
	fmt.Fprintf(c.m.Stdout, "PROBLEM  %s: %s\n", what, fmt.Sprintf(format, args...))
}

// setting checks one setting with check, which says what is wrong or
// returns "" when nothing is. Unset settings that have a default are fine.
func (c *checker) setting(name string, check func(v string) string) bool {
	v := strings.TrimSpace(c.m.Getenv(name))
	if why := check(v); why != "" {
		c.problem(name, "%s", why)
		return false
	}
	if v != "" {
		c.ok(name, "set")
	}
	return true
}

// check runs "okrbot check": it reads every setting the way serve does,
// reaches the database and Slack, and names each problem. Any problem
// makes it fail, so that it can gate a deployment.
func (m *Main) check(ctx context.Context) error {
	c := &checker{m: m}
	set := func(name string) bool { return strings.TrimSpace(m.Getenv(name)) != "" }
	// Slack is served for one workspace (SLACK_BOT_TOKEN) or for every one
	// that installs okrbot (SLACK_CLIENT_ID); Teams alone needs neither.
	one, many, teamsOn := set("SLACK_BOT_TOKEN"), set("SLACK_CLIENT_ID"), set("TEAMS_APP_ID")
	botOK := c.setting("SLACK_BOT_TOKEN", func(v string) string {
		switch {
		case v == "" && !many && !teamsOn:
			return "is not set; serve needs the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page " +
				"(or SLACK_CLIENT_ID, to serve every workspace that installs okrbot, or TEAMS_APP_ID, for Microsoft Teams)"
		case v == "":
			return ""
		case many:
			return "and SLACK_CLIENT_ID are both set; serve takes one: SLACK_BOT_TOKEN serves one workspace, SLACK_CLIENT_ID every workspace that installs okrbot"
		case strings.HasPrefix(v, "xapp-"):
			return "is an app-level token (xapp-…); it belongs in SLACK_APP_TOKEN, and this one needs the bot token (xoxb-…)"
		case strings.HasPrefix(v, "xoxp-"):
			return "is a user token (xoxp-…); okrbot needs the Bot User OAuth Token (xoxb-…)"
		case !strings.HasPrefix(v, "xoxb-"):
			return "is not a bot token: bot tokens start with xoxb-"
		}
		return ""
	})
	appToken := strings.TrimSpace(m.Getenv("SLACK_APP_TOKEN"))
	c.setting("SLACK_APP_TOKEN", func(v string) string {
		if v != "" && !strings.HasPrefix(v, "xapp-") {
			return "is not an app-level token: they start with xapp- (Basic Information → App-Level Tokens, with the connections:write scope)"
		}
		return ""
	})
	secret := strings.TrimSpace(m.Getenv("SLACK_SIGNING_SECRET"))
	c.setting("SLACK_SIGNING_SECRET", func(v string) string {
		if v != "" && !signingSecret.MatchString(v) {
			return "is not a Slack signing secret (32 hexadecimal characters, from Basic Information → App Credentials)"
		}
		return ""
	})
	if (one || many) && appToken == "" && secret == "" {
		c.problem("Slack mode", "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode")
	}
	keyOK := m.checkInstallSettings(c, many)
	apiOK := c.setting("SLACK_API_URL", func(v string) string {
		if v == "" {
			return ""
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Sprintf("%q is not an http(s) URL like https://slack.com/api/", v)
		}
		return ""
	})
	c.setting("OKRBOT_ADDR", func(v string) string {
		if v == "" {
			return ""
		}
		_, port, err := net.SplitHostPort(v)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			return fmt.Sprintf("%q is not a listen address like :3000 or 127.0.0.1:3000", v)
		}
		return ""
	})
	dbOK := c.setting("DATABASE_URL", checkDatabaseURL)
	c.setting("OKRBOT_ADMINS", func(v string) string {
		for _, id := range splitList(v) {
			if !slackUserID.MatchString(id) {
				return fmt.Sprintf("%q is not a Slack user id like U0123ABCD (a profile's ⋮ menu → Copy member ID)", id)
			}
		}
		return ""
	})
	c.setting("OKRBOT_LOG_LEVEL", func(v string) string {
		var level slog.Level
		if v != "" && level.UnmarshalText([]byte(v)) != nil {
			return fmt.Sprintf("%q is not debug, info, warn or error", v)
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
	// The reminder settings are read by the very code serve reads them
	// with, one at a time, so that check and serve never disagree.
	for _, name := range []string{"OKRBOT_REMINDER_SCHEDULE", "OKRBOT_DEFAULT_TZ", "OKRBOT_REMINDER_GRACE",
		"OKRBOT_NUDGE_AFTER", "OKRBOT_REMINDER_TICK", "OKRBOT_REMINDER_RATE"} {
		c.setting(name, func(v string) string {
			only := &Main{Getenv: func(k string) string {
				if k == name {
					return v
				}
				return ""
			}}
			if _, _, _, err := only.reminderSettings(); err != nil {
				return strings.TrimPrefix(err.Error(), name+": ")
			}
			return ""
		})
	}

	if dbOK {
		if st := m.checkDatabase(ctx, c); st != nil {
			if many && keyOK {
				m.checkInstallations(ctx, c, st)
			}
			st.Close()
		}
	}
	if one && botOK && apiOK {
		m.checkSlack(ctx, c)
	}
	if teamsOn {
		m.checkTeams(ctx, c)
	}
	if c.problems > 0 {
		return fmt.Errorf("%d %s found", c.problems, plural(c.problems, "problem", "problems"))
	}
	fmt.Fprintln(m.Stdout, "Everything checks out.")
	return nil
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
// SQLite file that does not exist yet is not created: serve does that. It
// returns the database, for the caller to close, when it holds every table
// this okrbot knows.
func (m *Main) checkDatabase(ctx context.Context, c *checker) *store.Store {
	dbURL := m.Getenv("DATABASE_URL")
	if !strings.Contains(dbURL, "://") || strings.HasPrefix(dbURL, "sqlite://") {
		path := cmp.Or(strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite://"), "sqlite:"), store.DefaultPath)
		path, _, _ = strings.Cut(path, "?")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if info, err := os.Stat(filepath.Dir(path)); err != nil || !info.IsDir() {
				c.problem("database", "the folder of the SQLite file %s does not exist", path)
				return nil
			}
			c.ok("database", "the SQLite file %s does not exist yet; serve creates it", path)
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dbURL, slog.New(slog.DiscardHandler))
	if err != nil {
		c.problem("database", "unreachable: %v", err)
		return nil
	}
	s, err := st.SchemaStatus(ctx)
	if err != nil {
		c.problem("database", "reached, but its migrations cannot be read: %v", err)
		st.Close()
		return nil
	}
	c.ok("database", "%s", schemaSummary(st.Dialect(), s))
	if s.Pending() > 0 {
		st.Close()
		return nil
	}
	return st
}

// checkInstallSettings checks the settings of serving every workspace that
// installs okrbot, needed when many is set, and reports whether
// OKRBOT_SECRET_KEY is good.
func (m *Main) checkInstallSettings(c *checker, many bool) bool {
	needed := func(what string) func(string) string {
		return func(v string) string {
			if many && v == "" {
				return "is not set; SLACK_CLIENT_ID needs it: " + what
			}
			return ""
		}
	}
	c.setting("SLACK_CLIENT_ID", func(string) string { return "" })
	c.setting("SLACK_CLIENT_SECRET", needed("the Slack app's client secret, from its Basic Information page"))
	c.setting("OKRBOT_PUBLIC_URL", func(v string) string {
		if why := needed("where browsers reach okrbot, like https://okrbot.example.com")(v); why != "" || v == "" {
			return why
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Sprintf("%q is not an http(s) URL like https://okrbot.example.com", v)
		}
		return ""
	})
	return c.setting("OKRBOT_SECRET_KEY", func(v string) string {
		if why := needed("the key that seals Slack tokens in the database (openssl rand -base64 32)")(v); why != "" || v == "" {
			return why
		}
		if _, err := secret.ParseKeys(v); err != nil {
			return strings.TrimPrefix(err.Error(), "OKRBOT_SECRET_KEY: ")
		}
		return ""
	})
}

// checkInstallations opens the tokens of the workspaces that installed
// okrbot with OKRBOT_SECRET_KEY, as serve does.
func (m *Main) checkInstallations(ctx context.Context, c *checker, st *store.Store) {
	box, err := m.secretBox()
	if err != nil {
		return // checkInstallSettings named the problem
	}
	st.SetSealer(box)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	all, err := st.ActiveInstallations(ctx)
	if err != nil {
		c.problem("Slack", "the tokens of the workspaces that installed okrbot do not open: %v; "+
			"keep the key they were sealed with in OKRBOT_SECRET_KEY, after the new one, until okrbot rotate-key has run", err)
		return
	}
	if len(all) == 0 {
		c.ok("Slack", "no workspace has installed okrbot yet; install it from %s%s", strings.TrimSuffix(m.Getenv("OKRBOT_PUBLIC_URL"), "/"), install.InstallPath)
		return
	}
	var names []string
	for _, in := range all {
		if in.IsEnterpriseInstall {
			names = append(names, fmt.Sprintf("the %s organization (%s)", in.EnterpriseName, in.EnterpriseID))
		} else {
			names = append(names, fmt.Sprintf("%s (%s)", in.TeamName, in.TeamID))
		}
	}
	if len(names) > 5 {
		names = append(names[:5], fmt.Sprintf("%d more", len(names)-5))
	}
	c.ok("Slack", "okrbot is installed in %s, and OKRBOT_SECRET_KEY opens every token", strings.Join(names, ", "))
}

// checkTeams asks Microsoft for a token with the Teams settings, as serve
// does at start.
func (m *Main) checkTeams(ctx context.Context, c *checker) {
	adapter, err := teams.New(m.teamsConfig(slog.New(slog.DiscardHandler)), nil)
	if err != nil {
		c.problem("Teams", "%v", strings.TrimPrefix(err.Error(), "teams: "))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := adapter.CheckCredentials(ctx); err != nil {
		c.problem("Teams", "%v", strings.TrimPrefix(err.Error(), "teams: "))
		return
	}
	c.ok("Teams", "Microsoft gives okrbot a token for TEAMS_APP_ID")
}

// checkSlack asks Slack whether the bot token works (auth.test).
func (m *Main) checkSlack(ctx context.Context, c *checker) {
	apiURL := cmp.Or(strings.TrimSpace(m.Getenv("SLACK_API_URL")), slack.APIURL)
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go appends method names to it
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	api := slack.New(strings.TrimSpace(m.Getenv("SLACK_BOT_TOKEN")), slack.OptionAPIURL(apiURL))
	resp, err := api.AuthTestContext(ctx)
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
