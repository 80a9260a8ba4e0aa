package cmd

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// People of the fake tenant.
var (
	teamsAda   = faketeams.User{ID: "29:1ada", AADObjectID: "a0a0a0a0-0000-4000-8000-00000000ada1", Name: "Ada Lovelace", Email: "ada@example.com"}
	teamsBob   = faketeams.User{ID: "29:1bob", AADObjectID: "b0b0b0b0-0000-4000-8000-00000000b0b1", Name: "Bob Smith", Email: "bob@example.com"}
	teamsCarol = faketeams.User{ID: "29:1carol", AADObjectID: "c0c0c0c0-0000-4000-8000-0000000ca201", Name: "Carol Jones", Email: "carol@example.com"}
)

// A team of the fake tenant, with its leadership channel.
const (
	teamsTeam    = "19:team-general@thread.tacv2"
	teamsChannel = "19:leadership@thread.tacv2"
)

// wednesday is when the tests start: Wednesday, Nov 25, 2026, 12:00 UTC.
var wednesday = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func mustHave(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// TestTeamsOKRLifecycle walks objectives through their life in Teams,
// through okrbot serve with only TEAMS_* set: typed commands in a person's
// chat with okrbot, then in a channel, where okrbot sees only messages that
// mention it and answers in the thread of each, since a question asked in
// a channel is public there. Only what is the asker's own, such as an API
// token, goes to their one-to-one chat.
func TestTeamsOKRLifecycle(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_ADMINS"] = teamsAda.AADObjectID // who may create API tokens
			p := start(t, c, env)
			ada, bob := newTeamsUser(t, fake, p.base, teamsAda), newTeamsUser(t, fake, p.base, teamsBob)
			dm := fake.Personal(teamsAda)
			channel := fake.Channel(teamsTeam, teamsChannel)

			// In Ada's chat with okrbot.
			ask := func(text string) string { return ada.ask(dm, dm.ConversationID, text) }
			help := ask("help")
			mustHave(t, "help", help, "okrbot commands", `**okr new "Grow revenue"`, "**okr checkin 42.1 12", "**okr help**")
			if strings.Contains(help, "/okr") {
				t.Errorf("help shows slash commands in Teams:\n%s", help)
			}
			lifecycle(t, 1, ask, ada)

			// In a channel: each answer is in the thread of its question.
			bobAsks := func(text string) string { return bob.askInThread(channel, text) }
			lifecycle(t, 3, bobAsks, bob) // #2 is the key result of #1
			mustHave(t, "@okrbot okr list all in the channel's thread", bobAsks("okr list all"), "Delight customers", "Ship the help center")
			mustHave(t, "okr list @Bob in the thread", ada.askInThread(channel, "okr list <at>Bob Smith</at>", faketeams.WithMention(teamsBob)), "Ship the help center")
			if _, ok := fake.PersonalChat(teamsBob.ID); ok {
				t.Error("Bob's questions in the channel opened a one-to-one chat")
			}

			// An API token is Ada's alone: typed in the channel, it is
			// answered in her chat with okrbot, and the channel sees nothing.
			before := posted(fake, teamsChannel)
			ada.say(channel, `kpi token create "BI export"`)
			mustHave(t, "kpi token create in Ada's chat", ada.next(dm.ConversationID).Card().Text(), "Copy it now", "okrbot_")
			if after := posted(fake, teamsChannel); after != before || strings.Contains(after, "okrbot_") {
				t.Errorf("the token was posted in the channel:\n%s", after)
			}
		})
	}
}

