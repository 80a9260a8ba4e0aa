package okr

import "math"

// Measure is how a key result is measured and where it stands.
type Measure struct {
	Kind    Kind
	Start   float64
	Target  float64
	Current float64
	// Unit is shown after (or, for currencies, before) values: "%", "$",
	// "customers".
	Unit string
}

// Progress is how far the key result has moved from its start to its target,
// from 0 to 1. It works for targets below the start ("reduce churn from 5% to
// 2%"); a milestone is 0 until done, then 1.
func (m Measure) Progress() float64 {
	if m.Kind == Milestone {
		if m.Current >= 1 {
			return 1
		}
		return 0
	}
	span := m.Target - m.Start
	if span == 0 {
		if m.Current == m.Target {
			return 1
		}
		return 0
	}
	return clamp((m.Current - m.Start) / span)
}

// Decreasing reports whether the key result is reached by going down.
func (m Measure) Decreasing() bool { return m.Kind == Metric && m.Target < m.Start }

// Weighted is one part of a weighted mean.
type Weighted struct {
	Value  float64
	Weight float64
}

// Score is the weighted mean of the parts' values: an objective's score from
// its key results' progress. Parts with no positive weight count as weight 1,
// and no parts score 0.
func Score(parts []Weighted) float64 {
	var sum, weights float64
	for _, p := range parts {
		w := p.Weight
		if w <= 0 {
			w = 1
		}
		sum += p.Value * w
		weights += w
	}
	if weights == 0 {
		return 0
	}
	return clamp(sum / weights)
}

// Round1 rounds a score to the one decimal that people see: 0.66 → 0.7.
// Halves round up, including those that floating point leaves just below
// (the mean of 0.6 and 0.7 is 0.6499999999999999).
func Round1(score float64) float64 { return math.Round(score*10+1e-9) / 10 }

// Band is the colour of a score.
type Band string

const (
	Red    Band = "red"
	Yellow Band = "yellow"
	Green  Band = "green"
)

// BandOf colours a score as shown (one decimal): 0.0–0.3 red, 0.4–0.6 yellow,
// 0.7–1.0 green. 0.7 is a good result for a stretch goal.
func BandOf(score float64) Band {
	switch r := Round1(score); {
	case r >= 0.7:
		return Green
	case r >= 0.4:
		return Yellow
	default:
		return Red
	}
}

// PaceSlack is how far behind the elapsed share of its period a key result
// may fall before it is behind pace.
const PaceSlack = 0.15

// BehindPace reports whether progress trails the time elapsed (a fraction of
// the period) by more than PaceSlack.
func BehindPace(progress, elapsed float64) bool {
	return elapsed-progress > PaceSlack+1e-9
}

// clamp keeps v within 0 to 1. Negative zero, which a target below its
// start gives before any progress, becomes 0, so it never prints as "-0".
func clamp(v float64) float64 {
	switch {
	case math.IsNaN(v) || v <= 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}
