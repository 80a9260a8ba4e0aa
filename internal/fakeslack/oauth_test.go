package fakeslack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/okrbot/okrbot/internal/fakeslack"
)

const redirectURL = "https://okrbot.example.com/slack/oauth_redirect"

var app = fakeslack.App{ClientID: "123.456", ClientSecret: "s3cret", RedirectURLs: []string{redirectURL}}

// installLink is the link an "Add to Slack" button points at.
func installLink(f *fakeslack.Server, state string) string {
	return f.URL() + "/oauth/v2/authorize?" + url.Values{"client_id": {app.ClientID}, "scope": {"commands,chat:write"},
		"redirect_uri": {redirectURL}, "state": {state}}.Encode()
}

func approve(t *testing.T, f *fakeslack.Server, g fakeslack.Grant, state string) url.Values {
	t.Helper()
	back, err := f.Approve(installLink(f, state), g)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(back, redirectURL+"?") {
		t.Fatalf("Slack sends the browser to %s", back)
	}
	u, _ := url.Parse(back)
	if u.Query().Get("state") != state {
		t.Errorf("state came back as %q, want %q", u.Query().Get("state"), state)
	}
	return u.Query()
}

func exchange(f *fakeslack.Server, secret, code string) (*slack.OAuthV2Response, error) {
	return slack.GetOAuthV2ResponseContext(context.Background(), http.DefaultClient, app.ClientID, secret, code, redirectURL,
		slack.OAuthOptionAPIURL(f.APIURL()))
}