// lifecycle creates objective n, adds a key result, lists, shows, checks
// in, edits and closes it with typed commands, reading each answer.
func lifecycle(t *testing.T, n int, ask func(string) string, u *teamsUser) {
	t.Helper()
	title := map[int]string{1: "Delight customers", 3: "Ship the help center"}[n]
	mustHave(t, "okr new", ask(`okr new "`+title+`" --period 2026-Q4`),
		"Created objective #"+itoa(n)+".", "2026-Q4 · owner <at>"+u.Name+"</at>", "Add key results with **okr kr "+itoa(n))
	mustHave(t, "okr kr", ask("okr kr "+itoa(n)+` "Raise NPS" --start 30 --target 50`),
		"Added key result #"+itoa(n)+".1", "Raise NPS — 30 / 50")
	mustHave(t, "okr list", ask("okr list"), "Your objectives in 2026-Q4", title, "**okr show ID**")
	mustHave(t, "okr show", ask("/okr show "+itoa(n)), title, "Raise NPS — 30 / 50", "no check-in yet")
	mustHave(t, "okr checkin", ask("okr checkin "+itoa(n)+".1 40 at-risk two big wins"),
		"Checked in **#"+itoa(n)+".1** Raise NPS: 30 / 50 → 40 / 50", "at risk")
	mustHave(t, "okr edit", ask("okr edit "+itoa(n)+` --title "`+title+`, for real"`),
		"Updated objective #"+itoa(n)+".", title+", for real", "at risk, “two big wins”")
	mustHave(t, "okr close", ask("okr close "+itoa(n)), "Closed objective #"+itoa(n)+" with a final score of 0.5.")
	mustHave(t, "okr list all", ask("okr list all"), title+", for real", "closed")
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestTeamsFormsFromCards fills in forms the ways Teams shows them: typed
// in a channel, `okr new` posts a card whose Open button opens the form in
// a dialog, where a mistake shows next to its field and a good submission
// closes the dialog and is recorded; in a person's own chat, Check in on an
// objective's card turns the card into the check-in form.
func TestTeamsFormsFromCards(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			p := start(t, c, teamsEnv(fake, dbURL))
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			channel := fake.Channel(teamsTeam, teamsChannel)

			typed := fake.Message(channel, teamsAda, "okr new")
			if code, body := ada.post(typed); code != 200 {
				t.Fatalf("okr new: %d %s", code, body)
			}
			thread := channel.InThread(typed.ID)
			launcher := ada.next(typed.Conversation.ID).Card()
			mustHave(t, "the card in the channel", launcher.Text(), "<at>Ada Lovelace</at> **New objective**", "[Open]")

			open := ada.click(thread, launcher, "Open", nil)
			form := open.Card()
			if open.Task == nil || open.Task.Type != "continue" || form == nil {
				t.Fatalf("Open answered %+v", open)
			}
			mustHave(t, "the dialog", form.Text(), "Objective:", "Period:", "Owner:", "Key result 1:", "Target:", "[Create]")

			inputs := map[string]string{"f_title": "Delight customers", "f_kr1_title": "Raise NPS",
				"f_kr1_start": "30", "f_kr1_target": "fifty"}
			again := ada.click(thread, form, "Create", inputs)
			if again.Task == nil || again.Task.Type != "continue" {
				t.Fatalf("a bad target closed the dialog: %+v", again)
			}
			mustHave(t, "the dialog after a bad target", again.Card().Text(),
				"Key result 1:\nStart:\nTarget:\nTarget: \"fifty\" is not a number (try 1,200, 12.5 or 40%).\nUnit:")
			for _, in := range again.Card().Elements("Input.Text") {
				if want := inputs[in["id"].(string)]; want != "" && in["value"] != want {
					t.Errorf("input %v shows %q again, want %q", in["id"], in["value"], want)
				}
			}
			inputs["f_kr1_target"] = "50"
			done := ada.click(thread, again.Card(), "Create", inputs)
			if done.Task != nil {
				t.Fatalf("the good submission did not close the dialog: %+v", done)
			}
			mustHave(t, "the confirmation in Ada's chat", ada.next(dm.ConversationID).Card().Text(),
				"Created objective #1.", "Raise NPS — 30 / 50")

			// In Ada's own chat the card's button turns the card into the
			// form, and the form into the check-in.
			ada.say(dm, "okr show 1")
			card := ada.next(dm.ConversationID).Card()
			checkin := ada.click(dm, card, "Check in", nil)
			mustHave(t, "the check-in form", checkin.Card().Text(), "#2 Raise NPS:", "Confidence:", "Comment:", "[Check in]")
			checked := ada.click(dm, checkin.Card(), "Check in", map[string]string{"f_kr_2_value": "45", "f_kr_2_comment": "from the card"})
			mustHave(t, "the card after checking in", checked.Card().Text(), "Checked in **#1.1** Raise NPS: 30 / 50 → 45 / 50")

			st := storetest.OpenURL(t, dbURL)
			ws, err := st.Workspace(context.Background(), "teams", faketeams.TenantID)
			if err != nil {
				t.Fatal(err)
			}
			os, err := st.Objectives(context.Background(), ws.ID, store.ObjectiveFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(os) != 1 || os[0].Title != "Delight customers" || os[0].Owner.PlatformID != teamsAda.AADObjectID ||
				len(os[0].KeyResults) != 1 || os[0].KeyResults[0].Target != 50 || os[0].KeyResults[0].Current != 45 {
				t.Fatalf("objectives recorded: %+v", os)
			}
		})
	}
}

