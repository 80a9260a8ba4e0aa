package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Buttons of a check-in prompt.
const (
	ActionRemindCheckIn = "okr_remind_check_in"
	ActionRemindSnooze  = "okr_remind_snooze"
	ActionRemindNothing = "okr_remind_nothing_changed"
)

// ReminderDefaults are the workspace-wide reminder settings that come from
// the environment.
type ReminderDefaults struct {
	// Schedule applies until an admin sets one; okr.DefaultWeeklyTime when zero.
	Schedule okr.WeeklyTime
	// TZ is used for people whose time zone is unknown; UTC when nil.
	TZ *time.Location
	// Snooze is how long Snooze 1 day puts off the nudge; a day when zero.
	Snooze time.Duration
	// Grading says when owners are asked to grade their objectives;
	// okr.DefaultGrading when zero.
	Grading okr.GradingSchedule
}

func (d ReminderDefaults) withDefaults() ReminderDefaults {
	if d.Schedule.EveryWeeks == 0 {
		d.Schedule = okr.DefaultWeeklyTime
	}
	if d.TZ == nil {
		d.TZ = time.UTC
	}
	if d.Snooze == 0 {
		d.Snooze = 24 * time.Hour
	}
	if d.Grading.WorkingDays == 0 {
		d.Grading = okr.DefaultGrading
	}
	return d
}

// ReminderDefaults returns the settings the Service was configured with,
// defaults filled in.
func (s *Service) ReminderDefaults() ReminderDefaults { return s.remind.withDefaults() }

// ScheduleFor picks the schedule that applies to a person in teams: the
// first of those teams that has its own, else the workspace's (TeamID 0).
func ScheduleFor(schedules []store.ReminderSchedule, teamIDs []uint) (store.ReminderSchedule, bool) {
	for _, id := range teamIDs {
		for _, r := range schedules {
			if r.TeamID == id {
				return r, true
			}
		}
	}
	for _, r := range schedules {
		if r.TeamID == 0 {
			return r, true
		}
	}
	return store.ReminderSchedule{}, false
}

var remindUsage = bot.Textf("Usage: `/okr remind`, `/okr remind set monday 09:00 [--every 2w] [--team NAME]`, `/okr remind off`, `/okr remind on`, `/okr remind pause until 2026-12-28`, `/okr remind resume`, `/okr remind channel #team-okrs [--team NAME]`.")

// /okr remind [set|on|off|pause|resume|channel …]
func (s *Service) remindCommand(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 {
		return s.remindShow(ctx, c, nil)
	}
	rest := words[1:]
	switch strings.ToLower(words[0]) {
	case "set":
		return s.remindSet(ctx, c, rest)
	case "off", "stop":
		if err := s.store.SetReminderStatus(ctx, c.ws.ID, c.user.ID, store.ReminderOff); err != nil {
			return bot.Reply{}, err
		}
		return bot.Say(bot.Textf("🔕 No more check-in prompts for you. `/okr remind on` brings them back.")), nil
	case "on", "start":
		if err := s.store.SetReminderStatus(ctx, c.ws.ID, c.user.ID, store.ReminderOn); err != nil {
			return bot.Reply{}, err
		}
		if err := s.store.PauseReminders(ctx, c.ws.ID, c.user.ID, nil); err != nil {
			return bot.Reply{}, err
		}
		return s.remindShow(ctx, c, bot.T("🔔 Check-in prompts are on for you."))
	case "pause":
		return s.remindPause(ctx, c, rest)
	case "resume", "unpause":
		if err := s.store.PauseReminders(ctx, c.ws.ID, c.user.ID, nil); err != nil {
			return bot.Reply{}, err
		}
		return s.remindShow(ctx, c, bot.T("▶️ Check-in prompts resumed."))
	case "channel":
		return s.remindChannel(ctx, c, rest)
	}
	return bot.Reply{}, refuse("I don't know `/okr remind %s`. %s", words[0], remindUsage)
}

