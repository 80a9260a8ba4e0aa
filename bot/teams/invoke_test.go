package teams_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/faketeams"
)

func TestInlineFormInPersonalChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr new"), faketeams.Claims{})
	form := e.only(p.ConversationID).Card()
	mustContain(t, "form", form.Text(), "New objective", "Title:", "Owner:", "Period:", "[Add key result]", "[Create]")
	picker := form.Elements("Input.ChoiceSet")[0]
	if data, _ := picker["choices.data"].(map[string]any); data["dataset"] != "graph.microsoft.com/users" {
		t.Errorf("owner is not a people picker: %v", picker)
	}

	// An empty title is refused before the handler sees it.
	ans := e.click(p, ada, form, "Create", map[string]string{"f_title": "  "})
	mustContain(t, "form with errors", ans.Card().Text(), "Title is required.")
	if n := len(e.h.Submissions()); n != 0 {
		t.Fatalf("%d submissions reached the handler", n)
	}
	// The handler's own errors show next to the field, with what was typed.
	ans = e.click(p, ada, form, "Create", map[string]string{"f_title": "taken", "f_owner": bob.AADObjectID})
	again := ans.Card()
	mustContain(t, "form with errors", again.Text(), "An objective with this title exists.")
	if v := again.Elements("Input.Text")[0]["value"]; v != "taken" {
		t.Errorf("title input lost what was typed: %v", v)
	}
	ans = e.click(p, ada, again, "Create", map[string]string{"f_title": "Grow <revenue>"})
	mustContain(t, "result", ans.Card().Text(), `Created **Grow <revenue>** for <at>`, "in 2026-Q1")
	subs := e.h.Submissions()
	last := subs[len(subs)-1]
	if last.CallbackID != "new_objective" || last.State != "period=2026-Q1" || last.Values["title"] != "Grow <revenue>" || last.Values["owner"] != bob.AADObjectID || last.Values["period"] != "2026-Q1" {
		t.Errorf("submission %+v", last)
	}
}

func TestFormButtonReplacesTheForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr new"), faketeams.Claims{})
	ans := e.click(p, ada, e.only(p.ConversationID).Card(), "Add key result", map[string]string{"f_title": "Grow revenue"})
	acts := e.h.Actions()
	if len(acts) != 1 || acts[0].ID != "add_kr" || acts[0].Form == nil || acts[0].Form.Values["title"] != "Grow revenue" || acts[0].Form.CallbackID != "new_objective" {
		t.Fatalf("actions %+v", acts)
	}
	card := ans.Card()
	mustContain(t, "new form", card.Text(), "Key result 1:")
	if v := card.Elements("Input.Text")[0]["value"]; v != "Grow revenue" {
		t.Errorf("title %v, want what was typed", v)
	}
}

func TestFormInChannelOpensAsADialog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr new")
	e.post(act, faketeams.Claims{})
	thread := channelID + ";messageid=" + act.ID
	launcher := e.only(thread).Card()
	mustContain(t, "launcher", launcher.Text(), "<at>Ada Lovelace</at> **New objective**", "[Open]", `okr new "TITLE"`)
	if len(launcher.Elements("Input.Text")) != 0 {
		t.Fatal("the form's inputs are in the channel")
	}
	tp := p.InThread(act.ID)

	// Bob opens it too: each person fills in their own.
	ans := e.click(tp, bob, launcher, "Open", nil)
	dialog := ans.Card()
	mustContain(t, "dialog", dialog.Text(), "Title:", "[Create]")
	ans = e.click(tp, bob, dialog, "Add key result", map[string]string{"f_title": "taken"})
	dialog = ans.Card()
	mustContain(t, "dialog after Add key result", dialog.Text(), "Key result 1:", "[Create]")
	if dialog.Elements("Action.Submit")[0]["type"] != "Action.Submit" || len(dialog.Elements("Action.Execute")) != 0 {
		t.Error("a dialog's buttons must be Action.Submit")
	}
	ans = e.click(tp, bob, dialog, "Create", nil)
	mustContain(t, "dialog with errors", ans.Card().Text(), "Key result 1 is required.")
	ans = e.click(tp, bob, ans.Card(), "Create", map[string]string{"f_kr1": "Sign 10 customers"})
	mustContain(t, "dialog with errors", ans.Card().Text(), "An objective with this title exists.")
	ans = e.click(tp, bob, ans.Card(), "Create", map[string]string{"f_title": "Ship it"})
	if ans.Task != nil || ans.Type != "" {
		t.Fatalf("dialog not closed: %+v", ans)
	}
	mustContain(t, "result in Bob's chat", e.only(e.personalChat(bob)).Card().Text(), "Created **Ship it**")
	if n := len(e.fake.Messages(thread)); n != 1 {
		t.Errorf("%d messages in the thread, want only the launcher", n)
	}
}