// TestTeamsWeeklyPrompt sends the weekly check-in prompt at 09:00 in each
// person's own time zone: the one their Teams client reported, or
// OKRBOT_DEFAULT_TZ while none is known. On Postgres two okrbot processes
// share the database and each prompt still goes once. A prompt to someone
// okrbot has never talked to opens their chat, which is remembered; checking
// in from the prompt's card redraws the prompt.
func TestTeamsWeeklyPrompt(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := func() map[string]string {
				e := teamsEnv(fake, dbURL)
				e["OKRBOT_DEFAULT_TZ"] = "Europe/London"
				return e
			}
			ps := []*process{start(t, c, env())}
			if strings.HasPrefix(dbURL, "postgres") {
				ps = append(ps, start(t, c, env()))
			}
			// Teams' requests reach either process, as behind a load
			// balancer.
			last := ps[len(ps)-1]
			ada, bob := newTeamsUser(t, fake, ps[0].base, teamsAda), newTeamsUser(t, fake, last.base, teamsBob)
			dm := fake.Personal(teamsAda)
			channel := fake.Channel(teamsTeam, teamsChannel)
			tokyo := faketeams.WithTimezone("Asia/Tokyo")
			// okrbot is added to the team of Bob and Carol, and reads its
			// roster: it can name them, and write to them, by their "29:"
			// ids.
			fake.AddMember(teamsTeam, teamsBob)
			fake.AddMember(teamsTeam, teamsCarol)
			addBot(t, ada, channel)

			ada.ask(dm, dm.ConversationID, `okr new "Delight customers" --period 2026-Q4`, tokyo)
			ada.ask(dm, dm.ConversationID, `okr kr 1 "Raise NPS" --start 30 --target 50`, tokyo)
			ada.ask(dm, dm.ConversationID, `okr kr 1 "Cut churn" --start 5 --target 2 --unit % --owner <at>Bob Smith</at>`, tokyo, faketeams.WithMention(teamsBob))
			ada.ask(dm, dm.ConversationID, `okr kr 1 "Launch the help center" --milestone --owner <at>Carol Jones</at>`, tokyo, faketeams.WithMention(teamsCarol))
			round(t, ps...) // every owner gets a prompt time
			// Bob's first words to okrbot, even mistyped, tell it his time
			// zone.
			mustHave(t, "Bob's mistyped command, answered in its thread",
				bob.askInThread(channel, `okr list "mine`, faketeams.WithTimezone("America/New_York")), "⚠️")

			prompts := func(u faketeams.User) []faketeams.Activity {
				var out []faketeams.Activity
				if chat, ok := fake.PersonalChat(u.ID); ok {
					for _, m := range fake.Messages(chat) {
						if strings.Contains(m.Card().Text(), "Time for your check-in") {
							out = append(out, m)
						}
					}
				}
				return out
			}
			expect := func(when string, ada, bob, carol int) {
				t.Helper()
				for u, want := range map[faketeams.User]int{teamsAda: ada, teamsBob: bob, teamsCarol: carol} {
					if got := len(prompts(u)); got != want {
						t.Errorf("%s: %s has %d prompts, want %d", when, u.Name, got, want)
					}
				}
			}
			monday := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo
			for _, step := range []struct {
				at              time.Time
				ada, bob, carol int
			}{
				{monday.Add(-time.Minute), 0, 0, 0},
				{monday, 1, 0, 0},
				{monday.Add(8*time.Hour + 59*time.Minute), 1, 0, 0},
				{monday.Add(9 * time.Hour), 1, 0, 1},  // 09:00 in London, the default
				{monday.Add(14 * time.Hour), 1, 1, 1}, // 09:00 in New York
				{monday.Add(20 * time.Hour), 1, 1, 1},
			} {
				c.Set(step.at)
				round(t, ps...)
				round(t, ps...)
				expect(step.at.Format("Mon 15:04 UTC"), step.ada, step.bob, step.carol)
			}

			// Carol never talked to okrbot, nor installed it: her prompt
			// opened the chat by her "29:" id from the team's roster, and
			// okrbot keeps it for the next time.
			carolChat, _ := fake.PersonalChat(teamsCarol.ID)
			creates := 0
			for _, call := range fake.Calls(faketeams.OpCreate) {
				if strings.Contains(string(call.Body), `"id":"`+teamsCarol.ID+`"`) && call.Status == http.StatusCreated {
					creates++
				}
			}
			st := storetest.OpenURL(t, dbURL)
			ctx := context.Background()
			ws, err := st.Workspace(ctx, "teams", faketeams.TenantID)
			if err != nil {
				t.Fatal(err)
			}
			// People are known by their AAD object ids, with the time zone
			// their Teams client last reported.
			for u, tz := range map[faketeams.User]string{teamsAda: "Asia/Tokyo", teamsBob: "America/New_York", teamsCarol: ""} {
				if got, err := st.UserByPlatformID(ctx, ws.ID, u.AADObjectID); err != nil || got.TZ != tz {
					t.Errorf("%s is stored as %+v (%v), want time zone %q", u.Name, got, err, tz)
				}
				if _, err := st.UserByPlatformID(ctx, ws.ID, u.ID); err == nil {
					t.Errorf("%s is also stored by their Teams id %s", u.Name, u.ID)
				}
			}
			ref, err := st.ConversationRef(ctx, ws.ID, "direct", teamsCarol.AADObjectID)
			if err != nil || !strings.Contains(ref, carolChat) || creates == 0 {
				t.Errorf("Carol's chat %q: created %d times, remembered as %q (%v)", carolChat, creates, ref, err)
			}

			// Ada snoozes hers: in her own chat the answer takes the card's
			// place, in her time zone.
			snoozed := ada.click(dm, prompts(teamsAda)[0].Card(), "Snooze 1 day", nil)
			mustHave(t, "Ada's card after Snooze", snoozed.Card().Text(), "Snoozed. I'll remind you Wednesday, December 2 at 05:00.") // Tokyo

			// Bob checks in from his prompt: the card turns into the form,
			// and once he submits it the prompt is redrawn.
			prompt := prompts(teamsBob)[0]
			bobChat := bob.chat()
			bobDM := faketeams.Place{Kind: "personal", ConversationID: bobChat}
			form := bob.click(bobDM, prompt.Card(), "Check in", nil)
			mustHave(t, "Bob's check-in form", form.Card().Text(), "Cut churn", "[Check in]")
			done := bob.click(bobDM, form.Card(), "Check in", map[string]string{"f_kr_3_value": "4"})
			mustHave(t, "Bob's card after checking in", done.Card().Text(), "Cut churn: 5% / 2% → 4% / 2%")
			await(t, fake, "the prompt redrawn", func() bool {
				for _, call := range fake.Calls(faketeams.OpUpdate) {
					if call.Conversation == bobChat && call.ActivityID == prompt.ID {
						return true
					}
				}
				return false
			})
			for _, m := range fake.Messages(bobChat) {
				if m.ID == prompt.ID {
					mustHave(t, "Bob's prompt", m.Card().Text(), "Checked in ✓", "Cut churn — 4% / 2%")
				}
			}
		})
	}
}

