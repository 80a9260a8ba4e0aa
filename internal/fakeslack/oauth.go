package fakeslack

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AppID is the api_app_id of the fake's app.
const AppID = "A0FAKE"

// codeLifetime is how long an authorization code works, as in Slack.
const codeLifetime = 10 * time.Minute

// App is the Slack app as its settings page describes it, for OAuth.
type App struct {
	ClientID     string
	ClientSecret string
	// RedirectURLs, when set, are the only redirect_uri values allowed.
	RedirectURLs []string
	// TokenRotation makes bot tokens expire after TokenLifetime (12 hours
	// when zero) and come with a refresh token, as Slack's token rotation
	// does.
	TokenRotation bool
	TokenLifetime time.Duration
}

// WithApp sets the app's OAuth settings; without it oauth.v2.access answers
// invalid_client_id.
func WithApp(app App) Option { return func(s *Server) { s.app = app } }

// Team is a Slack workspace the fake knows, for installs into many
// workspaces.
type Team struct {
	ID   string
	Name string
	// EnterpriseID, when set, puts the team in an Enterprise Grid
	// organization.
	EnterpriseID   string
	EnterpriseName string
}

// Grant is what a person approves on Slack's install page.
type Grant struct {
	// TeamID is the workspace installed into. For an OrgWide install it is
	// any workspace of the organization.
	TeamID string
	// UserID is the person installing.
	UserID string
	// OrgWide installs into the whole Enterprise Grid organization.
	OrgWide bool
}

// installation is the app installed in a team or, org-wide, in an
// organization.
type installation struct {
	team      Team // for an org-wide install, ID and Name are empty
	orgWide   bool
	botUserID string
	scopes    string
	installer string
}

// key names an installation: its team id, or its enterprise id when it is
// org-wide.
func (in *installation) key() string {
	if in.orgWide {
		return in.team.EnterpriseID
	}
	return in.team.ID
}

type token struct {
	inst    *installation
	refresh bool // a refresh token rather than a bot token
	expires time.Time
	revoked bool
	// dead, when set, is the error Slack answers every call with this
	// token: account_inactive once its workspace or bot user is gone.
	dead string
}

type code struct {
	inst     *installation
	redirect string
	expires  time.Time
}

// AddTeam adds a workspace that okrbot can be installed into.
func (s *Server) AddTeam(t Team) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.teams[t.ID] = t
}

// BotUserIDOf is the bot user of the app in a team, or in an organization
// for an org-wide install (given the enterprise id).
func BotUserIDOf(id string) string { return "UBOT" + id }

// InstallBot installs the app without OAuth, as "Install to Workspace" in
// the app's settings does, and returns the bot token.
func (s *Server) InstallBot(g Grant) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.installLocked(g, "")
	if err != nil {
		return "", err
	}
	s.installs[inst.key()] = inst
	bot, _ := s.issueLocked(inst)
	return bot, nil
}

func (s *Server) installLocked(g Grant, scopes string) (*installation, error) {
	team, ok := s.teams[g.TeamID]
	if !ok {
		return nil, fmt.Errorf("fakeslack: no team %q (AddTeam it first)", g.TeamID)
	}
	inst := &installation{team: team, orgWide: g.OrgWide, scopes: scopes, installer: g.UserID}
	if g.OrgWide {
		if team.EnterpriseID == "" {
			return nil, fmt.Errorf("fakeslack: team %s is in no organization, so it cannot have an org-wide install", team.ID)
		}
		inst.team.ID, inst.team.Name = "", ""
	}
	inst.botUserID = BotUserIDOf(inst.key())
	return inst, nil
}

// issueLocked gives an installation a new bot token, and a refresh token
// when the app rotates tokens.
func (s *Server) issueLocked(inst *installation) (bot, refresh string) {
	s.seq++
	bot = fmt.Sprintf("xoxb-%d-%s-%s", s.seq, inst.key(), randomHex())
	t := &token{inst: inst}
	if s.app.TokenRotation {
		bot = "xoxe." + bot
		t.expires = s.now().Add(s.tokenLifetime())
		refresh = fmt.Sprintf("xoxe-1-%d-%s", s.seq, randomHex())
		s.tokens[refresh] = &token{inst: inst, refresh: true}
	}
	s.tokens[bot] = t
	return bot, refresh
}

func (s *Server) tokenLifetime() time.Duration {
	if s.app.TokenLifetime > 0 {
		return s.app.TokenLifetime
	}
	return 12 * time.Hour
}

