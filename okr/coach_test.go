package okr_test

import (
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// wantAdvice checks that advice has one line per entry of want, each
// containing its entry.
func wantAdvice(t *testing.T, what string, advice []string, want ...string) {
	t.Helper()
	if len(advice) != len(want) {
		t.Errorf("%s: advice = %q, want %d line(s) containing %q", what, advice, len(want), want)
		return
	}
	for i, w := range want {
		if !strings.Contains(advice[i], w) {
			t.Errorf("%s: advice[%d] = %q, want it to contain %q", what, i, advice[i], w)
		}
	}
}

func TestCoachObjective(t *testing.T) {
	tests := []struct {
		name        string
		krs, active int
		want        []string
	}{
		{"no key results", 0, 1, []string{"It has 0 key results; 3 to 5"}},
		{"one key result", 1, 1, []string{"It has 1 key result; 3 to 5"}},
		{"two key results", 2, 1, []string{"It has 2 key results; 3 to 5"}},
		{"three", 3, 1, nil},
		{"four", 4, 3, nil},
		{"five", 5, 5, nil},
		{"six key results", 6, 1, []string{"It has 6 key results; more than 5"}},
		{"owner with six objectives", 4, 6, []string{"6 active objectives this period; 5 or fewer"}},
		{"both", 7, 8, []string{"7 key results", "8 active objectives"}},
		{"too few and too many objectives", 2, 6, []string{"2 key results", "6 active objectives"}},
	}
	for _, tt := range tests {
		wantAdvice(t, tt.name, okr.CoachObjective(tt.krs, tt.active), tt.want...)
	}
}

func TestCoachKeyResult(t *testing.T) {
	tests := []struct {
		name     string
		m        okr.Measure
		hasOwner bool
		want     []string
	}{
		{"good metric", okr.Measure{Kind: okr.Metric, Start: 0, Target: 100}, true, nil},
		{"decreasing metric", okr.Measure{Kind: okr.Metric, Start: 5, Target: 2}, true, nil},
		{"target equals start", okr.Measure{Kind: okr.Metric, Start: 10, Target: 10}, true,
			[]string{"Key result #42.1 has the same start and target"}},
		{"milestone", okr.Measure{Kind: okr.Milestone}, true, nil},
		{"milestone with equal start and target", okr.Measure{Kind: okr.Milestone, Start: 1, Target: 1}, true, nil},
		{"no owner", okr.Measure{Kind: okr.Metric, Start: 0, Target: 1}, false,
			[]string{"Key result #42.1 has no owner"}},
		{"milestone with no owner", okr.Measure{Kind: okr.Milestone}, false, []string{"no owner"}},
		{"both", okr.Measure{Kind: okr.Metric}, false, []string{"same start and target", "no owner"}},
	}
	for _, tt := range tests {
		wantAdvice(t, tt.name, okr.CoachKeyResult("#42.1", tt.m, tt.hasOwner), tt.want...)
	}
}