// TestTeamsGradingMessageIsRedrawnWhenGraded shows the grading message in
// Teams: it comes with its buttons five working days before the quarter
// ends, and once its objective is graded, here by command, the card is
// updated in place to the grade, without buttons.
func TestTeamsGradingMessageIsRedrawnWhenGraded(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC))
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			e := teamsEnv(fake, dbURL)
			e["OKRBOT_DEFAULT_TZ"] = "Europe/London"
			p := start(t, c, e)
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			london := faketeams.WithTimezone("Europe/London")
			ada.ask(dm, dm.ConversationID, `okr new "Delight customers" --period 2026-Q4`, london)
			ada.ask(dm, dm.ConversationID, `okr kr 1 "Raise NPS" --start 30 --target 50`, london)
			round(t, p)

			c.Set(time.Date(2026, 12, 25, 9, 0, 0, 0, time.UTC)) // 09:00 in London
			round(t, p)
			var prompt faketeams.Activity
			for _, m := range fake.Messages(dm.ConversationID) {
				if strings.Contains(m.Card().Text(), "Time to grade your objective #1") {
					prompt = m
				}
			}
			if prompt.ID == "" {
				t.Fatal("no grading message in Ada's chat")
			}
			mustHave(t, "the grading message", prompt.Card().Text(), "[Grade]", "[Carry over]", "[Not now]")

			ada.ask(dm, dm.ConversationID, `okr grade 1 --outcome partly --note "Ask customers sooner."`, london)
			round(t, p)
			await(t, fake, "the grading message redrawn", func() bool {
				for _, call := range fake.Calls(faketeams.OpUpdate) {
					if call.Conversation == dm.ConversationID && call.ActivityID == prompt.ID {
						return true
					}
				}
				return false
			})
			for _, m := range fake.Messages(dm.ConversationID) {
				if m.ID == prompt.ID {
					text := m.Card().Text()
					mustHave(t, "the redrawn grading message", text, "Graded ✓ 0.0 · partly achieved", "Delight customers", "Ask customers sooner.")
					if strings.Contains(text, "[") {
						t.Errorf("the redrawn grading message still has buttons:\n%s", text)
					}
				}
			}
		})
	}
}

