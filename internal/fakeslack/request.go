package fakeslack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Sign returns the headers Slack puts on every request to an app: the
// request timestamp, and the v0 signature, an HMAC-SHA256 with the signing
// secret over "v0:<timestamp>:<body>".
func Sign(secret string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// NewRequest builds a POST to an app's request URL, signed at the given
// time. It can be sent with an http.Client or handed to a handler's
// ServeHTTP.
func NewRequest(target, secret string, at time.Time, contentType string, body []byte) *http.Request {
	r, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic(fmt.Sprintf("fakeslack: %v", err)) // a test's malformed target URL
	}
	for k, v := range Sign(secret, at, body) {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", contentType)
	return r
}

// SlashCommandRequest is a signed slash command, form-encoded as Slack
// sends it.
func SlashCommandRequest(target, secret string, at time.Time, cmd slack.SlashCommand) *http.Request {
	form := url.Values{
		"team_id":      {cmd.TeamID},
		"team_domain":  {cmd.TeamDomain},
		"channel_id":   {cmd.ChannelID},
		"channel_name": {cmd.ChannelName},
		"user_id":      {cmd.UserID},
		"user_name":    {cmd.UserName},
		"command":      {cmd.Command},
		"text":         {cmd.Text},
		"response_url": {cmd.ResponseURL},
		"trigger_id":   {cmd.TriggerID},
		"api_app_id":   {cmd.APIAppID},
		// In an Enterprise Grid organization, Slack names it too, and
		// says whether the app is installed in the whole organization.
		"enterprise_id":         {cmd.EnterpriseID},
		"enterprise_name":       {cmd.EnterpriseName},
		"is_enterprise_install": {strconv.FormatBool(cmd.IsEnterpriseInstall)},
	}
	return NewRequest(target, secret, at, "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// InteractionRequest is a signed interaction (block_actions,
// view_submission, view_closed): the payload JSON in a "payload" form
// field, as Slack sends it. payload is a *slack.InteractionCallback, or
// what Server.Interaction made of one.
func InteractionRequest(target, secret string, at time.Time, payload any) *http.Request {
	body, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("fakeslack: interaction payload: %v", err))
	}
	form := url.Values{"payload": {string(body)}}.Encode()
	return NewRequest(target, secret, at, "application/x-www-form-urlencoded", []byte(form))
}

// EventRequest is a signed Events API request with a JSON body, such as
// {"type":"url_verification","challenge":"..."}.
func EventRequest(target, secret string, at time.Time, event any) *http.Request {
	body, err := json.Marshal(event)
	if err != nil {
		panic(fmt.Sprintf("fakeslack: event: %v", err))
	}
	return NewRequest(target, secret, at, "application/json", body)
}

// Interaction is the payload Slack sends for cb, an interaction of a
// person of team cb.User.TeamID, with what Slack says about where it
// happened filled in from the installation that serves that team:
//
//   - installed in the team itself: "team" is the team (with its
//     enterprise_id in an Enterprise Grid organization), "enterprise" its
//     organization or null, "is_enterprise_install": false, and
//     view.app_installed_team_id the team;
//   - installed org-wide: "team": null, "enterprise" the organization,
//     "is_enterprise_install": true, and view.app_installed_team_id the
//     organization; only user.team_id and view.team_id name the team.
//
// It fails the test when the team is unknown or nothing serves it.
func (s *Server) Interaction(cb *slack.InteractionCallback) map[string]any {
	s.t.Helper()
	body, err := json.Marshal(cb)
	if err != nil {
		s.t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	team, known := s.teams[cb.User.TeamID]
	inst := s.installs[team.ID]
	if inst == nil && team.EnterpriseID != "" {
		inst = s.installs[team.EnterpriseID]
	}
	s.mu.Unlock()
	if !known || inst == nil {
		s.t.Fatalf("fakeslack: no installation serves team %q of user %s", cb.User.TeamID, cb.User.ID)
	}
	p["team"] = map[string]any{"id": team.ID, "domain": strings.ToLower(team.Name)}
	p["enterprise"] = nil
	if team.EnterpriseID != "" {
		p["team"].(map[string]any)["enterprise_id"] = team.EnterpriseID
		p["enterprise"] = map[string]any{"id": team.EnterpriseID, "name": team.EnterpriseName}
	}
	p["is_enterprise_install"] = inst.orgWide
	installedIn := team.ID
	if inst.orgWide {
		p["team"], installedIn = nil, team.EnterpriseID
	}
	user, _ := p["user"].(map[string]any)
	if user != nil {
		user["team_id"] = team.ID
	}
	if view, _ := p["view"].(map[string]any); view != nil && view["id"] != "" {
		view["team_id"], view["app_installed_team_id"] = team.ID, installedIn
	}
	return p
}
