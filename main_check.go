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
	botOK := c.setting("SLACK_BOT_TOKEN", func(v string) string {
		switch {
		case v == "":
			return "is not set; serve needs the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page"
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
	if appToken == "" && secret == "" {
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
		"OKRBOT_NUDGE_AFTER", "OKRBOT_REMINDER_TICK", "OKRBOT_REMINDER_RATE", "OKRBOT_GRADING"} {
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
		m.checkDatabase(ctx, c)
	}
	if botOK && apiOK {
		m.checkSlack(ctx, c)
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
// SQLite file that does not exist yet is not created: serve does that.
func (m *Main) checkDatabase(ctx context.Context, c *checker) {
	dbURL := m.Getenv("DATABASE_URL")
	if !strings.Contains(dbURL, "://") || strings.HasPrefix(dbURL, "sqlite://") {
		path := cmp.Or(strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite://"), "sqlite:"), store.DefaultPath)
		path, _, _ = strings.Cut(path, "?")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if info, err := os.Stat(filepath.Dir(path)); err != nil || !info.IsDir() {
				c.problem("database", "the folder of the SQLite file %s does not exist", path)
				return
			}
			c.ok("database", "the SQLite file %s does not exist yet; serve creates it", path)
			return
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dbURL, slog.New(slog.DiscardHandler))
	if err != nil {
		c.problem("database", "unreachable: %v", err)
		return
	}
	defer st.Close()
	s, err := st.SchemaStatus(ctx)
	if err != nil {
		c.problem("database", "reached, but its migrations cannot be read: %v", err)
		return
	}
	c.ok("database", "%s", schemaSummary(st.Dialect(), s))
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
