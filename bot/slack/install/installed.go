package install

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// installedTTL bounds how long another replica's uninstall goes unnoticed.
const installedTTL = 30 * time.Second

// installed is which workspaces and organizations okrbot is installed in,
// as last read from the store: the adapter asks on every request and
// every scheduler round, and reads again only once that is older than
// installedTTL, or after an install or uninstall it was told of.
type installed struct {
	mu     sync.Mutex
	teams  map[string]bool // team ids with their own installation
	orgs   map[string]bool // organizations installed org-wide
	loaded time.Time
	// stale shares one read among the requests that find what was read
	// too old at the same moment, hundreds a second under load.
	stale singleflight.Group
}

// Load reads which workspaces okrbot is installed in. serve calls it once
// at start, so that the first request is answered from what is stored.
func (in *Installer) Load(ctx context.Context) error {
	all, err := in.cfg.Store.ActiveInstallations(ctx)
	if err != nil {
		return fmt.Errorf("read Slack installations: %w", err)
	}
	teams, orgs := map[string]bool{}, map[string]bool{}
	for _, inst := range all {
		if inst.IsEnterpriseInstall {
			orgs[inst.EnterpriseID] = true
		} else {
			teams[inst.TeamID] = true
		}
	}
	in.installed.mu.Lock()
	in.installed.teams, in.installed.orgs, in.installed.loaded = teams, orgs, in.cfg.Now()
	in.installed.mu.Unlock()
	return nil
}

// reload reads the installations again after one changed.
func (in *Installer) reload(ctx context.Context) {
	if err := in.Load(ctx); err != nil {
		in.cfg.Logger.Error("read Slack installations; going on with what was read before", "err", err)
	}
}

// Token is the bot token serving a workspace: its own installation's, or
// its organization's (org may be empty), refreshed when it nears expiry.
func (in *Installer) Token(ctx context.Context, org, team string) (string, error) {
	inst, err := in.Authorize(ctx, org, team)
	if err != nil {
		return "", err
	}
	return inst.BotToken, nil
}

// Installed reports whether okrbot is installed in a workspace, or in its
// organization, as last read; what was read longer than installedTTL ago
// is read again first, with ctx (the request's or the scheduler round's).
func (in *Installer) Installed(ctx context.Context, org, team string) bool {
	in.installed.mu.Lock()
	stale := in.cfg.Now().Sub(in.installed.loaded) > installedTTL
	in.installed.mu.Unlock()
	if stale {
		in.installed.stale.Do("", func() (any, error) {
			in.reload(ctx)
			return nil, nil
		})
	}
	in.installed.mu.Lock()
	defer in.installed.mu.Unlock()
	return in.installed.teams[team] || (org != "" && in.installed.orgs[org])
}

// InstalledNow is Installed, asking the store when what was read does not
// have the workspace: a request may come from a workspace that another
// replica installed okrbot in a moment ago.
func (in *Installer) InstalledNow(ctx context.Context, org, team string) bool {
	if in.Installed(ctx, org, team) {
		return true
	}
	if _, err := in.cfg.Store.InstallationFor(ctx, org, team); err != nil {
		return false
	}
	in.reload(ctx)
	return true
}

// Uninstalled forgets the tokens of a workspace, or of a whole
// organization (team empty), that Slack said okrbot was removed from.
func (in *Installer) Uninstalled(ctx context.Context, org, team, reason string) {
	if err := in.cfg.Store.RevokeInstallation(ctx, org, team, in.cfg.Now(), "Slack sent "+reason); err != nil {
		in.cfg.Logger.Error("forget the tokens of an uninstalled workspace", "org", org, "team", team, "err", err)
	}
	in.reload(ctx)
}

// TokenRefused revokes the installation whose token Slack refused: its
// schedules stop, and it is served again once installed again. A token
// that is no longer the installation's (refreshed, or installed again
// meanwhile) says nothing of it, and neither does an expired rotating
// token, which its refresh replaces.
func (in *Installer) TokenRefused(ctx context.Context, org, team, token, code string) {
	inst, err := in.cfg.Store.InstallationFor(ctx, org, team)
	switch {
	case err != nil:
		return // revoked already, or never installed
	case inst.BotToken != token:
		return
	case code == "token_expired" && inst.RefreshToken != "":
		in.cfg.Logger.Warn("Slack says the rotating token expired; it is refreshed on the next call", "team", inst.TeamID, "enterprise", inst.EnterpriseID)
		return
	}
	reason := "Slack refused its token: " + code
	in.cfg.Logger.Error("okrbot lost its Slack token: nothing is sent there, and no schedule runs, until okrbot is installed again",
		"team", inst.TeamID, "enterprise", inst.EnterpriseID, "org_wide", inst.IsEnterpriseInstall, "reason", reason)
	if err := in.cfg.Store.RevokeInstallation(ctx, inst.EnterpriseID, key(inst), in.cfg.Now(), reason); err != nil {
		in.cfg.Logger.Error("revoke the installation whose token Slack refused", "team", inst.TeamID, "enterprise", inst.EnterpriseID, "err", err)
	}
	in.reload(ctx)
}
