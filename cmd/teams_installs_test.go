package cmd

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// More people of the fake tenant.
var (
	teamsDan  = faketeams.User{ID: "29:1dan", AADObjectID: "d0d0d0d0-0000-4000-8000-00000000d0d1", Name: "Dan Brown", Email: "dan@example.com"}
	teamsErin = faketeams.User{ID: "29:1erin", AADObjectID: "e0e0e0e0-0000-4000-8000-00000000e0e1", Name: "Erin Gray", Email: "erin@example.com"}
)

// addBot adds okrbot to the team of channel, by u, posting what Teams
// sends, and waits until okrbot has read the team's roster and welcomed
// the channel.
func addBot(t *testing.T, u *teamsUser, channel faketeams.Place) {
	t.Helper()
	for _, act := range u.fake.AddBot(channel, u.User) {
		if code, body := u.post(act); code != http.StatusOK {
			t.Fatalf("%s answered %d: %s", act.Type, code, body)
		}
	}
	mustHave(t, "the welcome in the channel", u.next(channel.ConversationID).Card().Text(), "Hi, I'm okrbot", "kpi digest here")
}

// postAll posts activities as Teams sends them, and wants 200 for each.
func postAll(t *testing.T, u *teamsUser, acts []faketeams.Activity) {
	t.Helper()
	for _, act := range acts {
		if code, body := u.post(act); code != http.StatusOK {
			t.Fatalf("%s answered %d: %s", act.Type, code, body)
		}
	}
}

// promptsTo are the weekly prompts in a person's chat with okrbot.
func promptsTo(fake *faketeams.Server, u faketeams.User) int {
	chat, ok := fake.PersonalChat(u.ID)
	if !ok {
		return 0
	}
	n := 0
	for _, m := range fake.Messages(chat) {
		if strings.Contains(m.Card().Text(), "Time for your check-in") {
			n++
		}
	}
	return n
}

// createsFor counts the one-to-one chats okrbot asked Teams to open with
// a person, by either of their ids, and how many Teams opened.
func createsFor(fake *faketeams.Server, u faketeams.User) (asked, opened int) {
	for _, c := range fake.Calls(faketeams.OpCreate) {
		body := string(c.Body)
		if strings.Contains(body, `"id":"`+u.ID+`"`) || strings.Contains(body, `"id":"`+u.AADObjectID+`"`) {
			asked++
			if c.Status == http.StatusCreated {
				opened++
			}
		}
	}
	return asked, opened
}