func TestButtonThatOpensAFormShowsItInPlace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr list")
	e.post(act, faketeams.Claims{})
	tp := p.InThread(act.ID)
	list := e.only(channelID + ";messageid=" + act.ID).Card()
	ans := e.click(tp, bob, list, "Check in", nil)
	form := ans.Card()
	mustContain(t, "check-in form", form.Text(), "Check in", "New value:")
	if acts := e.h.Actions(); acts[0] != (bot.Action{ID: "checkin", Value: "kr-1"}) {
		t.Errorf("action %+v", acts[0])
	}
	e.click(tp, bob, form, "Submit", map[string]string{"f_value": "7"})
	subs := e.h.Submissions()
	if len(subs) != 1 || subs[0].CallbackID != "checkin" || subs[0].State != "kr-1" || subs[0].Values["value"] != "7" {
		t.Fatalf("submissions %+v", subs)
	}
}

func TestButtonWithAPrivateAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr list")
	e.post(act, faketeams.Claims{})
	thread := channelID + ";messageid=" + act.ID
	ans := e.click(p.InThread(act.ID), bob, e.only(thread).Card(), "Snooze", nil)
	if msg := ans.Message(); !strings.Contains(msg, "sent you the answer") {
		t.Errorf("toast %q", msg)
	}
	mustContain(t, "Bob's chat", e.only(e.personalChat(bob)).Card().Text(), "Snoozed until tomorrow")
	if n := len(e.fake.Messages(thread)); n != 1 {
		t.Errorf("%d messages in the thread, want only the list", n)
	}
}

func TestConfirmedButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Channel(teamID, channelID)
	act := e.fake.Message(p, ada, "okr list")
	e.post(act, faketeams.Claims{})
	thread := channelID + ";messageid=" + act.ID
	list := e.only(thread).Card()
	shows := list.Elements("Action.ShowCard")
	if len(shows) != 1 || shows[0]["title"] != "Close" || shows[0]["style"] != "destructive" {
		t.Fatalf("Close is not a confirmation: %v", shows)
	}
	mustContain(t, "confirmation", faketeams.Card(shows[0]["card"].(map[string]any)).Text(), "Close Grow revenue?", "[Close]")
	ans := e.click(p.InThread(act.ID), ada, list, "Close", nil)
	if ans.Message() != "Closed obj-7" {
		t.Errorf("toast %q", ans.Message())
	}
	if acts := e.h.Actions(); len(acts) != 1 || acts[0] != (bot.Action{ID: "close", Value: "obj-7"}) {
		t.Fatalf("actions %+v", acts)
	}
	// Everyone may see it: it goes into the thread.
	if n := len(e.fake.Messages(thread)); n != 2 {
		t.Errorf("%d messages in the thread, want the list and the answer", n)
	}
}

func TestTamperedCardDataIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	card := e.only(p.ConversationID).Card()
	// Change the value the Check in button sends, keeping its MAC.
	for _, b := range card.Elements("Action.Execute") {
		if b["title"] != "Check in" {
			continue
		}
		signed := b["data"].(map[string]any)["okrbot"].(map[string]any)
		signed["p"] = strings.Replace(signed["p"].(string), "kr-1", "kr-2", 1)
	}
	ans := e.click(p, ada, card, "Check in", nil)
	if !strings.Contains(ans.Message(), "out of date") {
		t.Errorf("answer %+v", ans)
	}
	if n := len(e.h.Actions()); n != 0 {
		t.Fatalf("tampered action reached the handler")
	}
}

func TestSubmittedValuesAreChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr new"), faketeams.Claims{})
	form := e.only(p.ConversationID).Card()
	// A choice that was not offered, as a hand-made client could send.
	ans := e.click(p, ada, form, "Create", map[string]string{"f_title": "x", "f_period": "1999-Q9"})
	mustContain(t, "form", ans.Card().Text(), "Choose one of the options.")
	// A value that is not a string.
	act, err := e.fake.Click(p, ada, form, "Create", map[string]string{"f_title": "x"})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.Unmarshal(act.Value, &v)
	v["action"].(map[string]any)["data"].(map[string]any)["f_title"] = map[string]any{"$ne": 1}
	act.Value, _ = json.Marshal(v)
	mustContain(t, "form", e.invoke(act).Card().Text(), "This value is not valid.")
	if n := len(e.h.Submissions()); n != 0 {
		t.Fatalf("%d bad submissions reached the handler", n)
	}
}

func TestButtonAnswerReplacesTheCardInAPersonalChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	ans := e.click(p, ada, e.only(p.ConversationID).Card(), "Snooze", nil)
	mustContain(t, "updated card", ans.Card().Text(), "Snoozed until tomorrow")
	if n := len(e.fake.Messages(p.ConversationID)); n != 1 {
		t.Errorf("%d messages in the chat, want the card only", n)
	}
}
