package okr_test

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in         string
		name       string
		start, end time.Time
	}{
		{"2026-Q4", "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)},
		{"2026-q4", "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)},
		{"2026q4", "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)},
		{"2026Q4", "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)},
		{" 2026-Q1 ", "2026-Q1", date(2026, 1, 1), date(2026, 4, 1)},
		{"2026-Q2", "2026-Q2", date(2026, 4, 1), date(2026, 7, 1)},
		{"2026-Q3", "2026-Q3", date(2026, 7, 1), date(2026, 10, 1)},
		{"2000-Q1", "2000-Q1", date(2000, 1, 1), date(2000, 4, 1)},
		{"2999-Q4", "2999-Q4", date(2999, 10, 1), date(3000, 1, 1)},
	}
	for _, tt := range tests {
		p, err := okr.ParsePeriod(tt.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q) error: %v", tt.in, err)
			continue
		}
		if p.Name != tt.name || !p.Start.Equal(tt.start) || !p.End.Equal(tt.end) {
			t.Errorf("ParsePeriod(%q) = %s [%s, %s), want %s [%s, %s)", tt.in,
				p.Name, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly),
				tt.name, tt.start.Format(time.DateOnly), tt.end.Format(time.DateOnly))
		}
		if p.Start.Location() != time.UTC {
			t.Errorf("ParsePeriod(%q).Start is in %v, want UTC", tt.in, p.Start.Location())
		}
	}
}

func TestParsePeriodRefuses(t *testing.T) {
	tests := []struct {
		in    string
		parts []string
	}{
		{"2026-Q5", []string{"Q5", "Q1 to Q4"}},
		{"2026-Q0", []string{"Q0", "Q1 to Q4"}},
		{"2026-Q", []string{"like 2026-Q4"}},
		{"", []string{"like 2026-Q4"}},
		{"garbage", []string{"like 2026-Q4"}},
		{"Q4", []string{"like 2026-Q4"}},
		{"26-Q4", []string{"like 2026-Q4"}},
		{"2026-H2", []string{"like 2026-Q4"}},
		{"2026 Q4", []string{"like 2026-Q4"}},
		{"2026--Q4", []string{"like 2026-Q4"}},
		{"1999-Q4", []string{"year"}},
		{"3000-Q1", []string{"year"}},
	}
	for _, tt := range tests {
		p, err := okr.ParsePeriod(tt.in)
		if err == nil {
			t.Errorf("ParsePeriod(%q) = %v, want an error", tt.in, p.Name)
			continue
		}
		t.Run(tt.in, func(t *testing.T) {
			wantInvalid(t, err, "period", append([]string{strconv.Quote(tt.in)}, tt.parts...)...)
		})
	}
}

func TestQuarterOf(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{date(2026, 1, 1), "2026-Q1"},
		{date(2026, 3, 31), "2026-Q1"},
		{date(2026, 4, 1), "2026-Q2"},
		{date(2026, 6, 30), "2026-Q2"},
		{date(2026, 7, 1), "2026-Q3"},
		{date(2026, 9, 30), "2026-Q3"},
		{date(2026, 10, 1), "2026-Q4"},
		{time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), "2026-Q4"},
		// Periods are in UTC: 1 April 01:00 in Paris is still 31 March in UTC.
		{time.Date(2026, 4, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), "2026-Q1"},
	}
	for _, tt := range tests {
		p := okr.QuarterOf(tt.t)
		if p.Name != tt.want {
			t.Errorf("QuarterOf(%v) = %s, want %s", tt.t, p.Name, tt.want)
		}
		if tt.t.Before(p.Start) || !tt.t.Before(p.End) {
			t.Errorf("QuarterOf(%v) = [%v, %v), which does not contain it", tt.t, p.Start, p.End)
		}
	}
}

func TestQuarterAndNext(t *testing.T) {
	tests := []struct {
		year, q int
		name    string
		next    string
	}{
		{2026, 1, "2026-Q1", "2026-Q2"},
		{2026, 2, "2026-Q2", "2026-Q3"},
		{2026, 3, "2026-Q3", "2026-Q4"},
		{2026, 4, "2026-Q4", "2027-Q1"},
	}
	for _, tt := range tests {
		p := okr.Quarter(tt.year, tt.q)
		if p.Name != tt.name {
			t.Errorf("Quarter(%d, %d).Name = %s, want %s", tt.year, tt.q, p.Name, tt.name)
		}
		n := p.Next()
		if n.Name != tt.next {
			t.Errorf("%s.Next() = %s, want %s", p.Name, n.Name, tt.next)
		}
		if !n.Start.Equal(p.End) {
			t.Errorf("%s.Next() starts %v, want %v (where %s ends)", p.Name, n.Start, p.End, p.Name)
		}
		want, err := okr.ParsePeriod(tt.name)
		if err != nil || want != p {
			t.Errorf("ParsePeriod(%q) = %v, %v; want Quarter(%d, %d) = %v", tt.name, want, err, tt.year, tt.q, p)
		}
	}
}

func TestElapsed(t *testing.T) {
	q1 := okr.Quarter(2026, 1) // 90 days: 1 January to 1 April
	tests := []struct {
		name string
		now  time.Time
		want float64
	}{
		{"long before", date(2025, 6, 1), 0},
		{"just before", q1.Start.Add(-time.Second), 0},
		{"start", q1.Start, 0},
		{"middle", q1.Start.Add(45 * 24 * time.Hour), 0.5},
		{"a third", q1.Start.Add(30 * 24 * time.Hour), 1.0 / 3},
		{"end", q1.End, 1},
		{"after", date(2027, 1, 1), 1},
	}
	for _, tt := range tests {
		if got := q1.Elapsed(tt.now); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: Elapsed(%v) = %v, want %v", tt.name, tt.now, got, tt.want)
		}
	}
	if got := (okr.Period{}).Elapsed(date(2026, 1, 1)); got != 1 {
		t.Errorf("empty period: Elapsed = %v, want 1", got)
	}
}

func TestCustomPeriod(t *testing.T) {
	p, err := okr.CustomPeriod("  FY26 H1 ", date(2026, 2, 1), date(2026, 7, 31))
	if err != nil {
		t.Fatalf("CustomPeriod error: %v", err)
	}
	if p.Name != "FY26 H1" {
		t.Errorf("Name = %q, want %q", p.Name, "FY26 H1")
	}
	if !p.Start.Equal(date(2026, 2, 1)) || !p.End.Equal(date(2026, 8, 1)) {
		t.Errorf("period = [%v, %v), want [2026-02-01, 2026-08-01): the last day is included", p.Start, p.End)
	}
	if got := p.Elapsed(date(2026, 7, 31)); got >= 1 {
		t.Errorf("Elapsed on the last day = %v, want < 1", got)
	}

	_, err = okr.CustomPeriod(" ", date(2026, 1, 1), date(2026, 6, 30))
	wantInvalid(t, err, "period", "name")

	_, err = okr.CustomPeriod("Sprint", date(2026, 6, 30), date(2026, 1, 1))
	wantInvalid(t, err, "end", `"Sprint"`, "end after it starts")

	_, err = okr.CustomPeriod("Sprint", date(2026, 6, 30), date(2026, 6, 30))
	wantInvalid(t, err, "end", `"Sprint"`)
}
