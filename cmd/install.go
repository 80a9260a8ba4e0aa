package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// slackInstaller returns the install flow for many workspaces (with
// SLACK_CLIENT_ID), which also knows which of them okrbot is installed in.
// st must have its sealer set.
func (m *Main) slackInstaller(st *store.Store, log *slog.Logger) (*install.Installer, error) {
	now := m.Now
	if now == nil {
		now = time.Now
	}
	allowed, err := m.slackTeams()
	if err != nil {
		return nil, err
	}
	return install.New(install.Config{
		Allowed:      allowed,
		ClientID:     m.cfg().SlackClientID,
		ClientSecret: m.cfg().SlackClientSecret,
		PublicURL:    m.cfg().PublicURL,
		APIURL:       m.cfg().SlackAPIURL,
		Store:        installStore{st: st, log: log},
		Now:          now,
		Logger:       log,
	})
}

// installStore keeps the install flow's installations in the database.
// install.Installation and store.Installation have the same fields, so each
// converts to the other.
type installStore struct {
	st  *store.Store
	log *slog.Logger
}

// SaveInstallation keeps a new installation, and turns back on the
// prompts that were turned off because Slack refused the token of the one
// before it: they were about the token, not the people.
func (s installStore) SaveInstallation(ctx context.Context, in install.Installation) error {
	if err := s.st.SaveInstallation(ctx, store.Installation(in)); err != nil {
		return err
	}
	team := in.TeamID
	if in.IsEnterpriseInstall {
		team = ""
	}
	if _, err := s.st.ResumeRemindersTurnedOffBy(ctx, slackbot.Platform, in.EnterpriseID, team, slackbot.TokenErrors); err != nil {
		s.log.Error("turn prompts back on after a reinstall", "team", in.TeamID, "enterprise", in.EnterpriseID, "err", err)
	}
	return nil
}

func (s installStore) InstallationFor(ctx context.Context, enterpriseID, teamID string) (install.Installation, error) {
	got, err := s.st.InstallationFor(ctx, enterpriseID, teamID)
	if errors.Is(err, okr.ErrNotFound) {
		err = install.ErrNotInstalled
	}
	return install.Installation(got), err
}

func (s installStore) ClaimRefresh(ctx context.Context, enterpriseID, teamID, holder string, now, until time.Time) (install.Installation, int, bool, error) {
	got, failures, claimed, err := s.st.ClaimRefresh(ctx, enterpriseID, teamID, holder, now, until)
	if errors.Is(err, okr.ErrNotFound) {
		err = install.ErrNotInstalled
	}
	return install.Installation(got), failures, claimed, err
}

func (s installStore) FinishRefresh(ctx context.Context, enterpriseID, teamID, holder string, next *install.Installation, now, retryAt time.Time) (bool, error) {
	return s.st.FinishRefresh(ctx, enterpriseID, teamID, holder, (*store.Installation)(next), now, retryAt)
}

func (s installStore) RevokeInstallation(ctx context.Context, enterpriseID, teamID string, at time.Time, reason string) error {
	return s.st.RevokeInstallation(ctx, enterpriseID, teamID, at, reason)
}

func (s installStore) ActiveInstallations(ctx context.Context) ([]install.Installation, error) {
	all, err := s.st.ActiveInstallations(ctx)
	out := make([]install.Installation, len(all))
	for i, in := range all {
		out[i] = install.Installation(in)
	}
	return out, err
}

func (s installStore) UseOAuthState(ctx context.Context, state string, expires, now time.Time) (bool, error) {
	return s.st.UseOAuthState(ctx, state, expires, now)
}

// rotateKey re-seals every stored token with the first key of
// OKRBOT_SECRET_KEY, all or nothing.
func (m *Main) rotateKey(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("rotate-key takes no arguments; the keys come from OKRBOT_SECRET_KEY")
	}
	box, err := m.secretBox()
	if err != nil {
		return err
	}
	st, err := m.openStore(ctx, m.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetSealer(box)
	n, err := st.ResealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("rotate-key changed nothing: %w", err)
	}
	fmt.Fprintf(m.Stdout, "Re-sealed %d tokens with key %s, the first of OKRBOT_SECRET_KEY. The other keys can now be removed from it.\n", n, box.KeyID())
	return nil
}

// purge deletes everything okrbot keeps about one workspace.
func (m *Main) purge(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	team := fs.String("workspace", "", "the team id of the workspace to delete, like Slack's T0123ABCD")
	platform := fs.String("platform", "slack", "the chat platform of the workspace")
	yes := fs.Bool("yes", false, "delete without asking")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *team == "" || fs.NArg() > 0:
		return errors.New("usage: okrbot purge --workspace TEAM_ID --yes")
	case !*yes:
		return fmt.Errorf("purge deletes every OKR, KPI, check-in, schedule, API token and the installation of workspace %s, and cannot be undone; run it again with --yes", *team)
	}
	st, err := m.openStore(ctx, m.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	deleted, err := st.PurgeWorkspace(ctx, *platform, *team)
	if errors.Is(err, okr.ErrNotFound) {
		return fmt.Errorf("the %s database has nothing of %s workspace %s", st.Dialect(), *platform, *team)
	}
	if err != nil {
		return err
	}
	var counts []string
	for _, table := range slices.Sorted(maps.Keys(deleted)) {
		counts = append(counts, fmt.Sprintf("%s %d", table, deleted[table]))
	}
	fmt.Fprintf(m.Stdout, "Purged %s workspace %s. Rows deleted: %s.\n", *platform, *team, strings.Join(counts, ", "))
	return nil
}
