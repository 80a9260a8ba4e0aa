package okr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestParseOutcome(t *testing.T) {
	tests := []struct {
		in   string
		want okr.Outcome
	}{
		{"achieved", okr.Achieved},
		{" Achieved ", okr.Achieved},
		{"partly", okr.Partly},
		{"PARTIALLY", okr.Partly},
		{"partly achieved", okr.Partly},
		{"partly-achieved", okr.Partly},
		{"partially  achieved", okr.Partly},
		{"missed", okr.Missed},
		{"not achieved", okr.Missed},
		{"not_achieved", okr.Missed},
	}
	for _, tt := range tests {
		got, err := okr.ParseOutcome(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseOutcome(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"done", "achieve", "part", "missed it", "0.7"} {
		_, err := okr.ParseOutcome(in)
		wantInvalid(t, err, "outcome", `"`+in+`"`, "achieved, partly or missed")
	}
	_, err := okr.ParseOutcome("  ")
	wantInvalid(t, err, "outcome", "achieved, partly or missed")
	for _, o := range okr.Outcomes {
		if back, err := okr.ParseOutcome(o.Label()); err != nil || back != o {
			t.Errorf("ParseOutcome(%q.Label() = %q) = %q, %v", o, o.Label(), back, err)
		}
	}
	if got := okr.Partly.Label(); got != "partly achieved" {
		t.Errorf("Partly.Label() = %q", got)
	}
}

func TestParseFinalScore(t *testing.T) {
	for in, want := range map[string]float64{"0": 0, "0.7": 0.7, " .35 ": 0.35, "1": 1, "1.0": 1} {
		got, err := okr.ParseFinalScore("score", in)
		if err != nil || got != want {
			t.Errorf("ParseFinalScore(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"1.1", "-0.1", "70%", "0.7%", "7"} {
		_, err := okr.ParseFinalScore("score", in)
		wantInvalid(t, err, "score", `"`+in+`"`, "between 0.0 and 1.0")
	}
	_, err := okr.ParseFinalScore("kr2_score", "lots")
	wantInvalid(t, err, "kr2_score", `"lots" is not a number`)
}

func TestValidateFinalScore(t *testing.T) {
	for _, v := range []float64{0, 0.5, 1} {
		if err := okr.ValidateFinalScore("score", v); err != nil {
			t.Errorf("ValidateFinalScore(%v) = %v", v, err)
		}
	}
	wantInvalid(t, okr.ValidateFinalScore("score", 1.5), "score", "not 1.5")
	wantInvalid(t, okr.ValidateFinalScore("kr1_score", -1), "kr1_score", "not -1")
}

func TestCleanNote(t *testing.T) {
	got, err := okr.CleanNote("note", "  We learned to ship smaller.\n")
	if err != nil || got != "We learned to ship smaller." {
		t.Errorf("CleanNote = %q, %v", got, err)
	}
	if got, err := okr.CleanNote("note", strings.Repeat("é", okr.MaxNote)); err != nil || len([]rune(got)) != okr.MaxNote {
		t.Errorf("a note of exactly %d characters: %v", okr.MaxNote, err)
	}
	_, err = okr.CleanNote("note", strings.Repeat("é", okr.MaxNote+1))
	wantInvalid(t, err, "note", "3001 characters", "3000 or fewer")
}

func TestGradingScheduleValidate(t *testing.T) {
	if err := okr.DefaultGrading.Validate(); err != nil {
		t.Errorf("default: %v", err)
	}
	if okr.DefaultGrading != (okr.GradingSchedule{WorkingDays: 5, Minute: 9 * 60}) {
		t.Errorf("DefaultGrading = %+v, want 5 working days at 09:00", okr.DefaultGrading)
	}
	for _, g := range []okr.GradingSchedule{{1, 0}, {20, 23*60 + 59}} {
		if err := g.Validate(); err != nil {
			t.Errorf("%+v: %v", g, err)
		}
	}
	wantInvalid(t, okr.GradingSchedule{WorkingDays: 0}.Validate(), "days", "1 to 20", "not 0")
	wantInvalid(t, okr.GradingSchedule{WorkingDays: 21}.Validate(), "days", "not 21")
	wantInvalid(t, okr.GradingSchedule{WorkingDays: 5, Minute: 24 * 60}.Validate(), "time", "23:59")
	wantInvalid(t, okr.GradingSchedule{WorkingDays: 5, Minute: -1}.Validate(), "time")
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestGradingPromptAndReminderTimes(t *testing.T) {
	custom := func(start, last time.Time) okr.Period {
		p, err := okr.CustomPeriod("Custom", start, last)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name             string
		p                okr.Period
		g                okr.GradingSchedule
		zone             string
		prompt, reminder time.Time
	}{
		// Ends Thursday 31 December: Fri 25, Mon 28 … Thu 31 are the last
		// five working days; the reminder is on Friday 1 January.
		{"2026-Q4 in Berlin", okr.Quarter(2026, 4), okr.DefaultGrading, "Europe/Berlin",
			utc(2026, 12, 25, 8, 0), utc(2027, 1, 1, 8, 0)},
		{"2026-Q4 in UTC", okr.Quarter(2026, 4), okr.DefaultGrading, "UTC",
			utc(2026, 12, 25, 9, 0), utc(2027, 1, 1, 9, 0)},
		// The calendar days are Auckland's own, a day ahead of UTC.
		{"2026-Q4 in Auckland", okr.Quarter(2026, 4), okr.DefaultGrading, "Pacific/Auckland",
			utc(2026, 12, 24, 20, 0), utc(2026, 12, 31, 20, 0)},
		{"2026-Q4 in Los Angeles", okr.Quarter(2026, 4), okr.DefaultGrading, "America/Los_Angeles",
			utc(2026, 12, 25, 17, 0), utc(2027, 1, 1, 17, 0)},
		// Ends Tuesday 31 March; Berlin moves its clocks on Sunday 29 March:
		// the prompt is at 09:00 CET, the reminder at 09:00 CEST.
		{"2026-Q1 across a DST change", okr.Quarter(2026, 1), okr.DefaultGrading, "Europe/Berlin",
			utc(2026, 3, 25, 8, 0), utc(2026, 4, 1, 7, 0)},
		// Ends Sunday 31 December 2028: the weekend does not count; the
		// reminder is on Monday 1 January.
		{"a quarter ending on a Sunday", okr.Quarter(2028, 4), okr.DefaultGrading, "UTC",
			utc(2028, 12, 25, 9, 0), utc(2029, 1, 1, 9, 0)},
		// Ends Friday 30 June 2028: the reminder waits for Monday.
		{"a quarter ending on a Friday", okr.Quarter(2028, 2), okr.GradingSchedule{WorkingDays: 1, Minute: 17*60 + 30}, "UTC",
			utc(2028, 6, 30, 17, 30), utc(2028, 7, 3, 17, 30)},
		{"ten working days", okr.Quarter(2026, 4), okr.GradingSchedule{WorkingDays: 10, Minute: 9 * 60}, "UTC",
			utc(2026, 12, 18, 9, 0), utc(2027, 1, 1, 9, 0)},
		// Wednesday 2 to Friday 4 December: three working days only.
		{"a period shorter than the setting", custom(utc(2026, 12, 2, 0, 0), utc(2026, 12, 4, 0, 0)), okr.DefaultGrading, "UTC",
			utc(2026, 12, 2, 9, 0), utc(2026, 12, 7, 9, 0)},
		// Saturday 5 to Monday 7 December: only the Monday is a working day.
		{"a short period starting on a weekend", custom(utc(2026, 12, 5, 0, 0), utc(2026, 12, 7, 0, 0)), okr.DefaultGrading, "UTC",
			utc(2026, 12, 7, 9, 0), utc(2026, 12, 8, 9, 0)},
		{"a weekend-only period", custom(utc(2026, 12, 5, 0, 0), utc(2026, 12, 6, 0, 0)), okr.DefaultGrading, "UTC",
			utc(2026, 12, 5, 9, 0), utc(2026, 12, 7, 9, 0)},
	}
	for _, tt := range tests {
		loc := zone(t, tt.zone)
		if got := tt.g.PromptAt(tt.p, loc); !got.Equal(tt.prompt) {
			t.Errorf("%s: PromptAt = %v, want %v", tt.name, got.UTC(), tt.prompt)
		}
		if got := tt.g.ReminderAt(tt.p, loc); !got.Equal(tt.reminder) {
			t.Errorf("%s: ReminderAt = %v, want %v", tt.name, got.UTC(), tt.reminder)
		}
	}
}

func TestGradingDue(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	q4 := okr.Quarter(2026, 4)
	prompt, reminder := utc(2026, 12, 25, 8, 0), utc(2027, 1, 1, 8, 0)
	tests := []struct {
		name   string
		status okr.Status
		now    time.Time
		step   okr.GradingStep
		occurs time.Time
	}{
		{"a month before", okr.Active, utc(2026, 11, 25, 8, 0), okr.NoGrading, time.Time{}},
		{"a minute before the prompt", okr.Active, prompt.Add(-time.Minute), okr.NoGrading, time.Time{}},
		{"at the prompt", okr.Active, prompt, okr.GradingPrompt, prompt},
		{"on the last evening", okr.Active, utc(2026, 12, 31, 22, 59), okr.GradingPrompt, prompt},
		// Midnight in Berlin is 23:00 UTC: the period is over there.
		{"when the period ended in Berlin", okr.Active, utc(2026, 12, 31, 23, 0), okr.NoGrading, time.Time{}},
		{"at the reminder", okr.Active, reminder, okr.GradingReminder, reminder},
		{"a week less a minute after the reminder", okr.Active, reminder.Add(7*24*time.Hour - time.Minute), okr.GradingReminder, reminder},
		{"a week after the reminder", okr.Active, reminder.Add(7 * 24 * time.Hour), okr.NoGrading, time.Time{}},
		{"a year later", okr.Active, utc(2027, 12, 25, 8, 0), okr.NoGrading, time.Time{}},
		{"closed", okr.Closed, prompt, okr.NoGrading, time.Time{}},
		{"archived", okr.Archived, reminder, okr.NoGrading, time.Time{}},
	}
	for _, tt := range tests {
		step, occurs := okr.DefaultGrading.Due(q4, berlin, tt.status, tt.now)
		if step != tt.step || !occurs.Equal(tt.occurs) {
			t.Errorf("%s: Due = %v at %v, want %v at %v", tt.name, step, occurs, tt.step, tt.occurs)
		}
	}
}

func TestIsQuarter(t *testing.T) {
	custom, _ := okr.CustomPeriod("FY26 H1", utc(2026, 2, 1, 0, 0), utc(2026, 7, 31, 0, 0))
	// A custom period may carry a quarter's name with other dates.
	misnamed := okr.Period{Name: "2026-Q4", Start: utc(2026, 10, 15, 0, 0), End: utc(2027, 1, 1, 0, 0)}
	for p, want := range map[*okr.Period]bool{&q4: true, &custom: false, &misnamed: false} {
		if got := p.IsQuarter(); got != want {
			t.Errorf("%s [%v, %v).IsQuarter() = %v, want %v", p.Name, p.Start, p.End, got, want)
		}
	}
}

func TestNextPeriod(t *testing.T) {
	period := func(name string, start, last time.Time) okr.Period {
		p, err := okr.CustomPeriod(name, start, last)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	h1 := period("FY26 H1", utc(2026, 2, 1, 0, 0), utc(2026, 7, 31, 0, 0))
	h2 := period("FY26 H2", utc(2026, 8, 1, 0, 0), utc(2027, 1, 31, 0, 0))
	push := period("Summer push", utc(2026, 6, 1, 0, 0), utc(2026, 8, 31, 0, 0))
	later := period("FY27 H1", utc(2027, 2, 1, 0, 0), utc(2027, 7, 31, 0, 0))
	sprintA := period("Sprint A", utc(2026, 8, 1, 0, 0), utc(2026, 8, 14, 0, 0))
	tests := []struct {
		name  string
		p     okr.Period
		known []okr.Period
		want  string
	}{
		{"a quarter", okr.Quarter(2026, 4), nil, "2027-Q1"},
		{"a quarter ignores custom periods", okr.Quarter(2026, 2), []okr.Period{sprintA}, "2026-Q3"},
		{"the custom period that starts next", h1, []okr.Period{later, h1, h2, push}, "FY26 H2"},
		{"ties go by name", h1, []okr.Period{h2, sprintA}, "FY26 H2"},
		{"one that starts inside does not follow", h1, []okr.Period{h1, push}, "2026-Q3"},
		{"none known: the quarter under way when it ends", h2, []okr.Period{h1, h2, push}, "2027-Q1"},
		{"the last known", later, []okr.Period{h1, h2, later}, "2027-Q3"},
	}
	for _, tt := range tests {
		if got := okr.NextPeriod(tt.p, tt.known); got.Name != tt.want {
			t.Errorf("%s: NextPeriod(%s) = %s, want %s", tt.name, tt.p.Name, got.Name, tt.want)
		}
	}
}

func TestParseGradingSchedule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want okr.GradingSchedule
		err  string
	}{
		{"5 09:00", okr.GradingSchedule{WorkingDays: 5, Minute: 9 * 60}, ""},
		{" 1   7:30 ", okr.GradingSchedule{WorkingDays: 1, Minute: 7*60 + 30}, ""},
		{"20 23:59", okr.GradingSchedule{WorkingDays: 20, Minute: 23*60 + 59}, ""},
		{"5", okr.GradingSchedule{}, "like \"5 09:00\""},
		{"five 09:00", okr.GradingSchedule{}, "not a number of working days"},
		{"5 9am", okr.GradingSchedule{}, "not a time of day"},
		{"0 09:00", okr.GradingSchedule{}, "1 to 20"},
		{"21 09:00", okr.GradingSchedule{}, "not 21"},
	} {
		got, err := okr.ParseGradingSchedule(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseGradingSchedule(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseGradingSchedule(%q) error %v, want one saying %q", tc.in, err, tc.err)
		}
	}
}

func TestGradingDueWindowHoldsEveryDueObjective(t *testing.T) {
	custom, err := okr.CustomPeriod("Sprint", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	periods := []okr.Period{okr.Quarter(2026, 4), okr.Quarter(2027, 1), okr.Quarter(2026, 2), custom}
	zones := []*time.Location{time.UTC, zone(t, "Pacific/Kiritimati"), zone(t, "Pacific/Pago_Pago"), zone(t, "Europe/Berlin")}
	for _, g := range []okr.GradingSchedule{okr.DefaultGrading, {WorkingDays: 1, Minute: 23*60 + 59}, {WorkingDays: okr.MaxGradingDays, Minute: 0}} {
		for _, p := range periods {
			for _, loc := range zones {
				due := 0
				for now := p.End.AddDate(0, 0, -40); now.Before(p.End.AddDate(0, 0, 15)); now = now.Add(time.Hour) {
					step, _ := g.Due(p, loc, okr.Active, now)
					if step == okr.NoGrading {
						continue
					}
					due++
					if from, to := g.DueWindow(now); p.End.Before(from) || p.End.After(to) {
						t.Fatalf("%+v, %s in %s: due at %s, but the window %s – %s leaves out its end %s", g, p.Name, loc, now, from, to, p.End)
					}
				}
				if due == 0 {
					t.Errorf("%+v, %s in %s: never due", g, p.Name, loc)
				}
			}
		}
	}
}
