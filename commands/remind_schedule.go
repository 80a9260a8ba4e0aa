package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/okrbot/okrbot/store"
)

// Weekly is when check-in prompts go out: a day of the week and a local time
// of day, every one, two or four weeks.
type Weekly struct {
	Weekday time.Weekday
	// Minute is the local time of day in minutes after midnight.
	Minute     int
	EveryWeeks int
}

// DefaultWeekly is Monday at 09:00, every week.
var DefaultWeekly = Weekly{Weekday: time.Monday, Minute: 9 * 60, EveryWeeks: 1}

// WeeklyOf reads a stored schedule.
func WeeklyOf(r store.ReminderSchedule) Weekly {
	return Weekly{Weekday: time.Weekday(r.Weekday), Minute: r.Minute, EveryWeeks: max(r.EveryWeeks, 1)}
}

// Row is w as a schedule to store.
func (w Weekly) Row() store.ReminderSchedule {
	return store.ReminderSchedule{Weekday: int(w.Weekday), Minute: w.Minute, EveryWeeks: max(w.EveryWeeks, 1)}
}

func (w Weekly) String() string { return w.At("") }

// At describes w with where its time of day applies: "Mondays at 09:00 in
// your time zone, every 2 weeks".
func (w Weekly) At(where string) string {
	s := fmt.Sprintf("%ss at %02d:%02d", w.Weekday, w.Minute/60, w.Minute%60)
	if where != "" {
		s += " " + where
	}
	if w.EveryWeeks > 1 {
		s += fmt.Sprintf(", every %d weeks", w.EveryWeeks)
	}
	return s
}

// cronSpec is w as a robfig/cron expression in a time zone.
func (w Weekly) cronSpec(loc *time.Location) string {
	return fmt.Sprintf("CRON_TZ=%s %d %d * * %d", loc.String(), w.Minute%60, w.Minute/60, int(w.Weekday))
}

// epochMonday anchors "every N weeks": weeks are counted from it, so everyone
// on a fortnightly schedule is asked in the same weeks.
var epochMonday = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// weekIndex is the number of whole weeks from epochMonday to the local date
// of t.
func weekIndex(t time.Time) int {
	y, m, d := t.Date()
	days := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epochMonday).Hours() / 24)
	if days < 0 {
		return (days - 6) / 7
	}
	return days / 7
}

// Next returns the first time after `after` when w is due in loc. A time of
// day that does not exist on that date (inside a daylight-saving gap, which
// robfig/cron skips) is due at the first instant after the gap.
func (w Weekly) Next(after time.Time, loc *time.Location) time.Time {
	sched, err := cron.ParseStandard(w.cronSpec(loc))
	if err != nil {
		// Weekly values are checked when set; a stored row out of range is
		// taken as the default rather than never prompting.
		sched, _ = cron.ParseStandard(DefaultWeekly.cronSpec(loc))
	}
	t := after
	for range 60 {
		next := sched.Next(t)
		if gap, ok := w.gapBetween(t, next, loc); ok {
			next = gap
		}
		if next.IsZero() {
			return next
		}
		if sameWallClock(next.In(loc), t.In(loc)) {
			// robfig/cron runs a repeated time twice when clocks fall back;
			// a prompt goes out at the first.
			t = next
			continue
		}
		if n := max(w.EveryWeeks, 1); n == 1 || weekIndex(next.In(loc))%n == 0 {
			return next
		}
		t = next
	}
	return time.Time{}
}

func sameWallClock(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay() && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

// gapBetween finds an occurrence of w after `after` and before `before`
// whose local time falls in a daylight-saving gap, and returns the end of the
// gap.
func (w Weekly) gapBetween(after, before time.Time, loc *time.Location) (time.Time, bool) {
	local := after.In(loc)
	for day := 0; day <= 7; day++ {
		d := local.AddDate(0, 0, day)
		if d.Weekday() != w.Weekday {
			continue
		}
		hour, minute := w.Minute/60, w.Minute%60
		t := time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, loc)
		if t.Hour() == hour && t.Minute() == minute {
			continue // the time exists that day
		}
		// time.Date moved a missing time past the gap; the zone it landed
		// in starts where the gap ends.
		start, _ := t.ZoneBounds()
		if start.After(after) && (before.IsZero() || start.Before(before)) {
			return start, true
		}
	}
	return time.Time{}, false
}

// Location returns the time zone named tz, or def when tz is empty or
// unknown; unknown is true for a name that is not empty and not known.
func Location(tz string, def *time.Location) (loc *time.Location, unknown bool) {
	if def == nil {
		def = time.UTC
	}
	if tz == "" {
		return def, false
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return def, true
	}
	return loc, false
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "sun": time.Sunday,
	"monday": time.Monday, "mon": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thurs": time.Thursday,
	"friday": time.Friday, "fri": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday,
}

// ParseWeekday reads a day of the week: monday, mon, Monday.
func ParseWeekday(s string) (time.Weekday, bool) {
	d, ok := weekdays[strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "s"))]
	if !ok {
		d, ok = weekdays[strings.ToLower(strings.TrimSpace(s))]
	}
	return d, ok
}

// ParseClock reads a 24-hour time of day, 09:00 or 9:00, as minutes after
// midnight.
func ParseClock(s string) (int, bool) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(ms) != 2 || len(hs) == 0 || len(hs) > 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// ParseEvery reads an interval in weeks: 1w, 2w, 4w, 2, 2weeks.
func ParseEvery(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, suffix := range []string{"weeks", "week", "wk", "w"} {
		if t, ok := strings.CutSuffix(s, suffix); ok {
			s = t
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || (n != 1 && n != 2 && n != 4) {
		return 0, false
	}
	return n, true
}
