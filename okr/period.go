package okr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A Period is the time box of a set of OKRs, normally a calendar quarter
// named like "2026-Q4". Start is inclusive and End exclusive, both at midnight
// UTC.
type Period struct {
	Name  string
	Start time.Time
	End   time.Time
}

var quarterName = regexp.MustCompile(`^(\d{4})-?[Qq](\d+)$`)

// ParsePeriod reads a quarter name such as "2026-Q4" (also "2026Q4" or
// "2026-q4").
func ParsePeriod(text string) (Period, error) {
	m := quarterName.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return Period{}, Invalid("period", "Period %q is not a quarter like 2026-Q4.", text)
	}
	year, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	if q < 1 || q > 4 {
		return Period{}, Invalid("period", "Period %q has no quarter Q%d: quarters are Q1 to Q4.", text, q)
	}
	if year < 2000 || year > 2999 {
		return Period{}, Invalid("period", "Period %q is not a year okrbot can plan for.", text)
	}
	return Quarter(year, q), nil
}

// Quarter returns quarter q (1–4) of year.
func Quarter(year, q int) Period {
	start := time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: fmt.Sprintf("%d-Q%d", year, q), Start: start, End: start.AddDate(0, 3, 0)}
}

// QuarterOf returns the quarter that contains t.
func QuarterOf(t time.Time) Period {
	t = t.UTC()
	return Quarter(t.Year(), (int(t.Month())-1)/3+1)
}

// Next returns the quarter after p. It is only meaningful for quarters.
func (p Period) Next() Period { return QuarterOf(p.End) }

// Elapsed is the fraction of the period that has passed at now, in [0, 1]:
// the progress a key result is expected to have made by then.
func (p Period) Elapsed(now time.Time) float64 {
	total := p.End.Sub(p.Start)
	if total <= 0 {
		return 1
	}
	return clamp(float64(now.Sub(p.Start)) / float64(total))
}

// CustomPeriod validates a period with explicit dates, for organisations whose
// cycles are not calendar quarters. end is the last day, inclusive.
func CustomPeriod(name string, start, end time.Time) (Period, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Period{}, Invalid("period", "A period needs a name.")
	}
	if !end.After(start) {
		return Period{}, Invalid("end", "The period %q must end after it starts.", name)
	}
	return Period{Name: name, Start: start, End: end.AddDate(0, 0, 1)}, nil
}
