package teams_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/faketeams"
)

const (
	teamID    = "19:team-general@thread.tacv2"
	channelID = "19:leadership@thread.tacv2"
)

// channel is the leadership channel's address as the core keeps it after
// a request from there.
func (e *env) channel() bot.Address {
	e.fake.Channel(teamID, channelID)
	ref := `{"k":"channel","s":"` + e.fake.ServiceURL() + `","c":"` + channelID + `","t":"` + faketeams.TenantID + `","b":"` + faketeams.BotID + `"}`
	return bot.Address{Workspace: e.ws, Kind: bot.Channel, ID: channelID, Ref: ref}
}

func (e *env) direct(u faketeams.User, ref string) bot.Address {
	return bot.Address{Workspace: e.ws, Kind: bot.DirectChat, ID: u.AADObjectID, Ref: ref}
}

func TestSendToChannelAndThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	to := e.channel()
	ref, err := e.a.Send(ctx, to, bot.Message{Summary: bot.T("Weekly digest")})
	if err != nil {
		t.Fatal(err)
	}
	post := e.only(channelID)
	mustContain(t, "digest card", post.Card().Text(), "Weekly digest")
	if post.Summary != "Weekly digest" {
		t.Errorf("summary %q, want the plain-text fallback", post.Summary)
	}
	if ref.Conversation != channelID || ref.ID != post.ID {
		t.Errorf("ref %+v does not point at the post %s", ref, post.ID)
	}

	if _, err := e.a.Send(ctx, ref.InThread(), bot.Message{Summary: bot.T("KPI alert")}); err != nil {
		t.Fatal(err)
	}
	thread := channelID + ";messageid=" + post.ID
	reply := e.only(thread)
	if reply.ReplyToID != post.ID {
		t.Errorf("reply to %q, want %q", reply.ReplyToID, post.ID)
	}
	calls := e.fake.Calls(faketeams.OpReply)
	if len(calls) != 1 || calls[0].Conversation != thread || calls[0].ActivityID != post.ID {
		t.Fatalf("reply calls %+v", calls)
	}

	if err := e.a.Update(ctx, ref, bot.Message{Summary: bot.T("Weekly digest (updated)")}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "updated card", e.only(channelID).Card().Text(), "Weekly digest (updated)")
}

func TestProactiveDirectChatIsCreatedOnceAndKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.fake.Install(bob) // Teams opens a chat by Entra object id only then
	// A restarted okrbot knows the tenant only from the refs the core kept.
	if _, err := e.a.Send(ctx, e.channel(), bot.Message{Summary: bot.T("hello channel")}); err != nil {
		t.Fatal(err)
	}
	ref, err := e.a.Send(ctx, e.direct(bob, ""), bot.Message{Summary: bot.T("Time to check in")})
	if err != nil {
		t.Fatal(err)
	}
	creates := e.fake.Calls(faketeams.OpCreate)
	if len(creates) != 1 {
		t.Fatalf("%d conversations created, want 1", len(creates))
	}
	mustContain(t, "create body", string(creates[0].Body), `"id":"`+bob.AADObjectID+`"`, `"tenantId":"`+faketeams.TenantID+`"`, `"isGroup":false`)
	chat := e.personalChat(bob)
	mustContain(t, "prompt", e.only(chat).Card().Text(), "Time to check in")
	got := decodeRef(t, ref.Address.Ref)
	if got["c"] != chat || got["k"] != "personal" || got["s"] != e.fake.ServiceURL() {
		t.Errorf("returned ref %v does not name the new chat %s", got, chat)
	}

	// With the returned ref, the next prompt goes straight to the chat,
	// from a fresh adapter too.
	fresh, err := teams.New(config(e.fake, e.clock), e.h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Send(ctx, ref.Address, bot.Message{Summary: bot.T("Reminder")}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Calls(faketeams.OpCreate)); n != 1 {
		t.Errorf("%d conversations created, want still 1", n)
	}
	if n := len(e.fake.Messages(chat)); n != 2 {
		t.Errorf("%d messages in the chat, want 2", n)
	}
}

func TestDeletedDirectChatIsOpenedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.fake.Install(bob)
	e.a.Send(ctx, e.channel(), bot.Message{Summary: bot.T("hi")})
	ref, err := e.a.Send(ctx, e.direct(bob, ""), bot.Message{Summary: bot.T("one")})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.DeleteConversation(e.personalChat(bob))
	ref2, err := e.a.Send(ctx, ref.Address, bot.Message{Summary: bot.T("two")})
	if err != nil {
		t.Fatal(err)
	}
	if ref2.Conversation == ref.Conversation {
		t.Fatal("sent into the deleted chat")
	}
	mustContain(t, "new chat", e.only(ref2.Conversation).Card().Text(), "two")
}

func TestUpdateOfALostMessagePostsItAnew(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ref, err := e.a.Send(ctx, e.channel(), bot.Message{Summary: bot.T("Weekly digest")})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.DeleteMessage(channelID, ref.ID)
	if err := e.a.Update(ctx, ref, bot.Message{Summary: bot.T("Weekly digest (updated)")}); err != nil {
		t.Fatal(err)
	}
	post := e.only(channelID)
	mustContain(t, "new post", post.Card().Text(), "Weekly digest (updated)")
	// A second update edits the new post rather than posting a third.
	if err := e.a.Update(ctx, ref, bot.Message{Summary: bot.T("Weekly digest (final)")}); err != nil {
		t.Fatal(err)
	}
	if got := e.only(channelID); got.ID != post.ID || !strings.Contains(got.Card().Text(), "final") {
		t.Fatalf("second update: %+v", got)
	}
	if calls := e.fake.Calls(faketeams.OpUpdate); len(calls) != 2 || calls[0].Status != 404 {
		t.Fatalf("update calls %+v", calls)
	}
}

func TestSendErrorsAreClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault faketeams.Fault
		kind  bot.Failure
		wait  time.Duration
	}{
		{"rate limited", faketeams.Fault{Status: 429, Code: "Throttled", RetryAfter: 7 * time.Second}, bot.RateLimited, 7 * time.Second},
		{"rate limited without a wait", faketeams.Fault{Status: 429}, bot.RateLimited, time.Second},
		{"precondition failed", faketeams.Fault{Status: 412}, bot.Temporary, 0},
		{"internal error", faketeams.Fault{Status: 500}, bot.Temporary, 0},
		{"service dependency", faketeams.Fault{Status: 502}, bot.Temporary, 0},
		{"unavailable", faketeams.Fault{Status: 503}, bot.Temporary, 0},
		{"gateway timeout", faketeams.Fault{Status: 504}, bot.Temporary, 0},
		{"writes blocked (errorCode 209 with a subCode)", faketeams.Fault{Status: 403, Code: "MessageWritesBlocked"}, bot.Gone, 0},
		{"bot removed", faketeams.Fault{Status: 403, Code: "BotNotInConversationRoster"}, bot.Gone, 0},
		{"blocked by the person", faketeams.Fault{Status: 403, Code: "ConversationBlockedByUser"}, bot.Gone, 0},
		{"disabled by the admin", faketeams.Fault{Status: 403, Code: "BotDisabledByAdmin"}, bot.Gone, 0},
		{"conversation gone", faketeams.Fault{Status: 404, Code: "ConversationNotFound"}, bot.Gone, 0},
		{"not enough permissions", faketeams.Fault{Status: 403, Code: "NotEnoughPermissions"}, bot.Permanent, 0},
		{"too big", faketeams.Fault{Status: 413, Code: "MessageSizeTooBig"}, bot.Permanent, 0},
		{"bad request", faketeams.Fault{Status: 400, Code: "BadArgument"}, bot.Permanent, 0},
		{"not implemented", faketeams.Fault{Status: 501}, bot.Permanent, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			to := e.channel()
			e.fake.FailConversation(channelID, tc.fault)
			_, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("x")})
			kind, wait := bot.FailureOf(err)
			if kind != tc.kind || wait != tc.wait {
				t.Fatalf("%v: classified %v wait %v, want %v wait %v", err, kind, wait, tc.kind, tc.wait)
			}
			// What Microsoft says to retry is tried three times in all
			// (a long Retry-After goes to the caller at once); the rest once.
			want := 1
			if (tc.kind == bot.Temporary || tc.kind == bot.RateLimited) && tc.wait <= 2*time.Second {
				want = 3
			}
			if n := len(e.fake.Calls(faketeams.OpSend)); n != want {
				t.Errorf("%d sends, want %d", n, want)
			}
		})
	}

	t.Run("retried until Teams takes it", func(t *testing.T) {
		for _, f := range []faketeams.Fault{{Status: 412, Times: 2}, {Status: 429, RetryAfter: time.Second, Times: 1}, {Status: 503, Times: 1}} {
			e := newEnv(t)
			to := e.channel()
			e.fake.FailConversation(channelID, f)
			if _, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("hello")}); err != nil {
				t.Fatalf("%d: %v", f.Status, err)
			}
			mustContain(t, "channel", e.only(channelID).Card().Text(), "hello")
		}
	})

	t.Run("network error", func(t *testing.T) {
		e := newEnv(t)
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		to := e.channel()
		// Get a token first, so the failure is the Bot Connector's.
		if err := e.a.CheckCredentials(context.Background()); err != nil {
			t.Fatal(err)
		}
		to.Ref = strings.Replace(to.Ref, e.fake.URL(), dead.URL, 1)
		_, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("x")})
		if kind, _ := bot.FailureOf(err); kind != bot.Temporary {
			t.Fatalf("%v classified %v, want temporary", err, kind)
		}
	})

	t.Run("user who cannot get a chat", func(t *testing.T) {
		e := newEnv(t)
		e.a.Send(context.Background(), e.channel(), bot.Message{Summary: bot.T("hi")})
		e.fake.FailCreate(bob.AADObjectID, faketeams.Fault{Status: 403, Code: "ConversationBlockedByUser"})
		_, err := e.a.Send(context.Background(), e.direct(bob, ""), bot.Message{Summary: bot.T("x")})
		if kind, _ := bot.FailureOf(err); kind != bot.Gone {
			t.Fatalf("%v classified %v, want gone", err, kind)
		}
	})
}

