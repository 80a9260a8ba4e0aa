package okr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Outcome is the verdict on an objective when its period ends.
type Outcome string

const (
	Achieved Outcome = "achieved"
	Partly   Outcome = "partly"
	Missed   Outcome = "missed"
)

// Outcomes lists every outcome, best first, as a form offers them.
var Outcomes = []Outcome{Achieved, Partly, Missed}

// ParseOutcome reads an outcome as people type it: "achieved", "Partly",
// "partially", "partly achieved", "missed", "not achieved".
func ParseOutcome(text string) (Outcome, error) {
	s := strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("-", " ", "_", " ").Replace(text))), " ")
	switch s {
	case "achieved":
		return Achieved, nil
	case "partly", "partially", "partly achieved", "partially achieved":
		return Partly, nil
	case "missed", "not achieved":
		return Missed, nil
	}
	if s == "" {
		return "", Invalid("outcome", "Say how it went: achieved, partly or missed.")
	}
	return "", Invalid("outcome", "The outcome %q is not one okrbot knows: say achieved, partly or missed.", text)
}

// Label is the outcome in plain words.
func (o Outcome) Label() string {
	if o == Partly {
		return "partly achieved"
	}
	return string(o)
}

// ParseFinalScore reads a final score typed in field: a number from 0.0 to
// 1.0.
func ParseFinalScore(field, text string) (float64, error) {
	v, err := ParseNumber(field, text)
	if err != nil {
		return 0, err
	}
	if strings.HasSuffix(strings.TrimSpace(text), "%") || v < 0 || v > 1 {
		return 0, Invalid(field, "A final score is between 0.0 and 1.0, not %q.", text)
	}
	return v, nil
}

// ValidateFinalScore refuses a final score, given as a number (from a form
// or a pre-filled default), outside 0.0 to 1.0.
func ValidateFinalScore(field string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > 1 {
		return Invalid(field, "A final score is between 0.0 and 1.0, not %s.", FormatNumber(v))
	}
	return nil
}

// MaxNote is the longest retrospective note, in characters: room for what
// was learned, not for a report.
const MaxNote = 3000

// CleanNote trims a retrospective note and refuses an overlong one.
func CleanNote(field, note string) (string, error) {
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n > MaxNote {
		return "", Invalid(field, "The note is %d characters long; keep it to %d or fewer.", n, MaxNote)
	}
	return note, nil
}

// Grading prompts go out this many working days before a period ends, at
// this local time, unless the workspace says otherwise.
const (
	DefaultGradingDays   = 5
	DefaultGradingMinute = 9 * 60
)

// MaxGradingDays bounds the setting: four working weeks before the end is
// already most of a month of a quarter.
const MaxGradingDays = 20

// GradingReminderWindow is how late the one reminder after a period's end
// may still go out. An objective whose period ended long before (say when
// okrbot first starts in a workspace) is not news any more.
const GradingReminderWindow = 7 * 24 * time.Hour

// A GradingSchedule says when the owners of open objectives are asked to
// grade them: WorkingDays working days (Monday to Friday) before the period
// ends, counting its last day, at Minute (minutes after midnight) of each
// owner's own time; and once more on the first working day after it ended.
type GradingSchedule struct {
	WorkingDays int
	Minute      int
}

// DefaultGrading is the schedule a workspace starts with.
var DefaultGrading = GradingSchedule{WorkingDays: DefaultGradingDays, Minute: DefaultGradingMinute}

// Validate refuses a schedule with no working days, more than
// MaxGradingDays, or a time of day that does not exist.
func (g GradingSchedule) Validate() error {
	if g.WorkingDays < 1 || g.WorkingDays > MaxGradingDays {
		return Invalid("days", "Grading prompts go out 1 to %d working days before a period ends, not %d.", MaxGradingDays, g.WorkingDays)
	}
	if g.Minute < 0 || g.Minute >= 24*60 {
		return Invalid("time", "A grading prompt's time of day is between 00:00 and 23:59.")
	}
	return nil
}

// ParseGradingSchedule reads a grading schedule as a setting gives it:
// working days before a period ends, then the local time, "5 09:00".
func ParseGradingSchedule(s string) (GradingSchedule, error) {
	words := strings.Fields(s)
	if len(words) != 2 {
		return GradingSchedule{}, fmt.Errorf("%q is not working days and a time like \"5 09:00\"", s)
	}
	days, err := strconv.Atoi(words[0])
	if err != nil {
		return GradingSchedule{}, fmt.Errorf("%q is not a number of working days", words[0])
	}
	minute, ok := ParseClock(words[1])
	if !ok {
		return GradingSchedule{}, fmt.Errorf("%q is not a time of day like 09:00", words[1])
	}
	g := GradingSchedule{WorkingDays: days, Minute: minute}
	if err := g.Validate(); err != nil {
		return GradingSchedule{}, err
	}
	return g, nil
}