// TestTeamsKPIAlertsAndDigestInAChannel names a channel for KPI alerts and
// the weekly digest by typing the commands in it: only an admin (named in
// OKRBOT_ADMINS by AAD object id) may, and the answers are in the thread
// of each command. A KPI
// that gets worse posts an alert there, and the digest comes at 09:00 on
// Monday in the time zone of the admin who set it up.
func TestTeamsKPIAlertsAndDigestInAChannel(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_ADMINS"] = strings.ToUpper(teamsAda.AADObjectID)
			p := start(t, c, env)
			ada, bob := newTeamsUser(t, fake, p.base, teamsAda), newTeamsUser(t, fake, p.base, teamsBob)
			channel := fake.Channel(teamsTeam, teamsChannel)
			berlin := faketeams.WithTimezone("Europe/Berlin")
			adaSays := func(text string) string { return ada.askInThread(channel, text, berlin) }

			mustHave(t, "Bob's kpi alerts here", bob.askInThread(channel, "kpi alerts here"), "Only an okrbot admin can choose where KPI alerts go.")
			mustHave(t, "Bob's kpi digest here", bob.askInThread(channel, "kpi digest here weekly monday 09:00"), "Only an okrbot admin can change digests.")
			mustHave(t, "kpi alerts here", adaSays("kpi alerts here"), "Alerts for KPIs without a team's own channel now go to")
			mustHave(t, "kpi digest here", adaSays("kpi digest here weekly monday 09:00"),
				"gets the digest of the whole workspace", "(Europe/Berlin), next on Mon Nov 30, 09:00")
			mustHave(t, "kpi new", adaSays(`kpi new "Churn rate" --unit % --target 2 --lower-is-better`), "Created KPI **Churn rate**")
			mustHave(t, "kpi set", adaSays(`kpi set "Churn rate" 1.9`), "on target")
			if got := fake.Messages(teamsChannel); len(got) != 0 {
				t.Fatalf("okrbot posted in the channel, outside the threads of the commands, before any alert:\n%+v", got)
			}
			mustHave(t, "kpi set", adaSays(`kpi set "Churn rate" 2.5 renewals slipping`), "off target")

			// The change woke the scheduler, which posts the alert.
			alert := ada.next(teamsChannel).Card()
			mustHave(t, "the alert", alert.Text(), "🔴 **Churn rate** is off target: 2.5%", "Owner <at>Ada Lovelace</at>", "[Show KPI]")
			if m := mentioned(alert); len(m) != 1 || m[0] != teamsAda.AADObjectID {
				t.Errorf("the alert mentions %v, want Ada by her AAD object id", m)
			}

			c.Set(time.Date(2026, 11, 30, 7, 59, 0, 0, time.UTC)) // 08:59 in Berlin
			round(t, p)
			if n := len(fake.Messages(teamsChannel)); n != 1 {
				t.Errorf("%d messages in the channel before 09:00 in Berlin, want only the alert", n)
			}
			c.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
			round(t, p)
			mustHave(t, "the digest", ada.next(teamsChannel).Card().Text(),
				"**Leadership digest** · Monday, November 30, 2026", "🔴 **Churn rate**  2.5%")
			round(t, p)
			if n := len(fake.Messages(teamsChannel)); n != 2 {
				t.Errorf("%d messages in the channel, want the alert and the digest", n)
			}

			// The channel is remembered from the commands typed in it.
			st := storetest.OpenURL(t, dbURL)
			ws, err := st.Workspace(context.Background(), "teams", faketeams.TenantID)
			if err != nil {
				t.Fatal(err)
			}
			if ref, err := st.ConversationRef(context.Background(), ws.ID, "channel", teamsChannel); err != nil || !strings.Contains(ref, fake.ServiceURL()) {
				t.Errorf("the channel is remembered as %q (%v)", ref, err)
			}
		})
	}
}

