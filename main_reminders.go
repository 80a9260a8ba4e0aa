package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/reminders"
)

// reminderSettings reads the check-in reminder settings from the
// environment: the defaults commands needs, and the scheduler's timing.
// enabled is false when OKRBOT_REMINDERS is off.
func (m *Main) reminderSettings() (rd commands.ReminderDefaults, cfg reminders.Config, enabled bool, err error) {
	rd.Schedule = commands.DefaultWeekly
	if v := strings.TrimSpace(m.Getenv("OKRBOT_REMINDER_SCHEDULE")); v != "" {
		if rd.Schedule, err = parseWeekly(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_REMINDER_SCHEDULE: %w", err)
		}
	}
	rd.TZ = time.UTC
	if v := strings.TrimSpace(m.Getenv("OKRBOT_DEFAULT_TZ")); v != "" {
		if rd.TZ, err = time.LoadLocation(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_DEFAULT_TZ: unknown time zone %q", v)
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{
		{"OKRBOT_REMINDER_TICK", &cfg.Tick},
		{"OKRBOT_REMINDER_GRACE", &cfg.Grace},
		{"OKRBOT_NUDGE_AFTER", &cfg.NudgeAfter},
	} {
		if v := strings.TrimSpace(m.Getenv(d.name)); v != "" {
			if *d.to, err = time.ParseDuration(v); err != nil || *d.to <= 0 {
				return rd, cfg, false, fmt.Errorf("%s: %q is not a duration like 6h or 30m", d.name, v)
			}
		}
	}
	if v := strings.TrimSpace(m.Getenv("OKRBOT_REMINDER_RATE")); v != "" {
		if cfg.Rate, err = strconv.ParseFloat(v, 64); err != nil || cfg.Rate <= 0 {
			return rd, cfg, false, fmt.Errorf("OKRBOT_REMINDER_RATE: %q is not a number of messages a second", v)
		}
	}
	cfg.Classify = classifySlackError
	cfg.Now = m.Now
	switch strings.ToLower(strings.TrimSpace(m.Getenv("OKRBOT_REMINDERS"))) {
	case "off", "false", "0", "no":
		return rd, cfg, false, nil
	}
	return rd, cfg, true, nil
}

// parseWeekly reads a schedule like "monday 09:00" or "monday 09:00 2w".
func parseWeekly(s string) (commands.Weekly, error) {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 3 {
		return commands.Weekly{}, fmt.Errorf("%q is not a schedule like \"monday 09:00\" or \"monday 09:00 2w\"", s)
	}
	w := commands.Weekly{EveryWeeks: 1}
	var ok bool
	if w.Weekday, ok = commands.ParseWeekday(words[0]); !ok {
		return w, fmt.Errorf("%q is not a day of the week", words[0])
	}
	if w.Minute, ok = commands.ParseClock(words[1]); !ok {
		return w, fmt.Errorf("%q is not a time of day like 09:00", words[1])
	}
	if len(words) == 3 {
		if w.EveryWeeks, ok = commands.ParseEvery(words[2]); !ok {
			return w, fmt.Errorf("%q is not 1w, 2w or 4w", words[2])
		}
	}
	return w, nil
}

// classifySlackError tells the scheduler what a Slack error means.
func classifySlackError(err error) (reminders.Failure, time.Duration) {
	if d, ok := slackbot.RetryAfter(err); ok {
		return reminders.RateLimited, d
	}
	if slackbot.IsGone(err) {
		return reminders.Gone, 0
	}
	if slackbot.IsTemporary(err) {
		return reminders.Temporary, 0
	}
	return reminders.Permanent, 0
}