// A period's dates are calendar days, the same for everyone: 2026-Q4 ends
// on 31 December in Berlin and in Los Angeles alike. Day arithmetic happens
// at midnight UTC, where days have 24 hours, and only the final moment is
// placed in a person's zone.
func civilDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func workingDay(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }

// at is minute on day d in loc. A time that a DST change skips moves
// forward by the gap, as time.Date normalises it.
func at(d time.Time, minute int, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), minute/60, minute%60, 0, 0, loc)
}

// PromptAt is when the grading prompt for period p is due for a person in
// loc: on the first of the period's last WorkingDays working days, so they
// have that many working days to grade. A period with fewer working days
// prompts on its first working day (on its first day when it has none).
func (g GradingSchedule) PromptAt(p Period, loc *time.Location) time.Time {
	first, day := civilDay(p.Start), civilDay(p.End).AddDate(0, 0, -1)
	prompt := first
	for n := 0; n < g.WorkingDays && !day.Before(first); day = day.AddDate(0, 0, -1) {
		if workingDay(day) {
			prompt, n = day, n+1
		}
	}
	return at(prompt, g.Minute, loc)
}

// ReminderAt is when the one reminder to grade is due for a person in loc:
// on the first working day after period p's last day.
func (g GradingSchedule) ReminderAt(p Period, loc *time.Location) time.Time {
	day := civilDay(p.End)
	for !workingDay(day) {
		day = day.AddDate(0, 0, 1)
	}
	return at(day, g.Minute, loc)
}

// GradingStep is the grading message an objective is due.
type GradingStep int

const (
	NoGrading GradingStep = iota
	// GradingPrompt asks to grade, carry over or wait, before the end.
	GradingPrompt
	// GradingReminder is the one reminder after the period ended.
	GradingReminder
)

// Due says which grading message an objective with status, in period p,
// owned by a person in loc, is due at now, and the occurrence it belongs to
// (the time it was due), which keys its delivery so that it goes once. Only
// active objectives are due anything: grading, carrying over, closing or
// archiving one ends its prompts. The prompt is due until the period ends
// in the owner's zone, the reminder for GradingReminderWindow after its
// time; in between nothing is.
func (g GradingSchedule) Due(p Period, loc *time.Location, status Status, now time.Time) (GradingStep, time.Time) {
	if status != Active {
		return NoGrading, time.Time{}
	}
	prompt, reminder := g.PromptAt(p, loc), g.ReminderAt(p, loc)
	end := at(civilDay(p.End), 0, loc)
	switch {
	case !now.Before(prompt) && now.Before(end):
		return GradingPrompt, prompt
	case !now.Before(reminder) && now.Before(reminder.Add(GradingReminderWindow)):
		return GradingReminder, reminder
	}
	return NoGrading, time.Time{}
}

// DueWindow bounds the ends of the periods whose objectives may be due a
// grading message at now, in any time zone: a period that ends after to is
// not due its prompt yet, and one that ended before from is past its
// reminder. It lets a scheduler look at a few periods rather than all.
func (g GradingSchedule) DueWindow(now time.Time) (from, to time.Time) {
	// The prompt comes WorkingDays working days before the end, so at
	// most that many weeks; the reminder at most a weekend after it, and
	// is due for GradingReminderWindow. A day on each side covers the time
	// of day and every time zone.
	weeks := (g.WorkingDays + 4) / 5
	ahead := time.Duration(weeks*7+2) * 24 * time.Hour
	behind := 4*24*time.Hour + GradingReminderWindow
	return now.Add(-behind), now.Add(ahead)
}

// IsQuarter reports whether p is a calendar quarter, named and dated as
// Quarter makes it.
func (p Period) IsQuarter() bool {
	q, err := ParsePeriod(p.Name)
	return err == nil && q.Start.Equal(p.Start) && q.End.Equal(p.End)
}

// NextPeriod is the period that follows p, where carried-over objectives
// go: for a quarter the next quarter (2026-Q4 → 2027-Q1); for a custom
// period the one of known (the workspace's periods) that starts soonest
// when or after p ends, else the quarter under way when p ends. The result
// may be a quarter the workspace has not used yet.
func NextPeriod(p Period, known []Period) Period {
	if p.IsQuarter() {
		return p.Next()
	}
	var next *Period
	for i, k := range known {
		if k.Name == p.Name || k.Start.Before(p.End) {
			continue
		}
		if next == nil || k.Start.Before(next.Start) || k.Start.Equal(next.Start) && k.Name < next.Name {
			next = &known[i]
		}
	}
	if next != nil {
		return *next
	}
	return p.Next()
}
