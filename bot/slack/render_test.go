package slack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

// post sends a message through the adapter and returns the call Slack
// received; the fake refuses anything over Block Kit's limits, so a
// successful post is also a check that Slack would take it.
func post(t *testing.T, e *env, msg bot.Message) fakeslack.Call {
	t.Helper()
	if _, err := e.a.Send(context.Background(), e.channel("C0GENERAL"), msg); err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls("chat.postMessage")
	return calls[len(calls)-1]
}

func sectionTexts(blocks []slack.Block) []string {
	var out []string
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			out = append(out, s.Text.Text)
		}
	}
	return out
}

func buttons(blocks []slack.Block) [][]*slack.ButtonBlockElement {
	var out [][]*slack.ButtonBlockElement
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			var row []*slack.ButtonBlockElement
			for _, el := range a.Elements.ElementSet {
				row = append(row, el.(*slack.ButtonBlockElement))
			}
			out = append(out, row)
		}
	}
	return out
}

func TestLongSectionsAreSplitAtLineBreaks(t *testing.T) {
	e := setup(t)
	var lines []string
	for i := range 150 {
		lines = append(lines, fmt.Sprintf("• Key result %03d: move activation from 10%% to 40%%", i))
	}
	text := strings.Join(lines, "\n")

	var items []bot.Text
	for _, l := range lines {
		items = append(items, bot.T(l))
	}
	c := post(t, e, bot.Message{Summary: bot.T("Scorecard"), Sections: []bot.Section{{Items: items}}})

	chunks := sectionTexts(c.Blocks)
	if len(chunks) < 3 {
		t.Fatalf("%d sections for %d characters", len(chunks), len(text))
	}
	for i, ch := range chunks {
		if n := utf8.RuneCountInString(ch); n > 3000 {
			t.Errorf("section %d has %d characters", i, n)
		}
		if !strings.HasPrefix(ch, "• Key result") {
			t.Errorf("section %d does not start at a line: %.30q", i, ch)
		}
	}
	if got := strings.Join(chunks, "\n"); got != text {
		t.Error("the split sections do not add up to the original text")
	}
	if c.Text() != "Scorecard" {
		t.Errorf("notification text = %q", c.Text())
	}
}

func TestMessagesStayWithinSlackLimits(t *testing.T) {
	many := func(n int, f func(i int) bot.Section) []bot.Section {
		var out []bot.Section
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		msg   bot.Message
		check func(t *testing.T, c fakeslack.Call)
	}{
		{
			name: "more than 50 blocks end with a note",
			msg:  bot.Message{Summary: bot.T("All objectives"), Sections: many(60, func(i int) bot.Section { return bot.Section{Text: bot.T("Objective ", i)} })},
			check: func(t *testing.T, c fakeslack.Call) {
				if len(c.Blocks) != 50 {
					t.Fatalf("%d blocks", len(c.Blocks))
				}
				last, ok := c.Blocks[49].(*slack.ContextBlock)
				if !ok || !strings.Contains(last.ContextElements.Elements[0].(*slack.TextBlockObject).Text, "too long") {
					t.Errorf("last block = %#v", c.Blocks[49])
				}
			},
		},
		{
			name: "30 buttons take two actions blocks",
			msg: bot.Message{Summary: bot.T("Pick"), Sections: []bot.Section{{Text: bot.T("Which one?"), Buttons: func() []bot.Button {
				var bs []bot.Button
				for i := range 30 {
					bs = append(bs, bot.Button{ActionID: fmt.Sprint("pick_", i), Label: fmt.Sprint(i), Value: fmt.Sprint(i)})
				}
				return bs
			}()}}},
			check: func(t *testing.T, c fakeslack.Call) {
				rows := buttons(c.Blocks)
				if len(rows) != 2 || len(rows[0]) != 25 || len(rows[1]) != 5 {
					t.Errorf("button rows = %d", len(rows))
				}
			},
		},
		{
			name: "buttons: long labels cut, shared action ids made unique, confirm and style",
			msg: bot.Message{Summary: bot.T("Check in"), Sections: []bot.Section{{Text: bot.T(bot.Bold("Activation"), " 0.4"), Buttons: []bot.Button{
				{ActionID: "confidence", Label: strings.Repeat("On track ", 12), Value: "on_track", Style: bot.Primary},
				{ActionID: "confidence", Label: "At risk", Value: "at_risk"},
				{ActionID: "kr_delete", Label: "Delete", Value: "17", Style: bot.Danger, Confirm: "Delete <Activation>?"},
			}}}},
			check: func(t *testing.T, c fakeslack.Call) {
				row := buttons(c.Blocks)[0]
				if n := utf8.RuneCountInString(row[0].Text.Text); n != 75 || !strings.HasSuffix(row[0].Text.Text, "…") {
					t.Errorf("label %q has %d characters", row[0].Text.Text, n)
				}
				if row[0].ActionID != "confidence" || row[1].ActionID != "confidence~2" || row[1].Value != "at_risk" {
					t.Errorf("action ids = %q, %q", row[0].ActionID, row[1].ActionID)
				}
				if row[0].Style != slack.StylePrimary || row[2].Style != slack.StyleDanger {
					t.Errorf("styles = %q, %q", row[0].Style, row[2].Style)
				}
				if cf := row[2].Confirm; cf == nil || cf.Text.Text != "Delete &lt;Activation&gt;?" || cf.Confirm.Text != "Delete" || cf.Style != slack.StyleDanger {
					t.Errorf("confirm = %+v", cf)
				}
			},
		},
		{
			name: "context goes under its section",
			msg: bot.Message{Summary: bot.T("KR"), Sections: []bot.Section{{Text: bot.T(bot.Bold("Activation")),
				Context: bot.T("Owner ", bot.Mention("U0ALICE", "alice"), " · due 2026-06-30")}}},
			check: func(t *testing.T, c fakeslack.Call) {
				ctx, ok := c.Blocks[1].(*slack.ContextBlock)
				if !ok || ctx.ContextElements.Elements[0].(*slack.TextBlockObject).Text != "Owner <@U0ALICE> · due 2026-06-30" {
					t.Errorf("blocks = %#v", c.Blocks)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, post(t, setup(t), tc.msg))
		})
	}
}

