package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

// payload is an interaction payload as raw JSON fields, to write what
// slack-go's types cannot: "team": null.
func (e *env) payload(t *testing.T, fields map[string]any) *http.Request {
	t.Helper()
	return fakeslack.InteractionRequest("http://okrbot/slack/events", secret, now, fields)
}

// TestWorkspaceOfAnOrgWideInteraction: an app installed org-wide gets
// interactions with "team": null. The workspace is the person's
// (user.team_id); view.app_installed_team_id names the organization, not
// a workspace.
func TestWorkspaceOfAnOrgWideInteraction(t *testing.T) {
	e := setup(t)
	view := map[string]any{"id": "V1", "type": "modal", "callback_id": "objective_new", "team_id": "T3", "app_installed_team_id": "E1",
		"state": map[string]any{"values": map[string]any{}}}
	r := e.payload(t, map[string]any{"type": "view_submission", "team": nil, "enterprise": map[string]any{"id": "E1", "name": "Initech"},
		"is_enterprise_install": true, "user": map[string]any{"id": "W3", "team_id": "T3"}, "view": view})
	if w := e.serve(r); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	e.h.waitCalled(t, 1)
	if got := e.h.lastRequest(t).Workspace; got != (bot.Workspace{Platform: slackbot.Platform, TeamID: "T3", Org: "E1"}) {
		t.Errorf("workspace %+v, want T3 of E1", got)
	}

	// Without user.team_id, view.team_id tells.
	delete(view, "app_installed_team_id")
	r = e.payload(t, map[string]any{"type": "view_submission", "team": nil, "enterprise": map[string]any{"id": "E1"},
		"is_enterprise_install": true, "user": map[string]any{"id": "W4"}, "view": map[string]any{"id": "V2", "type": "modal", "team_id": "T4"}})
	e.serve(r)
	e.h.waitCalled(t, 2)
	if got := e.h.lastRequest(t).Workspace; got.TeamID != "T4" || got.Org != "E1" {
		t.Errorf("workspace %+v, want T4 of E1", got)
	}
}

// TestRequestOfNoWorkspaceIsRefused: a button pressed in a payload that
// names no workspace reaches no handler; the person is told why at the
// response URL, and the log says so.
func TestRequestOfNoWorkspaceIsRefused(t *testing.T) {
	e := setup(t)
	r := e.payload(t, map[string]any{"type": "block_actions", "team": nil, "user": map[string]any{"id": alice},
		"response_url": e.fake.ResponseURL("refused"), "actions": []map[string]any{{"action_id": "okr_checkin", "type": "button", "value": "1"}}})
	if w := e.serve(r); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	c := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	if !strings.Contains(c.Text(), "could not tell which Slack workspace") {
		t.Errorf("the person was told %q", c.Text())
	}
	if n := e.h.calls(); n != 0 {
		t.Errorf("the handler was called %d times", n)
	}
	if !strings.Contains(e.logs.String(), "request refused") {
		t.Errorf("log: %s", e.logs)
	}
}

// TestTeamsNotAllowedAreRefused: with OKRBOT_SLACK_TEAMS, a slash command
// from a workspace not listed is answered in its ack, and not handled; one
// of a listed organization is.
func TestTeamsNotAllowedAreRefused(t *testing.T) {
	fake := fakeslack.New(t)
	h := newRecorder()
	allowed, err := install.ParseAllowed("T0TEAM, E1")
	if err != nil {
		t.Fatal(err)
	}
	a := slackbot.New(slackbot.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: fake.APIURL(), Allowed: allowed,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}, h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Drain(ctx)
	})
	for _, tc := range []struct {
		team, org string
		refused   bool
	}{{"T9", "", true}, {"T9", "E2", true}, {team, "", false}, {"T5", "E1", false}} {
		cmd := slack.SlashCommand{TeamID: tc.team, EnterpriseID: tc.org, UserID: alice, Command: "/okr", Text: "list", ResponseURL: fake.ResponseURL("c")}
		e := &env{a: a}
		w := e.serve(fakeslack.SlashCommandRequest("http://okrbot/slack/events", secret, now, cmd))
		var ack struct {
			ResponseType string `json:"response_type"`
			Text         string `json:"text"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &ack)
		if refused := strings.Contains(ack.Text, "not available in this Slack workspace"); refused != tc.refused || (refused && ack.ResponseType != "ephemeral") {
			t.Errorf("%s/%s: ack %s, want refused %v", tc.org, tc.team, w.Body, tc.refused)
		}
	}
	h.waitCalled(t, 2)
	if a.Serves(t.Context(), bot.Workspace{Platform: slackbot.Platform, TeamID: "T9"}) {
		t.Error("messages would go to a workspace OKRBOT_SLACK_TEAMS leaves out")
	}
}
