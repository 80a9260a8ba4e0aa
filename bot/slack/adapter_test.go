package slack_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

func TestPostAndUpdate(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	first, err := e.a.Post(ctx, alice, "", bot.Message{Text: "Time for your weekly check-in"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Post(ctx, alice, first.TS, bot.Message{Text: "Reminder"}); err != nil {
		t.Fatal(err)
	}
	dm := e.fake.DMChannel(alice)
	if first.Channel != dm || first.TS == "" {
		t.Errorf("ref = %+v, want the DM channel %s", first, dm)
	}
	if n := len(e.fake.Calls("conversations.open")); n != 1 {
		t.Errorf("conversations.open called %d times for two DMs, want 1", n)
	}
	posts := e.fake.Calls("chat.postMessage")
	if posts[1].Params.Get("channel") != dm || posts[1].Params.Get("thread_ts") != first.TS {
		t.Errorf("reply posted to %s in thread %q", posts[1].Params.Get("channel"), posts[1].Params.Get("thread_ts"))
	}

	if err := e.a.Update(ctx, first, bot.Message{Text: "Checked in ✓"}); err != nil {
		t.Fatal(err)
	}
	up := e.fake.Calls("chat.update")[0]
	if up.Params.Get("channel") != dm || up.Params.Get("ts") != first.TS || up.Text() != "Checked in ✓" {
		t.Errorf("chat.update %v", up.Params)
	}

	ref, err := e.a.Post(ctx, "C0LEADS", "", bot.Message{Text: "Weekly digest"})
	if err != nil || ref.Channel != "C0LEADS" {
		t.Errorf("post to a channel: %+v, %v", ref, err)
	}
}

func TestSendErrorsTellRetryFromGiveUp(t *testing.T) {
	for _, tc := range []struct {
		name       string
		to         string
		fault      func(f *fakeslack.Server)
		gone, temp bool
		retryAfter time.Duration
		slackError string
		status     int
	}{
		{name: "deactivated account", to: alice, gone: true, slackError: "account_inactive",
			fault: func(f *fakeslack.Server) { f.FailUser(alice, fakeslack.SlackError("account_inactive")) }},
		{name: "unknown user", to: "U0NOBODY", gone: true, slackError: "user_not_found",
			fault: func(*fakeslack.Server) {}},
		{name: "archived channel", to: "C0OLD", gone: true, slackError: "is_archived",
			fault: func(f *fakeslack.Server) { f.FailChannel("C0OLD", fakeslack.SlackError("is_archived")) }},
		{name: "rate limited", to: "C0LEADS", temp: true, retryAfter: 30 * time.Second,
			fault: func(f *fakeslack.Server) { f.FailChannel("C0LEADS", fakeslack.RateLimited(30*time.Second)) }},
		{name: "slack is down", to: alice, temp: true, status: http.StatusServiceUnavailable,
			fault: func(f *fakeslack.Server) {
				f.FailMethod("chat.postMessage", fakeslack.HTTPError(http.StatusServiceUnavailable))
			}},
		{name: "slack's own error", to: alice, temp: true, slackError: "internal_error",
			fault: func(f *fakeslack.Server) { f.FailMethod("chat.postMessage", fakeslack.SlackError("internal_error")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			tc.fault(e.fake)
			_, err := e.a.Post(context.Background(), tc.to, "", bot.Message{Text: "Check-in time"})
			if err == nil {
				t.Fatal("no error")
			}
			if got := slackbot.IsGone(err); got != tc.gone {
				t.Errorf("IsGone = %v (%v)", got, err)
			}
			if got := slackbot.IsTemporary(err); got != tc.temp {
				t.Errorf("IsTemporary = %v (%v)", got, err)
			}
			if d, ok := slackbot.RetryAfter(err); d != tc.retryAfter || ok != (tc.retryAfter > 0) {
				t.Errorf("RetryAfter = %v, %v", d, ok)
			}
			if se, ok := errors.AsType[slack.SlackErrorResponse](err); tc.slackError != "" && (!ok || se.Err != tc.slackError) {
				t.Errorf("error = %v, want Slack's %q", err, tc.slackError)
			}
			if sc, ok := errors.AsType[slack.StatusCodeError](err); tc.status != 0 && (!ok || sc.Code != tc.status) {
				t.Errorf("error = %v, want HTTP %d", err, tc.status)
			}
		})
	}
}

func TestChannelRateLimitSurfacesRetryAfter(t *testing.T) {
	var mu sync.Mutex
	clock := now
	e := setup(t, fakeslack.WithChannelRateLimit(1, time.Second), fakeslack.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}))
	ctx := context.Background()
	if _, err := e.a.Post(ctx, "C0LEADS", "", bot.Message{Text: "one"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.a.Post(ctx, "C0LEADS", "", bot.Message{Text: "two"})
	if d, ok := slackbot.RetryAfter(err); !ok || d != time.Second {
		t.Fatalf("second post in the same second: %v", err)
	}
	mu.Lock()
	clock = clock.Add(time.Second)
	mu.Unlock()
	if _, err := e.a.Post(ctx, "C0LEADS", "", bot.Message{Text: "two"}); err != nil {
		t.Errorf("after waiting: %v", err)
	}
}

func TestUserInfo(t *testing.T) {
	e := setup(t)
	e.fake.AddUser(fakeslack.User{ID: "U0GONE", Name: "gone", Deleted: true})
	ctx := context.Background()

	for range 2 {
		u, err := e.a.UserInfo(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if want := (bot.User{ID: alice, Name: "Alice Liddell", IsAdmin: true, TZ: "Europe/Berlin"}); u != want {
			t.Errorf("user = %+v, want %+v", u, want)
		}
	}
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Errorf("users.info called %d times, want 1 (cached)", n)
	}

	if _, err := e.a.UserInfo(ctx, "U0GONE"); !errors.Is(err, slackbot.ErrDeactivated) || !slackbot.IsGone(err) {
		t.Errorf("deactivated user: %v", err)
	}
	if _, err := e.a.UserInfo(ctx, "U0NOBODY"); !slackbot.IsGone(err) {
		t.Errorf("unknown user: %v", err)
	}
}