func TestTokenGoesOnlyToAllowedHosts(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var mu sync.Mutex
	var auth []string
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer foreign.Close()
	e := newEnv(t)
	to := e.channel()
	for _, host := range []string{
		strings.Replace(foreign.URL, "127.0.0.1", "localhost", 1), // not listed
		strings.Replace(foreign.URL, "http://", "https://", 1),    // listed, but the test server speaks http
	} {
		bad := to
		bad.Ref = strings.Replace(to.Ref, e.fake.URL(), host, 1)
		_, err := e.a.Send(context.Background(), bad, bot.Message{Summary: bot.T("secret digest")})
		if err == nil {
			t.Fatalf("send via %s succeeded", host)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the foreign host got %d requests: %v", hits.Load(), auth)
	}
}

func TestTokenIsCachedUntilShortlyBeforeItExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	to := e.channel()
	send := func() {
		t.Helper()
		if _, err := e.a.Send(ctx, to, bot.Message{Summary: bot.T("x")}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	send()
	e.clock.Advance(54 * time.Minute)
	send()
	if n := len(e.fake.Calls(faketeams.OpToken)); n != 1 {
		t.Fatalf("%d token requests within 54 minutes of an hour-long token, want 1", n)
	}
	e.clock.Advance(2 * time.Minute)
	send()
	if n := len(e.fake.Calls(faketeams.OpToken)); n != 2 {
		t.Fatalf("%d token requests 4 minutes before expiry, want 2", n)
	}
}

func TestConcurrentSendsShareOneTokenRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	to := e.channel()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("x")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(e.fake.Calls(faketeams.OpToken)); n != 1 {
		t.Fatalf("%d token requests for 10 concurrent sends, want 1", n)
	}
}

func TestRevokedTokenIsReplacedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	to := e.channel()
	ctx := context.Background()
	e.a.Send(ctx, to, bot.Message{Summary: bot.T("one")})
	e.fake.RevokeTokens()
	if _, err := e.a.Send(ctx, to, bot.Message{Summary: bot.T("two")}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Calls(faketeams.OpToken)); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	if n := len(e.fake.Messages(channelID)); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func TestWrongCredentialsAreReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := config(e.fake, e.clock)
	cfg.AppPassword = "wrong"
	a, err := teams.New(cfg, e.h)
	if err != nil {
		t.Fatal(err)
	}
	err = a.CheckCredentials(context.Background())
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("CheckCredentials: %v, want the token endpoint's invalid_client", err)
	}
	_, err = a.Send(context.Background(), e.channel(), bot.Message{Summary: bot.T("x")})
	if kind, _ := bot.FailureOf(err); kind != bot.Permanent {
		t.Fatalf("send with refused credentials: %v (%v), want permanent", err, kind)
	}
	e.fake.FailTokens(faketeams.Fault{Status: 503, Times: 1})
	_, err = e.a.Send(context.Background(), e.channel(), bot.Message{Summary: bot.T("x")})
	if kind, _ := bot.FailureOf(err); kind != bot.Temporary {
		t.Fatalf("send while the token endpoint is down: %v (%v), want temporary", err, kind)
	}
}