// TestTeamsRosterReachesPeopleWhoNeverWrote adds okrbot to a team: it
// welcomes the channel once (Teams sends two activities), reads the team's
// roster page by page into the database, and sends the weekly prompt to a
// member who never wrote to okrbot nor installed it, in a chat opened with
// their "29:" id, after a restart too. A person who joins the team later
// is in the roster at once, and one who leaves is not.
func TestTeamsRosterReachesPeopleWhoNeverWrote(t *testing.T) {
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
			before := start(t, c, env())
			ada := newTeamsUser(t, fake, before.base, teamsAda)
			channel := fake.Channel(teamsTeam, teamsChannel)
			for _, u := range []faketeams.User{teamsAda, teamsBob, teamsCarol} {
				fake.AddMember(teamsTeam, u)
			}
			addBot(t, ada, channel)
			if n := len(fake.Messages(teamsChannel)); n != 1 {
				t.Errorf("%d messages in the channel, want one welcome", n)
			}
			if pages := fake.Calls(faketeams.OpRoster); len(pages) < 2 || !strings.Contains(pages[1].Path, "pagedmembers") {
				t.Errorf("the roster was read in %d pages, want at least 2 of %d members", len(pages), faketeams.RosterPageSize)
			}

			// Ada names Carol in the channel; okrbot knows her from the
			// roster.
			mustHave(t, "okr new", ada.askInThread(channel, `okr new "Ship the help center" --period 2026-Q4`), "Created objective #1")
			mustHave(t, "okr kr", ada.askInThread(channel, `okr kr 1 "Answer tickets in a day" --target 90 --owner <at>Carol Jones</at>`, faketeams.WithMention(teamsCarol)), "Answer tickets in a day", "Carol Jones")
			// (Each person who writes is looked up once per OKRBOT_ROLE_TTL,
			// to tell guests from members; Carol was not.)
			for _, c := range fake.Calls(faketeams.OpMember) {
				if c.ActivityID == teamsCarol.ID || c.ActivityID == teamsCarol.AADObjectID {
					t.Errorf("Carol was looked up (%s): the roster knows her", c.Path)
				}
			}

			// Dan joins the team and Bob leaves it: Teams tells okrbot,
			// which has the roster changed by the time it answers.
			pages := len(fake.Calls(faketeams.OpRoster))
			postAll(t, ada, []faketeams.Activity{fake.MemberAdded(channel, teamsDan, teamsAda), fake.MemberRemoved(channel, teamsBob, teamsAda)})
			if n := len(fake.Calls(faketeams.OpRoster)) - pages; n != 0 {
				t.Errorf("the whole roster was read %d times for one person who joined", n)
			}
			st := storetest.OpenURL(t, dbURL)
			ctx := context.Background()
			ws, err := st.Workspace(ctx, "teams", faketeams.TenantID)
			if err != nil {
				t.Fatal(err)
			}
			roster, _ := st.Roster(ctx, ws.ID, teamsTeam)
			want := map[string]faketeams.User{teamsAda.AADObjectID: teamsAda, teamsCarol.AADObjectID: teamsCarol, teamsDan.AADObjectID: teamsDan}
			if len(roster) != len(want) {
				t.Errorf("the stored roster has %d members, want Ada, Carol and Dan: %+v", len(roster), roster)
			}
			for _, m := range roster {
				u := want[m.PlatformID]
				if m.MemberID != u.ID || m.Name != u.Name || m.Email != u.Email || m.Tenant != faketeams.TenantID {
					t.Errorf("roster member %+v, want %+v", m, u)
				}
			}

			// Restarted, okrbot has seen nothing of the tenant, yet Carol
			// gets her prompt in a chat opened by her "29:" id.
			after := start(t, c, env())
			round(t, after)
			c.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
			round(t, after)
			round(t, after)
			if n := promptsTo(fake, teamsCarol); n != 1 {
				t.Errorf("Carol has %d prompts, want 1", n)
			}
			for _, call := range fake.Calls(faketeams.OpCreate) {
				if strings.Contains(string(call.Body), teamsCarol.AADObjectID) {
					t.Errorf("a chat with Carol was asked for by her Entra object id: %s", call.Body)
				}
			}
			if _, opened := createsFor(fake, teamsCarol); opened != 1 {
				t.Errorf("Carol's chat was opened %d times, want 1", opened)
			}
			if fake.Installed(teamsCarol.ID) {
				t.Error("the app got installed for Carol; it was not to be")
			}
		})
	}
}

// TestTeamsPersonOkrbotCannotReach names as owner, with the people picker,
// someone in no team okrbot is in and without the app. Without
// TEAMS_GRAPH_INSTALL Teams refuses their chat: they are marked
// unreachable, listed for admins in okr remind, not tried again the next
// week, and get their prompts once the app is installed for them. With
// it, okrbot installs itself for them through Graph and the first prompt
// arrives.
func TestTeamsPersonOkrbotCannotReach(t *testing.T) {
	t.Parallel()
	for _, graph := range []bool{false, true} {
		t.Run(map[bool]string{false: "no-graph", true: "graph"}[graph], func(t *testing.T) {
			teamsPersonOkrbotCannotReach(t, graph)
		})
	}
}

