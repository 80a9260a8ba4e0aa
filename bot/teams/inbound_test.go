package teams_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/faketeams"
)

func TestPersonalChatCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	rec := e.post(e.fake.Message(p, ada, "okr hello", faketeams.WithTimezone("Europe/Berlin")), faketeams.Claims{})
	if rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	reqs := e.h.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	req := reqs[0]
	if req.Command != "/okr" || req.Text != "hello" {
		t.Errorf("command %q text %q", req.Command, req.Text)
	}
	if req.Workspace != e.ws {
		t.Errorf("workspace %+v", req.Workspace)
	}
	if req.User != (bot.User{ID: ada.AADObjectID, Name: ada.Name, TZ: "Europe/Berlin"}) {
		t.Errorf("user %+v", req.User)
	}
	if req.Address.Kind != bot.DirectChat || req.Address.ID != ada.AADObjectID || req.Address.Workspace != e.ws {
		t.Errorf("address %+v", req.Address)
	}
	// Teams takes proactive messages and can be asked who people are; ids
	// are not names there.
	if req.Capabilities != (bot.Capabilities{PlatformName: "Microsoft Teams", Delivers: true, Directory: true}) {
		t.Errorf("capabilities %+v", req.Capabilities)
	}
	ref := decodeRef(t, req.Address.Ref)
	if ref["c"] != p.ConversationID || ref["s"] != e.fake.ServiceURL() || ref["u"] != ada.ID || ref["t"] != faketeams.TenantID {
		t.Errorf("ref %v", ref)
	}
	mustContain(t, "reply", e.only(p.ConversationID).Card().Text(), "You are Ada Lovelace in Europe/Berlin; you said: hello")
	if n := len(e.fake.Calls(faketeams.OpCreate)); n != 0 {
		t.Errorf("%d conversations created to answer in an existing chat", n)
	}
}

func TestCommandWords(t *testing.T) {
	t.Parallel()
	cases := []struct{ typed, command, text string }{
		{"okr list all", "/okr", "list all"},
		{"/okr list all", "/okr", "list all"},
		{"OKR  list", "/okr", "list"},
		{`kpi set "Churn rate" 2.4`, "/kpi", `set "Churn rate" 2.4`},
		{"/kpi", "/kpi", ""},
		{"help", "/okr", "help"},
		{"what can you do?", "/okr", "what can you do?"},
		{"okr new R&amp;D&nbsp;budget", "/okr", "new R&D budget"},
		{"okrs", "/okr", "okrs"},
	}
	for _, tc := range cases {
		t.Run(tc.typed, func(t *testing.T) {
			e := newEnv(t)
			e.post(e.fake.Message(e.fake.Personal(ada), ada, tc.typed), faketeams.Claims{})
			req := e.h.Requests()[0]
			if req.Command != tc.command || req.Text != tc.text {
				t.Errorf("%q → %q %q, want %q %q", tc.typed, req.Command, req.Text, tc.command, tc.text)
			}
		})
	}
}

func TestChannelCommandWithMentions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	e.fake.AddMember(teamID, bob)
	// Bob's mention carries his "29:" id only; okrbot asks the Bot
	// Connector for his AAD object id.
	act := e.fake.Message(p, ada, "okr list <at>Bob Smith</at> in <at>Leadership</at>",
		faketeams.WithMention(bob), faketeams.WithChannelMention(channelID, "Leadership"))
	e.post(act, faketeams.Claims{})
	req := e.h.Requests()[0]
	if req.Command != "/okr" || req.Text != "list @p1 in #c1" {
		t.Fatalf("command %q text %q", req.Command, req.Text)
	}
	if got := req.People["p1"]; got != (bot.User{ID: bob.AADObjectID, Name: bob.Name}) {
		t.Errorf("p1 = %+v", got)
	}
	if got := req.Channels["c1"]; got != (bot.ChannelInfo{ID: channelID, Name: "Leadership"}) {
		t.Errorf("c1 = %+v", got)
	}
	if req.Address.Kind != bot.Channel || req.Address.ID != channelID || req.Address.Thread != act.ID {
		t.Errorf("address %+v, want the channel and thread %s", req.Address, act.ID)
	}
	members := e.fake.Calls(faketeams.OpMember)
	if len(members) != 1 || members[0].Conversation != teamID || members[0].ActivityID != bob.ID {
		t.Errorf("member lookups %+v, want one for bob in the team", members)
	}
	// Mentioned again: the answer is remembered.
	e.post(e.fake.Message(p, ada, "okr list <at>Bob Smith</at>", faketeams.WithMention(bob)), faketeams.Claims{})
	if n := len(e.fake.Calls(faketeams.OpMember)); n != 1 {
		t.Errorf("%d member lookups, want still 1", n)
	}
}

func TestGroupChatAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.GroupChat("19:group-chat@thread.v2")
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	req := e.h.Requests()[0]
	if req.Address.Kind != bot.Channel || req.Address.ID != p.ConversationID || req.Address.Thread != "" {
		t.Errorf("address %+v", req.Address)
	}
	// The list is for the whole chat.
	mustContain(t, "group reply", e.only(p.ConversationID).Card().Text(), "Objectives of <at>Ada Lovelace</at>")

	// A quiet answer is in the chat too; a token only in Ada's own chat.
	e.post(e.fake.Message(p, ada, "okr whoami"), faketeams.Claims{})
	e.post(e.fake.Message(p, ada, "okr token create BI"), faketeams.Claims{})
	msgs := e.fake.Messages(p.ConversationID)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Card().Text(), "you said: whoami") {
		t.Fatalf("group chat holds %d messages", len(msgs))
	}
	mustContain(t, "token in Ada's chat", e.only(e.personalChat(ada)).Card().Text(), "Your token")
}

func TestChannelReplyGoesIntoTheThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr list")
	e.post(act, faketeams.Claims{})
	thread := channelID + ";messageid=" + act.ID
	reply := e.only(thread)
	if reply.ReplyToID != act.ID {
		t.Errorf("reply to %q, want the thread root %q", reply.ReplyToID, act.ID)
	}
	card := reply.Card()
	mustContain(t, "list", card.Text(), "Objectives of <at>Ada Lovelace</at>\n**Grow revenue** 0.4\nKR1 Sign 10 customers\n[Check in]\n[Snooze]\n[Close]")
	if head := card.Elements("TextRun")[0]; head["size"] != "Medium" {
		t.Errorf("summary is not the heading: %v", head)
	}
	m := mentions(card)
	if len(m) != 1 || m[0]["text"] != "<at>Ada Lovelace</at>" || m[0]["mentioned"].(map[string]any)["id"] != ada.AADObjectID {
		t.Errorf("mentions %v", m)
	}
}

// A question asked in a channel is public there: its answer goes into the
// thread, also when Slack would show it to the asker alone.
func TestQuietRepliesInAChannelGoToItsThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr whoami")
	e.post(act, faketeams.Claims{})
	mustContain(t, "reply in the thread", e.only(channelID+";messageid="+act.ID).Card().Text(), "you said: whoami")
	if _, ok := e.fake.PersonalChat(ada.ID); ok {
		t.Fatal("a one-to-one chat was opened for an answer that belongs in the thread")
	}
}

func TestPrivateRepliesNeverAppearInChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr token create BI")
	e.post(act, faketeams.Claims{})
	if msgs := e.fake.Messages(channelID + ";messageid=" + act.ID); len(msgs) != 0 {
		t.Fatalf("private reply posted in the channel: %+v", msgs)
	}
	chat := e.personalChat(ada)
	mustContain(t, "private reply", e.only(chat).Card().Text(), "Your token, Ada Lovelace: token create BI")
	// The one-to-one chat was created with Ada's "29:" id from the message.
	mustContain(t, "create", string(e.fake.Calls(faketeams.OpCreate)[0].Body), `"id":"`+ada.ID+`"`)
}

