package slack_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

func TestSendAndUpdate(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	first, err := e.a.Send(ctx, e.to(alice), msg("Time for your weekly check-in"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Send(ctx, first.InThread(), msg("Reminder")); err != nil {
		t.Fatal(err)
	}
	dm := e.fake.DMChannel(alice)
	if first.Conversation != dm || first.ID == "" {
		t.Errorf("ref = %+v, want the DM channel %s", first, dm)
	}
	if n := len(e.fake.Calls("conversations.open")); n != 1 {
		t.Errorf("conversations.open called %d times for two DMs, want 1", n)
	}
	posts := e.fake.Calls("chat.postMessage")
	if posts[1].Params.Get("channel") != dm || posts[1].Params.Get("thread_ts") != first.ID {
		t.Errorf("reply posted to %s in thread %q", posts[1].Params.Get("channel"), posts[1].Params.Get("thread_ts"))
	}

	if err := e.a.Update(ctx, first, msg("Checked in ✓")); err != nil {
		t.Fatal(err)
	}
	up := e.fake.Calls("chat.update")[0]
	if up.Params.Get("channel") != dm || up.Params.Get("ts") != first.ID || up.Text() != "Checked in ✓" {
		t.Errorf("chat.update %v", up.Params)
	}

	ref, err := e.a.Send(ctx, e.channel("C0LEADS"), msg("Weekly digest"))
	if err != nil || ref.Conversation != "C0LEADS" {
		t.Errorf("post to a channel: %+v, %v", ref, err)
	}
}

func TestOpenAheadOfSend(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	e.fake.FailUser(alice, fakeslack.RateLimited(2*time.Second))
	err := e.a.Open(ctx, e.to(alice))
	if kind, wait := bot.FailureOf(err); kind != bot.RateLimited || wait != 2*time.Second {
		t.Errorf("rate-limited open: %v (%v, %s), want rate limited for 2s", err, kind, wait)
	}
	e.fake.ClearFaults()
	if err := e.a.Open(ctx, e.to(alice)); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Open(ctx, e.channel("C0LEADS")); err != nil {
		t.Errorf("open a channel: %v", err)
	}
	opens := len(e.fake.Calls("conversations.open"))
	ref, err := e.a.Send(ctx, e.to(alice), msg("Time for your weekly check-in"))
	if err != nil || ref.Conversation != e.fake.DMChannel(alice) {
		t.Fatalf("send after open: %+v, %v", ref, err)
	}
	if n := len(e.fake.Calls("conversations.open")); n != opens {
		t.Errorf("Send opened the DM again: %d calls, want %d", n, opens)
	}
}

// TestAKeptDMChannelNeedsNoOpening shows that the DM channel Send reports
// is all another adapter (okrbot after a restart) needs to write to the
// person without conversations.open, and that a kept channel Slack no
// longer knows is replaced by the DM opened again.
func TestAKeptDMChannelNeedsNoOpening(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	dm := e.fake.DMChannel(alice)
	first, err := e.a.Send(ctx, e.to(alice), msg("Time for your weekly check-in"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Address.Ref != dm {
		t.Fatalf("Send reported the ref %q, want the DM channel %s", first.Address.Ref, dm)
	}
	opens := len(e.fake.Calls("conversations.open"))

	a := e.restarted(t)
	if err := a.Open(ctx, first.Address); err != nil {
		t.Fatal(err)
	}
	again, err := a.Send(ctx, first.Address, msg("A week later"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Calls("conversations.open")); n != opens {
		t.Errorf("conversations.open called %d more times for a kept DM channel", n-opens)
	}
	if again.Conversation != dm || again.Address.Ref != dm {
		t.Errorf("second message went to %s (ref %q), want %s", again.Conversation, again.Address.Ref, dm)
	}

	// A kept channel Slack no longer knows: the DM is opened again, the
	// message lands there, and its channel is the new ref.
	e.fake.FailChannel("D0STALE", fakeslack.SlackError("channel_not_found"))
	stale := e.to(alice)
	stale.Ref = "D0STALE"
	if err := a.Open(ctx, stale); err != nil {
		t.Fatal(err)
	}
	fixed, err := a.Send(ctx, stale, msg("Still there?"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Calls("conversations.open")); n != opens+1 {
		t.Errorf("conversations.open called %d more times for a stale DM channel, want 1", n-opens)
	}
	if fixed.Conversation != dm || fixed.Address.Ref != dm {
		t.Errorf("message after a stale ref went to %s (ref %q), want %s", fixed.Conversation, fixed.Address.Ref, dm)
	}

	// A person who left: their kept channel is archived, and opening it
	// again says they are gone.
	e.fake.AddUser(fakeslack.User{ID: "U0GONE", Name: "gone", Deleted: true})
	e.fake.FailChannel("D0ARCHIVED", fakeslack.SlackError("is_archived"))
	gone := e.to("U0GONE")
	gone.Ref = "D0ARCHIVED"
	_, err = a.Send(ctx, gone, msg("Hello?"))
	if kind, _ := bot.FailureOf(err); kind != bot.Gone {
		t.Errorf("send to a person who left: %v (%v), want gone", err, kind)
	}
}

// TestSendOnlyToItsOwnWorkspace shows that the adapter serves the workspace
// of its token, as auth.test names it, and no other.
func TestSendOnlyToItsOwnWorkspace(t *testing.T) {
	e := setup(t)
	for _, ws := range []bot.Workspace{{Platform: "slack", TeamID: team}, {Platform: "slack", TeamID: "TOTHER"}, {Platform: "teams", TeamID: team}} {
		if got, want := e.a.Serves(t.Context(), ws), ws.TeamID == team && ws.Platform == "slack"; got != want {
			t.Errorf("Serves(%+v) = %v", ws, got)
		}
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
		kind       bot.Failure
	}{
		{name: "deactivated user", to: alice, gone: true, slackError: "user_disabled", kind: bot.Gone,
			fault: func(f *fakeslack.Server) { f.FailUser(alice, fakeslack.SlackError("user_disabled")) }},
		// account_inactive is about okrbot's own token (a deleted
		// workspace or bot user), not the person written to.
		{name: "okrbot's token refused", to: alice, slackError: "account_inactive", kind: bot.Permanent,
			fault: func(f *fakeslack.Server) {
				f.FailMethod("conversations.open", fakeslack.SlackError("account_inactive"))
			}},
		{name: "unknown user", to: "U0NOBODY", gone: true, slackError: "user_not_found", kind: bot.Gone,
			fault: func(*fakeslack.Server) {}},
		{name: "archived channel", to: "C0OLD", gone: true, slackError: "is_archived", kind: bot.Gone,
			fault: func(f *fakeslack.Server) { f.FailChannel("C0OLD", fakeslack.SlackError("is_archived")) }},
		{name: "rate limited", to: "C0LEADS", temp: true, retryAfter: 30 * time.Second, kind: bot.RateLimited,
			fault: func(f *fakeslack.Server) { f.FailChannel("C0LEADS", fakeslack.RateLimited(30*time.Second)) }},
		{name: "slack is down", to: alice, temp: true, status: http.StatusServiceUnavailable, kind: bot.Temporary,
			fault: func(f *fakeslack.Server) {
				f.FailMethod("chat.postMessage", fakeslack.HTTPError(http.StatusServiceUnavailable))
			}},
		{name: "slack's own error", to: alice, temp: true, slackError: "internal_error", kind: bot.Temporary,
			fault: func(f *fakeslack.Server) { f.FailMethod("chat.postMessage", fakeslack.SlackError("internal_error")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			tc.fault(e.fake)
			to := e.channel(tc.to)
			if strings.HasPrefix(tc.to, "U") {
				to = e.to(tc.to)
			}
			_, err := e.a.Send(context.Background(), to, msg("Check-in time"))
			if err == nil {
				t.Fatal("no error")
			}
			if kind, wait := bot.FailureOf(err); kind != tc.kind || wait != tc.retryAfter {
				t.Errorf("FailureOf = %s, %v; want %s, %v", kind, wait, tc.kind, tc.retryAfter)
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
	if _, err := e.a.Send(ctx, e.channel("C0LEADS"), msg("one")); err != nil {
		t.Fatal(err)
	}
	_, err := e.a.Send(ctx, e.channel("C0LEADS"), msg("two"))
	if d, ok := slackbot.RetryAfter(err); !ok || d != time.Second {
		t.Fatalf("second post in the same second: %v", err)
	}
	mu.Lock()
	clock = clock.Add(time.Second)
	mu.Unlock()
	if _, err := e.a.Send(ctx, e.channel("C0LEADS"), msg("two")); err != nil {
		t.Errorf("after waiting: %v", err)
	}
}

func TestUserInfo(t *testing.T) {
	e := setup(t)
	e.fake.AddUser(fakeslack.User{ID: "U0GONE", Name: "gone", Deleted: true})
	ctx := context.Background()

	for range 2 {
		u, err := e.a.UserInfo(ctx, e.ws(), alice)
		if err != nil {
			t.Fatal(err)
		}
		if want := (bot.User{ID: alice, Name: "Alice Liddell", IsAdmin: true, TZ: "Europe/Berlin", RolesAt: now}); u != want {
			t.Errorf("user = %+v, want %+v", u, want)
		}
	}
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Errorf("users.info called %d times, want 1 (cached)", n)
	}

	if _, err := e.a.UserInfo(ctx, e.ws(), "U0GONE"); !errors.Is(err, slackbot.ErrDeactivated) || !slackbot.IsGone(err) {
		t.Errorf("deactivated user: %v", err)
	}
	if _, err := e.a.UserInfo(ctx, e.ws(), "U0NOBODY"); !slackbot.IsGone(err) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestPeopleByEmailAndID(t *testing.T) {
	e := setup(t)
	e.fake.AddUser(fakeslack.User{ID: "U0ADA", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/London", Email: "ada@example.com"})
	e.fake.AddUser(fakeslack.User{ID: "U0GONE", Name: "gone", Deleted: true, Email: "gone@example.com"})
	ctx := context.Background()
	u, err := e.a.PersonByEmail(ctx, e.ws(), "Ada@Example.com")
	if want := (bot.User{ID: "U0ADA", Name: "Ada Lovelace", TZ: "Europe/London"}); err != nil || u != want {
		t.Errorf("by email: %+v, %v; want %+v", u, err, want)
	}
	for _, email := range []string{"nobody@example.com", "gone@example.com"} {
		if _, err := e.a.PersonByEmail(ctx, e.ws(), email); !errors.Is(err, bot.ErrNoPerson) {
			t.Errorf("%s: %v, want ErrNoPerson", email, err)
		}
	}
	if u, err := e.a.Person(ctx, e.ws(), "U0ADA"); err != nil || u.Name != "Ada Lovelace" {
		t.Errorf("by id: %+v, %v", u, err)
	}
	for _, id := range []string{"U0NOBODY", "U0GONE"} {
		if _, err := e.a.Person(ctx, e.ws(), id); !errors.Is(err, bot.ErrNoPerson) {
			t.Errorf("%s: %v, want ErrNoPerson", id, err)
		}
	}
	e.fake.FailMethod("users.lookupByEmail", fakeslack.SlackError("ratelimited"))
	if _, err := e.a.PersonByEmail(ctx, e.ws(), "ada@example.com"); err == nil || errors.Is(err, bot.ErrNoPerson) {
		t.Errorf("a failed lookup: %v, want an error that is not ErrNoPerson", err)
	}
}

// TestRecentUserReadsRightsAgain shows that what okrbot decides admin
// rights on is asked of Slack again once older than asked for, and that
// guests are told apart from members.
func TestRecentUserReadsRightsAgain(t *testing.T) {
	e := setup(t)
	e.fake.AddUser(fakeslack.User{ID: "U0MCG", Name: "mcg", IsRestricted: true})
	e.fake.AddUser(fakeslack.User{ID: "U0SCG", Name: "scg", IsRestricted: true, IsUltraRestricted: true})
	ctx := context.Background()
	for _, id := range []string{"U0MCG", "U0SCG"} {
		u, err := e.a.RecentUser(ctx, e.ws(), id, time.Minute)
		if err != nil || !u.IsGuest || u.IsAdmin {
			t.Errorf("%s: %+v, %v; want a guest", id, u, err)
		}
	}
	if u, err := e.a.RecentUser(ctx, e.ws(), alice, time.Minute); err != nil || !u.IsAdmin || u.IsGuest || !u.RolesAt.Equal(now) {
		t.Fatalf("alice: %+v, %v", u, err)
	}
	// Within maxAge the answer is the cached one; with maxAge 0 Slack is
	// asked again.
	e.fake.AddUser(fakeslack.User{ID: alice, Name: "alice", RealName: "Alice Liddell", TZ: "Europe/Berlin"})
	if u, _ := e.a.RecentUser(ctx, e.ws(), alice, time.Minute); !u.IsAdmin {
		t.Errorf("cached answer not used: %+v", u)
	}
	if u, err := e.a.RecentUser(ctx, e.ws(), alice, 0); err != nil || u.IsAdmin {
		t.Errorf("demoted in Slack, read again: %+v, %v", u, err)
	}
	// A failed read is an error, not the old answer.
	e.fake.FailMethod("users.info", fakeslack.HTTPError(http.StatusServiceUnavailable))
	if _, err := e.a.RecentUser(ctx, e.ws(), "U0MCG", 0); err == nil {
		t.Error("users.info failed, and RecentUser said nothing")
	}
}
