package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

func TestSlashCommandAcksBeforeTheHandlerAndOpensItsForm(t *testing.T) {
	e := setup(t)
	release := make(chan struct{})
	e.h.command = func(bot.Request) bot.Reply {
		<-release // the ack must not wait for this
		return bot.Reply{Form: &testForm}
	}

	w := e.serve(e.slashCommand("new", "trigger-1"))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("ack = %d %q, want an empty 200", w.Code, w.Body)
	}
	close(release)

	open := e.fake.WaitCalls("views.open", 1)[0]
	if got := open.Params.Get("trigger_id"); got != "trigger-1" {
		t.Errorf("trigger_id = %q", got)
	}
	v := open.View
	if v.CallbackID != "objective_new" || v.PrivateMetadata != "team=42" {
		t.Errorf("callback_id, private_metadata = %q, %q", v.CallbackID, v.PrivateMetadata)
	}
	if v.Title.Text != "New objective" || v.Submit.Text != "Create" || v.Close.Text != "Cancel" {
		t.Errorf("title, submit, close = %q, %q, %q", v.Title.Text, v.Submit.Text, v.Close.Text)
	}
	var kinds []string
	for _, b := range v.Blocks.BlockSet {
		kind := string(b.BlockType()) + ":" + b.ID()
		if in, ok := b.(*slack.InputBlock); ok {
			kind += ":" + string(in.Element.ElementType())
		}
		kinds = append(kinds, kind)
	}
	want := []string{
		"input:title:plain_text_input", "input:why:plain_text_input", "input:period:static_select",
		"input:owner:users_select", "actions:add", "section:note",
	}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("blocks = %v, want %v", kinds, want)
	}
	why := v.Blocks.BlockSet[1].(*slack.InputBlock)
	if !why.Optional || why.Hint.Text != "One or two sentences" || !why.Element.(*slack.PlainTextInputBlockElement).Multiline {
		t.Errorf("long text field = %+v", why)
	}
	period := v.Blocks.BlockSet[2].(*slack.InputBlock).Element.(*slack.SelectBlockElement)
	if period.InitialOption == nil || period.InitialOption.Value != "2026-Q2" || len(period.Options) != 2 {
		t.Errorf("select = %+v", period)
	}
	if owner := v.Blocks.BlockSet[3].(*slack.InputBlock).Element.(*slack.SelectBlockElement); owner.InitialUser != alice {
		t.Errorf("initial_user = %q", owner.InitialUser)
	}

	req := e.h.lastRequest(t)
	wantReq := bot.Request{
		Workspace:   e.ws(),
		User:        bot.User{ID: alice, Name: "Alice Liddell", IsAdmin: true, TZ: "Europe/Berlin", RolesAt: now},
		Address:     e.channel("C0GENERAL"),
		Command:     "/okr",
		Text:        "new",
		CanOpenForm: true,
		ShowsImages: true,
		// Slack delivers on its own and can be asked who people are.
		Capabilities: bot.Capabilities{PlatformName: "Slack", Delivers: true, Directory: true},
	}
	if !reflect.DeepEqual(req, wantReq) {
		t.Errorf("request = %+v\nwant %+v", req, wantReq)
	}
}

func TestSlashCommandMessageGoesToTheResponseURL(t *testing.T) {
	for _, tc := range []struct {
		visibility bot.Visibility
		want       string
	}{{bot.OnlyAsker, "ephemeral"}, {bot.Private, "ephemeral"}, {bot.Conversation, "in_channel"}} {
		t.Run(tc.want, func(t *testing.T) {
			e := setup(t)
			e.h.command = func(bot.Request) bot.Reply {
				return bot.Reply{Message: &bot.Message{Summary: bot.T("2 objectives"), Visibility: tc.visibility,
					Sections: []bot.Section{{Text: bot.T(bot.Bold("Grow revenue"), " 0.4"), Context: bot.T("Alice · 2026-Q2")}}}}
			}
			e.serve(e.slashCommand("list", ""))

			c := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
			if c.Path != "/response/cmd" || c.Params.Get("response_type") != tc.want || c.Text() != "2 objectives" {
				t.Errorf("response_url call = %s %q %q", c.Path, c.Params.Get("response_type"), c.Text())
			}
			if len(c.Blocks) != 2 {
				t.Fatalf("blocks = %d, want section and context", len(c.Blocks))
			}
			if s := c.Blocks[0].(*slack.SectionBlock); s.Text.Type != "mrkdwn" || s.Text.Text != "*Grow revenue* 0.4" {
				t.Errorf("section = %+v", s.Text)
			}
		})
	}
}

