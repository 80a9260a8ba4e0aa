package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestMessagesLinkToTheDashboard: with a public address, the Home tab has
// an Open dashboard button (whose click Slack reports, and which needs no
// answer), /okr show links to the objective's page and the digest to the
// scorecard and the tree. Without one, no message links anywhere.
func TestMessagesLinkToTheDashboard(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := func() time.Time { return midQ4 }
		linked := commands.New(commands.Config{Store: st, Now: clock, PublicURL: "https://okrbot.example.com/"})
		plain := commands.New(commands.Config{Store: st, Now: clock})
		if out := render(linked.Command(ctx, request("T1", "U1", `new "Delight customers"`))); !strings.Contains(out, "Created objective #1") {
			t.Fatal(out)
		}
		home := linked.Home(ctx, request("T1", "U1", ""))
		var button *bot.Button
		for _, s := range home.Sections {
			for i, b := range s.Buttons {
				if b.ActionID == commands.ActionOpenDashboard {
					button = &s.Buttons[i]
				}
			}
		}
		if button == nil || button.URL != "https://okrbot.example.com/" || button.Label != "Open dashboard" {
			t.Errorf("Home tab button: %+v", button)
		}
		if r := linked.Act(ctx, request("T1", "U1", ""), bot.Action{ID: commands.ActionOpenDashboard}); r.Message != nil || r.Form != nil {
			t.Errorf("the button's click answered %s", render(r))
		}
		if out := render(linked.Command(ctx, request("T1", "U1", "show 1"))); !strings.Contains(out, "<https://okrbot.example.com/o/1|Open in the dashboard>") {
			t.Errorf("/okr show:\n%s", out)
		}
		ws, err := st.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		digest, err := linked.Digest(ctx, ws.ID, commands.DigestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if out := renderMessage(*digest); !strings.Contains(out, "<https://okrbot.example.com/scorecard|The scorecard> and <https://okrbot.example.com/tree|the OKR tree>") {
			t.Errorf("digest:\n%s", out)
		}

		for _, out := range []string{renderMessage(*plain.Home(ctx, request("T1", "U1", ""))), render(plain.Command(ctx, request("T1", "U1", "show 1")))} {
			if strings.Contains(out, "dashboard") {
				t.Errorf("a message links to a dashboard without an address:\n%s", out)
			}
		}
	})
}
