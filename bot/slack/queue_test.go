package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

// TestWhenTheQueueIsFullPeopleAreToldOkrbotIsBusy fills a queue of one
// worker and no room to wait, then sends a command, a click and a form:
// each is acknowledged at once and its sender is told that okrbot is busy,
// in the ack where Slack shows one, else at the response_url. None reaches
// the handler, and okrbot answers again once the queue has room.
func TestWhenTheQueueIsFullPeopleAreToldOkrbotIsBusy(t *testing.T) {
	e := setupWith(t, bot.NewQueue(1, 0))
	release := make(chan struct{})
	e.h.command = func(req bot.Request) bot.Reply {
		if req.Text == "slow" {
			<-release
		}
		return bot.Say("done: " + req.Text)
	}
	e.serve(e.slashCommand("slow", ""))
	e.h.waitCalled(t, 1)

	w := e.serve(e.slashCommand("list", ""))
	var ack struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ack); w.Code != http.StatusOK || err != nil ||
		ack.ResponseType != "ephemeral" || ack.Text != bot.Busy {
		t.Errorf("busy command's ack = %d %s", w.Code, w.Body)
	}

	click := &slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, ResponseURL: e.fake.ResponseURL("click"),
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0GENERAL"}}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: "confidence", BlockID: "b1", Type: "button", Value: "at_risk"},
		}},
	}
	if w := e.serve(e.interaction(click)); w.Code != http.StatusOK {
		t.Errorf("busy click's ack = %d", w.Code)
	}
	told := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	if told.Path != "/response/click" || told.Text() != bot.Busy || told.Params.Get("response_type") != "ephemeral" {
		t.Errorf("busy click told %s %q (%s)", told.Path, told.Text(), told.Params.Get("response_type"))
	}

	w = e.serve(e.interaction(submissionPayload()))
	if want := `{"response_action":"errors","errors":{"title":"` + bot.Busy + `"}}`; strings.TrimSpace(w.Body.String()) != want {
		t.Errorf("busy form's ack = %s, want %s", w.Body, want)
	}

	// A Home tab opened: nobody waits for an answer, so nothing is said.
	e.h.home = func(bot.Request) *bot.Message { t.Error("the Home tab was drawn while busy"); return nil }
	if w := e.serve(fakeslack.EventRequest("http://okrbot/slack/events", secret, now, map[string]any{"type": "event_callback",
		"team_id": team, "event": map[string]any{"type": "app_home_opened", "user": alice, "channel": "D0ALICE", "tab": "home"}})); w.Code != http.StatusOK {
		t.Errorf("busy Home tab's ack = %d", w.Code)
	}

	if n := e.h.calls(); n != 1 {
		t.Errorf("handler called %d times while busy, want only the slow command's", n)
	}

	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.a.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	e.serve(e.slashCommand("again", ""))
	replies := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 3)
	var got []string
	for _, c := range replies {
		got = append(got, c.Text())
	}
	if strings.Join(got, " | ") != bot.Busy+" | done: slow | done: again" {
		t.Errorf("response_url replies = %q", got)
	}
	if posts := e.fake.Calls("chat.postMessage"); len(posts) != 0 {
		t.Errorf("%d direct messages while busy, want none (the Home tab's least of all)", len(posts))
	}
}