// TestACommandFromADMCarriesNoChannel shows that a slash command typed in
// a DM is the person's direct chat but names no DM channel to keep: two
// people's DM has a D… id as well as okrbot's, and keeping theirs would
// send the person's prompts to a channel okrbot is not in. A command in a
// channel is that channel.
func TestACommandFromADMCarriesNoChannel(t *testing.T) {
	e := setup(t)
	cmd := slack.SlashCommand{TeamID: team, ChannelID: "D0ALICEBOB", UserID: alice, UserName: "alice",
		Command: "/okr", Text: "list", ResponseURL: e.fake.ResponseURL("cmd")}
	e.serve(fakeslack.SlashCommandRequest("http://okrbot/slack/events", secret, now, cmd))
	e.h.waitCalled(t, 1)
	if got := e.h.lastRequest(t).Address; got != e.to(alice) {
		t.Errorf("address = %+v, want %+v", got, e.to(alice))
	}
	e.serve(e.slashCommand("list", ""))
	e.h.waitCalled(t, 2)
	if got := e.h.lastRequest(t).Address; got != e.channel("C0GENERAL") {
		t.Errorf("address in a channel = %+v", got)
	}
}

func TestFormWithoutTriggerFallsBackToTheCommandLine(t *testing.T) {
	e := setup(t)
	form := testForm
	form.Fallback = bot.Textf("Use `/okr new <title>`.")
	e.h.command = func(bot.Request) bot.Reply { return bot.Reply{Form: &form} }
	e.fake.FailMethod("views.open", fakeslack.SlackError("expired_trigger_id"))

	e.serve(e.slashCommand("new", "trigger-late"))

	c := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	if !strings.Contains(c.Text(), "`/okr new &lt;title&gt;`") {
		t.Errorf("fallback = %q", c.Text())
	}
}

func TestRequestsWithoutAValidSignatureAreRefused(t *testing.T) {
	e := setup(t)
	body := []byte("command=%2Fokr&text=list&user_id=" + alice + "&team_id=" + team)
	for _, tc := range []struct {
		name string
		req  func() *http.Request
	}{
		{"no signature", func() *http.Request {
			r := fakeslack.NewRequest("http://okrbot/slack/events", secret, now, "application/x-www-form-urlencoded", body)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"wrong secret", func() *http.Request {
			return fakeslack.NewRequest("http://okrbot/slack/events", "not-the-secret", now, "application/x-www-form-urlencoded", body)
		}},
		{"tampered body", func() *http.Request {
			r := fakeslack.NewRequest("http://okrbot/slack/events", secret, now, "application/x-www-form-urlencoded", body)
			r2 := fakeslack.NewRequest("http://okrbot/slack/events", secret, now, "application/x-www-form-urlencoded",
				[]byte(strings.Replace(string(body), "list", "delete", 1)))
			r2.Header = r.Header
			return r2
		}},
		{"stale timestamp", func() *http.Request {
			return fakeslack.NewRequest("http://okrbot/slack/events", secret, now.Add(-6*time.Minute), "application/x-www-form-urlencoded", body)
		}},
		{"timestamp from the future", func() *http.Request {
			return fakeslack.NewRequest("http://okrbot/slack/events", secret, now.Add(6*time.Minute), "application/x-www-form-urlencoded", body)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := e.serve(tc.req()); w.Code != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", w.Code)
			}
		})
	}
	// A request four minutes old is fine: Slack's own retries arrive late.
	if w := e.serve(fakeslack.NewRequest("http://okrbot/slack/events", secret, now.Add(-4*time.Minute),
		"application/x-www-form-urlencoded", body)); w.Code != http.StatusOK {
		t.Fatalf("valid request: status = %d", w.Code)
	}
	e.h.waitCalled(t, 1)
	if n := e.h.calls(); n != 1 {
		t.Errorf("handler called %d times, want only for the valid request", n)
	}
}