func randomHex() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Approve is a person clicking Allow on the page an install link
// (https://slack.com/oauth/v2/authorize?…, here on the fake's host) opens.
// It returns where Slack then sends the browser: the app's redirect URL
// with a code and the state the link carried.
func (s *Server) Approve(authorizeURL string, g Grant) (string, error) {
	q, redirect, err := s.checkAuthorize(authorizeURL)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.installLocked(g, q.Get("scope"))
	if err != nil {
		return "", err
	}
	s.seq++
	c := fmt.Sprintf("%d.%s", s.seq, randomHex())
	s.codes[c] = &code{inst: inst, redirect: q.Get("redirect_uri"), expires: s.now().Add(codeLifetime)}
	return withQuery(redirect, url.Values{"code": {c}, "state": {q.Get("state")}}), nil
}

// Deny is a person clicking Cancel on the install page: Slack sends the
// browser back with error=access_denied.
func (s *Server) Deny(authorizeURL string) (string, error) {
	q, redirect, err := s.checkAuthorize(authorizeURL)
	if err != nil {
		return "", err
	}
	return withQuery(redirect, url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}), nil
}

// checkAuthorize checks an install link as Slack's install page would,
// and returns its query and the redirect URL to answer.
func (s *Server) checkAuthorize(authorizeURL string) (url.Values, string, error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, "", fmt.Errorf("fakeslack: install link: %w", err)
	}
	if u.Scheme+"://"+u.Host != s.srv.URL || u.Path != "/oauth/v2/authorize" {
		return nil, "", fmt.Errorf("fakeslack: install link %s does not point at %s/oauth/v2/authorize", authorizeURL, s.srv.URL)
	}
	q := u.Query()
	s.mu.Lock()
	app := s.app
	s.mu.Unlock()
	switch {
	case app.ClientID == "" || q.Get("client_id") != app.ClientID:
		return nil, "", fmt.Errorf("fakeslack: install link: invalid_client_id %q", q.Get("client_id"))
	case q.Get("scope") == "":
		return nil, "", errors.New("fakeslack: install link: no scope")
	}
	redirect := q.Get("redirect_uri")
	switch {
	case redirect == "" && len(app.RedirectURLs) == 1:
		redirect = app.RedirectURLs[0]
	case redirect == "":
		return nil, "", errors.New("fakeslack: install link: no redirect_uri")
	case len(app.RedirectURLs) > 0 && !contains(app.RedirectURLs, redirect):
		return nil, "", fmt.Errorf("fakeslack: install link: bad_redirect_uri %s", redirect)
	}
	return q, redirect, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func withQuery(base string, q url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// oauthLocked answers oauth.v2.access: an authorization code or a refresh
// token exchanged for tokens, the app authenticated by its client id and
// secret.
func (s *Server) oauthLocked(c *Call) answer {
	switch {
	case s.app.ClientID == "" || c.Params.Get("client_id") != s.app.ClientID:
		return slackErr("invalid_client_id")
	case c.Params.Get("client_secret") != s.app.ClientSecret:
		return slackErr("bad_client_secret")
	}
	switch c.Params.Get("grant_type") {
	case "", "authorization_code":
		cd, ok := s.codes[c.Params.Get("code")]
		if !ok || !c.At.Before(cd.expires) {
			return slackErr("invalid_code")
		}
		// A code works once.
		delete(s.codes, c.Params.Get("code"))
		if cd.redirect != "" && c.Params.Get("redirect_uri") != cd.redirect {
			return slackErr("bad_redirect_uri")
		}
		return s.grantLocked(cd.inst)
	case "refresh_token":
		t, ok := s.tokens[c.Params.Get("refresh_token")]
		if !ok || !t.refresh || t.revoked {
			return slackErr("invalid_refresh_token")
		}
		// A refresh token works once: the answer carries the next one.
		t.revoked = true
		return s.grantLocked(t.inst)
	}
	return slackErr("invalid_grant_type")
}

func (s *Server) grantLocked(inst *installation) answer {
	s.installs[inst.key()] = inst
	bot, refresh := s.issueLocked(inst)
	body := map[string]any{
		"access_token": bot, "token_type": "bot", "scope": inst.scopes,
		"bot_user_id": inst.botUserID, "app_id": AppID,
		"team": nil, "enterprise": nil, "is_enterprise_install": inst.orgWide,
		"authed_user": map[string]any{"id": inst.installer},
	}
	if inst.team.ID != "" {
		body["team"] = map[string]any{"id": inst.team.ID, "name": inst.team.Name}
	}
	if inst.team.EnterpriseID != "" {
		body["enterprise"] = map[string]any{"id": inst.team.EnterpriseID, "name": inst.team.EnterpriseName}
	}
	if refresh != "" {
		body["refresh_token"] = refresh
		body["expires_in"] = int(s.tokenLifetime() / time.Second)
	}
	return ok(body)
}

// authLocked checks a call's token against the tokens the fake issued, and
// notes whose it is on the call. Tokens the fake did not issue are taken as
// the default team's, as before there were many.
func (s *Server) authLocked(c *Call) (answer, bool) {
	t, ok := s.tokens[c.Token]
	if !ok {
		return answer{}, true
	}
	switch {
	case t.refresh:
		return slackErr("not_allowed_token_type"), false
	case t.dead != "":
		return slackErr(t.dead), false
	case t.revoked:
		return slackErr("token_revoked"), false
	case !t.expires.IsZero() && !c.At.Before(t.expires):
		return slackErr("token_expired"), false
	}
	c.TeamID, c.EnterpriseID = t.inst.team.ID, t.inst.team.EnterpriseID
	return answer{}, true
}

// authTestLocked answers auth.test for an issued token.
func (s *Server) authTestLocked(c *Call) answer {
	t := s.tokens[c.Token]
	inst := t.inst
	return ok(map[string]any{"url": s.srv.URL + "/", "team": inst.team.Name, "user": "okrbot",
		"team_id": inst.team.ID, "user_id": inst.botUserID, "bot_id": "B" + inst.key(),
		"enterprise_id": inst.team.EnterpriseID, "is_enterprise_install": inst.orgWide})
}

// revokeLocked revokes every token of the installation named by id (a
// team id, or an enterprise id for an org-wide install), and returns it.
func (s *Server) revokeLocked(id string) *installation {
	inst := s.installs[id]
	if inst == nil {
		return nil
	}
	for _, t := range s.tokens {
		if t.inst.key() == id {
			t.revoked = true
		}
	}
	delete(s.installs, id)
	return inst
}

// Deactivate makes the tokens of an installation (a team id, or an
// enterprise id for an org-wide install) answer every call with
// account_inactive, as Slack does once the workspace is deleted or the
// app's bot user deactivated, without an app_uninstalled event reaching
// the app. Installing the app again issues tokens that work.
func (s *Server) Deactivate(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.installs[id] == nil {
		return fmt.Errorf("fakeslack: nothing installed in %s", id)
	}
	for _, t := range s.tokens {
		if t.inst.key() == id {
			t.dead = "account_inactive"
		}
	}
	delete(s.installs, id)
	return nil
}

// Uninstall removes the app from a workspace, or from an organization when
// id is the enterprise id of an org-wide install: its tokens stop working.
// It returns the app_uninstalled event Slack sends then, for EventRequest
// (HTTP) or Deliver("events_api", …) (Socket Mode).
func (s *Server) Uninstall(id string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.revokeLocked(id)
	if inst == nil {
		return nil, fmt.Errorf("fakeslack: nothing installed in %s", id)
	}
	return s.eventLocked(inst, map[string]any{"type": "app_uninstalled"}), nil
}

// RevokeTokens revokes the bot tokens of a workspace (or of an org-wide
// install), as an admin can, and returns the tokens_revoked event Slack
// sends then.
func (s *Server) RevokeTokens(id string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.revokeLocked(id)
	if inst == nil {
		return nil, fmt.Errorf("fakeslack: nothing installed in %s", id)
	}
	return s.eventLocked(inst, map[string]any{"type": "tokens_revoked",
		"tokens": map[string]any{"oauth": []string{}, "bot": []string{inst.botUserID}}}), nil
}

// eventLocked wraps an event in the Events API's event_callback envelope,
// with the authorization of the installation it is for.
func (s *Server) eventLocked(inst *installation, event map[string]any) map[string]any {
	s.seq++
	now := s.now()
	event["event_ts"] = strconv.FormatInt(now.Unix(), 10) + ".000000"
	return map[string]any{
		"token": "verification-token", "team_id": inst.team.ID, "enterprise_id": inst.team.EnterpriseID,
		"api_app_id": AppID, "type": "event_callback", "event": event,
		"event_id": fmt.Sprintf("Ev%06d", s.seq), "event_time": now.Unix(),
		"authorizations": []map[string]any{{
			"enterprise_id": inst.team.EnterpriseID, "team_id": inst.team.ID, "user_id": inst.botUserID,
			"is_bot": true, "is_enterprise_install": inst.orgWide,
		}},
	}
}
