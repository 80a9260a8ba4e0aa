package okr_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func ptr(v float64) *float64 { return &v }

func TestResolveThresholds(t *testing.T) {
	tests := []struct {
		name       string
		dir        okr.Direction
		target     float64
		warn, crit *float64
		want       okr.Thresholds
	}{
		{"derived, higher is better", okr.HigherIsBetter, 100, nil, nil, okr.Thresholds{Warn: 95, Crit: 90}},
		{"derived, lower is better", okr.LowerIsBetter, 2, nil, nil, okr.Thresholds{Warn: 2.1, Crit: 2.2}},
		{"derived, negative target", okr.HigherIsBetter, -10, nil, nil, okr.Thresholds{Warn: -10.5, Crit: -11}},
		{"derived, zero target", okr.LowerIsBetter, 0, nil, nil, okr.Thresholds{Warn: 0, Crit: 0}},
		{"given both", okr.LowerIsBetter, 2, ptr(2.5), ptr(3), okr.Thresholds{Warn: 2.5, Crit: 3}},
		{"warn at the target", okr.HigherIsBetter, 100, ptr(100), ptr(80), okr.Thresholds{Warn: 100, Crit: 80}},
		{"only warn: crit twice as far", okr.HigherIsBetter, 100, ptr(90), nil, okr.Thresholds{Warn: 90, Crit: 80}},
		{"only crit: warn half way", okr.LowerIsBetter, 2, nil, ptr(4), okr.Thresholds{Warn: 3, Crit: 4}},
	}
	for _, tt := range tests {
		got, err := okr.ResolveThresholds(tt.dir, tt.target, tt.warn, tt.crit)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !near(got.Warn, tt.want.Warn) || !near(got.Crit, tt.want.Crit) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestResolveThresholdsRefusesTheWrongSide(t *testing.T) {
	tests := []struct {
		name       string
		dir        okr.Direction
		target     float64
		warn, crit *float64
		field      string
		parts      []string
	}{
		{"warn below a lower-is-better target", okr.LowerIsBetter, 2, ptr(1.5), nil, "warn", []string{"1.5", "good side", "target 2", "above"}},
		{"warn above a higher-is-better target", okr.HigherIsBetter, 100, ptr(110), nil, "warn", []string{"110", "below"}},
		{"crit on the good side", okr.LowerIsBetter, 2, nil, ptr(1), "crit", []string{"off-target threshold 1"}},
		{"crit before warn", okr.LowerIsBetter, 2, ptr(3), ptr(2.5), "crit", []string{"2.5", "at-risk threshold 3"}},
	}
	for _, tt := range tests {
		_, err := okr.ResolveThresholds(tt.dir, tt.target, tt.warn, tt.crit)
		t.Run(tt.name, func(t *testing.T) { wantInvalid(t, err, tt.field, tt.parts...) })
	}
}

func TestHealth(t *testing.T) {
	churn := okr.Standing{Direction: okr.LowerIsBetter, Target: 2, Thresholds: okr.Thresholds{Warn: 2.5, Crit: 3}, Cadence: okr.Weekly}
	nps := okr.Standing{Direction: okr.HigherIsBetter, Target: 50, Thresholds: okr.Thresholds{Warn: 45, Crit: 40}, Cadence: okr.Monthly}
	zero := okr.Standing{Direction: okr.LowerIsBetter, Target: 0, Cadence: okr.Daily}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	now := day(20)
	tests := []struct {
		name string
		s    okr.Standing
		has  bool
		at   time.Time
		v    float64
		want okr.Health
	}{
		{"no value", churn, false, time.Time{}, 0, okr.HealthNoData},
		{"better than target", churn, true, day(19), 1.5, okr.HealthOnTarget},
		{"at target", churn, true, day(19), 2, okr.HealthOnTarget},
		{"worse than target, short of warn", churn, true, day(19), 2.4, okr.HealthOnTarget},
		{"at warn", churn, true, day(19), 2.5, okr.HealthAtRisk},
		{"between warn and crit", churn, true, day(19), 2.9, okr.HealthAtRisk},
		{"at crit", churn, true, day(19), 3, okr.HealthOffTarget},
		{"beyond crit", churn, true, day(19), 7, okr.HealthOffTarget},
		{"weekly, 8 days old: in grace", churn, true, day(12), 1, okr.HealthOnTarget},
		{"weekly, exactly cadence + grace day", churn, true, day(12), 1, okr.HealthOnTarget},
		{"weekly, a minute past grace", churn, true, day(12).Add(-time.Minute), 1, okr.HealthStale},
		{"stale beats off target", churn, true, day(1), 9, okr.HealthStale},
		{"higher: above target", nps, true, day(1), 60, okr.HealthOnTarget},
		{"higher: at warn", nps, true, day(1), 45, okr.HealthAtRisk},
		{"higher: below crit", nps, true, day(1), 10, okr.HealthOffTarget},
		{"monthly: a month and a day old", nps, true, time.Date(2026, 10, 19, 9, 0, 0, 0, time.UTC), 60, okr.HealthOnTarget},
		{"monthly: older", nps, true, time.Date(2026, 10, 18, 9, 0, 0, 0, time.UTC), 60, okr.HealthStale},
		{"zero target: at it", zero, true, day(20), 0, okr.HealthOnTarget},
		{"zero target: any worse is off", zero, true, day(20), 0.1, okr.HealthOffTarget},
		{"daily, 2 days old is stale", zero, true, day(18).Add(-time.Second), 0, okr.HealthStale},
	}
	for _, tt := range tests {
		if got := tt.s.HealthAt(now, tt.has, tt.at, tt.v); got != tt.want {
			t.Errorf("%s: health = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestAlertFor(t *testing.T) {
	on, risk, off, stale, none := okr.HealthOnTarget, okr.HealthAtRisk, okr.HealthOffTarget, okr.HealthStale, okr.HealthNoData
	tests := []struct {
		from, to okr.Health
		want     okr.Alert
	}{
		{on, on, okr.NoAlert},
		{on, risk, okr.Worsened},
		{risk, off, okr.Worsened},
		{on, off, okr.Worsened},
		{off, off, okr.NoAlert},
		{off, risk, okr.NoAlert}, // better, but not recovered
		{risk, on, okr.Recovered},
		{off, on, okr.Recovered},
		{stale, on, okr.Recovered},
		{on, stale, okr.Worsened},
		{off, stale, okr.Worsened},
		{stale, stale, okr.NoAlert},
		{stale, off, okr.Worsened},
		{none, on, okr.NoAlert},
		{none, risk, okr.Worsened},
		{on, none, okr.NoAlert},
	}
	for _, tt := range tests {
		if got := okr.AlertFor(tt.from, tt.to); got != tt.want {
			t.Errorf("AlertFor(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestHealthsAreWorstFirst(t *testing.T) {
	for i := 1; i < len(okr.Healths); i++ {
		if okr.Healths[i-1].Severity() <= okr.Healths[i].Severity() {
			t.Errorf("%s listed before %s", okr.Healths[i-1], okr.Healths[i])
		}
	}
}

func TestTrend(t *testing.T) {
	week := func(n int, v float64) okr.Point {
		return okr.Point{At: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, 7*n), Value: v}
	}
	tests := []struct {
		name          string
		points        []okr.Point
		prev, ago4    string
		improvedLower bool
	}{
		{"no values", nil, "", "", false},
		{"one value", []okr.Point{week(0, 5)}, "", "", false},
		{"two values", []okr.Point{week(0, 4), week(1, 5)}, "↑ 25%", "", false},
		{"four weeks back", []okr.Point{week(0, 10), week(1, 8), week(2, 9), week(3, 9), week(4, 5)}, "↓ 44.44%", "↓ 50%", true},
		{"late measurement still counts", []okr.Point{{At: week(0, 10).At.Add(6 * time.Hour), Value: 10}, week(4, 12)}, "↑ 20%", "↑ 20%", false},
		{"too recent for four weeks", []okr.Point{week(2, 10), week(4, 10)}, "→ 0%", "", false},
		{"from zero", []okr.Point{week(0, 0), week(1, 3)}, "↑ 3", "", false},
		{"negative base", []okr.Point{week(0, -10), week(1, -5)}, "↑ 50%", "", false},
	}
	for _, tt := range tests {
		tr := okr.TrendOf(tt.points, okr.Weekly)
		got := func(c *okr.Change) string {
			if c == nil {
				return ""
			}
			return c.String()
		}
		if got(tr.Prev) != tt.prev || got(tr.Ago4) != tt.ago4 {
			t.Errorf("%s: trend = %q / %q, want %q / %q", tt.name, got(tr.Prev), got(tr.Ago4), tt.prev, tt.ago4)
		}
		if tr.Prev != nil && tr.Prev.Improved(okr.LowerIsBetter) != tt.improvedLower {
			t.Errorf("%s: Improved(lower is better) = %v", tt.name, !tt.improvedLower)
		}
	}
	tr := okr.TrendOf([]okr.Point{week(0, 10), week(1, 8), week(4, 5)}, okr.Weekly)
	if s := tr.String(okr.Weekly); s != "↓ 37.5% vs last, ↓ 50% vs 4 weeks ago" {
		t.Errorf("String = %q", s)
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		values []float64
		want   string
	}{
		{nil, ""},
		{[]float64{5}, "▄"},
		{[]float64{3, 3, 3}, "▄▄▄"},
		{[]float64{0, 7}, "▁█"},
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]float64{7, 6, 5, 4, 3, 2, 1, 0}, "█▇▆▅▄▃▂▁"},
		// Only the last 12 count: the early 1000 does not flatten the rest.
		{[]float64{1000, 0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 0}, "▁▂▃▄▅▆▇████▁"},
		{[]float64{-2, -1, math.Copysign(0, -1)}, "▁▅█"},
	}
	for _, tt := range tests {
		if got := okr.Sparkline(tt.values); got != tt.want {
			t.Errorf("Sparkline(%v) = %q, want %q", tt.values, got, tt.want)
		}
	}
}

func TestParseCadence(t *testing.T) {
	for text, want := range map[string]okr.Cadence{"": okr.Weekly, "daily": okr.Daily, " Weekly ": okr.Weekly, "MONTHLY": okr.Monthly} {
		got, err := okr.ParseCadence("cadence", text)
		if err != nil || got != want {
			t.Errorf("ParseCadence(%q) = %q, %v; want %q", text, got, err, want)
		}
	}
	_, err := okr.ParseCadence("cadence", "hourly")
	wantInvalid(t, err, "cadence", `"hourly"`, "daily, weekly or monthly")
}

func TestClosest(t *testing.T) {
	names := []string{"Churn rate", "NPS", "Monthly recurring revenue", "Active users"}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"churn rat", "Churn rate", true},
		{"CHURN RATE", "Churn rate", true},
		{"Chrun rate", "Churn rate", true},
		{"NSP", "NPS", false}, // two edits on three letters is a different word
		{"NPs", "NPS", true},
		{"active user", "Active users", true},
		{"revenue", "Monthly recurring revenue", true}, // one of its words
		{"churn", "Churn rate", true},
		{"rate", "Churn rate", true},
		{"users", "Active users", true},
		{"ra", "", false}, // too short to mean anything
		{"zzz", "", false},
	}
	for _, tt := range tests {
		got, ok := okr.Closest(tt.name, names)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := okr.Closest("x", nil); ok {
		t.Error("Closest with no candidates found one")
	}
}

func TestValidateKPIName(t *testing.T) {
	if err := okr.ValidateKPIName("name", "Churn rate"); err != nil {
		t.Error(err)
	}
	wantInvalid(t, okr.ValidateKPIName("name", "  "), "name", "needs a name")
	long := strings.Repeat("é", 81)
	wantInvalid(t, okr.ValidateKPIName("name", long), "name", "81 characters")
	// A name that reads as an id would be shadowed by the KPI with that id.
	for _, name := range []string{"2", "#12", " 007 "} {
		wantInvalid(t, okr.ValidateKPIName("name", name), "name", "looks like an id")
	}
	for _, name := range []string{"2024 revenue", "#1 priority", "#"} {
		if err := okr.ValidateKPIName("name", name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
}
