package slack

import (
	"cmp"
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/okrbot/okrbot/bot"
)

// Where a request's workspace is in its payload, read as Slack's Bolt
// reads it (its extract_team_id and extract_enterprise_id). For an app
// installed in a whole Enterprise Grid organization, interaction payloads
// say "team": null: the workspace is then the person's (user.team_id) or
// the view's (view.team_id), and the installation is the organization's.

// interactionWorkspace is the workspace of an interaction (block_actions,
// view_submission, view_closed): view.app_installed_team_id, then team.id,
// then user.team_id, then view.team_id. The organization comes from
// enterprise.id, or team.enterprise_id.
//
// view.app_installed_team_id names the organization itself when okrbot is
// installed org-wide; that is no workspace, so the next field tells.
func interactionWorkspace(cb *slack.InteractionCallback) bot.Workspace {
	org := cmp.Or(cb.Enterprise.ID, cb.Team.EnterpriseID)
	installed := cb.View.AppInstalledTeamID
	if installed == org {
		installed = ""
	}
	return workspace(cmp.Or(installed, cb.Team.ID, cb.User.TeamID, cb.View.TeamID), org)
}

// eventWorkspace is the workspace of an Events API event: the team of the
// installation it was delivered for (authorizations[0].team_id, which is
// right in shared channels too), else the envelope's team_id. An org-wide
// installation's authorization names no team, so the envelope's tells.
func eventWorkspace(ev slackevents.EventsAPIEvent) bot.Workspace {
	team, org := ev.TeamID, ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		org = cb.EnterpriseID
		if len(cb.Authorizations) > 0 {
			auth := cb.Authorizations[0]
			team, org = cmp.Or(auth.TeamID, team), cmp.Or(auth.EnterpriseID, org)
		}
	}
	return workspace(team, org)
}

// Why a request is refused, as the person reads it.
const (
	noWorkspace = "okrbot could not tell which Slack workspace this came from, so it did nothing. Please try again; if it keeps happening, tell whoever runs okrbot."
	notAllowed  = "okrbot is not available in this Slack workspace: whoever runs it serves only the workspaces they chose."
	notHere     = "okrbot is not installed in this Slack workspace (or it was uninstalled). Ask a Slack admin to install it again."
)

// refusal says why a request from ws is not served, or "" when it is: a
// request whose workspace cannot be read, from a workspace or organization
// OKRBOT_SLACK_TEAMS does not list, or from one okrbot is not installed
// in. Serving it would write its data under a workspace okrbot cannot
// answer for.
func (a *Adapter) refusal(ctx context.Context, ws bot.Workspace) string {
	switch {
	case ws.TeamID == "":
		return noWorkspace
	case !a.allowed.Serves(ws.Org, ws.TeamID):
		return notAllowed
	case a.installs != nil && !a.installs.InstalledNow(ctx, ws.Org, ws.TeamID):
		return notHere
	}
	return ""
}

// tokenRefused is told by the transport that Slack refused a token: the
// installation it belongs to is gone, whatever the call was about. It is
// not the person or channel written to who is gone.
func (a *Adapter) tokenRefused(ctx context.Context, token, method, code string) {
	if a.installs == nil {
		a.log.ErrorContext(ctx, "Slack refused SLACK_BOT_TOKEN; okrbot cannot reach Slack until it is replaced", "method", method, "error", code)
		return
	}
	a.mu.Lock()
	ws, ok := a.owners[token]
	a.mu.Unlock()
	if !ok {
		a.log.WarnContext(ctx, "Slack refused a token no workspace is known to use", "method", method, "error", code)
		return
	}
	a.installs.TokenRefused(context.WithoutCancel(ctx), ws.Org, ws.TeamID, token, code)
}
