package okr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedules are read on the wall clock of a time zone, with one rule for
// daylight saving, the same for check-in prompts and digests: a time that
// does not exist on a day (inside the gap when clocks spring forward) is due
// at the first instant after the gap, and a time that happens twice (when
// clocks fall back) is due once, at its first.

// nextOnWallClock returns the first instant after `after` at which the wall
// clock in loc reaches a time sched matches, by the rule above. sched is read
// on wall-clock times written in UTC, where no day has a gap or a repeat.
func nextOnWallClock(sched cron.Schedule, loc *time.Location, after time.Time) time.Time {
	wall := wallClock(after.In(loc))
	for range 1000 {
		w := sched.Next(wall)
		if w.IsZero() {
			return w
		}
		if at := instant(w, loc); at.After(after) {
			return at
		}
		// The first of a repeated time was at or before `after`: it ran.
		wall = w
	}
	return time.Time{}
}

// wallClock is the time local shows, written in UTC.
func wallClock(local time.Time) time.Time {
	return time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), time.UTC)
}

// instant is the first moment the wall clock in loc shows w (a wall-clock
// time written in UTC), or the end of the gap w falls in.
func instant(w time.Time, loc *time.Location) time.Time {
	at := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	if !wallClock(at).Equal(w) {
		// time.Date moved a missing time past the gap; the zone it landed
		// in starts where the gap ends.
		start, _ := at.ZoneBounds()
		return start
	}
	// time.Date picks the later of a repeated time; the zone before the
	// last transition may show it first.
	if start, _ := at.ZoneBounds(); !start.IsZero() {
		_, offset := start.Add(-time.Nanosecond).Zone()
		earlier := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.FixedZone("", offset))
		if earlier.Before(at) && wallClock(earlier.In(loc)).Equal(w) {
			return earlier
		}
	}
	return at
}

// WeeklyTime is when check-in prompts go out: a day of the week and a local time
// of day, every one, two or four weeks.
type WeeklyTime struct {
	Weekday time.Weekday
	// Minute is the local time of day in minutes after midnight.
	Minute     int
	EveryWeeks int
}

// DefaultWeeklyTime is Monday at 09:00, every week.
var DefaultWeeklyTime = WeeklyTime{Weekday: time.Monday, Minute: 9 * 60, EveryWeeks: 1}

func (w WeeklyTime) String() string { return w.At("") }

// At describes w with where its time of day applies: "Mondays at 09:00 in
// your time zone, every 2 weeks".
func (w WeeklyTime) At(where string) string {
	s := fmt.Sprintf("%ss at %02d:%02d", w.Weekday, w.Minute/60, w.Minute%60)
	if where != "" {
		s += " " + where
	}
	if w.EveryWeeks > 1 {
		s += fmt.Sprintf(", every %d weeks", w.EveryWeeks)
	}
	return s
}

