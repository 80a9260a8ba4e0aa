package commands_test

import (
	"context"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot/console"
	"github.com/okrbot/okrbot/bot/slack"
)

// TestEveryCommandRendersOnEveryPlatform runs one line of every command,
// on data whose titles and names hold markup of every platform, and renders
// each reply as the console and the Slack adapter would: both show it, the
// Slack message fits Block Kit, and the user's text pings no one.
func TestEveryCommandRendersOnEveryPlatform(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		const title = "&lt;!channel&gt; *bold* _it_ `code` [a](b) &amp; <@U9>"
		lines := []struct{ command, text string }{
			{"/okr", `new "` + title + `" --team "&lt;!here&gt;"`},
			{"/okr", `kr 1 "` + title + `" --target 10 --unit "&lt;!here&gt;"`},
			{"/okr", `new`},
			{"/okr", `list all`},
			{"/okr", `show 1`},
			{"/okr", `checkin 1.1 5 at-risk ` + title},
			{"/okr", `checkin`},
			{"/okr", `edit 1 --description "` + title + `"`},
			{"/okr", `edit 1`},
			{"/okr", `tree`},
			{"/okr", `period`},
			{"/okr", `remind`},
			{"/okr", `help`},
			{"/okr", `frobnicate`},
			{"/kpi", `new "` + title + `" --target 2 --unit "&lt;!here&gt;" --lower-is-better`},
			{"/kpi", `new`},
			{"/kpi", `set 1 3 ` + title},
			{"/kpi", `list`},
			{"/kpi", `show 1`},
			{"/kpi", `scorecard`},
			{"/kpi", `edit 1 --target 2.5`},
			{"/kpi", `alerts <#CALERTS|alerts>`},
			{"/kpi", `digest <#CLEAD|leads> weekly monday 09:00`},
			{"/kpi", `digest list`},
			{"/kpi", `digest now`},
			{"/kpi", `token create "` + title + `"`},
			{"/kpi", `token list`},
			{"/kpi", `help`},
			{"/kpi", `history 1`},
			{"/okr", `grade 1`},
			{"/okr", `history 1`},
			{"/okr", `review`},
			{"/okr", `close 1`},
			{"/okr", `grade 1 --outcome partly --note "` + title + `"`},
			{"/okr", `carry 1`},
			{"/okr", `review`},
			{"/okr", `history 1`},
			{"/kpi", `archive 1`},
			{"/okr", `archive 1`},
		}
		for _, l := range lines {
			req := request("T1", "UADMIN", l.text)
			req.Command, req.ShowsImages = l.command, true
			r := h.svc.Command(context.Background(), req)
			plain := console.Render(r)
			if strings.TrimSpace(plain) == "" {
				t.Errorf("%s %s: the console shows nothing", l.command, l.text)
			}
			if strings.Contains(plain, "&lt;") || strings.Contains(plain, "<#") {
				t.Errorf("%s %s: the console shows Slack markup:\n%s", l.command, l.text, plain)
			}
			if r.Form != nil {
				if r.Form.Fallback.IsEmpty() {
					t.Errorf("%s %s: a form without a fallback", l.command, l.text)
				}
				continue
			}
			text, blocks, err := slack.RenderMessage(*r.Message)
			if err != nil || len(blocks) == 0 || len(blocks) > 50 {
				t.Errorf("%s %s: Slack message of %d blocks, %v", l.command, l.text, len(blocks), err)
				continue
			}
			all := text
			for _, b := range blocks {
				switch b := b.(type) {
				case *slackapi.SectionBlock:
					all += "\n" + b.Text.Text
				case *slackapi.ContextBlock:
					for _, el := range b.ContextElements.Elements {
						all += "\n" + el.(*slackapi.TextBlockObject).Text
					}
				}
			}
			for _, ping := range []string{"<!channel>", "<!here>", "<@U9>"} {
				if strings.Contains(all, ping) {
					t.Errorf("%s %s: the Slack message pings %s:\n%s", l.command, l.text, ping, all)
				}
			}
		}
		// The console shows what was typed, as it was typed; Slack's own
		// mention of U9 was stored as the person's handle.
		contains(t, console.Render(h.as("UADMIN", "show 1")), "<!channel> *bold* _it_ `code` [a](b) & @U9")
	})
}
