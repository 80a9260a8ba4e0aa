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
// field, as Slack sends it.
func InteractionRequest(target, secret string, at time.Time, cb *slack.InteractionCallback) *http.Request {
	payload, err := json.Marshal(cb)
	if err != nil {
		panic(fmt.Sprintf("fakeslack: interaction payload: %v", err))
	}
	body := url.Values{"payload": {string(payload)}}.Encode()
	return NewRequest(target, secret, at, "application/x-www-form-urlencoded", []byte(body))
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
