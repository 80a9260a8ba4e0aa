package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/store"
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
	a, err := m.teamsAdapter(nil, slog.New(slog.DiscardHandler), nil, nil, nil)
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
