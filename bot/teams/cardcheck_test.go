package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// sampleCards are cards of every kind okrbot sends, using every element
// and property the renderer emits.
func sampleCards() map[string]object {
	c := cards{sign: newSigner("sample password")}
	linked := cards{sign: c.sign, pictures: newPictures("https://okrbot.example.com", "sample password", time.Now, nil, nil)}
	chart := func(n int) bot.Message {
		return bot.Message{Summary: bot.T("KPI Churn rate"), Sections: []bot.Section{
			{Text: bot.T(bot.Bold("Churn rate"), " 3.4%"), Image: &bot.Image{PNG: bytes.Repeat([]byte{0x89}, n), Alt: "Churn rate: 3.4% on Nov 16.", Name: "kpi-1"}},
		}}
	}
	everything := bot.Message{
		Summary: bot.T("Weekly digest for ", bot.Mention("aad-1", "Ada Lovelace")),
		Sections: []bot.Section{
			{
				Text:    bot.T(bot.Bold("Revenue"), " ", bot.Italic("on track"), " ", bot.Code("kpi show Revenue"), " ", bot.Link("https://example.com/r", "report"), " ", bot.ChannelRef("19:x", "sales")),
				Items:   []bot.Text{bot.T("<!channel> **x** [a](b)"), bot.T("- 1. # item")},
				Context: bot.T("Owner ", bot.Mention("aad-2", "Bob")),
				Buttons: []bot.Button{
					{ActionID: "checkin", Label: "Check in", Value: "1", Style: bot.Primary},
					{ActionID: "snooze", Label: "Snooze", Value: "1"},
					{ActionID: "close", Label: "Close", Value: "7", Style: bot.Danger, Confirm: "Close Revenue?"},
					{ActionID: "open", Label: "Open dashboard", URL: "https://okrbot.example.com/"},
				},
			},
			{Items: []bot.Text{bot.T("second section")}},
		},
	}
	userText := bot.Message{
		Summary: bot.T(typedTitle),
		Sections: []bot.Section{{
			Text: bot.T(bot.Bold("OKRs · R&D"), "  0.4"),
			Items: []bot.Text{
				bot.Textf("`#1` %s — %s", typedTitle, bot.Mention("aad-1", "Ada Lovelace")),
				bot.Textf("    ↳ `%s` %s — %s · %s", "#1.2", "Cut **churn**", "3 / 5", "at risk"),
			},
		}},
	}
	var many []bot.Text
	for i := range 2000 {
		many = append(many, bot.T(fmt.Sprintf("item %d of a long list", i)))
	}
	long := bot.Message{Summary: bot.T("Long"), Sections: []bot.Section{{Items: many}}}
	form := bot.Form{
		CallbackID: "new", Title: "New objective", SubmitText: "Create", State: "s", Fallback: bot.T("okr new"),
		Fields: []bot.Field{
			{ID: "note", Kind: bot.Note, Note: bot.T(bot.Bold("Tip:"), " three to five key results")},
			{ID: "title", Label: "Title", Kind: bot.TextInput, Placeholder: "Grow revenue", Hint: "Qualitative and inspiring"},
			{ID: "why", Label: "Why", Kind: bot.LongText, Optional: true},
			{ID: "period", Label: "Period", Kind: bot.Select, Initial: "q1", Options: []bot.Option{{Value: "q1", Label: "Q1"}, {Value: "q2", Label: "Q2"}}},
			{ID: "owner", Label: "Owner", Kind: bot.UserSelect},
			{ID: "add", Label: "Add key result", Kind: bot.ActionButton, ActionID: "add_kr"},
		},
	}
	errs := map[string]string{"title": "Give it a title.", "": "Something went wrong."}
	ctx, ws := context.Background(), bot.Workspace{Platform: Platform, TeamID: "tenant-1"}
	return map[string]object{
		"user_text":    c.message(ctx, ws, userText).card(),
		"message":      c.message(ctx, ws, everything).card(),
		"long":         c.message(ctx, ws, long).card(),
		"too_long":     c.message(ctx, ws, bot.Message{Summary: bot.T("x"), Sections: []bot.Section{{Text: bot.T(strings.Repeat("word ", 10000))}}}).card(),
		"image_inline": c.message(ctx, ws, chart(1000)).card(),
		"image_linked": linked.message(ctx, ws, chart(30000)).card(),
		"image_alt":    c.message(ctx, ws, chart(30000)).card(),
		"form_inline":  c.form(form, inlineForm, map[string]string{"title": "", "period": "q2", "owner": "aad-1"}, errs),
		"form_dialog":  c.form(form, dialogForm, nil, nil),
		"launcher":     c.launcher(form, bot.User{ID: "aad-1", Name: "Ada"}),
		"note":         note("✓ Done"),
		"form_no_text": c.form(bot.Form{CallbackID: "x", Fields: []bot.Field{{ID: "v", Label: "Value", Kind: bot.TextInput}}}, inlineForm, nil, nil),
	}
}

// TestCardsPassMicrosoftsParsers checks every kind of card, and the app
// manifest, with Microsoft's adaptivecards and @microsoft/app-manifest
// packages. It needs node and OKRBOT_TEAMS_NPM, a node_modules holding
// the versions in testdata/cardcheck/package.json (.ci/run installs them).
func TestCardsPassMicrosoftsParsers(t *testing.T) {
	t.Parallel()
	modules := os.Getenv("OKRBOT_TEAMS_NPM")
	if modules == "" {
		t.Skip("OKRBOT_TEAMS_NPM is not set: see testdata/cardcheck")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "cards"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, card := range sampleCards() {
		b, err := json.MarshalIndent(card, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cards", name+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The manifest with the dashboard's tab, which adds the most to it.
	tabbed, err := withTab(manifest, "https://okrbot.example.com")
	if err != nil {
		t.Fatal(err)
	}
	m := bytes.ReplaceAll(tabbed, []byte(placeholderID), []byte("6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00"))
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), m, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("testdata", "cardcheck", "check.cjs"), dir)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Microsoft's parsers refuse okrbot's output (%v):\n%s", err, out)
	}
	t.Logf("%s", out)

	// What people see, as the renderer shows it with markdown-it: the
	// title exactly as typed, no backslash, and the indented key result
	// as a line of its own, not a code block.
	rendered, err := os.ReadFile(filepath.Join(dir, "rendered", "user_text.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := typedTitle + "\n" +
		"OKRs · R&D  0.4\n" +
		"#1 " + typedTitle + " —\n<at>Ada Lovelace</at>\n" +
		"↳ #1.2 Cut **churn** — 3 / 5 · at risk\n"
	if string(rendered) != want {
		t.Errorf("rendered\n%s\nwant\n%s", rendered, want)
	}
	if bytes.ContainsRune(rendered, '\\') {
		t.Errorf("a backslash shows:\n%s", rendered)
	}
}

// typedTitle is a title with everything Markdown or Teams would read in
// it: an ampersand, a list number, emphasis, a mention and a link.
const typedTitle = "R&D: 1. **win** <at>x</at> [a](b)"
