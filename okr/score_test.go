package okr_test

import (
	"math"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestProgress(t *testing.T) {
	metric := func(start, target, current float64) okr.Measure {
		return okr.Measure{Kind: okr.Metric, Start: start, Target: target, Current: current}
	}
	milestone := func(current float64) okr.Measure {
		return okr.Measure{Kind: okr.Milestone, Current: current}
	}
	tests := []struct {
		name string
		m    okr.Measure
		want float64
	}{
		{"increasing at start", metric(100, 200, 100), 0},
		{"increasing halfway", metric(100, 200, 150), 0.5},
		{"increasing 70%", metric(0, 10, 7), 0.7},
		{"increasing reached", metric(100, 200, 200), 1},
		{"increasing overshoot clamps", metric(100, 200, 350), 1},
		{"increasing below start clamps", metric(100, 200, 50), 0},
		{"from negative", metric(-10, 10, 0), 0.5},
		{"churn 5 to 2 at 3.5", metric(5, 2, 3.5), 0.5},
		{"churn 5 to 2 at 5", metric(5, 2, 5), 0},
		{"churn 5 to 2 reached", metric(5, 2, 2), 1},
		{"churn 5 to 2 beaten", metric(5, 2, 1), 1},
		{"churn 5 to 2 worse", metric(5, 2, 6), 0},
		{"target equals start, at it", metric(5, 5, 5), 1},
		{"target equals start, off it", metric(5, 5, 4), 0},
		{"target equals start, above it", metric(5, 5, 6), 0},
		{"milestone not done", milestone(0), 0},
		{"milestone half done is not done", milestone(0.5), 0},
		{"milestone done", milestone(1), 1},
		{"milestone done more", milestone(2), 1},
	}
	for _, tt := range tests {
		if got := tt.m.Progress(); !near(got, tt.want) {
			t.Errorf("%s: Progress() = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Not -0, which prints as "-0" in a history or an export.
	if got := metric(5, 2, 5).Progress(); math.Signbit(got) {
		t.Errorf("churn 5 to 2 at 5: Progress() = %v, want 0 without a sign", got)
	}
}

func TestDecreasing(t *testing.T) {
	tests := []struct {
		m    okr.Measure
		want bool
	}{
		{okr.Measure{Kind: okr.Metric, Start: 5, Target: 2}, true},
		{okr.Measure{Kind: okr.Metric, Start: 2, Target: 5}, false},
		{okr.Measure{Kind: okr.Metric, Start: 5, Target: 5}, false},
		{okr.Measure{Kind: okr.Milestone, Start: 1, Target: 0}, false},
	}
	for _, tt := range tests {
		if got := tt.m.Decreasing(); got != tt.want {
			t.Errorf("%+v.Decreasing() = %v, want %v", tt.m, got, tt.want)
		}
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name  string
		parts []okr.Weighted
		want  float64
	}{
		{"no key results", nil, 0},
		{"empty", []okr.Weighted{}, 0},
		{"one", []okr.Weighted{{Value: 0.7, Weight: 1}}, 0.7},
		{"equal weights", []okr.Weighted{{0.2, 1}, {0.4, 1}, {0.9, 1}}, 0.5},
		{"weighted", []okr.Weighted{{1, 3}, {0, 1}}, 0.75},
		{"fractional weights", []okr.Weighted{{1, 0.5}, {0, 1.5}}, 0.25},
		{"zero weights count as 1", []okr.Weighted{{1, 0}, {0, 0}}, 0.5},
		{"negative weights count as 1", []okr.Weighted{{1, -5}, {0, 1}}, 0.5},
		{"zero weight among weights", []okr.Weighted{{1, 0}, {0, 3}}, 0.25},
		{"all zero values", []okr.Weighted{{0, 2}, {0, 1}}, 0},
		{"all done", []okr.Weighted{{1, 2}, {1, 1}}, 1},
	}
	for _, tt := range tests {
		if got := okr.Score(tt.parts); !near(got, tt.want) {
			t.Errorf("%s: Score = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestScoreStaysInRange(t *testing.T) {
	if got := okr.Score([]okr.Weighted{{2, 1}, {3, 1}}); got != 1 {
		t.Errorf("Score of values above 1 = %v, want 1", got)
	}
	if got := okr.Score([]okr.Weighted{{-2, 1}, {-1, 1}}); got != 0 {
		t.Errorf("Score of negative values = %v, want 0", got)
	}
}

func TestRound1AndBandOf(t *testing.T) {
	tests := []struct {
		score float64
		shown float64
		band  okr.Band
	}{
		{0, 0, okr.Red},
		{0.04, 0, okr.Red},
		{0.1, 0.1, okr.Red},
		{0.3, 0.3, okr.Red},
		{0.34, 0.3, okr.Red},
		{0.349, 0.3, okr.Red},
		{0.35, 0.4, okr.Yellow}, // shown as 0.4, coloured as shown
		{0.4, 0.4, okr.Yellow},
		{0.5, 0.5, okr.Yellow},
		{0.6, 0.6, okr.Yellow},
		{0.64, 0.6, okr.Yellow},
		{0.649, 0.6, okr.Yellow},
		{0.6499999999999999, 0.7, okr.Green}, // (0.6+0.7)/2 in floating point
		{0.65, 0.7, okr.Green},
		{2.0 / 3, 0.7, okr.Green},
		{0.7, 0.7, okr.Green},
		{0.95, 1, okr.Green},
		{1.0, 1, okr.Green},
	}
	for _, tt := range tests {
		if got := okr.Round1(tt.score); !near(got, tt.shown) {
			t.Errorf("Round1(%v) = %v, want %v", tt.score, got, tt.shown)
		}
		if got := okr.BandOf(tt.score); got != tt.band {
			t.Errorf("BandOf(%v) = %s, want %s", tt.score, got, tt.band)
		}
	}
}

// A score built from check-ins is coloured the way it is shown.
func TestBandOfComputedScores(t *testing.T) {
	tests := []struct {
		parts []okr.Weighted
		band  okr.Band
	}{
		{[]okr.Weighted{{0.3, 1}, {0.4, 1}}, okr.Yellow},        // 0.35 → 0.4
		{[]okr.Weighted{{0.6, 1}, {0.7, 1}}, okr.Green},         // 0.65 → 0.7
		{[]okr.Weighted{{0.6, 1}, {0.8, 1}}, okr.Green},         // 0.7
		{[]okr.Weighted{{0.2, 1}, {0.4, 1}}, okr.Red},           // 0.3
		{[]okr.Weighted{{0.1, 1}, {0.2, 1}, {0.7, 1}}, okr.Red}, // 0.33 → 0.3
	}
	for _, tt := range tests {
		s := okr.Score(tt.parts)
		if got := okr.BandOf(s); got != tt.band {
			t.Errorf("BandOf(Score(%v) = %v) = %s, want %s", tt.parts, s, got, tt.band)
		}
	}
}

func TestBehindPace(t *testing.T) {
	tests := []struct {
		progress, elapsed float64
		want              bool
	}{
		{0, 0, false},
		{0.5, 0.5, false},
		{0.9, 0.5, false}, // ahead
		{0.5, 0.6, false},
		{0.5, 0.65, false}, // exactly 0.15 behind is within the slack
		{0.35, 0.5, false}, // idem
		{0.85, 1, false},   // idem
		{0, 0.15, false},   // idem
		{0.5, 0.66, true},  // 0.16 behind
		{0.34, 0.5, true},
		{0, 0.16, true},
		{0, 1, true},
		{0.7, 1, true},
	}
	for _, tt := range tests {
		if got := okr.BehindPace(tt.progress, tt.elapsed); got != tt.want {
			t.Errorf("BehindPace(progress %v, elapsed %v) = %v, want %v", tt.progress, tt.elapsed, got, tt.want)
		}
	}
	if okr.PaceSlack != 0.15 {
		t.Errorf("PaceSlack = %v, want 0.15", okr.PaceSlack)
	}
}
