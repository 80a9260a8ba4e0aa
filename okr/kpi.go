package okr

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Direction says which way a KPI is good.
type Direction string

const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
)

// better reports whether a is better than b in direction d.
func (d Direction) better(a, b float64) bool {
	if d == LowerIsBetter {
		return a < b
	}
	return a > b
}

// Label is the direction in plain words.
func (d Direction) Label() string {
	if d == LowerIsBetter {
		return "lower is better"
	}
	return "higher is better"
}

// Cadence is how often a KPI is expected to get a new value.
type Cadence string

const (
	Daily   Cadence = "daily"
	Weekly  Cadence = "weekly"
	Monthly Cadence = "monthly"
)

// ParseCadence reads a cadence as people type it.
func ParseCadence(field, text string) (Cadence, error) {
	switch c := Cadence(strings.ToLower(strings.TrimSpace(text))); c {
	case Daily, Weekly, Monthly:
		return c, nil
	case "":
		return Weekly, nil
	}
	return "", Invalid(field, "Cadence %q is not daily, weekly or monthly.", text)
}

// Add moves t forward by n periods of the cadence (backward for negative n).
func (c Cadence) Add(t time.Time, n int) time.Time {
	switch c {
	case Daily:
		return t.AddDate(0, 0, n)
	case Monthly:
		return t.AddDate(0, n, 0)
	}
	return t.AddDate(0, 0, 7*n)
}

// GraceDays is how long past its cadence a KPI may go without a value
// before it is stale: a weekly number that arrives a day late is not news.
const GraceDays = 1

// StaleAt is when a KPI last measured at last becomes stale.
func (c Cadence) StaleAt(last time.Time) time.Time {
	return c.Add(last, 1).AddDate(0, 0, GraceDays)
}

// Derived thresholds sit this far on the wrong side of the target, as a
// fraction of it, when none are given.
const (
	DefaultWarn = 0.05
	DefaultCrit = 0.10
)

// Thresholds are the values at which a KPI is at risk (Warn) and off target
// (Crit). Both lie on the wrong side of the target, Crit at or beyond Warn.
type Thresholds struct {
	Warn float64
	Crit float64
}

// ResolveThresholds checks the thresholds a person gave (nil when not given)
// and derives the missing ones: 5% and 10% of the target on its wrong side,
// or, when only one is given, the other from it.
func ResolveThresholds(d Direction, target float64, warn, crit *float64) (Thresholds, error) {
	// wrong is +1 when bigger values are worse.
	wrong := -1.0
	if d == LowerIsBetter {
		wrong = 1
	}
	side := "below"
	if wrong > 0 {
		side = "above"
	}
	base := math.Abs(target)
	var t Thresholds
	if warn != nil {
		if d.better(*warn, target) {
			return t, Invalid("warn", "The at-risk threshold %s is on the good side of the target %s; with %s it must be at or %s the target.",
				FormatNumber(*warn), FormatNumber(target), d.Label(), side)
		}
		t.Warn = *warn
	}
	if crit != nil {
		if d.better(*crit, target) {
			return t, Invalid("crit", "The off-target threshold %s is on the good side of the target %s; with %s it must be %s the target.",
				FormatNumber(*crit), FormatNumber(target), d.Label(), side)
		}
		t.Crit = *crit
	}
	switch {
	case warn == nil && crit == nil:
		t.Warn = target + wrong*base*DefaultWarn
		t.Crit = target + wrong*base*DefaultCrit
	case warn == nil:
		t.Warn = target + (t.Crit-target)/2
	case crit == nil:
		t.Crit = target + 2*(t.Warn-target)
	}
	if d.better(t.Crit, t.Warn) {
		return t, Invalid("crit", "The off-target threshold %s must be at or %s the at-risk threshold %s.",
			FormatNumber(t.Crit), side, FormatNumber(t.Warn))
	}
	return t, nil
}

// Health is where a KPI stands.
type Health string

const (
	HealthOnTarget  Health = "on-target"
	HealthAtRisk    Health = "at-risk"
	HealthOffTarget Health = "off-target"
	HealthStale     Health = "stale"
	HealthNoData    Health = "no-data"
)

