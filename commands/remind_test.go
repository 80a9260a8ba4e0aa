package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
)

// midQ4 is Sunday 15 November 2026, 13:00 in Berlin: the next Monday
// prompt is the 16th.

func TestRemindShowsTheScheduleAndTheNextPrompt(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		out := h.say("remind")
		contains(t, out, "Mondays at 09:00", "Europe/Berlin", "the workspace's schedule", "Monday, November 16 at 09:00")

		out = h.must("U2", "remind")
		contains(t, out, "You own no key results")
	})
}

func TestRemindSetRefusesBadInput(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		tests := []struct {
			user, text string
			wants      []string
		}{
			{"UADMIN", "remind set funday 25:00", []string{`"funday" is not a day of the week`, `"25:00" is not a time of day`}},
			{"UADMIN", "remind set monday 9.00", []string{`"9.00" is not a time of day`}},
			{"UADMIN", "remind set monday 09:00 --every 3w", []string{`"3w" is not an interval`, "1w, 2w or 4w"}},
			{"UADMIN", "remind set monday", []string{"Usage: `/okr remind set DAY HH:MM"}},
			{"UADMIN", "remind set monday 09:00 --team Nope", []string{`There is no team "Nope"`}},
			{"UADMIN", "remind sometimes", []string{"I don't know `/okr remind sometimes`"}},
			{"U1", "remind set monday 10:00", []string{"Only okrbot admins can change check-in schedules"}},
			{"U1", "remind channel #team-okrs", []string{"Only okrbot admins"}},
			{"U1", "remind pause until 2026-11-01", []string{"2026-11-01 is not in the future"}},
			{"U1", "remind pause until 2026-11-15", []string{"2026-11-15 is not in the future"}},
			{"U1", "remind pause until tomorrow", []string{`"tomorrow" is not a date`}},
		}
		for _, tt := range tests {
			before := h.snapshot()
			out := render(h.as(tt.user, tt.text))
			if !strings.HasPrefix(out, "⚠️") {
				t.Errorf("%s: not refused:\n%s", tt.text, out)
			}
			contains(t, out, tt.wants...)
			if after := h.snapshot(); after != before {
				t.Errorf("%s changed data", tt.text)
			}
		}
		contains(t, h.say("remind"), "Mondays at 09:00")
	})
}

func TestRemindSetChangesTheScheduleForEveryoneOrATeam(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		out := h.must("UADMIN", "remind set wednesday 14:30 --every 2w")
		contains(t, out, "Check-in prompts for everyone without a team schedule: Wednesdays at 14:30 in each person's own time zone, every 2 weeks.")
		contains(t, h.say("remind"), "Wednesdays at 14:30 in your time zone (Europe/Berlin), every 2 weeks; the workspace's schedule")

		out = h.must("UADMIN", "remind set friday 10:00 --team sales")
		contains(t, out, "team Sales: Fridays at 10:00")
		contains(t, h.say("remind"), "Fridays at 10:00", "team Sales's schedule", "Friday, November 20 at 10:00")
		// U2 has no team: the workspace's schedule still applies.
		h.must("U2", `new "Ship the app"`)
		h.must("U2", `kr 5 "Release 1.0" --milestone`)
		contains(t, h.must("U2", "remind"), "Wednesdays at 14:30")
	})
}

func TestRemindOffOnAndPause(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		contains(t, h.must("U1", "remind off"), "No more check-in prompts for you")
		contains(t, h.say("remind"), "You turned them off")
		contains(t, h.must("U1", "remind on"), "Check-in prompts are on for you", "Monday, November 16 at 09:00")

		contains(t, h.must("U1", "remind pause until 2026-12-28"), "No check-in prompts for you until Monday, December 28, 2026")
		contains(t, h.say("remind"), "Paused until Monday, December 28, 2026", "Your next prompt: Monday, December 28 at 09:00")
		contains(t, h.must("U1", "remind resume"), "Check-in prompts resumed", "Monday, November 16 at 09:00")
	})
}

func TestRemindChannelForTheTeamThread(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		contains(t, h.must("UADMIN", "remind channel <#C42|team-okrs> --team Sales"), "thread in <#C42>", "check-ins of team Sales answering that week's prompts are posted there")
		contains(t, h.say("remind"), "Check-ins answering each week's prompts are posted to <#C42> in a weekly thread", "team Sales's schedule", "Mondays at 09:00")
		contains(t, h.must("UADMIN", "remind channel off --team Sales"), "no longer posted")
		if strings.Contains(h.say("remind"), "posted to") {
			t.Errorf("channel still shown after off")
		}
	})
}

func TestRemindChannelOffForATeamWithoutItsOwnScheduleChangesNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		contains(t, h.must("UADMIN", "remind channel off --team Sales"), "Team Sales has no check-in schedule of its own", "nothing changed")
		// Sales still follows the workspace's schedule when it changes.
		h.must("UADMIN", "remind set wednesday 14:30")
		contains(t, h.say("remind"), "Wednesdays at 14:30", "the workspace's schedule")
	})
}

func TestRemindAfterALongPauseShowsThePromptAfterIt(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		h.must("U1", "remind pause until 2028-06-07")
		contains(t, h.say("remind"), "Paused until Wednesday, June 7, 2028", "Your next prompt: Monday, June 12 at 09:00")
	})
}

func TestRemindWithAnUnknownTimeZoneUsesTheDefault(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.seed()
		req := request("T1", "U1", "remind")
		req.User.TZ = "Mars/Olympus_Mons"
		out := render(h.svc.Command(context.Background(), req))
		contains(t, out, `Your time zone "Mars/Olympus_Mons" is unknown to okrbot, so the workspace default (UTC) is used`,
			"Monday, November 16 at 09:00")
	})
}

func TestHelpListsRemind(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		contains(t, h.say("help"), "/okr remind")
	})
}

func TestRemindInTheConsoleSaysNoPromptsComeThere(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		req := bot.Request{Workspace: bot.Workspace{Platform: bot.ConsolePlatform, TeamID: "console"},
			User: bot.User{ID: "ada", Name: "ada", TZ: "Europe/Berlin"}, Command: "/okr", Capabilities: console.Capabilities}
		for _, text := range []string{`new "Write the manual"`, `kr 1 "Chapters" --target 10`, "remind"} {
			req.Text = text
			out := render(h.svc.Command(context.Background(), req))
			if strings.HasPrefix(out, "⚠️") {
				t.Fatalf("%s: %s", text, out)
			}
			if text == "remind" {
				contains(t, out, "The console gets no prompts")
				lacks(t, out, "Your next prompt")
			}
		}
	})
}
