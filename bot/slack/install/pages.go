package install

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
)

// page is what every page of the flow shows. html/template escapes it all,
// so a workspace named <script> is shown as text.
type page struct {
	Title string
	// Lines are paragraphs of text.
	Lines []string
	// Link and LinkText are the page's one call to action.
	Link     string
	LinkText string
	// Command, when set, is shown as the command to type next.
	Command string
	Scopes  []string
}

var pageHTML = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · okrbot</title>
<style>
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d3557; background: #f1f5f9; }
  main { max-width: 34rem; margin: 12vh auto; padding: 2rem 2.25rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  p { margin: 0 0 1rem; }
  code { background: #e2e8f0; padding: .1rem .35rem; border-radius: 4px; font-size: .95em; }
  .button { display: inline-block; margin: .5rem 0 1rem; padding: .7rem 1.3rem; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 600; text-decoration: none; }
  .button:hover { background: #611f69; }
  .small { color: #64748b; font-size: .875rem; }
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}{{with .Command}}<p>Type <code>{{.}}</code> in any channel to start.</p>
{{end}}{{with .Link}}<a class="button" href="{{.}}">{{$.LinkText}}</a>
{{end}}{{with .Scopes}}<p class="small">okrbot asks Slack for these permissions: {{range $i, $s := .}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}.</p>
{{end}}</main>
</body>
</html>
`))

func render(w http.ResponseWriter, status int, p page) {
	var buf bytes.Buffer
	if err := pageHTML.Execute(&buf, p); err != nil {
		http.Error(w, "okrbot: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// No other site may show the pages in a frame, where a click meant
	// for it could approve an install (clickjacking); X-Frame-Options is
	// the same for browsers that predate frame-ancestors.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// serveInstall shows the "Add to Slack" page with a new state, bound to
// this browser by a cookie.
func (in *Installer) serveInstall(w http.ResponseWriter, r *http.Request) {
	state, cookie := in.newState(in.cfg.Now())
	http.SetCookie(w, cookie)
	link := in.authorizeURL + "?" + url.Values{
		"client_id":    {in.cfg.ClientID},
		"scope":        {strings.Join(Scopes, ",")},
		"redirect_uri": {in.redirectURL},
		"state":        {state},
	}.Encode()
	render(w, http.StatusOK, page{
		Title: "Add okrbot to Slack",
		Lines: []string{
			"okrbot keeps your objectives, key results and KPIs in Slack: set OKRs with /okr, check in from a weekly direct message, and send KPI digests to leadership channels.",
			"Slack asks you to approve okrbot for your workspace, then brings you back here. In an Enterprise Grid organization, an org admin can install it for the whole organization.",
		},
		Link: link, LinkText: "Add to Slack",
		Scopes: Scopes,
	})
}

// The last lines of pages that end in a new attempt.
const (
	startAgain      = "Start again from the install page, in this browser."
	installAfterAll = "To install it after all, start again."
)

// serveRedirect is where Slack sends the browser back: it checks the state,
// exchanges the code for tokens and stores the installation.
func (in *Installer) serveRedirect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	log := in.cfg.Logger.With("path", RedirectPath)
	if e := q.Get("error"); e != "" {
		log.Info("Slack install not approved", "error", e)
		if e == "access_denied" {
			in.fail(w, http.StatusForbidden, "okrbot has no access to your workspace: the installation was cancelled on Slack's page (or an admin must approve the app first).", installAfterAll)
			return
		}
		in.fail(w, http.StatusBadRequest, "Slack stopped the installation: "+e+".", startAgain)
		return
	}
	now := in.cfg.Now()
	state := q.Get("state")
	expires, err := in.checkState(r, state, now)
	if err == nil {
		var fresh bool
		fresh, err = in.cfg.Store.UseOAuthState(r.Context(), state, expires, now)
		switch {
		case err != nil:
			log.Error("record the OAuth state", "err", err)
			in.fail(w, http.StatusInternalServerError, "The installation could not be checked, because okrbot's database did not answer.", "Try again in a moment.")
			return
		case !fresh:
			err = errUsed
		}
	}
	if err != nil {
		log.Warn("OAuth state refused", "why", err)
		switch err {
		case errNoCookie:
			in.fail(w, http.StatusBadRequest, "This browser did not start the installation here, or it does not keep this site's cookies.", startAgain)
		case errExpired:
			in.fail(w, http.StatusBadRequest, "The installation link expired: it works for "+in.cfg.StateTTL.String()+".", startAgain)
		case errUsed:
			in.fail(w, http.StatusBadRequest, "This installation link was already used.", startAgain)
		default:
			in.fail(w, http.StatusForbidden, "The installation link was not made by this okrbot for this browser, so it was refused.", startAgain)
		}
		return
	}
	http.SetCookie(w, in.clearState())
	code := q.Get("code")
	if code == "" {
		in.fail(w, http.StatusBadRequest, "Slack sent no authorization code.", startAgain)
		return
	}

	resp, err := slack.GetOAuthV2ResponseContext(r.Context(), in.cfg.HTTPClient, in.cfg.ClientID, in.cfg.ClientSecret, code, in.redirectURL,
		slack.OAuthOptionAPIURL(in.apiURL))
	if err != nil {
		in.exchangeFailed(w, err)
		return
	}
	inst := Installation{
		EnterpriseID: resp.Enterprise.ID, EnterpriseName: resp.Enterprise.Name,
		TeamID: resp.Team.ID, TeamName: resp.Team.Name, IsEnterpriseInstall: resp.IsEnterpriseInstall,
		BotUserID: resp.BotUserID, BotToken: resp.AccessToken, RefreshToken: resp.RefreshToken,
		ExpiresAt: expiry(now, resp.ExpiresIn), Scopes: resp.Scope, InstallerID: resp.AuthedUser.ID, InstalledAt: now.UTC(),
	}
	if resp.TokenType != "bot" || inst.BotToken == "" || (inst.TeamID == "" && !inst.IsEnterpriseInstall) {
		log.Error("oauth.v2.access answered no bot token", "token_type", resp.TokenType, "team", inst.TeamID)
		in.fail(w, http.StatusBadGateway, "Slack answered without a bot token, so okrbot cannot work in your workspace.", startAgain)
		return
	}
	if !in.cfg.Allowed.installs(inst) {
		in.refuse(r, inst)
		in.fail(w, http.StatusForbidden, "This okrbot serves only the Slack workspaces its operator chose, and "+installedWhere(inst)+" is not one of them, so nothing was installed.",
			"To use okrbot there, ask whoever runs this okrbot to add "+installedID(inst)+" to OKRBOT_SLACK_TEAMS, or run an okrbot of your own.")
		return
	}
	if err := in.cfg.Store.SaveInstallation(r.Context(), inst); err != nil {
		log.Error("save the installation", "team", inst.TeamID, "enterprise", inst.EnterpriseID, "err", err)
		in.fail(w, http.StatusInternalServerError, "Slack approved okrbot, but okrbot could not save the installation; whoever runs okrbot will find the reason in its log.", startAgain)
		return
	}
	in.reload(r.Context())
	log.Info("installed", "team", inst.TeamID, "enterprise", inst.EnterpriseID, "org_wide", inst.IsEnterpriseInstall,
		"installer", inst.InstallerID, "scopes", inst.Scopes)

	open := url.Values{"app": {resp.AppID}}
	p := page{Title: "okrbot is installed", Link: "https://slack.com/app_redirect?", LinkText: "Open Slack", Command: "/okr help"}
	if inst.IsEnterpriseInstall {
		p.Lines = []string{"okrbot is installed for the whole " + nameOr(inst.EnterpriseName, "organization") + " organization.",
			"An org admin chooses the workspaces it is in, from the organization's app settings in Slack."}
	} else {
		p.Lines = []string{"okrbot is installed in " + nameOr(inst.TeamName, "your workspace") + "."}
		open.Set("team", inst.TeamID)
	}
	p.Link += open.Encode()
	render(w, http.StatusOK, p)
}

// refuse gives back the token of an install okrbot does not keep
// (auth.revoke), so that nothing of it is left on either side.
func (in *Installer) refuse(r *http.Request, inst Installation) {
	in.cfg.Logger.Warn("Slack install refused: not in OKRBOT_SLACK_TEAMS", "team", inst.TeamID, "enterprise", inst.EnterpriseID,
		"org_wide", inst.IsEnterpriseInstall, "installer", inst.InstallerID)
	api := slack.New(inst.BotToken, slack.OptionAPIURL(in.apiURL), slack.OptionHTTPClient(in.cfg.HTTPClient))
	if _, err := api.SendAuthRevokeContext(r.Context(), inst.BotToken); err != nil {
		in.cfg.Logger.Warn("the token of a refused install was not revoked", "team", inst.TeamID, "enterprise", inst.EnterpriseID, "err", err)
	}
}

// installedWhere names where an install went, for a person.
func installedWhere(inst Installation) string {
	if inst.IsEnterpriseInstall {
		return "the " + nameOr(inst.EnterpriseName, inst.EnterpriseID) + " organization"
	}
	return nameOr(inst.TeamName, "your workspace")
}

// installedID is the id OKRBOT_SLACK_TEAMS would need.
func installedID(inst Installation) string {
	if inst.IsEnterpriseInstall {
		return inst.EnterpriseID
	}
	return inst.TeamID
}

func nameOr(name, otherwise string) string {
	if name == "" {
		return otherwise
	}
	return name
}

// exchangeFailed explains why oauth.v2.access refused the code.
func (in *Installer) exchangeFailed(w http.ResponseWriter, err error) {
	in.cfg.Logger.Error("oauth.v2.access", "err", err)
	var slackErr slack.SlackErrorResponse
	if !errors.As(err, &slackErr) {
		in.fail(w, http.StatusBadGateway, "Slack could not be reached to finish the installation.", startAgain)
		return
	}
	switch slackErr.Err {
	case "invalid_code", "code_already_used", "code_expired":
		in.fail(w, http.StatusBadRequest, "Slack did not accept the authorization code: it was already used, or it is too old.", startAgain)
	case "invalid_client_id", "bad_client_secret":
		in.fail(w, http.StatusBadGateway, "Slack refused okrbot's credentials: SLACK_CLIENT_ID or SLACK_CLIENT_SECRET does not match this Slack app.",
			"Whoever runs okrbot must copy both from the app's Basic Information page at api.slack.com/apps, and restart it.")
	case "bad_redirect_uri":
		in.fail(w, http.StatusBadGateway, "The Slack app does not list "+in.redirectURL+" as a redirect URL.",
			"Whoever runs okrbot must add it under OAuth & Permissions → Redirect URLs, or correct OKRBOT_PUBLIC_URL.")
	default:
		in.fail(w, http.StatusBadGateway, "Slack refused the installation: "+slackErr.Err+".", startAgain)
	}
}

// fail shows an error page: what went wrong, then what to do, with a link
// to the install page when starting again is what to do.
func (in *Installer) fail(w http.ResponseWriter, status int, why, next string) {
	p := page{Title: "okrbot was not installed", Lines: []string{why, next}}
	if next == startAgain || next == installAfterAll {
		p.Link, p.LinkText = in.installURL, "Start again"
	}
	render(w, status, p)
}