// scheduleOf returns the schedule that applies to a person, with the
// workspace's own created from the defaults on first use, and the team it
// belongs to (nil for the workspace's).
func (s *Service) scheduleOf(ctx context.Context, wsID, userID uint) (store.ReminderSchedule, *store.Team, error) {
	def := s.ReminderDefaults()
	if _, err := s.store.EnsureReminderSchedule(ctx, wsID, 0, store.ReminderScheduleOf(def.Schedule)); err != nil {
		return store.ReminderSchedule{}, nil, err
	}
	all, err := s.store.ReminderSchedules(ctx, wsID)
	if err != nil {
		return store.ReminderSchedule{}, nil, err
	}
	teams, err := s.store.TeamsOfPeople(ctx, wsID, []uint{userID})
	if err != nil {
		return store.ReminderSchedule{}, nil, err
	}
	r, _ := ScheduleFor(all, teams[userID])
	if r.TeamID == 0 {
		return r, nil, nil
	}
	t, err := s.store.TeamByID(ctx, wsID, r.TeamID)
	if err != nil {
		return r, nil, err
	}
	return r, &t, nil
}

// whenText is a moment as a person reads it in their time zone.
func whenText(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday, January 2 at 15:04")
}

func (s *Service) remindShow(ctx context.Context, c *caller, head bot.Text) (bot.Reply, error) {
	def := s.ReminderDefaults()
	r, team, err := s.scheduleOf(ctx, c.ws.ID, c.user.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	loc, unknown := okr.Location(c.user.TZ, def.TZ)
	w := r.Weekly()
	whose := "the workspace's schedule"
	if team != nil {
		whose = fmt.Sprintf("team %s's schedule", team.Name)
	}
	var lines []bot.Text
	if !head.IsEmpty() {
		lines = append(lines, head)
	}
	lines = append(lines, bot.Textf("⏰ %s: %s; %s.", bot.Bold("Check-in prompts"), w.At(fmt.Sprintf("in your time zone (%s)", loc)), whose))
	if unknown {
		lines = append(lines, bot.Textf("⚠️ Your time zone %q is unknown to okrbot, so the workspace default (%s) is used.", c.user.TZ, def.TZ))
	}
	person, err := s.store.FindReminderPerson(ctx, c.ws.ID, c.user.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	now := s.now()
	switch person.Status {
	case store.ReminderOff:
		lines = append(lines, bot.Textf("🔕 You turned them off; `/okr remind on` brings them back."))
	case store.ReminderGone:
		lines = append(lines, bot.Textf("🔕 They were turned off because okrbot could not reach you; `/okr remind on` brings them back."))
	case store.ReminderUnreachable:
		lines = append(lines, bot.T("🔕 okrbot cannot send you prompts: it is not installed for you. Add okrbot in your chat app, or ask an admin to install it for you."))
	case store.ReminderRemoved:
		lines = append(lines, bot.T("🔕 You removed okrbot, so it sends you no prompts; adding it again brings them back."))
	default:
		next := w.Next(now, loc)
		if person.NextAt != nil && person.ScheduleID == r.ID && person.TZ == c.user.TZ && person.NextAt.After(now) {
			next = *person.NextAt
		}
		if person.PausedUntil != nil && person.PausedUntil.After(now) {
			lines = append(lines, bot.Textf("⏸ Paused until %s (`/okr remind resume` to end it sooner).", person.PausedUntil.In(loc).Format("Monday, January 2, 2006")))
			if next.Before(*person.PausedUntil) {
				// The first prompt at or after the pause's end: Next is the
				// first occurrence strictly after the instant it is given.
				next = w.Next(person.PausedUntil.Add(-time.Nanosecond), loc)
			}
		}
		krs, err := s.store.CheckInKeyResults(ctx, c.ws.ID, c.user.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		switch {
		case len(krs) == 0:
			lines = append(lines, bot.T("You own no key results of active objectives, so there is nothing to be reminded of yet."))
		case !c.req.Delivers:
			// The scheduler prompts only people it can reach in a chat.
			lines = append(lines, bot.T(capitalize(c.req.PlatformName)+" gets no prompts: they come as direct messages in Slack or Teams."))
		default:
			lines = append(lines, bot.T("Your next prompt: "+whenText(next, loc)+"."))
		}
	}
	if r.Channel != "" {
		lines = append(lines, bot.Textf("Check-ins answering each week's prompts are posted to %s in a weekly thread.", channelText(r.Channel)))
	}
	if c.admin {
		unreachable, err := s.unreachableText(ctx, c)
		if err != nil {
			return bot.Reply{}, err
		}
		if unreachable != nil {
			lines = append(lines, unreachable)
		}
	}
	return bot.Reply{Message: &bot.Message{Summary: bot.T("Check-in reminders"), Sections: []bot.Section{{Items: lines,
		Context: bot.Textf("Admins: `/okr remind set monday 09:00 [--every 2w] [--team NAME]`, `/okr remind channel #team-okrs [--team NAME]` for a weekly thread of the check-ins answering the prompts. Everyone: `/okr remind off`, `/okr remind pause until 2026-12-28`.")}}}}, nil
}

// mayChangeSchedules reports whether the caller may change reminder
// schedules. Teams have no owners in okrbot yet, so that is admins only.
func (c *caller) mayChangeSchedules() error {
	return c.adminOnly("Only okrbot admins can change check-in schedules (teams have no owners in okrbot yet). `/okr remind off` or `/okr remind pause until 2026-12-28` change your own prompts.")
}

// scheduleTarget reads --team and returns the schedule to change: the
// team's, or the workspace's, with the team (nil for the workspace).
func (s *Service) scheduleTarget(ctx context.Context, c *caller, a args) (store.ReminderSchedule, *store.Team, error) {
	def := s.ReminderDefaults()
	ws, err := s.store.EnsureReminderSchedule(ctx, c.ws.ID, 0, store.ReminderScheduleOf(def.Schedule))
	if err != nil {
		return ws, nil, err
	}
	name, ok := a.flags["team"]
	if !ok {
		return ws, nil, nil
	}
	t, err := s.store.TeamByName(ctx, c.ws.ID, name)
	if errors.Is(err, okr.ErrNotFound) {
		return ws, nil, refuse("There is no team %q. `/okr list team NAME` shows a team's objectives; teams are made by `/okr new … --team NAME`.", name)
	}
	if err != nil {
		return ws, nil, err
	}
	all, err := s.store.ReminderSchedules(ctx, c.ws.ID)
	if err != nil {
		return ws, nil, err
	}
	if r, found := ScheduleFor(all, []uint{t.ID}); found && r.TeamID == t.ID {
		return r, &t, nil
	}
	// A team without its own schedule starts from the workspace's, with no
	// channel.
	ws.ID, ws.TeamID, ws.Channel = 0, t.ID, ""
	return ws, &t, nil
}

func (s *Service) remindSet(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if err := c.mayChangeSchedules(); err != nil {
		return bot.Reply{}, err
	}
	a, err := parseArgs("/okr remind set", words, []string{"every", "team"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 2 {
		return bot.Reply{}, refuse("Usage: `/okr remind set DAY HH:MM [--every 1w|2w|4w] [--team NAME]`, like `/okr remind set monday 09:00`.")
	}
	var problems []string
	day, ok := okr.ParseWeekday(a.pos[0])
	if !ok {
		problems = append(problems, fmt.Sprintf("%q is not a day of the week; use monday to sunday.", a.pos[0]))
	}
	minute, ok := okr.ParseClock(a.pos[1])
	if !ok {
		problems = append(problems, fmt.Sprintf("%q is not a time of day; use 24-hour HH:MM from 00:00 to 23:59, like 09:00.", a.pos[1]))
	}
	every := 1
	if v, has := a.flags["every"]; has {
		if every, ok = okr.ParseEvery(v); !ok {
			problems = append(problems, fmt.Sprintf("%q is not an interval okrbot offers; use --every 1w, 2w or 4w.", v))
		}
	}
	if len(problems) > 0 {
		return bot.Reply{}, refuse("%s", strings.Join(problems, " "))
	}
	r, team, err := s.scheduleTarget(ctx, c, a)
	if err != nil {
		return bot.Reply{}, err
	}
	w := okr.WeeklyTime{Weekday: day, Minute: minute, EveryWeeks: every}
	row := store.ReminderScheduleOf(w)
	row.WorkspaceID, row.TeamID, row.Channel, row.SetByID = c.ws.ID, r.TeamID, r.Channel, c.user.ID
	if _, err := s.store.SaveReminderSchedule(ctx, row); err != nil {
		return bot.Reply{}, err
	}
	who := "everyone without a team schedule"
	if team != nil {
		who = "team " + team.Name
	}
	return s.remindShow(ctx, c, bot.T(fmt.Sprintf("✅ Check-in prompts for %s: %s.", who, w.At("in each person's own time zone"))))
}

func (s *Service) remindPause(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) > 0 && strings.EqualFold(words[0], "until") {
		words = words[1:]
	}
	if len(words) != 1 {
		return bot.Reply{}, refuse("Usage: `/okr remind pause until 2026-12-28`; prompts start again on that day.")
	}
	loc, _ := okr.Location(c.user.TZ, s.ReminderDefaults().TZ)
	day, err := time.ParseInLocation("2006-01-02", words[0], loc)
	if err != nil {
		return bot.Reply{}, refuse("%q is not a date; write it as YYYY-MM-DD, like 2026-12-28.", words[0])
	}
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if !day.After(today) {
		return bot.Reply{}, refuse("%s is not in the future; give the day prompts should start again, like %s.",
			words[0], today.AddDate(0, 0, 14).Format("2006-01-02"))
	}
	until := day.UTC()
	if err := s.store.PauseReminders(ctx, c.ws.ID, c.user.ID, &until); err != nil {
		return bot.Reply{}, err
	}
	return bot.Say(bot.Textf("⏸ No check-in prompts for you until %s. `/okr remind resume` ends the pause sooner.", day.Format("Monday, January 2, 2006"))), nil
}

func (s *Service) remindChannel(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if err := c.mayChangeSchedules(); err != nil {
		return bot.Reply{}, err
	}
	a, err := parseArgs("/okr remind channel", words, []string{"team"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 {
		return bot.Reply{}, refuse("Usage: `/okr remind channel #team-okrs [--team NAME]`, or `/okr remind channel off [--team NAME]`.")
	}
	channel := ""
	if !strings.EqualFold(a.pos[0], "off") && !strings.EqualFold(a.pos[0], "none") {
		ch, ok := c.channel(a.pos[0])
		if !ok {
			return bot.Reply{}, refuse("%q is not a channel; name one like #team-okrs.", a.pos[0])
		}
		channel = channelID(ch)
	}
	r, team, err := s.scheduleTarget(ctx, c, a)
	if err != nil {
		return bot.Reply{}, err
	}
	if channel == "" && team != nil && r.ID == 0 {
		// Saving would give the team a schedule of its own, frozen at the
		// workspace's day and time.
		return bot.Say(bot.Textf("Team %s has no check-in schedule of its own: it follows the workspace's, so nothing changed. `/okr remind channel off` without --team stops posting the workspace's check-ins.", team.Name)), nil
	}
	r.ID, r.Channel, r.SetByID = 0, channel, c.user.ID
	if _, err := s.store.SaveReminderSchedule(ctx, r); err != nil {
		return bot.Reply{}, err
	}
	who := "the workspace"
	if team != nil {
		who = "team " + team.Name
	}
	if channel == "" {
		return bot.Say(fmt.Sprintf("Check-ins of %s are no longer posted to a channel.", who)), nil
	}
	return bot.Say(bot.Textf("✅ Each week okrbot opens a thread in %s, and the check-ins of %s answering that week's prompts are posted there. Invite okrbot to the channel if it is not there yet.", channelText(channel), who)), nil
}

// snooze puts off the nudge of a prompt.
func (s *Service) snooze(ctx context.Context, c *caller, value string) (bot.Reply, error) {
	id, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("snooze: bad prompt id %q", value)
	}
	until := s.now().Add(s.ReminderDefaults().Snooze)
	moved, err := s.store.Snooze(ctx, c.ws.ID, c.user.ID, uint(id), until)
	if err != nil {
		return bot.Reply{}, err
	}
	if !moved {
		return bot.Say("This prompt was already followed up; check in whenever you are ready."), nil
	}
	loc, _ := okr.Location(c.user.TZ, s.ReminderDefaults().TZ)
	return bot.Say("😴 Snoozed. I'll remind you " + whenText(until, loc) + "."), nil
}

// nothingChanged records a check-in with the same values for each of the
// caller's key results, so the week counts.
func (s *Service) nothingChanged(ctx context.Context, c *caller) (bot.Reply, error) {
	krs, err := s.store.CheckInKeyResults(ctx, c.ws.ID, c.user.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(krs) == 0 {
		return bot.Say("You own no key results of active objectives, so there is nothing to check in on."), nil
	}
	drafts := make([]checkInDraft, len(krs))
	for i, kr := range krs {
		drafts[i] = checkInDraft{kr: kr, value: kr.Current, comment: "Nothing changed."}
	}
	done, _, err := s.recordCheckIns(ctx, c, drafts)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Message: checkInMessage(done, store.Objective{})}, nil
}

// answeredPrompt tells the reminders that a person checked in: their
// newest prompt is marked so it is redrawn. A failure here must not undo the
// check-in, so it is only logged.
func (s *Service) answeredPrompt(ctx context.Context, c *caller) {
	now := s.now()
	marked, err := s.store.MarkCheckedIn(ctx, c.ws.ID, c.user.ID, now, now.Add(-8*24*time.Hour))
	if err != nil {
		s.log.WarnContext(ctx, "mark prompt as answered", "user", c.user.PlatformID, "err", err)
		return
	}
	if marked {
		// The scheduler redraws the prompt without waiting a tick.
		s.wake()
	}
}

// keyResultItems lists key results with value, score and last confidence.
func keyResultItems(krs []store.KeyResult, last map[uint]store.CheckIn) []bot.Text {
	lines := make([]bot.Text, len(krs))
	for i, kr := range krs {
		conf := "no check-in yet"
		if ci, ok := last[kr.ID]; ok {
			conf = ci.Confidence.Label()
		}
		lines[i] = bot.Textf("`#%d` %s — %s · %s · %s", kr.Number, kr.Title, MeasureText(kr), scoreText(kr.Progress()), conf)
	}
	return lines
}

func (s *Service) promptKeyResults(ctx context.Context, d store.ReminderDelivery) ([]store.KeyResult, map[uint]store.CheckIn, error) {
	krs, err := s.store.CheckInKeyResults(ctx, d.WorkspaceID, d.UserID)
	if err != nil || len(krs) == 0 {
		return nil, nil, err
	}
	ids := make([]uint, len(krs))
	for i, kr := range krs {
		ids[i] = kr.ID
	}
	last, err := s.store.LastCheckIns(ctx, d.WorkspaceID, ids)
	return krs, last, err
}

// PromptMessage is the check-in prompt of a delivery, with the person it
// goes to. It is nil when the person owns no key results of active
// objectives any more.
func (s *Service) PromptMessage(ctx context.Context, d store.ReminderDelivery) (*bot.Message, store.User, error) {
	u, err := s.store.UserByID(ctx, d.WorkspaceID, d.UserID)
	if err != nil {
		return nil, u, err
	}
	krs, last, err := s.promptKeyResults(ctx, d)
	if err != nil || len(krs) == 0 {
		return nil, u, err
	}
	id := strconv.FormatUint(uint64(d.ID), 10)
	return &bot.Message{
		Summary: bot.T("Time for your weekly check-in"),
		Sections: []bot.Section{
			{Text: bot.T("👋 Time for your check-in. Where do your key results stand?"), Items: keyResultItems(krs, last)},
			{Buttons: []bot.Button{
				{ActionID: ActionRemindCheckIn, Label: "Check in", Value: id, Style: bot.Primary},
				{ActionID: ActionRemindSnooze, Label: "Snooze 1 day", Value: id},
				{ActionID: ActionRemindNothing, Label: "Nothing changed", Value: id},
			}},
		},
	}, u, nil
}

// CheckedInMessage replaces a prompt once its person has checked in.
func (s *Service) CheckedInMessage(ctx context.Context, d store.ReminderDelivery) (*bot.Message, error) {
	krs, last, err := s.promptKeyResults(ctx, d)
	if err != nil {
		return nil, err
	}
	return &bot.Message{Summary: bot.T("Checked in ✓"), Sections: []bot.Section{{Text: bot.T("Checked in ✓"), Items: keyResultItems(krs, last)}}}, nil
}

// NudgeMessage follows up a prompt that was not answered.
func (s *Service) NudgeMessage() *bot.Message {
	return &bot.Message{Summary: bot.T("A gentle reminder: your check-in is still open. It takes a minute, and your team counts on it."),
		Sections: []bot.Section{
			{Text: bot.T("⏰ A gentle reminder: your check-in is still open. It takes a minute, and your team counts on it.")},
			{Buttons: []bot.Button{{ActionID: ActionRemindCheckIn, Label: "Check in", Style: bot.Primary}}},
		}}
}

// ThreadOpening is the first message of a team's weekly check-in thread.
func (s *Service) ThreadOpening(ctx context.Context, r store.ReminderSchedule, week string) (*bot.Message, error) {
	who := "everyone"
	if r.TeamID != 0 {
		t, err := s.store.TeamByID(ctx, r.WorkspaceID, r.TeamID)
		if err != nil {
			return nil, err
		}
		who = "team " + t.Name
	}
	return &bot.Message{Summary: bot.T(fmt.Sprintf("📋 Check-ins of %s for week %s: those answering this week's prompts are posted in this thread.", who, week))}, nil
}

// ThreadCheckIns reports a person's check-ins in their team's thread.
func (s *Service) ThreadCheckIns(ctx context.Context, u store.User, cs []store.CheckIn) (*bot.Message, error) {
	sec := bot.Section{Text: bot.T(ownerText(&u), " checked in:")}
	ids := make([]uint, len(cs))
	for i, ci := range cs {
		ids[i] = ci.KeyResultID
	}
	krs, err := s.store.KeyResultsByID(ctx, u.WorkspaceID, ids)
	if err != nil {
		return nil, err
	}
	for _, ci := range cs {
		kr, ok := krs[ci.KeyResultID]
		if !ok {
			continue
		}
		line := bot.Textf("• `#%d` %s — %s · %s · %s", kr.Number, kr.Title, measureValue(kr, ci.Value), scoreText(valueProgress(kr, ci.Value)), ci.Confidence.Label())
		if ci.Comment != "" {
			line = append(line, bot.Plain(fmt.Sprintf(" · “%s”", ci.Comment)))
		}
		sec.Items = append(sec.Items, line)
	}
	return &bot.Message{Summary: bot.T(u.Name + " checked in"), Sections: []bot.Section{sec}}, nil
}

func measureValue(kr store.KeyResult, v float64) string {
	kr.Current = v
	return MeasureText(kr)
}

func valueProgress(kr store.KeyResult, v float64) float64 {
	kr.Current = v
	return kr.Progress()
}
