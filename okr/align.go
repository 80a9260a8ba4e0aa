package okr

// AlignmentLoop finds a loop in alignments, where parent maps each
// objective to the one it aligns to. It follows each objective of order in
// turn and returns the first loop met, from the objective where it closes
// back to that objective ("#3", "#5", "#3"), or nil when there is none.
// Objectives with no parent end a path.
func AlignmentLoop(parent map[string]string, order []string) []string {
	done := map[string]bool{}
	for _, start := range order {
		seen := map[string]int{}
		var path []string
		for n := start; n != "" && !done[n]; n = parent[n] {
			if i, ok := seen[n]; ok {
				return append(path[i:], n)
			}
			seen[n] = len(path)
			path = append(path, n)
		}
		for _, n := range path {
			done[n] = true
		}
	}
	return nil
}
