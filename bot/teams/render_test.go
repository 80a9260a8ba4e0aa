package teams_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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

// lines is the text of each RichTextBlock of a card, run by run as sent.
func lines(c faketeams.Card) []string {
	var out []string
	for _, rtb := range c.Elements("RichTextBlock") {
		var b strings.Builder
		for _, r := range rtb["inlines"].([]any) {
			b.WriteString(r.(map[string]any)["text"].(string))
		}
		out = append(out, b.String())
	}
	return out
}

// What a person typed shows exactly as typed, on every client: no
// Markdown reads it (TextRuns are never Markdown), so nothing is escaped
// and no backslash shows on phones.
func TestUserTextShowsLiterally(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typed string
		lines []string
	}{
		{"R&D: 1. **win** <at>x</at> [a](b)", []string{"R&D: 1. **win** <at>x</at> [a](b)"}},
		{"<!channel> **x** [a](b)", []string{"<!channel> **x** [a](b)"}},
		{"_under_ `code` ~~gone~~", []string{"_under_ `code` ~~gone~~"}},
		{`back\slash & &amp;`, []string{`back\slash & &amp;`}},
		{"# not a heading", []string{"# not a heading"}},
		{"- not a list", []string{"- not a list"}},
		{"1. not a list", []string{"1. not a list"}},
		{"2026) neither", []string{"2026) neither"}},
		{"line one\nline two", []string{"line one", "line two"}},
	}
	for _, tc := range cases {
		t.Run(tc.typed, func(t *testing.T) {
			e := newEnv(t)
			card, _ := e.show(bot.Message{Summary: bot.T(tc.typed)})
			if got := lines(card); !slices.Equal(got, tc.lines) {
				t.Errorf("lines %q, want %q", got, tc.lines)
			}
			if tbs := card.Elements("TextBlock"); len(tbs) != 0 {
				t.Errorf("user text in a TextBlock, which Teams reads as Markdown: %v", tbs)
			}
			for _, r := range card.Elements("TextRun") {
				if r["weight"] != nil || r["italic"] != nil || r["selectAction"] != nil {
					t.Errorf("user text styled: %v", r)
				}
			}
			if len(mentions(card)) != 0 {
				t.Errorf("user text made mentions: %v", mentions(card))
			}
		})
	}
}

// Layout is the card's, not spaces: an indented line is a narrow column
// and a line, which Markdown would otherwise show as a code block.
func TestIndentedLinesAreColumns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	card, _ := e.show(bot.Message{Summary: bot.T("Digest"), Sections: []bot.Section{{Items: []bot.Text{
		bot.T("Grow revenue"),
		bot.Textf("    ↳ `%s` %s — at risk", "#1.2", "Cut churn"),
	}}}})
	got := lines(card)
	if len(got) != 3 || got[2] != "↳ #1.2 Cut churn — at risk" {
		t.Fatalf("lines %q", got)
	}
	sets := card.Elements("ColumnSet")
	if len(sets) != 1 {
		t.Fatalf("column sets %v", sets)
	}
	indent := sets[0]["columns"].([]any)[0].(map[string]any)
	if indent["width"] != "16px" || len(indent["items"].([]any)) != 0 {
		t.Errorf("indent column %v", indent)
	}
}

func TestStyledText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	text := bot.T(
		bot.Bold("Grow ", bot.Italic("revenue")), " ",
		bot.Code("okr list all"), " ",
		bot.Link("https://example.com/a(b)?q=1", "the [plan]"), " ",
		bot.Link("javascript:alert(1)", "click"), " ",
		bot.ChannelRef(channelID, "leadership"), " ",
		bot.Mention(bob.AADObjectID, "Bob <b>Smith</b>*"),
		" owns it",
	)
	card, _ := e.show(bot.Message{Summary: text})
	type run struct {
		text, weight, font, url string
		italic                  bool
	}
	var got []run
	for _, r := range card.Elements("TextRun") {
		rn := run{text: r["text"].(string), italic: r["italic"] == true}
		rn.weight, _ = r["weight"].(string)
		rn.font, _ = r["fontType"].(string)
		if a, ok := r["selectAction"].(map[string]any); ok {
			rn.url = a["url"].(string)
		}
		got = append(got, rn)
	}
	want := []run{
		{text: "Grow ", weight: "Bolder"},
		{text: "revenue", weight: "Bolder", italic: true},
		{text: " "},
		{text: "okr list all", weight: "Bolder", font: "Monospace"},
		{text: " "},
		{text: "the [plan]", url: "https://example.com/a(b)?q=1"},
		{text: " "},
		{text: "click (javascript:alert(1))"},
		{text: " "},
		{text: "#leadership"},
		{text: "owns it"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs\n%+v\nwant\n%+v", got, want)
	}
	if line := strings.Split(card.Text(), "\n")[0]; !strings.HasSuffix(line, "#leadership <at>Bob bSmith/b</at> owns it") {
		t.Errorf("the mention is not in line: %q", line)
	}
	m := mentions(card)
	if len(m) != 1 || m[0]["text"] != "<at>Bob bSmith/b</at>" {
		t.Fatalf("mentions %v", m)
	}
	if who := m[0]["mentioned"].(map[string]any); who["id"] != bob.AADObjectID || who["name"] != "Bob bSmith/b" {
		t.Errorf("mentioned %v", who)
	}
	if tbs := card.Elements("TextBlock"); len(tbs) != 1 || tbs[0]["text"] != "<at>Bob bSmith/b</at>" {
		t.Errorf("TextBlocks hold more than the mention: %v", tbs)
	}
}

func TestButtonsAndSections(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	// Each of these items mentions someone, which takes a row of columns
	// (richtext.go): fewer fit than of plain lines.
	if n, _ := strconv.Atoi(more[1]); n+shown != 1200 || shown < 30 {
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
	t.Parallel()
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
	t.Parallel()
	e := newEnv(t)
	summary := bot.Textf("Try `/okr list all`, `/kpi` or %s; not `/okrs`, `#1.1` or `/okr%s`.", bot.Bold(bot.Code("/okr help")), "x")
	card, call := e.show(bot.Message{Summary: summary})
	want := `Try **okr list all**, **kpi** or **okr help**; not **/okrs**, **#1.1** or **/okrx**.`
	if got := strings.TrimSuffix(card.Text(), "\n"); got != want {
		t.Errorf("text\n%q\nwant\n%q", got, want)
	}
	preview := "Try okr list all, kpi or okr help; not /okrs, #1.1 or /okrx."
	if call.Activity.Summary != preview || card["fallbackText"] != preview {
		t.Errorf("summary %q, fallback %q; want %q", call.Activity.Summary, card["fallbackText"], preview)
	}
}
