package okr_test

import (
	"math"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// q4 is 2026-Q4: 92 days, from 1 October to 1 January.
var q4 = okr.Quarter(2026, 4)

// day is a moment d days into 2026-Q4 (fractions are parts of a day).
func day(d float64) time.Time { return q4.Start.Add(time.Duration(d * float64(24*time.Hour))) }

// series makes check-ins from pairs of (day, value).
func series(pairs ...float64) []okr.Point {
	var ps []okr.Point
	for i := 0; i+1 < len(pairs); i += 2 {
		ps = append(ps, okr.Point{At: day(pairs[i]), Value: pairs[i+1]})
	}
	return ps
}

func metric(start, target, current float64) okr.Measure {
	return okr.Measure{Kind: okr.Metric, Start: start, Target: target, Current: current}
}

func TestForecastKeyResult(t *testing.T) {
	tests := []struct {
		name    string
		m       okr.Measure
		history []okr.Point
		now     time.Time
		kind    okr.ForecastKind
		value   float64 // projected value
		score   float64
		shown   string
	}{
		{"flat", metric(0, 100, 50), series(7, 50, 14, 50, 21, 50, 28, 50), day(30),
			okr.Projected, 50, 0.5, "0.5 now · on course for 0.5"},
		{"rising one a day", metric(0, 100, 30), series(10, 10, 20, 20, 30, 30), day(31),
			okr.Projected, 92, 0.92, "0.3 now · on course for 0.9"},
		{"rising past the target counts as reached", metric(0, 50, 30), series(10, 10, 20, 20, 30, 30), day(31),
			okr.Projected, 92, 1, "0.6 now · on course for 1.0"},
		{"falling", metric(0, 100, 50), series(10, 60, 20, 55, 30, 50), day(31),
			okr.Projected, 19, 0.19, "0.5 now · on course for 0.2"},
		{"falling below zero stops at zero", metric(0, 100, 30), series(10, 40, 20, 35, 30, 30), day(31),
			okr.Projected, 0, 0, "0.3 now · on course for 0.0"},
		{"negative values may go further down", metric(-50, 0, -30), series(10, -20, 20, -25, 30, -30), day(31),
			okr.Projected, -61, 0, "0.4 now · on course for 0.0"},
		{"cut churn 5% to 2%, on its way", metric(5, 2, 4.2), series(10, 4.8, 20, 4.5, 30, 4.2), day(31),
			okr.Projected, 2.34, (2.34 - 5) / (2 - 5), "0.3 now · on course for 0.9"},
		{"cut churn 5% to 2%, rising instead", metric(5, 2, 6), series(10, 5, 20, 5.5, 30, 6), day(31),
			okr.Projected, 9.1, 0, "0.0 now · on course for 0.0"},
		{"cut churn 5% to 2%, beats it but not below zero", metric(5, 2, 2), series(10, 4, 20, 3, 30, 2), day(31),
			okr.Projected, 0, 1, "1.0 now · on course for 1.0"},
		{"milestone not done", okr.Measure{Kind: okr.Milestone}, series(10, 0, 20, 0, 30, 0), day(31),
			okr.OpenMilestone, 0, 0, "0.0 now · not done yet"},
		{"milestone done", okr.Measure{Kind: okr.Milestone, Current: 1}, series(10, 0, 20, 1), day(31),
			okr.Projected, 1, 1, "1.0 now · on course for 1.0"},
		{"milestone done without check-ins", okr.Measure{Kind: okr.Milestone, Current: 1}, nil, day(31),
			okr.Projected, 1, 1, "1.0 now · on course for 1.0"},
		// 40 in 45.5 days, then half a day more at that pace.
		{"check-in on the last day", metric(0, 100, 50), series(46, 10, 91.5, 50), day(91.75),
			okr.Projected, 50 + 0.5*40/45.5, (50 + 0.5*40/45.5) / 100, "0.5 now · on course for 0.5"},
		// The typo 400 would drag a least-squares line to 260 at the end.
		{"an outlier barely counts", metric(0, 100, 60), series(10, 10, 20, 20, 30, 30, 40, 400, 50, 50, 60, 60), day(61),
			okr.Projected, 92, 0.92, "0.6 now · on course for 0.9"},
		// The last two check-ins alone would say half the pace: 66 at the end.
		{"one slow week does not undo the trend", metric(0, 100, 45), series(10, 10, 20, 20, 30, 30, 40, 40, 50, 45), day(51),
			okr.Projected, 92, 0.92, "0.5 now · on course for 0.9"},
		// Flat before the period, one a day in it: only the period counts.
		{"check-ins before the period start", metric(0, 100, 20), series(-20, 0, -10, 0, 10, 10, 20, 20), day(21),
			okr.Projected, 92, 0.92, "0.2 now · on course for 0.9"},
		{"one before the start and one in the period", metric(0, 100, 20), series(-10, 0, 20, 20), day(21),
			okr.NotEnoughCheckIns, 20, 0.2, "0.2 now · not enough check-ins for a forecast"},
		{"period already ended", metric(0, 100, 70), series(10, 10, 50, 50, 80, 70), q4.End.Add(72 * time.Hour),
			okr.Ended, 70, 0.7, "0.7 at the end of the period"},
		{"period ended at this instant", metric(0, 100, 70), series(10, 10, 50, 50, 80, 70), q4.End,
			okr.Ended, 70, 0.7, "0.7 at the end of the period"},
		{"milestone when the period ended", okr.Measure{Kind: okr.Milestone}, nil, q4.End,
			okr.Ended, 0, 0, "0.0 at the end of the period"},
		{"no check-ins", metric(0, 100, 0), nil, day(31),
			okr.NotEnoughCheckIns, 0, 0, "0.0 now · not enough check-ins for a forecast"},
		{"one check-in", metric(0, 100, 30), series(30, 30), day(31),
			okr.NotEnoughCheckIns, 30, 0.3, "0.3 now · not enough check-ins for a forecast"},
		{"two at one instant", metric(0, 100, 30), series(30, 20, 30, 30), day(31),
			okr.NotEnoughCheckIns, 30, 0.3, "0.3 now · not enough check-ins for a forecast"},
		{"a correction an hour later is no trend", metric(0, 100, 30), series(30, 20, 30+1.0/24, 30), day(31),
			okr.NotEnoughCheckIns, 30, 0.3, "0.3 now · not enough check-ins for a forecast"},
		// 10 corrected to 12 the same morning, then 22 ten days later.
		{"a correction counts as the corrected value", metric(0, 100, 22), series(9.9, 10, 10, 12, 20, 22), day(21),
			okr.Projected, 12 + 82, 0.94, "0.2 now · on course for 0.9"},
		// Check-ins after now are not known yet: a past forecast ignores them.
		{"later check-ins are ignored", metric(0, 100, 20), series(10, 10, 20, 20, 30, 90, 40, 95), day(25),
			okr.Projected, 92, 0.92, "0.2 now · on course for 0.9"},
		{"before the period starts", metric(0, 100, 0), series(-20, 0, -10, 5), day(-5),
			okr.NotEnoughCheckIns, 0, 0, "0.0 now · not enough check-ins for a forecast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := okr.ForecastKeyResult(tt.m, tt.history, q4, tt.now)
			if f.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v", f.Kind, tt.kind)
			}
			if math.Abs(f.Value-tt.value) > 1e-6 {
				t.Errorf("Value = %v, want %v", f.Value, tt.value)
			}
			if math.Abs(f.Score-tt.score) > 1e-6 {
				t.Errorf("Score = %v, want %v", f.Score, tt.score)
			}
			if f.Now != tt.m.Progress() {
				t.Errorf("Now = %v, want the progress %v", f.Now, tt.m.Progress())
			}
			if got := f.String(); got != tt.shown {
				t.Errorf("String() = %q, want %q", got, tt.shown)
			}
		})
	}
}