// valid reports whether w's fields are in range.
func (w WeeklyTime) valid() bool {
	return w.Weekday >= time.Sunday && w.Weekday <= time.Saturday && w.Minute >= 0 && w.Minute < 24*60
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

// Next returns the first time after `after` when w is due in loc, by the
// daylight-saving rule of this file. A stored schedule out of range is
// taken as the default rather than never prompting.
func (w WeeklyTime) Next(after time.Time, loc *time.Location) time.Time {
	if !w.valid() {
		w = DefaultWeeklyTime
	}
	sched, _ := cron.ParseStandard(fmt.Sprintf("%d %d * * %d", w.Minute%60, w.Minute/60, int(w.Weekday)))
	t := after
	for range 60 {
		next := nextOnWallClock(sched, loc, t)
		if next.IsZero() {
			return next
		}
		if n := max(w.EveryWeeks, 1); n == 1 || weekIndex(next.In(loc))%n == 0 {
			return next
		}
		t = next
	}
	return time.Time{}
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

// ParseWeekday reads a day of the week: monday, mon, Monday, Mondays.
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

// ParseWeeklyTime reads a schedule like "monday 09:00" or "monday 09:00 2w".
func ParseWeeklyTime(s string) (WeeklyTime, error) {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 3 {
		return WeeklyTime{}, fmt.Errorf("%q is not a schedule like \"monday 09:00\" or \"monday 09:00 2w\"", s)
	}
	w := WeeklyTime{EveryWeeks: 1}
	var ok bool
	if w.Weekday, ok = ParseWeekday(words[0]); !ok {
		return w, fmt.Errorf("%q is not a day of the week", words[0])
	}
	if w.Minute, ok = ParseClock(words[1]); !ok {
		return w, fmt.Errorf("%q is not a time of day like 09:00", words[1])
	}
	if len(words) == 3 {
		if w.EveryWeeks, ok = ParseEvery(words[2]); !ok {
			return w, fmt.Errorf("%q is not 1w, 2w or 4w", words[2])
		}
	}
	return w, nil
}

// Cron is a five-field cron expression read on the wall clock of a time
// zone, such as when a digest goes out.
type Cron struct {
	Spec string
	TZ   string
}

// schedule parses c, with a message for people when it does not.
func (c Cron) schedule() (cron.Schedule, *time.Location, error) {
	loc, err := time.LoadLocation(c.TZ)
	if err != nil || c.TZ == "" {
		return nil, nil, Invalid("tz", "%q is not a time zone like Europe/Berlin.", c.TZ)
	}
	sched, err := cron.ParseStandard(c.Spec)
	if err != nil || strings.Contains(c.Spec, "TZ=") {
		return nil, nil, Invalid("schedule", "The schedule %q does not parse: %v.", c.Spec, err)
	}
	return sched, loc, nil
}

// Next is the first time after `after` when c is due, by the
// daylight-saving rule of this file.
func (c Cron) Next(after time.Time) (time.Time, error) {
	sched, loc, err := c.schedule()
	if err != nil {
		return time.Time{}, err
	}
	next := nextOnWallClock(sched, loc, after)
	if next.IsZero() {
		return next, Invalid("schedule", "The schedule %q never runs.", c.Spec)
	}
	return next, nil
}

// TooClose returns the first two consecutive runs of c less than min
// apart, or zero times when there are none. It looks at every run in the
// year after `from` (a schedule's runs repeat within a year, leap days
// aside), so a schedule that runs twice close together only on some days
// or in some weeks is found too.
func (c Cron) TooClose(from time.Time, min time.Duration) (first, second time.Time, err error) {
	sched, loc, err := c.schedule()
	if err != nil {
		return first, second, err
	}
	prev := nextOnWallClock(sched, loc, from)
	if prev.IsZero() {
		return first, second, Invalid("schedule", "The schedule %q never runs.", c.Spec)
	}
	end := prev.AddDate(1, 0, 0)
	for range 20_000 {
		next := nextOnWallClock(sched, loc, prev)
		if next.IsZero() || next.After(end) {
			break
		}
		if next.Sub(prev) < min {
			return prev.In(loc), next.In(loc), nil
		}
		prev = next
	}
	return first, second, nil
}

var (
	clockPattern   = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)
	digestWeekdays = map[string]int{"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	cronField = regexp.MustCompile(`^[0-9*,/\-]+$`)
)

// ParseCron reads when something recurs as people write it: "weekly monday
// 09:00", "daily 08:30", "monthly 1 09:00", or a five-field cron expression.
// It returns the cron expression.
func ParseCron(words []string) (string, error) {
	bad := func() error {
		return Invalid("schedule", "%q is not a schedule like `weekly monday 09:00`, `daily 08:30`, `monthly 1 09:00` or a cron expression like \"0 9 * * 1\".", strings.Join(words, " "))
	}
	if len(words) == 1 && len(strings.Fields(words[0])) == 5 {
		words = strings.Fields(words[0])
	}
	if len(words) == 5 {
		spec := strings.Join(words, " ")
		for _, f := range words {
			if !cronField.MatchString(f) {
				return "", bad()
			}
		}
		if _, err := cron.ParseStandard(spec); err != nil {
			return "", Invalid("schedule", "The cron expression %q does not parse: %v.", spec, err)
		}
		return spec, nil
	}
	if len(words) < 2 {
		return "", bad()
	}
	m := clockPattern.FindStringSubmatch(words[len(words)-1])
	if m == nil {
		return "", bad()
	}
	hour, _ := strconv.Atoi(m[1])
	minute, _ := strconv.Atoi(m[2])
	switch strings.ToLower(words[0]) {
	case "daily":
		if len(words) == 2 {
			return fmt.Sprintf("%d %d * * *", minute, hour), nil
		}
	case "weekly":
		if len(words) == 3 {
			if d, ok := digestWeekdays[strings.ToLower(words[1])]; ok {
				return fmt.Sprintf("%d %d * * %d", minute, hour, d), nil
			}
		}
	case "monthly":
		if len(words) == 3 {
			if d, err := strconv.Atoi(words[1]); err == nil && d >= 1 && d <= 28 {
				return fmt.Sprintf("%d %d %d * *", minute, hour, d), nil
			}
			return "", Invalid("schedule", "A monthly digest goes out on day 1 to 28, not %q.", words[1])
		}
	}
	return "", bad()
}
