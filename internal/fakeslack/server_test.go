package fakeslack_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
)

func client(f *fakeslack.Server) *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(f.APIURL()))
}

func postText(api *slack.Client, channel, text string) (string, string, error) {
	return api.PostMessage(channel, slack.MsgOptionText(text, false))
}

func TestMessagesGetIncreasingTimestamps(t *testing.T) {
	f := fakeslack.New(t)
	api := client(f)
	var last string
	for i := range 3 {
		ch, ts, err := postText(api, "C1", "hello")
		if err != nil {
			t.Fatal(err)
		}
		if ch != "C1" || ts <= last {
			t.Errorf("post %d: %s %s after %s", i, ch, ts, last)
		}
		last = ts
	}
	if _, _, _, err := api.UpdateMessage("C1", last, slack.MsgOptionText("edited", false)); err != nil {
		t.Errorf("update a posted message: %v", err)
	}
	if _, _, _, err := api.UpdateMessage("C1", "1.000001", slack.MsgOptionText("edited", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update an unknown message: %v", err)
	}
}

func TestUsersAndDirectMessages(t *testing.T) {
	f := fakeslack.New(t)
	f.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/London", IsAdmin: true})
	api := client(f)

	u, err := api.GetUserInfo("U1")
	if err != nil || u.RealName != "Ada Lovelace" || u.TZ != "Europe/London" || !u.IsAdmin {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	if _, err := api.GetUserInfo("U2"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	ch, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != f.DMChannel("U1") {
		t.Errorf("conversations.open = %+v, %v", ch, err)
	}
	// Posting to a user ID lands in their DM, as in Slack.
	if got, _, _ := postText(api, "U1", "hi"); got != f.DMChannel("U1") {
		t.Errorf("post to user went to %s", got)
	}
}

func TestFaults(t *testing.T) {
	f := fakeslack.New(t)
	f.AddUser(fakeslack.User{ID: "U1"})
	api := client(f)

	f.FailUser("U1", fakeslack.Fault{Status: http.StatusBadGateway, Times: 1})
	if _, err := api.GetUserInfo("U1"); !errors.As(err, new(slack.StatusCodeError)) {
		t.Errorf("first call: %v, want a 502", err)
	}
	if _, err := api.GetUserInfo("U1"); err != nil {
		t.Errorf("second call: %v, want the fault used up", err)
	}

	f.FailUser("U1", fakeslack.SlackError("account_inactive"))
	if _, _, err := postText(api, f.DMChannel("U1"), "hi"); err == nil || err.Error() != "account_inactive" {
		t.Errorf("post to the user's DM: %v", err)
	}
	f.FailChannel("C1", fakeslack.RateLimited(7*time.Second))
	var rl *slack.RateLimitedError
	if _, _, err := postText(api, "C1", "hi"); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("post to C1: %v", err)
	}
	f.ClearFaults()
	if _, _, err := postText(api, "C1", "hi"); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
	if got := len(f.Calls("chat.postMessage")); got != 3 {
		t.Errorf("%d chat.postMessage calls recorded, want failed ones too", got)
	}
}

func TestChannelRateLimitFollowsTheClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	f := fakeslack.New(t, fakeslack.WithChannelRateLimit(2, time.Second), fakeslack.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}))
	api := client(f)
	tick := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}

	var got []string
	for _, step := range []time.Duration{0, 100 * time.Millisecond, 100 * time.Millisecond, 800 * time.Millisecond, 0} {
		tick(step)
		_, _, err := postText(api, "C1", "x")
		var rl *slack.RateLimitedError
		switch {
		case err == nil:
			got = append(got, "ok")
		case errors.As(err, &rl):
			got = append(got, "429:"+rl.RetryAfter.String())
		default:
			t.Fatal(err)
		}
	}
	// Two in any second; at 1.0s the first one has left the window.
	if want := "ok ok 429:1s ok 429:1s"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if _, _, err := postText(api, "C2", "x"); err != nil {
		t.Errorf("another channel is not limited: %v", err)
	}
}

func TestRandom429IsRepeatable(t *testing.T) {
	run := func() string {
		f := fakeslack.New(t, fakeslack.WithRandom429(0.3, 42))
		api := client(f)
		var b strings.Builder
		for range 40 {
			if _, err := api.AuthTest(); err != nil {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b := run(), run()
	if a != b {
		t.Errorf("same seed, different runs:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "x"); n == 0 || n == len(a) {
		t.Errorf("fraction not applied: %s", a)
	}
}

func TestSlackLimitsAreEnforced(t *testing.T) {
	f := fakeslack.New(t)
	api := client(f)
	var blocks []slack.Block
	for range 51 {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(blocks...)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("51 blocks: %v", err)
	}
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: &slack.TextBlockObject{Type: "plain_text", Text: strings.Repeat("t", 25)}}
	if _, err := api.OpenView("trigger", modal); err == nil || err.Error() != "invalid_arguments" {
		t.Errorf("long modal title: %v", err)
	}
}

func TestViewsKeepTheirHash(t *testing.T) {
	f := fakeslack.New(t)
	api := client(f)
	modal := slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "cb", Title: &slack.TextBlockObject{Type: "plain_text", Text: "Title"}}
	opened, err := api.OpenView("trigger", modal)
	if err != nil || opened.ID == "" || opened.Hash == "" || opened.CallbackID != "cb" {
		t.Fatalf("views.open = %+v, %v", opened, err)
	}
	updated, err := api.UpdateView(modal, "", opened.Hash, opened.ID)
	if err != nil || updated.Hash == opened.Hash {
		t.Fatalf("views.update = %+v, %v", updated, err)
	}
	if _, err := api.UpdateView(modal, "", opened.Hash, opened.ID); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("update with a stale hash: %v", err)
	}
	if c := f.Calls("views.open")[0]; c.View == nil || c.View.CallbackID != "cb" || c.Params.Get("trigger_id") != "trigger" {
		t.Errorf("recorded call = %+v", c)
	}
}

func TestHoldAndWait(t *testing.T) {
	f := fakeslack.New(t)
	api := client(f)
	release := f.Hold("auth.test")
	done := make(chan error, 1)
	go func() {
		_, err := api.AuthTest()
		done <- err
	}()
	if n := len(f.Calls("auth.test")); n != 0 {
		t.Fatalf("held call answered: %d", n)
	}
	release()
	f.WaitCalls("auth.test", 1)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := f.Wait(ctx, "auth.test", 2); err == nil {
		t.Error("Wait for a call that never comes returned no error")
	}
}

func TestResponseURL(t *testing.T) {
	f := fakeslack.New(t)
	api := client(f)
	_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(f.ResponseURL("r1"), slack.ResponseTypeEphemeral),
		slack.MsgOptionText("only you can see this", false))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Calls(fakeslack.ResponseURLMethod)[0]
	if c.Path != "/response/r1" || c.Text() != "only you can see this" || c.Params.Get("response_type") != "ephemeral" {
		t.Errorf("call = %+v", c)
	}
}
