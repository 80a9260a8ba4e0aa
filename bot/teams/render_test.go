package teams_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// show sends msg to the leadership channel and returns the card people see.
func (e *env) show(msg bot.Message) (faketeams.Card, faketeams.Call) {
	e.t.Helper()
	if _, err := e.a.Send(context.Background(), e.channel(), msg); err != nil {
		e.t.Fatal(err)
	}
	msgs := e.fake.Messages(channelID)
	calls := e.fake.Calls(faketeams.OpSend)
	return msgs[len(msgs)-1].Card(), calls[len(calls)-1]
}

func TestUserTextShowsLiterally(t *testing.T) {
	cases := []struct{ typed, sent string }{
		{"<!channel> **x** [a](b)", `\<!channel\> \*\*x\*\* \[a\](b)`},
		{"<at>Bob</at> please", `\<at\>Bob\</at\> please`},
		{"_under_ `code` ~~gone~~", "\\_under\\_ \\`code\\` \\~\\~gone\\~\\~"},
		{`back\slash & &amp;`, `back\\slash \& \&amp;`},
		{"# not a heading", `\# not a heading`},
		{"- not a list", `\- not a list`},
		{"1. not a list", `1\. not a list`},
		{"2026) neither", `2026\) neither`},
		{"line one\nline two", "line one\n\nline two"},
		{"a - b #3 1. 2) +", "a - b #3 1. 2) +"},
	}
	for _, tc := range cases {
		t.Run(tc.typed, func(t *testing.T) {
			e := newEnv(t)
			card, _ := e.show(bot.Message{Summary: bot.T(tc.typed)})
			if got := card.Elements("TextBlock")[0]["text"]; got != tc.sent {
				t.Errorf("text %q, want %q", got, tc.sent)
			}
			if len(mentions(card)) != 0 {
				t.Errorf("user text made mentions: %v", mentions(card))
			}
		})
	}
}

func TestStyledText(t *testing.T) {
	e := newEnv(t)
	text := bot.T(
		bot.Bold("Grow ", bot.Italic("revenue")), " ",
		bot.Italic(" spaced "), " ",
		bot.Code("okr list all"), " ",
		bot.Bold(bot.Code("nested")), " ",
		bot.Link("https://example.com/a(b)?q=1", "the [plan]"), " ",
		bot.Link("javascript:alert(1)", "click"), " ",
		bot.Link("https://example.com", ""), " ",
		bot.ChannelRef(channelID, "leadership"), " ",
		bot.Mention(bob.AADObjectID, "Bob <b>Smith</b>*"),
	)
	card, _ := e.show(bot.Message{Summary: text})
	want := `**Grow *revenue***  *spaced*  **okr list all** **nested** ` +
		`[the \[plan\]](https://example.com/a%28b%29?q=1) click (javascript:alert(1)) ` +
		`[https://example.com](https://example.com) #leadership <at>Bob bSmith/b</at>`
	if got := card.Elements("TextBlock")[0]["text"]; got != want {
		t.Errorf("text\n%q\nwant\n%q", got, want)
	}
	m := mentions(card)
	if len(m) != 1 || m[0]["text"] != "<at>Bob bSmith/b</at>" {
		t.Fatalf("mentions %v", m)
	}
	if who := m[0]["mentioned"].(map[string]any); who["id"] != bob.AADObjectID || who["name"] != "Bob bSmith/b" {
		t.Errorf("mentioned %v", who)
	}
}

func TestButtonsAndSections(t *testing.T) {
	e := newEnv(t)
	card, _ := e.show(bot.Message{
		Summary: bot.T("Digest"),
		Sections: []bot.Section{
			{Text: bot.T("Revenue"), Context: bot.T("Owner ", bot.Mention(ada.AADObjectID, ada.Name)), Buttons: []bot.Button{
				{ActionID: "a", Label: "Go", Style: bot.Primary},
				{ActionID: "b", Label: "Stop", Style: bot.Danger},
				{ActionID: "c", Label: "Later"},
			}},
			{Items: []bot.Text{bot.T("one"), bot.T("two")}},
		},
	})
	styles := map[string]any{}
	for _, b := range card.Elements("Action.Execute") {
		styles[b["title"].(string)] = b["style"]
		if b["verb"] == "" {
			t.Errorf("button %v has no verb", b)
		}
	}
	if styles["Go"] != "positive" || styles["Stop"] != "destructive" || styles["Later"] != nil {
		t.Errorf("styles %v", styles)
	}
	containers := card.Elements("Container")
	if len(containers) != 2 || containers[0]["separator"] != true || containers[1]["separator"] != true {
		t.Errorf("sections are not separated containers: %v", containers)
	}
	if card["version"] != "1.5" || card["fallbackText"] != "Digest" {
		t.Errorf("version %v fallback %v", card["version"], card["fallbackText"])
	}
	mustContain(t, "card", card.Text(), "Revenue\nOwner <at>Ada Lovelace</at>\n[Go]\n[Stop]\n[Later]\none\ntwo")
}