func TestPrivateReplyThatCannotBeDeliveredLeavesANote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	e.fake.FailCreate("", faketeams.Fault{Status: 403, Code: "Forbidden"})
	act := e.fake.Message(p, ada, "okr my secret plans")
	e.post(act, faketeams.Claims{})
	text := e.only(channelID + ";messageid=" + act.ID).Card().Text()
	mustContain(t, "note", text, "<at>Ada Lovelace</at>", "could not send you a private answer")
	if strings.Contains(text, "secret") || strings.Contains(text, "token") {
		t.Fatalf("the note shows the private answer:\n%s", text)
	}
}

func TestHandlerPanicTellsThePerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr boom"), faketeams.Claims{})
	mustContain(t, "answer", e.only(p.ConversationID).Card().Text(), "Something went wrong")
}

func TestMessagesAreAcknowledgedBeforeTheHandlerRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.h.block = make(chan struct{})
	p := e.fake.Personal(ada)
	rec := httptest.NewRecorder()
	e.a.ServeHTTP(rec, e.fake.Request(endpoint, e.fake.Message(p, ada, "okr slow"), faketeams.Claims{}))
	if rec.Code != http.StatusOK {
		t.Fatalf("ack %d", rec.Code)
	}
	if n := len(e.fake.Messages(p.ConversationID)); n != 0 {
		t.Fatal("reply sent before the handler was released")
	}
	close(e.h.block)
	e.drain()
	mustContain(t, "reply", e.only(p.ConversationID).Card().Text(), "you said: slow")
}

func TestMessagesWithoutAPersonAreIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	act := e.fake.Message(p, ada, "okr list")
	act.From.AADObjectID = ""
	if rec := e.post(act, faketeams.Claims{}); rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	if len(e.h.Requests()) != 0 || len(e.fake.Calls(faketeams.OpSend)) != 0 {
		t.Fatal("a message without an AAD user was handled")
	}
}

func TestUserInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.a.UserInfo(context.Background(), e.ws, bob.AADObjectID); err == nil {
		t.Fatal("UserInfo answered before okrbot knew any conversation of the tenant")
	}
	e.fake.AddMember(teamID, bob)
	e.post(e.fake.Message(e.fake.Channel(teamID, channelID), ada, "okr list"), faketeams.Claims{})
	u, err := e.a.UserInfo(context.Background(), e.ws, bob.AADObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if u != (bot.User{ID: bob.AADObjectID, Name: bob.Name}) {
		t.Errorf("user %+v", u)
	}
	if c := e.fake.Calls(faketeams.OpMember); len(c) != 1 || c[0].Conversation != teamID {
		t.Errorf("member lookups %+v, want one in the team", c)
	}
}

func TestPeopleByEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.a.PersonByEmail(context.Background(), e.ws, bob.Email); err == nil || errors.Is(err, bot.ErrNoPerson) {
		t.Fatalf("before okrbot knew a conversation of the tenant: %v, want an error saying it cannot ask", err)
	}
	// Teams answers lookups only for members of the conversation asked.
	e.fake.AddMember(teamID, ada)
	e.fake.AddMember(teamID, bob)
	e.post(e.fake.Message(e.fake.Channel(teamID, channelID), ada, "okr list"), faketeams.Claims{})
	u, err := e.a.PersonByEmail(context.Background(), e.ws, "BOB@example.com")
	if err != nil || u != (bot.User{ID: bob.AADObjectID, Name: bob.Name}) {
		t.Errorf("by email: %+v, %v", u, err)
	}
	if _, err := e.a.PersonByEmail(context.Background(), e.ws, "nobody@example.com"); !errors.Is(err, bot.ErrNoPerson) {
		t.Errorf("no such member: %v, want ErrNoPerson", err)
	}
	if u, err := e.a.Person(context.Background(), e.ws, ada.AADObjectID); err != nil || u.Name != ada.Name {
		t.Errorf("by id: %+v, %v", u, err)
	}
}
