package okr

import "fmt"

// Good OKR practice, used to coach rather than to block.
const (
	MinKeyResults = 3
	MaxKeyResults = 5
	MaxObjectives = 5
)

// CoachObjective returns advice about an objective with krCount key results
// whose owner has ownerActive active objectives in the same period (this one
// included).
func CoachObjective(krCount, ownerActive int) []string {
	var w []string
	switch {
	case krCount < MinKeyResults:
		w = append(w, fmt.Sprintf("It has %d key result%s; %d to %d make an objective measurable.", krCount, plural(krCount), MinKeyResults, MaxKeyResults))
	case krCount > MaxKeyResults:
		w = append(w, fmt.Sprintf("It has %d key results; more than %d dilutes focus.", krCount, MaxKeyResults))
	}
	if ownerActive > MaxObjectives {
		w = append(w, fmt.Sprintf("The owner has %d active objectives this period; %d or fewer keep focus.", ownerActive, MaxObjectives))
	}
	return w
}

// CoachKeyResult returns advice about one key result. label names it in the
// advice, like "#42.1".
func CoachKeyResult(label string, m Measure, hasOwner bool) []string {
	var w []string
	if m.Kind == Metric && m.Target == m.Start {
		w = append(w, fmt.Sprintf("Key result %s has the same start and target, so it cannot show progress.", label))
	}
	if !hasOwner {
		w = append(w, fmt.Sprintf("Key result %s has no owner: someone should be accountable.", label))
	}
	return w
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
