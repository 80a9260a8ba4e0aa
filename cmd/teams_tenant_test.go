package cmd

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestTeamsErrorsAsMicrosoftSendsThem runs okrbot serve against a Bot
// Connector that answers as Microsoft documents: a 412 is retried and the
// answer arrives; a prompt whose message Teams no longer has is redrawn as
// a new message; a person who blocked okrbot ({"errorCode":209} with the
// MessageWritesBlocked sub-code) is not written to again.
func TestTeamsErrorsAsMicrosoftSendsThem(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			p := start(t, c, teamsEnv(fake, dbURL))
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			london := faketeams.WithTimezone("Europe/London")
			ada.ask(dm, dm.ConversationID, `okr new "Delight customers" --period 2026-Q4`, london)

			// Two operations at once on one conversation: Teams answers 412
			// PreconditionFailed, and the answer is sent again.
			fake.FailConversation(dm.ConversationID, faketeams.Fault{Status: 412, Times: 1})
			mustHave(t, "the answer after a 412", ada.ask(dm, dm.ConversationID, `okr kr 1 "Raise NPS" --start 30 --target 50`, london), "Raise NPS — 30 / 50")
			var refused, sent int
			for _, call := range fake.Calls(faketeams.OpSend) {
				if strings.Contains(string(call.Body), "Raise NPS") {
					if call.Status == 412 {
						refused++
					} else {
						sent++
					}
				}
			}
			if refused != 1 || sent != 1 {
				t.Errorf("the answer was refused %d times and sent %d times, want 1 and 1", refused, sent)
			}

			// The weekly prompt, Monday 09:00 in London.
			round(t, p)
			c.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
			round(t, p)
			round(t, p)
			prompt := ada.next(dm.ConversationID)
			mustHave(t, "the prompt", prompt.Card().Text(), "Time for your check-in", "Raise NPS")

			// Ada deletes it, then checks in from the card she still has
			// open: the redraw finds 404 ActivityNotFoundInConversation and
			// posts the prompt anew.
			fake.DeleteMessage(dm.ConversationID, prompt.ID)
			ada.seen[dm.ConversationID]--
			form := ada.click(dm, prompt.Card(), "Check in", nil)
			var input string
			for _, in := range form.Card().Elements("Input.Text") {
				if id, _ := in["id"].(string); strings.HasSuffix(id, "_value") {
					input = id
				}
			}
			ada.click(dm, form.Card(), "Check in", map[string]string{input: "40"})
			redrawn := ada.next(dm.ConversationID)
			mustHave(t, "the prompt posted anew", redrawn.Card().Text(), "Checked in ✓", "Raise NPS")
			if n := len(fake.Messages(dm.ConversationID)); n == 0 || fake.Messages(dm.ConversationID)[n-1].ID == prompt.ID {
				t.Errorf("no new message for the lost prompt")
			}

			// Ada blocks okrbot. Next Monday's prompt gets 403 with the
			// sub-code in a string; the Monday after, okrbot does not try.
			fake.FailConversation(dm.ConversationID, faketeams.Fault{Status: 403, Code: "MessageWritesBlocked"})
			attempts := func() int {
				n := 0
				for _, call := range fake.Calls(faketeams.OpSend) {
					if call.Conversation == dm.ConversationID && call.Status == 403 {
						n++
					}
				}
				return n
			}
			c.Set(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			round(t, p)
			round(t, p)
			blocked := attempts()
			if blocked == 0 {
				t.Fatal("the second prompt was not tried")
			}
			c.Set(time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC))
			round(t, p)
			round(t, p)
			if n := attempts(); n != blocked {
				t.Errorf("okrbot tried %d more times to write to someone who blocked it", n-blocked)
			}
			// She unblocks it and asks why the prompts stopped.
			fake.ClearFaults()
			mustHave(t, "okr remind", ada.ask(dm, dm.ConversationID, "okr remind", london),
				"They were turned off because okrbot could not reach you")
		})
	}
}