func TestConfigIsChecked(t *testing.T) {
	t.Parallel()
	cases := map[string]teams.Config{
		"TEAMS_APP_ID":              {AppPassword: "p", TenantID: "t"},
		"TEAMS_APP_PASSWORD":        {AppID: "a", TenantID: "t"},
		"not both":                  {AppID: "a", AppPassword: "p", AppCertificate: "/x.pem", TenantID: "t"},
		"TEAMS_APP_CERTIFICATE":     {AppID: "a", AppCertificate: "/nonexistent/okrbot.pem", TenantID: "t"},
		"TEAMS_CLOUD":               {AppID: "a", AppPassword: "p", TenantID: "t", Cloud: "mooncake"},
		"TEAMS_TENANT_ID":           {AppID: "a", AppPassword: "p"},
		"TEAMS_OPENID_METADATA_URL": {AppID: "a", AppPassword: "p", TenantID: "t", OpenIDMetadataURL: "ftp://x"},
		"TEAMS_SERVICE_URL_HOSTS":   {AppID: "a", AppPassword: "p", TenantID: "t", ServiceURLHosts: "https://smba.trafficmanager.net/"},
	}
	for want, cfg := range cases {
		_, err := teams.New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config without a good %s: %v", want, err)
		}
	}
	if _, err := teams.New(teams.Config{AppID: "a", AppPassword: "p", TenantID: "t"}, nil); err != nil {
		t.Errorf("minimal config refused: %v", err)
	}
}

func TestSendRefusesOtherWorkspaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	to := e.channel()
	to.Workspace = bot.Workspace{Platform: "slack", TeamID: "T1"}
	_, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("x")})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Permanent {
		t.Fatalf("send to a slack address: %v", err)
	}
	other := e.channel()
	other.Workspace.TeamID = "another-tenant"
	if _, err := e.a.Send(context.Background(), other, bot.Message{Summary: bot.T("x")}); err == nil {
		t.Fatal("a ref of one tenant was used for another")
	}
}

func TestGroupChatRepliesHaveNoThreadConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.a.Send(context.Background(), e.channel(), bot.Message{Summary: bot.T("hi")}) // learns the service URL
	group := e.fake.GroupChat("19:group@thread.v2")
	said := e.fake.Message(group, ada, "okr list")
	to := bot.Address{Workspace: e.ws, Kind: bot.Channel, ID: group.ConversationID, Thread: said.ID}
	if _, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("in reply")}); err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls(faketeams.OpReply)
	if len(calls) != 1 || calls[0].Conversation != group.ConversationID || calls[0].ActivityID != said.ID {
		t.Fatalf("reply calls %+v", calls)
	}
}

// Teams refuses a reply to a message the conversation does not hold, and
// a thread outside a channel.
func TestFakeRefusesRepliesTeamsRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.a.Send(context.Background(), e.channel(), bot.Message{Summary: bot.T("hi")})
	to := e.channel()
	to.Thread = "1700000000999"
	_, err := e.a.Send(context.Background(), to, bot.Message{Summary: bot.T("in reply")})
	if kind, _ := bot.FailureOf(err); err == nil || kind != bot.Permanent || !strings.Contains(err.Error(), "ActivityNotFoundInConversation") {
		t.Fatalf("reply to an unknown message: %v (%v)", err, kind)
	}
	group := e.fake.GroupChat("19:group@thread.v2")
	_, err = e.a.Send(context.Background(), bot.Address{Workspace: e.ws, Kind: bot.Channel, ID: group.ConversationID + ";messageid=1"}, bot.Message{Summary: bot.T("x")})
	if err == nil || !strings.Contains(err.Error(), "BadArgument") {
		t.Fatalf("a thread in a group chat: %v", err)
	}
}