// mentioned are the ids of the people a card mentions.
func mentioned(c faketeams.Card) []string {
	var ids []string
	ms, _ := c["msteams"].(map[string]any)
	es, _ := ms["entities"].([]any)
	for _, e := range es {
		m, _ := e.(map[string]any)["mentioned"].(map[string]any)
		id, _ := m["id"].(string)
		ids = append(ids, id)
	}
	return ids
}

// TestSlackAndTeamsInOneProcess serves a Slack workspace and a Teams tenant
// from one okrbot on one database. Each sees only its own objectives and
// KPIs, and each one's prompts and digests go to its own platform.
func TestSlackAndTeamsInOneProcess(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			slackFake := fakeslack.New(t, fakeslack.WithClock(c.Now))
			slackFake.AddUser(fakeslack.User{ID: "U1", Name: "ada", RealName: "Ada Slack", TZ: "Europe/Berlin", IsAdmin: true})
			teamsFake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(teamsFake, dbURL)
			env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["SLACK_API_URL"] = "xoxb-e2e", slackSigningSecret, slackFake.APIURL()
			env["OKRBOT_ADMINS"] = teamsAda.AADObjectID
			p := start(t, c, env)

			slash := slashCommands(t, slackFake, p.base+"/slack/events", c.Now)
			slackSays := func(command, text string) string { return blocksText(slash(command, text)) }
			ada := newTeamsUser(t, teamsFake, p.base, teamsAda)
			dm := teamsFake.Personal(teamsAda)
			channel := teamsFake.Channel(teamsTeam, teamsChannel)
			berlin := faketeams.WithTimezone("Europe/Berlin")
			teamsSays := func(text string) string { return ada.ask(dm, dm.ConversationID, text, berlin) }

			mustHave(t, "Slack okr new", slackSays("/okr", `new "Slack goal" --period 2026-Q4`), "Created objective #1")
			slackSays("/okr", `kr 1 "Slack result" --target 10`)
			mustHave(t, "Teams okr new", teamsSays(`okr new "Teams goal" --period 2026-Q4`), "Created objective #1")
			teamsSays(`okr kr 1 "Teams result" --target 10`)
			slackSays("/kpi", `new "Slack churn" --target 2 --lower-is-better`)
			teamsSays(`kpi new "Teams churn" --target 2 --lower-is-better`)
			slackSays("/kpi", `set "Slack churn" 1.5`)
			teamsSays(`kpi set "Teams churn" 1.5`)
			mustHave(t, "Slack digest", slackSays("/kpi", "digest <#CLEAD|leadership> weekly monday 09:00"), "gets the digest")
			mustHave(t, "Teams digest", ada.askInThread(channel, "kpi digest here weekly monday 09:00", berlin), "gets the digest")

			slackList, teamsList := slackSays("/okr", "list all"), teamsSays("okr list all")
			mustHave(t, "Slack's list", slackList, "Slack goal")
			mustHave(t, "Teams' list", teamsList, "Teams goal")
			if strings.Contains(slackList, "Teams goal") || strings.Contains(teamsList, "Slack goal") {
				t.Errorf("a platform shows the other's objectives:\nSlack: %s\nTeams: %s", slackList, teamsList)
			}
			if got := slackSays("/okr", "show 1"); !strings.Contains(got, "Slack result") || strings.Contains(got, "Teams") {
				t.Errorf("Slack's /okr show 1: %s", got)
			}
			if got := slackSays("/kpi", "list"); !strings.Contains(got, "Slack churn") || strings.Contains(got, "Teams churn") {
				t.Errorf("Slack's /kpi list: %s", got)
			}
			if got := teamsSays("kpi list"); !strings.Contains(got, "Teams churn") || strings.Contains(got, "Slack churn") {
				t.Errorf("Teams' kpi list: %s", got)
			}

			// Monday, 09:00 in Berlin: both prompts and both digests, each
			// on its own platform.
			round(t, p)
			c.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
			round(t, p)
			var slackPrompt, slackDigest string
			for _, call := range slackFake.Calls("chat.postMessage") {
				switch call.Params.Get("channel") {
				case slackFake.DMChannel("U1"):
					slackPrompt += blocksText(call)
				case "CLEAD":
					slackDigest += blocksText(call)
				default:
					t.Errorf("Slack got a message for %s: %s", call.Params.Get("channel"), blocksText(call))
				}
			}
			mustHave(t, "the Slack prompt", slackPrompt, "Time for your check-in", "Slack result")
			mustHave(t, "the Slack digest", slackDigest, "Leadership digest", "#1 Slack goal")
			teamsPrompt := ada.next(dm.ConversationID).Card().Text()
			teamsDigest := ada.next(teamsChannel).Card().Text()
			mustHave(t, "the Teams prompt", teamsPrompt, "Time for your check-in", "Teams result")
			mustHave(t, "the Teams digest", teamsDigest, "Leadership digest", "#1 Teams goal")
			for what, got := range map[string]string{"the Slack prompt": slackPrompt, "the Slack digest": slackDigest} {
				if strings.Contains(got, "Teams") {
					t.Errorf("%s shows Teams' data: %s", what, got)
				}
			}
			for what, got := range map[string]string{"the Teams prompt": teamsPrompt, "the Teams digest": teamsDigest} {
				if strings.Contains(got, "Slack") {
					t.Errorf("%s shows Slack's data: %s", what, got)
				}
			}
			for _, op := range []string{faketeams.OpSend, faketeams.OpReply} {
				for _, call := range teamsFake.Calls(op) {
					if call.Conversation != dm.ConversationID && !strings.HasPrefix(call.Conversation, teamsChannel) {
						t.Errorf("Teams got a message for %s", call.Conversation)
					}
				}
			}
		})
	}
}