func teamsPersonOkrbotCannotReach(t *testing.T, graph bool) {
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_DEFAULT_TZ"] = "Europe/London"
			env["OKRBOT_ADMINS"] = teamsAda.AADObjectID
			if graph {
				env["TEAMS_GRAPH_INSTALL"], env["TEAMS_GRAPH_URL"] = "on", fake.GraphURL()
			}
			p := start(t, c, env)
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			fake.AddUser(teamsErin)
			dm := fake.Personal(teamsAda)
			london := faketeams.WithTimezone("Europe/London")
			ada.ask(dm, dm.ConversationID, "okr new", london)
			form := fake.Messages(dm.ConversationID)[0].Card()
			done := ada.click(dm, form, "Create", map[string]string{"f_title": "Open the Lisbon office",
				"f_owner": teamsErin.AADObjectID, "f_kr1_title": "Sign the lease", "f_kr1_start": "0", "f_kr1_target": "1"})
			mustHave(t, "the created objective", done.Card().Text(), "Created objective #1", "Sign the lease")
			round(t, p)

			monday := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			c.Set(monday)
			round(t, p)
			round(t, p)
			if graph {
				if n := promptsTo(fake, teamsErin); n != 1 || !fake.Installed(teamsErin.ID) {
					t.Fatalf("Erin has %d prompts, installed %v; want 1 after okrbot installed itself", n, fake.Installed(teamsErin.ID))
				}
				installs := fake.Calls(faketeams.OpInstall)
				if len(installs) != 1 || !strings.Contains(string(installs[0].Body), fake.GraphURL()+"/v1.0/appCatalogs/teamsApps/"+faketeams.CatalogAppID) ||
					!strings.Contains(installs[0].Path, teamsErin.AADObjectID) {
					t.Errorf("Graph installs %+v", installs)
				}
				return
			}
			if n := promptsTo(fake, teamsErin); n != 0 {
				t.Fatalf("Erin has %d prompts, want none: Teams refuses her chat", n)
			}
			asked, _ := createsFor(fake, teamsErin)
			if asked == 0 {
				t.Fatal("okrbot never asked for Erin's chat")
			}
			status := ada.ask(dm, dm.ConversationID, "okr remind", london)
			mustHave(t, "okr remind for an admin", status, "1 person cannot get prompts: okrbot is not installed for them")

			// The next week okrbot does not try again.
			c.Set(monday.Add(7 * 24 * time.Hour))
			round(t, p)
			round(t, p)
			if again, _ := createsFor(fake, teamsErin); again != asked {
				t.Errorf("okrbot asked for Erin's chat %d more times the next week, want none", again-asked)
			}

			// An admin installs the app for her: Teams tells okrbot,
			// which welcomes her, and her prompts come again.
			erin := newTeamsUser(t, fake, p.base, teamsErin)
			postAll(t, erin, fake.Install(teamsErin))
			chat, _ := fake.PersonalChat(teamsErin.ID)
			mustHave(t, "Erin's welcome", erin.next(chat).Card().Text(), "Hi, I'm okrbot", "okr help")
			round(t, p)
			c.Set(monday.Add(14 * 24 * time.Hour))
			round(t, p)
			round(t, p)
			if n := promptsTo(fake, teamsErin); n != 1 {
				t.Errorf("Erin has %d prompts after the install, want 1", n)
			}
			if status := ada.ask(dm, dm.ConversationID, "okr remind", london); strings.Contains(status, "cannot get prompts") {
				t.Errorf("okr remind still lists people who cannot get prompts:\n%s", status)
			}
		})
	}
}

// TestTeamsInstallWelcomesOnceAndUninstallStopsPrompts installs okrbot
// for a person: one welcome, however many times Teams says so. Removing
// it stops their prompts at once, with nothing sent; installing it again
// brings them back without a second welcome, unless they had turned their
// prompts off themselves.
func TestTeamsInstallWelcomesOnceAndUninstallStopsPrompts(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_DEFAULT_TZ"] = "Europe/London"
			p := start(t, c, env)
			dan := newTeamsUser(t, fake, p.base, teamsDan)
			london := faketeams.WithTimezone("Europe/London")

			postAll(t, dan, fake.Install(teamsDan))
			chat, _ := fake.PersonalChat(teamsDan.ID)
			welcome := dan.next(chat).Card().Text()
			mustHave(t, "the welcome", welcome, "Hi, I'm okrbot", "objectives and key results", "**okr help**")
			dm := faketeams.Place{Kind: "personal", ConversationID: chat}
			dan.ask(dm, chat, `okr new "Hire two engineers" --period 2026-Q4`, london)
			dan.ask(dm, chat, `okr kr 1 "Offers accepted" --target 2`, london)
			if n := len(fake.Messages(chat)); n != 3 {
				t.Fatalf("%d messages in Dan's chat, want the welcome and two answers", n)
			}
			round(t, p)
			monday := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			c.Set(monday)
			round(t, p)
			round(t, p)
			if n := promptsTo(fake, teamsDan); n != 1 {
				t.Fatalf("Dan has %d prompts, want 1", n)
			}

			// Removed: nothing is sent, now or on the next Monday.
			sends := len(fake.Calls(faketeams.OpSend))
			postAll(t, dan, fake.Uninstall(teamsDan))
			c.Set(monday.Add(7 * 24 * time.Hour))
			round(t, p)
			round(t, p)
			if n := len(fake.Calls(faketeams.OpSend)) - sends; n != 0 {
				t.Errorf("okrbot sent %d messages after its removal, want none", n)
			}
			st := storetest.OpenURL(t, dbURL)
			ctx := context.Background()
			ws, _ := st.Workspace(ctx, "teams", faketeams.TenantID)
			u, _ := st.UserByPlatformID(ctx, ws.ID, teamsDan.AADObjectID)
			if rp, err := st.FindReminderPerson(ctx, ws.ID, u.ID); err != nil || rp.Status != store.ReminderRemoved {
				t.Errorf("Dan's prompts are %q (%v), want %q", rp.Status, err, store.ReminderRemoved)
			}

			// Added again: no second welcome, and the prompts come back.
			postAll(t, dan, fake.Install(teamsDan))
			round(t, p)
			c.Set(monday.Add(14 * 24 * time.Hour))
			round(t, p)
			round(t, p)
			if n := promptsTo(fake, teamsDan); n != 2 {
				t.Errorf("Dan has %d prompts after installing okrbot again, want 2", n)
			}
			welcomes := 0
			for _, m := range fake.Messages(chat) {
				if strings.Contains(m.Card().Text(), "Hi, I'm okrbot") {
					welcomes++
				}
			}
			if welcomes != 1 {
				t.Errorf("Dan got %d welcomes, want 1", welcomes)
			}

			// Prompts he turned off stay off through a reinstall.
			dan.say(dm, "okr remind off", london)
			await(t, fake, "the answer to okr remind off", func() bool {
				return strings.Contains(posted(fake, chat), "No more check-in prompts")
			})
			postAll(t, dan, fake.Uninstall(teamsDan))
			postAll(t, dan, fake.Install(teamsDan))
			if rp, err := st.FindReminderPerson(ctx, ws.ID, u.ID); err != nil || rp.Status != store.ReminderOff {
				t.Errorf("Dan's prompts are %q (%v) after a reinstall, want %q as he chose", rp.Status, err, store.ReminderOff)
			}
		})
	}
}