// Check-ins may come in any order; equal times keep their order, so the
// latest recorded wins a run.
func TestForecastKeyResultOrderDoesNotMatter(t *testing.T) {
	m := metric(0, 100, 30)
	want := okr.ForecastKeyResult(m, series(10, 10, 20, 20, 30, 30), q4, day(31))
	got := okr.ForecastKeyResult(m, series(30, 30, 10, 10, 20, 20), q4, day(31))
	if got != want {
		t.Errorf("shuffled: %+v, want %+v", got, want)
	}
}

// A huge jump over a short time cannot project past the numbers okrbot
// accepts.
func TestForecastKeyResultStaysFinite(t *testing.T) {
	f := okr.ForecastKeyResult(metric(0, 1, 1e15), series(1, 0, 1.5, 1e15), q4, day(2))
	if f.Kind != okr.Projected || f.Value != okr.MaxNumber || f.Score != 1 {
		t.Errorf("forecast = %+v, want Projected at %v with score 1", f, okr.MaxNumber)
	}
}

func TestForecastObjective(t *testing.T) {
	projected := func(now, score float64) okr.Forecast {
		return okr.Forecast{Kind: okr.Projected, Now: now, Score: score}
	}
	without := func(kind okr.ForecastKind, now float64) okr.Forecast {
		return okr.Forecast{Kind: kind, Now: now, Score: now}
	}
	tests := []struct {
		name       string
		krs        []okr.WeightedForecast
		kind       okr.ForecastKind
		now, score float64
		shown      string
	}{
		{"no key results", nil, okr.NotEnoughCheckIns, 0, 0, "0.0 now · not enough check-ins for a forecast"},
		{"equal weights", []okr.WeightedForecast{{projected(0.2, 0.6), 1}, {projected(0.4, 0.8), 1}},
			okr.Projected, 0.3, 0.7, "0.3 now · on course for 0.7"},
		{"weighted as Score weighs", []okr.WeightedForecast{{projected(0, 1), 3}, {projected(0, 0), 1}},
			okr.Projected, 0, 0.75, "0.0 now · on course for 0.8"},
		{"zero weight counts as one", []okr.WeightedForecast{{projected(0, 1), 0}, {projected(0, 0), 1}},
			okr.Projected, 0, 0.5, "0.0 now · on course for 0.5"},
		{"key results without a trend count as they stand",
			[]okr.WeightedForecast{{projected(0.2, 0.8), 1}, {without(okr.NotEnoughCheckIns, 0.4), 1}, {without(okr.OpenMilestone, 0), 1}},
			okr.Projected, 0.2, 0.4, "0.2 now · on course for 0.4"},
		{"none with a trend", []okr.WeightedForecast{{without(okr.NotEnoughCheckIns, 0.4), 1}, {without(okr.OpenMilestone, 0), 1}},
			okr.NotEnoughCheckIns, 0.2, 0.2, "0.2 now · not enough check-ins for a forecast"},
		{"period ended", []okr.WeightedForecast{{without(okr.Ended, 0.6), 1}, {without(okr.Ended, 0.8), 1}},
			okr.Ended, 0.7, 0.7, "0.7 at the end of the period"},
	}
	for _, tt := range tests {
		f := okr.ForecastObjective(tt.krs)
		if f.Kind != tt.kind || !near(f.Now, tt.now) || !near(f.Score, tt.score) || f.Value != 0 {
			t.Errorf("%s: %+v, want kind %v, now %v, score %v", tt.name, f, tt.kind, tt.now, tt.score)
		}
		if got := f.String(); got != tt.shown {
			t.Errorf("%s: String() = %q, want %q", tt.name, got, tt.shown)
		}
	}
}

// The whole way: an objective with three check-ins on one key result and
// none on the other.
func TestForecastObjectiveFromKeyResults(t *testing.T) {
	now := day(31)
	revenue := okr.ForecastKeyResult(metric(0, 100, 30), series(10, 10, 20, 20, 30, 30), q4, now)
	launch := okr.ForecastKeyResult(okr.Measure{Kind: okr.Milestone}, nil, q4, now)
	f := okr.ForecastObjective([]okr.WeightedForecast{{revenue, 2}, {launch, 1}})
	if got, want := f.String(), "0.2 now · on course for 0.6"; got != want {
		t.Errorf("objective forecast %q, want %q (%+v)", got, want, f)
	}
}