func TestInstallIntoTwoWorkspaces(t *testing.T) {
	f := fakeslack.New(t, fakeslack.WithApp(app))
	f.AddTeam(fakeslack.Team{ID: "T1", Name: "Acme"})
	f.AddTeam(fakeslack.Team{ID: "T2", Name: "Globex"})

	tokens := map[string]string{}
	for _, team := range []string{"T1", "T2"} {
		q := approve(t, f, fakeslack.Grant{TeamID: team, UserID: "U" + team}, "state-"+team)
		resp, err := exchange(f, app.ClientSecret, q.Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Team.ID != team || resp.TokenType != "bot" || resp.BotUserID != fakeslack.BotUserIDOf(team) ||
			resp.AuthedUser.ID != "U"+team || resp.Scope != "commands,chat:write" || !strings.HasPrefix(resp.AccessToken, "xoxb-") ||
			resp.RefreshToken != "" || resp.IsEnterpriseInstall {
			t.Errorf("oauth.v2.access for %s = %+v", team, resp)
		}
		tokens[team] = resp.AccessToken
		// A code works once.
		if _, err := exchange(f, app.ClientSecret, q.Get("code")); err == nil || err.Error() != "invalid_code" {
			t.Errorf("code used twice: %v, want invalid_code", err)
		}
	}
	for team, tok := range tokens {
		api := slack.New(tok, slack.OptionAPIURL(f.APIURL()))
		who, err := api.AuthTest()
		if err != nil || who.TeamID != team || who.UserID != fakeslack.BotUserIDOf(team) {
			t.Errorf("auth.test with %s's token: %+v, %v", team, who, err)
		}
		if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi "+team, false)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range f.Calls("chat.postMessage") {
		if c.Text() != "hi "+c.TeamID {
			t.Errorf("%q was posted with the token of team %q", c.Text(), c.TeamID)
		}
	}
	// Tokens the fake did not issue still work, as the default team's.
	if who, err := client(f).AuthTest(); err != nil || who.TeamID != fakeslack.TeamID {
		t.Errorf("auth.test with another token: %+v, %v", who, err)
	}
}

func TestOAuthErrors(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	f := fakeslack.New(t, fakeslack.WithApp(app), fakeslack.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	f.AddTeam(fakeslack.Team{ID: "T1"})

	q := approve(t, f, fakeslack.Grant{TeamID: "T1", UserID: "U1"}, "s")
	if _, err := exchange(f, "wrong", q.Get("code")); err == nil || err.Error() != "bad_client_secret" {
		t.Errorf("wrong client secret: %v", err)
	}
	_, err := slack.GetOAuthV2ResponseContext(context.Background(), http.DefaultClient, "999.999", app.ClientSecret, q.Get("code"), redirectURL,
		slack.OAuthOptionAPIURL(f.APIURL()))
	if err == nil || err.Error() != "invalid_client_id" {
		t.Errorf("wrong client id: %v", err)
	}
	if _, err := exchange(f, app.ClientSecret, "made-up"); err == nil || err.Error() != "invalid_code" {
		t.Errorf("made-up code: %v", err)
	}
	_, err = slack.GetOAuthV2ResponseContext(context.Background(), http.DefaultClient, app.ClientID, app.ClientSecret, q.Get("code"), "https://evil.example.com/",
		slack.OAuthOptionAPIURL(f.APIURL()))
	if err == nil || err.Error() != "bad_redirect_uri" {
		t.Errorf("another redirect_uri: %v", err)
	}

	q = approve(t, f, fakeslack.Grant{TeamID: "T1", UserID: "U1"}, "s")
	mu.Lock()
	now = now.Add(11 * time.Minute)
	mu.Unlock()
	if _, err := exchange(f, app.ClientSecret, q.Get("code")); err == nil || err.Error() != "invalid_code" {
		t.Errorf("code after 11 minutes: %v", err)
	}

	back, err := f.Deny(installLink(f, "s2"))
	if err != nil || back != redirectURL+"?error=access_denied&state=s2" {
		t.Errorf("Deny = %s, %v", back, err)
	}
	for name, link := range map[string]string{
		"unknown client":   strings.Replace(installLink(f, "s"), "client_id=123.456", "client_id=1", 1),
		"unknown redirect": strings.Replace(installLink(f, "s"), "okrbot.example.com", "evil.example.com", 1),
		"another host":     strings.Replace(installLink(f, "s"), f.URL(), "https://slack.com", 1),
	} {
		if _, err := f.Approve(link, fakeslack.Grant{TeamID: "T1"}); err == nil {
			t.Errorf("%s: approved", name)
		}
	}
	if _, err := f.Approve(installLink(f, "s"), fakeslack.Grant{TeamID: "T9"}); err == nil {
		t.Error("approved for a team the fake does not have")
	}
}

func TestTokenRotation(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	rotating := app
	rotating.TokenRotation = true
	f := fakeslack.New(t, fakeslack.WithApp(rotating), fakeslack.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	f.AddTeam(fakeslack.Team{ID: "T1"})
	q := approve(t, f, fakeslack.Grant{TeamID: "T1", UserID: "U1"}, "s")
	first, err := exchange(f, app.ClientSecret, q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.AccessToken, "xoxe.xoxb-") || !strings.HasPrefix(first.RefreshToken, "xoxe-1-") || first.ExpiresIn != 12*3600 {
		t.Fatalf("rotating install = %+v", first)
	}
	api := slack.New(first.AccessToken, slack.OptionAPIURL(f.APIURL()))
	if _, err := api.AuthTest(); err != nil {
		t.Errorf("fresh token: %v", err)
	}
	mu.Lock()
	now = now.Add(12 * time.Hour)
	mu.Unlock()
	if _, err := api.AuthTest(); err == nil || err.Error() != "token_expired" {
		t.Errorf("token after 12 hours: %v, want token_expired", err)
	}

	refresh := func(secret, rt string) (*slack.OAuthV2Response, error) {
		return slack.RefreshOAuthV2TokenContext(context.Background(), http.DefaultClient, app.ClientID, secret, rt, slack.OAuthOptionAPIURL(f.APIURL()))
	}
	if _, err := refresh("wrong", first.RefreshToken); err == nil || err.Error() != "bad_client_secret" {
		t.Errorf("refresh with a wrong secret: %v", err)
	}
	second, err := refresh(app.ClientSecret, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || second.Team.ID != "T1" || second.ExpiresIn != 12*3600 {
		t.Errorf("refreshed = %+v", second)
	}
	if who, err := slack.New(second.AccessToken, slack.OptionAPIURL(f.APIURL())).AuthTest(); err != nil || who.TeamID != "T1" {
		t.Errorf("refreshed token: %+v, %v", who, err)
	}
	if _, err := refresh(app.ClientSecret, first.RefreshToken); err == nil || err.Error() != "invalid_refresh_token" {
		t.Errorf("a refresh token used twice: %v, want invalid_refresh_token", err)
	}
	if _, err := slack.New(second.RefreshToken, slack.OptionAPIURL(f.APIURL())).AuthTest(); err == nil {
		t.Error("a refresh token was taken as a bot token")
	}
}

func TestOrgWideInstall(t *testing.T) {
	f := fakeslack.New(t, fakeslack.WithApp(app))
	f.AddTeam(fakeslack.Team{ID: "T1", Name: "Sales", EnterpriseID: "E1", EnterpriseName: "Initech"})
	f.AddTeam(fakeslack.Team{ID: "T3", Name: "Solo"})
	q := approve(t, f, fakeslack.Grant{TeamID: "T1", UserID: "U1", OrgWide: true}, "s")
	resp, err := exchange(f, app.ClientSecret, q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if !resp.IsEnterpriseInstall || resp.Enterprise.ID != "E1" || resp.Enterprise.Name != "Initech" || resp.Team.ID != "" || resp.BotUserID != fakeslack.BotUserIDOf("E1") {
		t.Errorf("org-wide install = %+v", resp)
	}
	if _, err := f.Approve(installLink(f, "s"), fakeslack.Grant{TeamID: "T3", OrgWide: true}); err == nil {
		t.Error("org-wide install approved for a team in no organization")
	}
	api := slack.New(resp.AccessToken, slack.OptionAPIURL(f.APIURL()))
	api.PostMessage("C1", slack.MsgOptionText("hi", false))
	if c := f.Calls("chat.postMessage"); len(c) != 1 || c[0].EnterpriseID != "E1" || c[0].TeamID != "" {
		t.Errorf("post with the org's token: %+v", c)
	}
}

func parseEvent(t *testing.T, payload map[string]any) (slackevents.EventsAPIEvent, slackevents.EventsAPICallbackEvent) {
	t.Helper()
	body, _ := json.Marshal(payload)
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatal(err)
	}
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		t.Fatalf("outer event is %T", ev.Data)
	}
	return ev, *cb
}

func TestUninstallAndRevoke(t *testing.T) {
	f := fakeslack.New(t, fakeslack.WithApp(app))
	f.AddTeam(fakeslack.Team{ID: "T1"})
	f.AddTeam(fakeslack.Team{ID: "T2", EnterpriseID: "E1"})
	one, _ := f.InstallBot(fakeslack.Grant{TeamID: "T1"})
	org, _ := f.InstallBot(fakeslack.Grant{TeamID: "T2", OrgWide: true})

	payload, err := f.Uninstall("T1")
	if err != nil {
		t.Fatal(err)
	}
	ev, cb := parseEvent(t, payload)
	if ev.InnerEvent.Type != string(slackevents.AppUninstalled) || ev.TeamID != "T1" || len(cb.Authorizations) != 1 || cb.Authorizations[0].IsEnterpriseInstall {
		t.Errorf("app_uninstalled = %+v %+v", ev, cb)
	}
	if _, err := slack.New(one, slack.OptionAPIURL(f.APIURL())).AuthTest(); err == nil || err.Error() != "token_revoked" {
		t.Errorf("token after uninstall: %v, want token_revoked", err)
	}
	if _, err := f.Uninstall("T1"); err == nil {
		t.Error("uninstalled twice")
	}

	payload, err = f.RevokeTokens("E1")
	if err != nil {
		t.Fatal(err)
	}
	ev, cb = parseEvent(t, payload)
	revoked, ok := ev.InnerEvent.Data.(*slackevents.TokensRevokedEvent)
	if !ok || ev.InnerEvent.Type != string(slackevents.TokensRevoked) || len(revoked.Tokens.Bot) != 1 || revoked.Tokens.Bot[0] != fakeslack.BotUserIDOf("E1") ||
		cb.EnterpriseID != "E1" || !cb.Authorizations[0].IsEnterpriseInstall {
		t.Errorf("tokens_revoked = %+v %+v", ev.InnerEvent.Data, cb)
	}
	if _, err := slack.New(org, slack.OptionAPIURL(f.APIURL())).AuthTest(); err == nil || err.Error() != "token_revoked" {
		t.Errorf("org token after revoke: %v", err)
	}
}

func TestAuthRevoke(t *testing.T) {
	f := fakeslack.New(t)
	f.AddTeam(fakeslack.Team{ID: "T1"})
	tok, _ := f.InstallBot(fakeslack.Grant{TeamID: "T1"})
	api := slack.New(tok, slack.OptionAPIURL(f.APIURL()))
	if _, err := api.SendAuthRevoke(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := api.AuthTest(); err == nil || err.Error() != "token_revoked" {
		t.Errorf("after auth.revoke: %v", err)
	}
}

// TestOrgWideInteractionsSayTeamNull: for an app installed org-wide, Slack
// names no team in interaction payloads ("team": null); the person's and
// the view's team_id say which workspace, and oauth.v2.access answered
// "team": null too.
func TestOrgWideInteractionsSayTeamNull(t *testing.T) {
	f := fakeslack.New(t, fakeslack.WithApp(app))
	f.AddTeam(fakeslack.Team{ID: "T3", Name: "Initech Sales", EnterpriseID: "E1", EnterpriseName: "Initech"})
	f.AddTeam(fakeslack.Team{ID: "T9", Name: "Hooli"})
	q := approve(t, f, fakeslack.Grant{TeamID: "T3", UserID: "W3", OrgWide: true}, "state-org")
	resp, err := exchange(f, app.ClientSecret, q.Get("code"))
	if err != nil || !resp.IsEnterpriseInstall || resp.Team.ID != "" || resp.Enterprise.ID != "E1" {
		t.Fatalf("org-wide oauth.v2.access = %+v, %v", resp, err)
	}
	if resp, err := exchange(f, app.ClientSecret, approve(t, f, fakeslack.Grant{TeamID: "T9", UserID: "U9"}, "s").Get("code")); err != nil || resp.Team.ID != "T9" {
		t.Fatalf("team oauth.v2.access = %+v, %v", resp, err)
	}

	cb := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "W3", TeamID: "T3"},
		View: slack.View{ID: "V1", CallbackID: "form"}}
	body, _ := json.Marshal(f.Interaction(cb))
	var p map[string]any
	_ = json.Unmarshal(body, &p)
	view := p["view"].(map[string]any)
	if p["team"] != nil || p["is_enterprise_install"] != true || p["enterprise"].(map[string]any)["id"] != "E1" ||
		p["user"].(map[string]any)["team_id"] != "T3" || view["team_id"] != "T3" || view["app_installed_team_id"] != "E1" {
		t.Errorf("an org-wide install's payload: %s", body)
	}

	cb.User = slack.User{ID: "U9", TeamID: "T9"}
	body, _ = json.Marshal(f.Interaction(cb))
	p = nil
	_ = json.Unmarshal(body, &p)
	if team, _ := p["team"].(map[string]any); team["id"] != "T9" || p["enterprise"] != nil || p["is_enterprise_install"] != false ||
		p["view"].(map[string]any)["app_installed_team_id"] != "T9" {
		t.Errorf("a workspace install's payload: %s", body)
	}
}

// TestDeactivatedTokensAnswerAccountInactive: once a workspace is gone,
// Slack answers every call with its token with account_inactive; a new
// install's token works.
func TestDeactivatedTokensAnswerAccountInactive(t *testing.T) {
	f := fakeslack.New(t, fakeslack.WithApp(app))
	f.AddTeam(fakeslack.Team{ID: "T1", Name: "Acme"})
	token, err := f.InstallBot(fakeslack.Grant{TeamID: "T1", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Deactivate("T1"); err != nil {
		t.Fatal(err)
	}
	_, err = slack.New(token, slack.OptionAPIURL(f.APIURL())).AuthTest()
	if se, ok := err.(slack.SlackErrorResponse); !ok || se.Err != "account_inactive" {
		t.Errorf("auth.test with a dead token: %v", err)
	}
	if err := f.Deactivate("T1"); err == nil {
		t.Error("deactivated twice")
	}
	again, _ := f.InstallBot(fakeslack.Grant{TeamID: "T1", UserID: "U1"})
	if who, err := slack.New(again, slack.OptionAPIURL(f.APIURL())).AuthTest(); err != nil || who.TeamID != "T1" {
		t.Errorf("auth.test after installing again: %+v, %v", who, err)
	}
}

func TestLookupByEmailNeedsItsScope(t *testing.T) {
	f := fakeslack.New(t, fakeslack.WithApp(app))
	f.AddTeam(fakeslack.Team{ID: "T1"})
	f.AddUser(fakeslack.User{ID: "U1", Name: "ada", Email: "ada@example.com"})
	token, _ := f.InstallBot(fakeslack.Grant{TeamID: "T1"})
	_, err := slack.New(token, slack.OptionAPIURL(f.APIURL())).GetUserByEmail("ada@example.com")
	if err == nil || err.Error() != "missing_scope" {
		t.Errorf("lookup without users:read.email: %v, want missing_scope", err)
	}
	api := slack.New("xoxb-any", slack.OptionAPIURL(f.APIURL()))
	if u, err := api.GetUserByEmail("ADA@example.com"); err != nil || u.ID != "U1" {
		t.Errorf("lookup: %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmail("bob@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("lookup of no one: %v, want users_not_found", err)
	}
}