// TestServeStartsWithEitherPlatformOrBoth starts okrbot serve with only
// TEAMS_* set, only SLACK_* set, and both: each answers on its own endpoint
// (an unsigned request is refused there) and has no endpoint of a platform
// it was not given. Without any, or with a Teams secret Microsoft refuses,
// it does not start and says why.
func TestServeStartsWithEitherPlatformOrBoth(t *testing.T) {
	t.Parallel()
	slackFake := fakeslack.New(t)
	teamsFake := faketeams.New(t)
	dbURL := storetest.MigratedSQLiteURL(t)
	slackEnv := map[string]string{"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": slackFake.APIURL()}
	with := func(sets ...map[string]string) map[string]string {
		env := map[string]string{"OKRBOT_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL, "OKRBOT_LOG_LEVEL": "warn"}
		for _, set := range sets {
			for k, v := range set {
				env[k] = v
			}
		}
		return env
	}
	for _, tc := range []struct {
		name         string
		env          map[string]string
		slack, teams bool
	}{
		{"teams", with(teamsEnv(teamsFake, dbURL)), false, true},
		{"slack", with(slackEnv), true, false},
		{"both", with(slackEnv, teamsEnv(teamsFake, dbURL)), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := serve(t, tc.env)
			if code, body := do(t, must(http.NewRequest("GET", base+"/healthz", nil))); code != 200 {
				t.Fatalf("healthz = %d %s", code, body)
			}
			for _, ep := range []struct {
				path string
				on   bool
			}{{"/slack/events", tc.slack}, {"/api/messages", tc.teams}} {
				want := http.StatusNotFound
				if ep.on {
					want = http.StatusUnauthorized
				}
				if code, _ := do(t, must(http.NewRequest("POST", base+ep.path, strings.NewReader("{}")))); code != want {
					t.Errorf("unsigned POST %s = %d, want %d", ep.path, code, want)
				}
			}
		})
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"neither", with(), "chat platform: none is set up"},
		{"a refused secret", with(teamsEnv(teamsFake, dbURL), map[string]string{"TEAMS_APP_PASSWORD": "wrong"}), "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Main{Args: []string{"serve"}, Getenv: func(k string) string { return tc.env[k] },
				Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
			if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("serve = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
