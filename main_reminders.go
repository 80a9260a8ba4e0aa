package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/reminders"
)

// reminderSettings reads the check-in reminder settings from the
// environment: the defaults commands needs, and the scheduler's timing.
// enabled is false when OKRBOT_REMINDERS is off.
func (m *Main) reminderSettings() (rd commands.ReminderDefaults, cfg reminders.Config, enabled bool, err error) {
	rd.Schedule = okr.DefaultWeeklyTime
	if v := m.cfg().ReminderSchedule; v != "" {
		if rd.Schedule, err = okr.ParseWeeklyTime(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_REMINDER_SCHEDULE: %w", err)
		}
	}
	rd.Grading = okr.DefaultGrading
	if v := m.cfg().Grading; v != "" {
		if rd.Grading, err = okr.ParseGradingSchedule(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_GRADING: %w", err)
		}
	}
	rd.TZ = time.UTC
	if v := m.cfg().DefaultTZ; v != "" {
		if rd.TZ, err = time.LoadLocation(v); err != nil {
			return rd, cfg, false, fmt.Errorf("OKRBOT_DEFAULT_TZ: unknown time zone %q", v)
		}
	}
	for _, d := range []struct {
		name, v string
		to      *time.Duration
	}{
		{"OKRBOT_REMINDER_TICK", m.cfg().ReminderTick, &cfg.Tick},
		{"OKRBOT_REMINDER_GRACE", m.cfg().ReminderGrace, &cfg.Grace},
		{"OKRBOT_NUDGE_AFTER", m.cfg().NudgeAfter, &cfg.NudgeAfter},
	} {
		if v := d.v; v != "" {
			if *d.to, err = time.ParseDuration(v); err != nil || *d.to <= 0 {
				return rd, cfg, false, fmt.Errorf("%s: %q is not a duration like 6h or 30m", d.name, v)
			}
		}
	}
	if v := m.cfg().ReminderRate; v != "" {
		if cfg.Rate, err = strconv.ParseFloat(v, 64); err != nil || cfg.Rate <= 0 {
			return rd, cfg, false, fmt.Errorf("OKRBOT_REMINDER_RATE: %q is not a number of messages a second", v)
		}
	}
	cfg.Now, cfg.After = m.Now, m.After
	switch strings.ToLower(m.cfg().Reminders) {
	case "off", "false", "0", "no":
		return rd, cfg, false, nil
	}
	return rd, cfg, true, nil
}