// TestTeamsCertificateInGovernmentCloud runs okrbot serve for a GCC High
// tenant with a certificate and no client secret: okrbot check says so,
// the token endpoint gets a signed client assertion for Azure
// Government's scope, and a person's command is answered.
func TestTeamsCertificateInGovernmentCloud(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			// run's okrbot check reads the time as Nov 20, 09:00.
			c := fakeclock.New(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
			fake := faketeams.New(t, faketeams.WithClock(c.Now), faketeams.WithGovernmentCloud())
			env := teamsEnv(fake, dbURL)
			delete(env, "TEAMS_APP_PASSWORD")
			env["TEAMS_APP_CERTIFICATE"] = fake.Certificate(true)
			env["TEAMS_CLOUD"] = "gcchigh"

			out, err := run(t, env, "", "check")
			if err != nil || !strings.Contains(out, "ok       TEAMS_APP_ID: set, with the certificate of TEAMS_APP_CERTIFICATE and TEAMS_TENANT_ID, in the gcchigh cloud (TEAMS_CLOUD)") ||
				!strings.Contains(out, "ok       Teams: Microsoft issued okrbot a token for TEAMS_APP_ID") {
				t.Fatalf("check: %v\n%s", err, out)
			}

			p := start(t, c, env)
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			mustHave(t, "help", ada.ask(dm, dm.ConversationID, "help"), "okrbot commands")
			for _, call := range fake.Calls(faketeams.OpToken) {
				form, _ := url.ParseQuery(string(call.Body))
				if call.Status != 200 || form.Has("client_secret") || form.Get("client_assertion") == "" || form.Get("scope") != faketeams.GovScope {
					t.Errorf("token request %d %s", call.Status, call.Body)
				}
			}

			// A certificate the app registration does not have is refused,
			// and check names the setting.
			env["TEAMS_APP_CERTIFICATE"] = fake.Certificate(false)
			out, err = run(t, env, "", "check")
			if err == nil || !strings.Contains(out, "PROBLEM  Teams: Microsoft refused TEAMS_APP_ID, TEAMS_APP_CERTIFICATE or TEAMS_TENANT_ID") || !strings.Contains(out, "AADSTS700027") {
				t.Errorf("check with an unknown certificate: %v\n%s", err, out)
			}
			env["TEAMS_CLOUD"] = "mooncake"
			if out, err = run(t, env, "", "check"); err == nil || !strings.Contains(out, `TEAMS_CLOUD "mooncake" is not one of public, gcc, gcchigh and dod`) {
				t.Errorf("check with an unknown cloud: %v\n%s", err, out)
			}
		})
	}
}

// TestTeamsTextShowsAsTyped types a title full of what Markdown and Teams
// would read, and finds it in the card okrbot sends exactly as typed: in
// a TextRun, which no Teams client reads as Markdown, with no backslash
// anywhere in what okrbot sent.
func TestTeamsTextShowsAsTyped(t *testing.T) {
	t.Parallel()
	const title = "R&D: 1. **win** <at>x</at> [a](b)"
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			p := start(t, c, teamsEnv(fake, dbURL))
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			ada.ask(dm, dm.ConversationID, `okr new "`+title+`" --period 2026-Q4`)
			ada.ask(dm, dm.ConversationID, `okr kr 1 "Cut *churn* by 1. half" --start 5 --target 2`)
			card := ada.next(func() string { ada.say(dm, "okr show 1"); return dm.ConversationID }()).Card()
			var runs []string
			for _, rtb := range card.Elements("RichTextBlock") {
				var b strings.Builder
				for _, r := range rtb["inlines"].([]any) {
					b.WriteString(r.(map[string]any)["text"].(string))
				}
				runs = append(runs, b.String())
			}
			found := false
			for _, r := range runs {
				found = found || strings.Contains(r, title)
			}
			if !found {
				t.Errorf("the title is not in any text exactly as typed: %q", runs)
			}
			for _, tb := range card.Elements("TextBlock") {
				if text, _ := tb["text"].(string); strings.Contains(text, "R&D") || strings.Contains(text, "churn") {
					t.Errorf("user text in a TextBlock, which Teams reads as Markdown: %q", text)
				}
			}
			for _, id := range mentioned(card) {
				if id != teamsAda.AADObjectID { // the owner
					t.Errorf("the title mentions %q", id)
				}
			}
			for _, call := range fake.Calls(faketeams.OpSend) {
				if strings.Contains(string(call.Body), `\\`) {
					t.Errorf("a backslash in what okrbot sent: %s", call.Body)
				}
			}
		})
	}
}