func TestUserTextStaysEscaped(t *testing.T) {
	e := setup(t)
	title := "<!channel> R&D wins"
	c := post(t, e, bot.Message{Summary: bot.T("New objective: " + title), Sections: []bot.Section{{Text: bot.T(bot.Bold(title))}}})

	raw := c.Params.Get("blocks") + c.Text()
	if strings.Contains(raw, "<!channel>") || !strings.Contains(raw, "&lt;!channel&gt; R&amp;D wins") {
		t.Errorf("posted blocks and text:\n%s", raw)
	}

	// plain_text is not parsed for mentions, so there the text is shown
	// as the person typed it.
	form := bot.Form{CallbackID: "kr_edit", Title: title, Fields: []bot.Field{
		{ID: "title", Label: "Rename " + title, Kind: bot.TextInput, Initial: title},
	}}
	e.h.command = func(bot.Request) bot.Reply { return bot.Reply{Form: &form} }
	e.serve(e.slashCommand("edit", "trigger-1"))
	v := e.fake.WaitCalls("views.open", 1)[0].View
	in := v.Blocks.BlockSet[0].(*slack.InputBlock)
	if v.Title.Text != "<!channel> R&D wins" || in.Label.Text != "Rename <!channel> R&D wins" ||
		in.Element.(*slack.PlainTextInputBlockElement).InitialValue != "<!channel> R&D wins" {
		t.Errorf("title %q, label %q", v.Title.Text, in.Label.Text)
	}
}

func TestFormsStayWithinSlackLimits(t *testing.T) {
	var options []bot.Option
	for i := range 150 {
		options = append(options, bot.Option{Value: fmt.Sprint(i), Label: fmt.Sprintf("%03d %s", i, strings.Repeat("x", 100))})
	}
	e := setup(t)
	form := bot.Form{
		CallbackID: "kpi_record",
		Title:      "Record a KPI value for the whole team",
		SubmitText: "Save this value for everyone now",
		Fields:     []bot.Field{{ID: "kpi", Label: "KPI", Kind: bot.Select, Options: options, Initial: "140"}},
	}
	e.h.command = func(bot.Request) bot.Reply { return bot.Reply{Form: &form} }
	e.serve(e.slashCommand("kpi", "trigger-1"))

	v := e.fake.WaitCalls("views.open", 1)[0].View
	if n := utf8.RuneCountInString(v.Title.Text); n != 24 || !strings.HasSuffix(v.Title.Text, "…") {
		t.Errorf("title %q has %d characters", v.Title.Text, n)
	}
	if n := utf8.RuneCountInString(v.Submit.Text); n != 24 {
		t.Errorf("submit %q has %d characters", v.Submit.Text, n)
	}
	sel := v.Blocks.BlockSet[0].(*slack.InputBlock).Element.(*slack.SelectBlockElement)
	if len(sel.Options) != 100 {
		t.Errorf("%d options", len(sel.Options))
	}
	if n := utf8.RuneCountInString(sel.Options[0].Text.Text); n != 75 {
		t.Errorf("option text has %d characters", n)
	}
}

func TestFormsSlackCannotTakeAreNotSent(t *testing.T) {
	e := setup(t)
	form := bot.Form{CallbackID: "okr_import", Title: "Import", State: strings.Repeat("s", 3001),
		Fallback: bot.Textf("`/okr import <url>`"), Fields: []bot.Field{{ID: "url", Label: "URL"}}}
	e.h.command = func(bot.Request) bot.Reply { return bot.Reply{Form: &form} }
	e.serve(e.slashCommand("import", "trigger-1"))

	reply := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	if !strings.Contains(reply.Text(), "/okr import &lt;url&gt;") {
		t.Errorf("reply = %q", reply.Text())
	}
	if n := len(e.fake.Calls("views.open")); n != 0 {
		t.Errorf("views.open called %d times with state Slack would refuse", n)
	}
}