func TestLongMessagesAreCutBetweenItems(t *testing.T) {
	e := newEnv(t)
	var items, small []bot.Text
	for i := range 1200 {
		items = append(items, bot.T(fmt.Sprintf("KR %04d ", i), bot.Mention(fmt.Sprintf("aad-%04d", i), fmt.Sprintf("Person %04d", i)), " moved revenue to 42%"))
	}
	for i := range 5 {
		small = append(small, bot.T(fmt.Sprintf("kept %d", i)))
	}
	card, call := e.show(bot.Message{
		Summary: bot.T("All key results"),
		Sections: []bot.Section{
			{Text: bot.T("Company"), Items: items, Buttons: []bot.Button{{ActionID: "more", Label: "Show all"}}},
			{Text: bot.T("Team"), Items: small},
		},
	})
	if n := len(call.Body); n > 28*1024 {
		t.Fatalf("message of %d bytes, over Teams' 28 KB", n)
	}
	text := card.Text()
	more := regexp.MustCompile(`…and (\d+) more`).FindStringSubmatch(text)
	if more == nil {
		t.Fatalf("no \"…and N more\":\n%s", text)
	}
	shown := strings.Count(text, "moved revenue to 42%")
	if n, _ := strconv.Atoi(more[1]); n+shown != 1200 || shown < 50 {
		t.Errorf("%d shown and %s more, want 1200 in all and a good part shown", shown, more[1])
	}
	// Whole items only, in order, with their mentions.
	for i := range shown {
		line := fmt.Sprintf("KR %04d <at>Person %04d</at> moved revenue to 42%%", i, i)
		if !strings.Contains(text, line+"\n") {
			t.Fatalf("item %d not whole: want %q", i, line)
		}
	}
	if len(mentions(card)) != shown {
		t.Errorf("%d mention entities for %d shown items", len(mentions(card)), shown)
	}
	mustContain(t, "card", text, "[Show all]", "Team", "kept 4")
}

func TestMessageTooLongEvenWithoutItems(t *testing.T) {
	e := newEnv(t)
	card, call := e.show(bot.Message{Summary: bot.T("Essay"), Sections: []bot.Section{{Text: bot.T(strings.Repeat("word ", 10000))}}})
	if len(call.Body) > 28*1024 {
		t.Fatalf("%d bytes", len(call.Body))
	}
	mustContain(t, "card", card.Text(), "Essay", "too long to show in Teams")
}

// Commands are named in the core as slash commands; Teams people type them
// as messages, so that is how cards and previews show them.
func TestCommandsShowAsTypedInTeams(t *testing.T) {
	e := newEnv(t)
	summary := bot.Textf("Try `/okr list all`, `/kpi` or %s; not `/okrs`, `#1.1` or `/okr%s`.", bot.Bold(bot.Code("/okr help")), "x")
	card, call := e.show(bot.Message{Summary: summary})
	want := `Try **okr list all**, **kpi** or **okr help**; not **/okrs**, **#1.1** or **/okrx**.`
	if got := card.Elements("TextBlock")[0]["text"]; got != want {
		t.Errorf("text\n%q\nwant\n%q", got, want)
	}
	preview := "Try okr list all, kpi or okr help; not /okrs, #1.1 or /okrx."
	if call.Activity.Summary != preview || card["fallbackText"] != preview {
		t.Errorf("summary %q, fallback %q; want %q", call.Activity.Summary, card["fallbackText"], preview)
	}
}