// The signature scheme must be Slack's, not merely self-consistent: check
// the fake's signing against slack-go's verifier, which uses the wall clock.
func TestSigningMatchesSlackGo(t *testing.T) {
	body := []byte("command=%2Fokr")
	at := time.Now()
	sv, err := slack.NewSecretsVerifier(fakeslack.Sign(secret, at, body), secret)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		t.Fatal(err)
	}
}

func TestURLVerificationEchoesTheChallenge(t *testing.T) {
	e := setup(t)
	w := e.serve(fakeslack.EventRequest("http://okrbot/slack/events", secret, now,
		map[string]string{"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}))
	var got struct{ Challenge string }
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
		t.Fatalf("status %d, body %q: %v", w.Code, w.Body, err)
	}
	if got.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge = %q", got.Challenge)
	}

	w = e.serve(fakeslack.EventRequest("http://okrbot/slack/events", secret, now,
		map[string]any{"type": "event_callback", "event": map[string]string{"type": "app_home_opened"}}))
	if w.Code != http.StatusOK {
		t.Errorf("event_callback: status = %d", w.Code)
	}
}

func submissionPayload() *slack.InteractionCallback {
	return &slack.InteractionCallback{
		Type:      slack.InteractionTypeViewSubmission,
		TriggerID: "trigger-submit",
		View: slack.View{
			ID: "V0FORM", Hash: "h1", Type: slack.VTModal, CallbackID: "objective_new", PrivateMetadata: "team=42",
			Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewInputBlock("title", &slack.TextBlockObject{Type: "plain_text", Text: "Objective"}, nil,
					slack.NewPlainTextInputBlockElement(nil, "value")),
			}},
			State: modalState("Delight customers", "2026-Q2", "U0BOB"),
		},
	}
}