// TestTeamsTeamRemovalStopsItsDigests removes okrbot from a team whose
// channel gets the weekly digest: nothing is said about it, the digest is
// not posted (Teams refuses, and okrbot gives that week up rather than
// retrying), and once okrbot is added again the next digest arrives,
// without a second welcome.
func TestTeamsTeamRemovalStopsItsDigests(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_ADMINS"] = teamsAda.AADObjectID
			p := start(t, c, env)
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			channel := fake.Channel(teamsTeam, teamsChannel)
			fake.AddMember(teamsTeam, teamsAda)
			addBot(t, ada, channel)
			berlin := faketeams.WithTimezone("Europe/Berlin")
			mustHave(t, "kpi new", ada.askInThread(channel, `kpi new "Churn rate" --unit % --target 2 --lower-is-better`, berlin), "Created KPI")
			mustHave(t, "kpi digest here", ada.askInThread(channel, "kpi digest here weekly monday 09:00", berlin), "gets the digest")
			inChannel := len(fake.Messages(teamsChannel))

			postAll(t, ada, fake.RemoveBot(channel, teamsAda))
			st := storetest.OpenURL(t, dbURL)
			ws, _ := st.Workspace(context.Background(), "teams", faketeams.TenantID)
			if roster, err := st.Roster(context.Background(), ws.ID, teamsTeam); err != nil || len(roster) != 0 {
				t.Errorf("the roster of the team okrbot left is kept: %+v (%v)", roster, err)
			}
			round(t, p)
			monday := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC) // 09:00 in Berlin
			c.Set(monday)
			round(t, p)
			round(t, p)
			if n := len(fake.Messages(teamsChannel)); n != inChannel {
				t.Errorf("%d messages in the channel after okrbot's removal, want still %d", n, inChannel)
			}
			refused := 0
			for _, call := range fake.Calls(faketeams.OpSend) {
				if strings.HasPrefix(call.Conversation, teamsChannel) && call.Status == http.StatusForbidden {
					refused++
				}
			}
			if refused > 1 {
				t.Errorf("okrbot tried the removed team's channel %d times, want at most once", refused)
			}

			postAll(t, ada, fake.AddBot(channel, teamsAda))
			c.Set(monday.Add(7 * 24 * time.Hour))
			round(t, p)
			round(t, p)
			msgs := fake.Messages(teamsChannel)
			if len(msgs) != inChannel+1 {
				t.Fatalf("%d messages in the channel after okrbot came back, want %d", len(msgs), inChannel+1)
			}
			mustHave(t, "the digest", msgs[len(msgs)-1].Card().Text(), "Leadership digest", "1 no data")
		})
	}
}
