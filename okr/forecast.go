package okr

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// ForecastKind says what a forecast rests on.
type ForecastKind int

const (
	// NotEnoughCheckIns: fewer than two check-ins in the period, at
	// different times, so there is no trend to extend.
	NotEnoughCheckIns ForecastKind = iota
	// Projected: the trend of the period's check-ins, extended to its end.
	Projected
	// Ended: the period is over; the key result ends where it stands.
	Ended
	// OpenMilestone: a milestone not done yet. It will be done or not; no
	// trend says which.
	OpenMilestone
)

// A Forecast is where a key result (or an objective) is heading by the end
// of its period.
type Forecast struct {
	Kind ForecastKind
	// Now is the score as it stands.
	Now float64
	// Score is the projected score at the period's end, from 0 to 1. When
	// Kind is not Projected there is no projection and Score equals Now, so
	// that an objective's forecast counts such key results as they stand.
	Score float64
	// Value is a key result's projected value at the period's end (its
	// current value without a projection); zero for an objective.
	Value float64
}

// SameCheckIn is how close check-ins must be to count as one, the latest:
// a second check-in the same morning corrects the first, and a trend drawn
// between them would extend minutes of change over a whole quarter.
const SameCheckIn = 12 * time.Hour

// ForecastKeyResult projects a key result measured by m to the end of
// period p, at now, from its check-ins (any order). The trend is the
// Theil–Sen line: the median of the slopes between every two check-ins, so
// a mistyped value or a one-off jump barely moves it. Only check-ins from
// the period's start up to now count: earlier values describe another time,
// and later ones let a past forecast be worked out from the whole history.
// m.Current is the value as of now.
func ForecastKeyResult(m Measure, history []Point, p Period, now time.Time) Forecast {
	f := Forecast{Kind: NotEnoughCheckIns, Now: m.Progress(), Value: m.Current}
	f.Score = f.Now
	switch {
	case !now.Before(p.End):
		f.Kind = Ended
		return f
	case m.Kind == Milestone && f.Now < 1:
		f.Kind = OpenMilestone
		return f
	case m.Kind == Milestone:
		f.Kind = Projected
		return f
	}
	points := periodPoints(history, p, now)
	if len(points) < 2 {
		return f
	}
	// Hours from the period's start keep the numbers small and exact.
	hours := func(t time.Time) float64 { return t.Sub(p.Start).Hours() }
	slopes := make([]float64, 0, len(points)*(len(points)-1)/2)
	for i := range points {
		for j := i + 1; j < len(points); j++ {
			slopes = append(slopes, (points[j].Value-points[i].Value)/(hours(points[j].At)-hours(points[i].At)))
		}
	}
	slope := median(slopes)
	offsets := make([]float64, len(points))
	for i, pt := range points {
		offsets[i] = pt.Value - slope*hours(pt.At)
	}
	v := median(offsets) + slope*hours(p.End)
	f.Kind, f.Value = Projected, boundForecast(v, m, points)
	projected := m
	projected.Current = f.Value
	f.Score = projected.Progress()
	return f
}

// periodPoints returns the check-ins in [p.Start, now], oldest first, with
// each run of check-ins made within SameCheckIn of the run's first counted
// once, as its latest.
func periodPoints(history []Point, p Period, now time.Time) []Point {
	var in []Point
	for _, pt := range history {
		if !pt.At.Before(p.Start) && !pt.At.After(now) {
			in = append(in, pt)
		}
	}
	slices.SortStableFunc(in, func(a, b Point) int { return a.At.Compare(b.At) })
	var out []Point
	var runStart time.Time
	for _, pt := range in {
		if len(out) > 0 && pt.At.Sub(runStart) < SameCheckIn {
			out[len(out)-1] = pt
			continue
		}
		runStart = pt.At
		out = append(out, pt)
	}
	return out
}

// boundForecast keeps a projected value believable: a metric that has never
// been on the other side of zero (start, target and every check-in) is not
// forecast to cross it, and no forecast leaves the range of numbers okrbot
// accepts.
func boundForecast(v float64, m Measure, points []Point) float64 {
	nonNegative, nonPositive := m.Start >= 0 && m.Target >= 0, m.Start <= 0 && m.Target <= 0
	for _, pt := range points {
		nonNegative = nonNegative && pt.Value >= 0
		nonPositive = nonPositive && pt.Value <= 0
	}
	switch {
	case nonNegative && v < 0, nonPositive && v > 0:
		v = 0
	}
	return math.Max(-MaxNumber, math.Min(MaxNumber, v))
}

func median(vs []float64) float64 {
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// WeightedForecast is a key result's forecast with its weight in its
// objective.
type WeightedForecast struct {
	Forecast Forecast
	Weight   float64
}

// ForecastObjective is an objective's forecast: the weighted mean of its key
// results' forecasts, weighed as Score weighs them, with key results that
// have no projection counted as they stand. It is Projected when at least
// one key result is, and Ended when the period is over.
func ForecastObjective(krs []WeightedForecast) Forecast {
	now := make([]Weighted, len(krs))
	projected := make([]Weighted, len(krs))
	kind := NotEnoughCheckIns
	for i, kr := range krs {
		now[i] = Weighted{Value: kr.Forecast.Now, Weight: kr.Weight}
		projected[i] = Weighted{Value: kr.Forecast.Score, Weight: kr.Weight}
		switch {
		case kr.Forecast.Kind == Ended:
			kind = Ended
		case kr.Forecast.Kind == Projected && kind != Ended:
			kind = Projected
		}
	}
	f := Forecast{Kind: kind, Now: Score(now), Score: Score(projected)}
	if kind != Projected {
		f.Score = f.Now
	}
	return f
}

// String is the forecast as people read it, in plain text with scores to
// one decimal: "0.4 now · on course for 0.6".
func (f Forecast) String() string {
	switch f.Kind {
	case Projected:
		return fmt.Sprintf("%.1f now · on course for %.1f", Round1(f.Now), Round1(f.Score))
	case Ended:
		return fmt.Sprintf("%.1f at the end of the period", Round1(f.Now))
	case OpenMilestone:
		return fmt.Sprintf("%.1f now · not done yet", Round1(f.Now))
	}
	return fmt.Sprintf("%.1f now · not enough check-ins for a forecast", Round1(f.Now))
}
