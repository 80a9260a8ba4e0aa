package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestTeamsReachesPeopleAnsweredPrivatelyAfterARestart shows that the
// one-to-one chat okrbot opens to answer someone privately from a channel
// is kept in the database: another okrbot on it, as after a restart,
// sends that person's weekly prompt there without them writing first and
// without creating the chat again.
func TestTeamsReachesPeopleAnsweredPrivatelyAfterARestart(t *testing.T) {
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
			bob := newTeamsUser(t, fake, before.base, teamsBob)
			channel := fake.Channel(teamsTeam, teamsChannel)
			london := faketeams.WithTimezone("Europe/London")
			mustHave(t, "Bob's answer in the thread", bob.askInThread(channel, `okr new "Ship the help center" --period 2026-Q4`, london), "Ship the help center")
			mustHave(t, "Bob's key result in the thread", bob.askInThread(channel, `okr kr 1 "Answer tickets in a day" --start 0 --target 90 --unit %`, london), "Answer tickets in a day")
			// A digest preview is Bob's alone: it opens his chat with okrbot.
			bob.say(channel, "kpi digest now", london)
			chat := bob.chat()
			mustHave(t, "Bob's private preview", bob.next(chat).Card().Text(), "Ship the help center")
			creates := len(fake.Calls(faketeams.OpCreate))

			// The restarted okrbot has seen no activity of the tenant.
			after := start(t, c, env())
			round(t, after) // Bob gets his prompt time
			c.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
			round(t, after)
			round(t, after)
			var prompts int
			for _, m := range fake.Messages(chat) {
				if strings.Contains(m.Card().Text(), "Time for your check-in") {
					prompts++
				}
			}
			if prompts != 1 {
				t.Errorf("Bob has %d prompts in his chat with okrbot, want 1", prompts)
			}
			if n := len(fake.Calls(faketeams.OpCreate)) - creates; n != 0 {
				t.Errorf("the restarted okrbot created %d chats, want none", n)
			}
		})
	}
}