// Label is the health in plain words.
func (h Health) Label() string {
	switch h {
	case HealthOnTarget:
		return "on target"
	case HealthAtRisk:
		return "at risk"
	case HealthOffTarget:
		return "off target"
	case HealthStale:
		return "stale"
	}
	return "no data"
}

// Severity orders healths worst first for scorecards: off target, at risk,
// stale, no data, on target.
func (h Health) Severity() int {
	switch h {
	case HealthOffTarget:
		return 4
	case HealthAtRisk:
		return 3
	case HealthStale:
		return 2
	case HealthNoData:
		return 1
	}
	return 0
}

// Healths lists every health, worst first.
var Healths = []Health{HealthOffTarget, HealthAtRisk, HealthStale, HealthNoData, HealthOnTarget}

// Standing is a KPI's definition as far as its health depends on it.
type Standing struct {
	Direction  Direction
	Target     float64
	Thresholds Thresholds
	Cadence    Cadence
}

// Classify says where a value stands against the target and thresholds,
// ignoring age: on target when at least as good as the target or still
// short of the at-risk threshold, at risk from it, off target from the
// off-target threshold.
func (s Standing) Classify(v float64) Health {
	d := s.Direction
	switch {
	case !d.better(s.Target, v):
		return HealthOnTarget
	case !d.better(v, s.Thresholds.Crit):
		return HealthOffTarget
	case !d.better(v, s.Thresholds.Warn):
		return HealthAtRisk
	}
	return HealthOnTarget
}

// HealthAt is the KPI's health at now, given its latest value measured at
// last (hasValue false when it has none).
func (s Standing) HealthAt(now time.Time, hasValue bool, last time.Time, v float64) Health {
	if !hasValue {
		return HealthNoData
	}
	if now.After(s.Cadence.StaleAt(last)) {
		return HealthStale
	}
	return s.Classify(v)
}

// Alert is what a change of health is worth telling a team.
type Alert int

const (
	NoAlert Alert = iota
	Worsened
	Recovered
)

// AlertFor decides whether a change of health from one to another is news:
// getting worse (on target → at risk → off target, or becoming stale) is;
// coming back on target is; anything else is not, so a KPI that stays where
// it is, or improves without recovering, is not announced again.
func AlertFor(from, to Health) Alert {
	if from == to || to == HealthNoData {
		return NoAlert
	}
	switch to {
	case HealthOnTarget:
		if from == HealthNoData {
			return NoAlert
		}
		return Recovered
	case HealthStale:
		return Worsened
	case HealthAtRisk:
		if from == HealthOffTarget {
			return NoAlert
		}
		return Worsened
	case HealthOffTarget:
		return Worsened
	}
	return NoAlert
}

// Point is one measured value.
type Point struct {
	At    time.Time
	Value float64
}

// Change is a value's move from a base value.
type Change struct {
	Base  float64
	Delta float64
	// Pct is the change as a share of the base, in percent; NaN when the
	// base is 0.
	Pct float64
}

// Arrow shows the change's direction: ↑, ↓ or →.
func (c Change) Arrow() string {
	switch {
	case c.Delta > 0:
		return "↑"
	case c.Delta < 0:
		return "↓"
	}
	return "→"
}

// String is the change as people read it: "↑ 12.5%", "↓ 3" (no base to
// compare with), "→ 0%".
func (c Change) String() string {
	if math.IsNaN(c.Pct) {
		return c.Arrow() + " " + FormatNumber(math.Abs(c.Delta))
	}
	return c.Arrow() + " " + FormatNumber(math.Abs(c.Pct)) + "%"
}

// Improved reports whether the change is for the better in direction d.
func (c Change) Improved(d Direction) bool { return d.better(c.Delta, 0) }

func change(from, to float64) Change {
	c := Change{Base: from, Delta: to - from, Pct: math.NaN()}
	if from != 0 {
		c.Pct = c.Delta / math.Abs(from) * 100
	}
	return c
}