func TestViewSubmission(t *testing.T) {
	for _, tc := range []struct {
		name     string
		submit   func(bot.Submission) bot.SubmitResult
		wantBody string // the ack
		wantDM   string
	}{
		{
			name: "errors stay in the form",
			submit: func(bot.Submission) bot.SubmitResult {
				return bot.SubmitResult{Errors: map[string]string{"title": "Make it shorter"}}
			},
			wantBody: `{"response_action":"errors","errors":{"title":"Make it shorter"}}`,
		},
		{
			name: "success closes the form and sends the message",
			submit: func(bot.Submission) bot.SubmitResult {
				return bot.SubmitResult{Message: &bot.Message{Summary: bot.T("Objective created")}}
			},
			wantDM: "Objective created",
		},
		{
			name:     "a panic keeps the form open",
			submit:   func(bot.Submission) bot.SubmitResult { panic("boom") },
			wantBody: `{"response_action":"errors","errors":{"title":"Something went wrong on our side. Please try again."}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			e.h.submit = tc.submit
			w := e.serve(e.interaction(submissionPayload()))

			if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != tc.wantBody {
				t.Errorf("ack = %d %s, want %s", w.Code, w.Body, tc.wantBody)
			}
			e.h.mu.Lock()
			sub := e.h.submits[0]
			e.h.mu.Unlock()
			wantSub := bot.Submission{CallbackID: "objective_new", State: "team=42",
				Values: map[string]string{"title": "Delight customers", "period": "2026-Q2", "owner": "U0BOB"}}
			if !reflect.DeepEqual(sub, wantSub) {
				t.Errorf("submission = %+v\nwant %+v", sub, wantSub)
			}
			if tc.wantDM == "" {
				return
			}
			post := e.fake.WaitCalls("chat.postMessage", 1)[0]
			if post.Params.Get("channel") != e.fake.DMChannel(alice) || post.Text() != tc.wantDM {
				t.Errorf("DM = %s %q", post.Params.Get("channel"), post.Text())
			}
			// The DM opened for the answer is handed to the handler to
			// keep, once the work after the ack is done.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := e.a.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			want := []bot.Address{{Workspace: e.ws(), Kind: bot.DirectChat, ID: alice, Ref: e.fake.DMChannel(alice)}}
			if got := e.h.remembered(); !reflect.DeepEqual(got, want) {
				t.Errorf("remembered %+v, want %+v", got, want)
			}
		})
	}
}

func TestBlockActionInAModalUpdatesThatModal(t *testing.T) {
	e := setup(t)
	e.h.act = func(act bot.Action) bot.Reply {
		f := testForm
		f.Fields = append(f.Fields, bot.Field{ID: "kr1", Label: "Key result 1", Kind: bot.TextInput})
		return bot.Reply{Form: &f}
	}
	cb := submissionPayload()
	cb.Type = slack.InteractionTypeBlockActions
	cb.Container = slack.Container{Type: "view", ViewID: "V0FORM"}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: "kr_add", BlockID: "add", Type: "button", Value: "1"}}

	if w := e.serve(e.interaction(cb)); w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("ack = %d %q, want an empty 200", w.Code, w.Body)
	}

	update := e.fake.WaitCalls("views.update", 1)[0]
	if update.Params.Get("view_id") != "V0FORM" || update.Params.Get("hash") != "h1" {
		t.Errorf("views.update view_id, hash = %q, %q", update.Params.Get("view_id"), update.Params.Get("hash"))
	}
	if n := len(update.View.Blocks.BlockSet); n != len(testForm.Fields)+1 {
		t.Errorf("updated view has %d blocks", n)
	}
	e.h.mu.Lock()
	act := e.h.acts[0]
	e.h.mu.Unlock()
	if act.ID != "kr_add" || act.Value != "1" || act.Form == nil || act.Form.Values["title"] != "Delight customers" ||
		act.Form.CallbackID != "objective_new" || act.Form.State != "team=42" {
		t.Errorf("action = %+v, form %+v", act, act.Form)
	}
}

func TestBlockActionInAMessage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  bot.Reply
		method string
	}{
		{"message replies at the response_url", bot.Say("Checked in"), fakeslack.ResponseURLMethod},
		{"form opens a modal", bot.Reply{Form: &testForm}, "views.open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			e.h.act = func(bot.Action) bot.Reply { return tc.reply }
			cb := &slack.InteractionCallback{
				Type: slack.InteractionTypeBlockActions, TriggerID: "trigger-click",
				ResponseURL: e.fake.ResponseURL("click"), Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0GENERAL"}}},
				Container: slack.Container{Type: "message", MessageTs: "1700000000.000001"},
				ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
					// The second of two buttons sharing an action_id in one block.
					{ActionID: "confidence~2", BlockID: "b1", Type: "button", Value: "at_risk"},
				}},
			}
			e.serve(e.interaction(cb))

			e.fake.WaitCalls(tc.method, 1)
			e.h.mu.Lock()
			act := e.h.acts[0]
			e.h.mu.Unlock()
			if act.ID != "confidence" || act.Value != "at_risk" || act.Form != nil {
				t.Errorf("action = %+v", act)
			}
			if req := e.h.lastRequest(t); req.Address != e.channel("C0GENERAL") {
				t.Errorf("address = %+v", req.Address)
			}
		})
	}
}

func TestAHandlerPanicTellsThePerson(t *testing.T) {
	e := setup(t)
	e.h.command = func(bot.Request) bot.Reply { panic("nil map") }
	e.serve(e.slashCommand("list", ""))

	c := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	if !strings.HasPrefix(c.Text(), "Something went wrong") {
		t.Errorf("reply = %q", c.Text())
	}
	if logs := e.logs.String(); !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, "nil map") {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

func TestSlowUsersInfoDoesNotHoldTheRequest(t *testing.T) {
	e := setup(t)
	slackbot.SetUserWait(e.a, time.Millisecond)
	release := e.fake.Hold("users.info")
	defer release()
	e.h.command = func(bot.Request) bot.Reply { return bot.Say("ok") }

	e.serve(e.slashCommand("list", ""))
	e.h.waitCalled(t, 1)
	release()

	// The handler ran on the payload alone, before users.info answered.
	if u := e.h.lastRequest(t).User; u != (bot.User{ID: alice, Name: "alice"}) {
		t.Errorf("user = %+v", u)
	}
}

func TestUsersInfoFailureFallsBackToThePayload(t *testing.T) {
	e := setup(t)
	e.fake.FailUser(alice, fakeslack.HTTPError(http.StatusServiceUnavailable))
	e.serve(e.slashCommand("list", ""))
	e.h.waitCalled(t, 1)
	if u := e.h.lastRequest(t).User; u != (bot.User{ID: alice, Name: "alice"}) {
		t.Errorf("user = %+v", u)
	}
}
