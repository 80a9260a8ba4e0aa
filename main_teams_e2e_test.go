package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

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
// mention it and answers in the person's chat, never in the channel.
func TestTeamsOKRLifecycle(t *testing.T) {
	for _, dbURL := range storetest.URLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := &clock{t: wednesday}
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			p := start(t, c, teamsEnv(fake, dbURL))
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

			// In a channel: Bob has no chat with okrbot yet; his answers
			// open one.
			bobAsks := func(text string) string {
				bob.say(channel, text)
				return bob.next(bob.chat()).Card().Text()
			}
			lifecycle(t, 3, bobAsks, bob) // #2 is the key result of #1
			mustHave(t, "okr list @Bob", bobAsks("okr list all"), "Delight customers", "Ship the help center")
			ada.say(channel, "okr list <at>Bob Smith</at>", faketeams.WithMention(teamsBob))
			mustHave(t, "okr list @Bob in Ada's chat", ada.next(dm.ConversationID).Card().Text(), "Ship the help center")
			if got := posted(fake, teamsChannel); got != "" {
				t.Errorf("okrbot wrote in the channel:\n%s", got)
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
	for _, dbURL := range storetest.URLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := &clock{t: wednesday}
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