// Trend is the latest value against the one before it and against the one
// in effect four periods of the cadence earlier.
type Trend struct {
	Prev, Ago4 *Change
}

// PeriodsBack is how many periods the longer trend looks back.
const PeriodsBack = 4

// TrendOf computes the trend of points, oldest first. A comparison without a
// value to compare with is nil. Measurements taken up to half a day late
// still count for the period they belong to.
func TrendOf(points []Point, c Cadence) Trend {
	var t Trend
	n := len(points)
	if n < 2 {
		return t
	}
	last := points[n-1]
	prev := change(points[n-2].Value, last.Value)
	t.Prev = &prev
	cutoff := c.Add(last.At, -PeriodsBack).Add(12 * time.Hour)
	for i := n - 2; i >= 0; i-- {
		if !points[i].At.After(cutoff) {
			ago := change(points[i].Value, last.Value)
			t.Ago4 = &ago
			break
		}
	}
	return t
}

// String is the trend as people read it: "↑ 5% vs last, ↑ 20% vs 4 weeks".
func (t Trend) String(c Cadence) string {
	var parts []string
	if t.Prev != nil {
		parts = append(parts, t.Prev.String()+" vs last")
	}
	if t.Ago4 != nil {
		parts = append(parts, fmt.Sprintf("%s vs %d %s ago", t.Ago4.String(), PeriodsBack, c.unitPlural()))
	}
	return strings.Join(parts, ", ")
}

func (c Cadence) unitPlural() string {
	switch c {
	case Daily:
		return "days"
	case Monthly:
		return "months"
	}
	return "weeks"
}

// SparkLength is how many values a sparkline shows.
const SparkLength = 12

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last SparkLength values, oldest first, as block
// characters scaled between their minimum and maximum, so it reads the same
// on every platform. A flat series is drawn at mid height.
func Sparkline(values []float64) string {
	if len(values) > SparkLength {
		values = values[len(values)-SparkLength:]
	}
	if len(values) == 0 {
		return ""
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := 3
		if hi > lo {
			i = int(math.Round((v - lo) / (hi - lo) * float64(len(sparks)-1)))
		}
		b.WriteRune(sparks[i])
	}
	return b.String()
}

// ValidateKPIName refuses empty and overlong KPI names, and names that read
// as an id.
func ValidateKPIName(field, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return Invalid(field, "The KPI needs a name: write it in double quotes, like \"Churn rate\".")
	}
	if n := utf8.RuneCountInString(name); n > 80 {
		return Invalid(field, "The KPI name is %d characters long; keep it to 80 or fewer.", n)
	}
	// Commands take a KPI's id where they take its name, and the id wins:
	// a KPI named "2" would be shadowed by KPI 2.
	if digits := strings.TrimPrefix(name, "#"); digits != "" && strings.Trim(digits, "0123456789") == "" {
		return Invalid(field, "The name %q looks like an id; give the KPI a name in words, like \"Churn rate\".", name)
	}
	return nil
}

// Closest returns the candidate nearest to name by edit distance, ignoring
// case, when it is close enough to be a likely typo: at most a third of the
// name's length, and at least one edit allowed. Failing that, it returns the
// only candidate that has name as one of its words.
func Closest(name string, candidates []string) (string, bool) {
	target := []rune(strings.ToLower(strings.TrimSpace(name)))
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(target, []rune(strings.ToLower(c)))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, len(target)/3)
	if bestDist >= 0 && bestDist <= limit {
		return best, true
	}
	return onlyContaining(string(target), candidates)
}

// onlyContaining returns the one candidate that has word among its words
// ("churn" for "Churn rate"), ignoring case; none when several do or the
// word is too short to mean anything.
func onlyContaining(word string, candidates []string) (string, bool) {
	if utf8.RuneCountInString(word) < 3 {
		return "", false
	}
	found := ""
	for _, c := range candidates {
		for _, w := range strings.Fields(strings.ToLower(c)) {
			if w == word {
				if found != "" && found != c {
					return "", false
				}
				found = c
			}
		}
	}
	return found, found != ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
