package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/okrbot/okrbot/okr"
)

// An ObjectiveLine is an objective as a page of thousands of them shows
// it, one line each: the dashboard's tree, Home's glance and the review
// of a whole period. Reading only
// these columns, rather than every column of objectives, owners, teams,
// periods, key results and their owners, is what keeps a tree of 2,000
// objectives and 8,000 key results within its time (docs/BENCHMARKS.md,
// "Dashboard").
type ObjectiveLine struct {
	ID         uint
	Number     int64
	Title      string
	ParentID   *uint
	Status     okr.Status
	FinalScore *float64
	// OwnerID is read WithIDs only.
	OwnerID uint
	// OwnerName and OwnerPlatformID are the owner's, for the name shown.
	OwnerName, OwnerPlatformID string
	// Team is the team's name, or "" for a company objective.
	Team string
	// Outcome and Retrospective are read WithGrades only.
	Outcome       okr.Outcome
	Retrospective string
	KeyResults    []KeyResultMeasure
}

// Owner is the name shown for the line's owner: their name, or their
// platform id when they have none.
func (o ObjectiveLine) Owner() string {
	if o.OwnerName != "" {
		return o.OwnerName
	}
	return o.OwnerPlatformID
}

// A KeyResultMeasure is a key result's measure and weight: what its
// objective's score, pace and forecast are computed from.
type KeyResultMeasure struct {
	// ID is read WithIDs only.
	ID uint
	okr.Measure
	Weight   float64
	position int
}

// Score is the objective's score, as Objective.Score.
func (o ObjectiveLine) Score() float64 {
	if o.FinalScore != nil {
		return *o.FinalScore
	}
	parts := make([]okr.Weighted, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		parts[i] = okr.Weighted{Value: kr.Progress(), Weight: kr.Weight}
	}
	return okr.Score(parts)
}

// LineDetails are what ObjectiveLines reads besides what every line
// shows: each costs a column of thousands of values.
type LineDetails uint8

const (
	// WithIDs reads the objectives' owners' ids and their key results' ids.
	WithIDs LineDetails = 1 << iota
	// WithGrades reads the objectives' outcomes and retrospectives.
	WithGrades
)

// ObjectiveLines returns the workspace's objectives that match f, by
// number, as lines with the details asked for: two queries, whatever their
// number. The key results are read by joining the same conditions rather
// than by a list of the objectives' ids, which would bind thousands of
// parameters.
func (s *Store) ObjectiveLines(ctx context.Context, workspaceID uint, f ObjectiveFilter, with LineDetails) ([]ObjectiveLine, error) {
	where, args := f.where(workspaceID)
	var o ObjectiveLine
	columns, dest := "", []any{id{&o.ID}, &o.Number, &o.Title, optID{&o.ParentID}, (*string)(&o.Status),
		&o.FinalScore, &o.OwnerName, &o.OwnerPlatformID, &o.Team}
	if with&WithIDs != 0 {
		columns, dest = columns+", objectives.owner_id", append(dest, id{&o.OwnerID})
	}
	if with&WithGrades != 0 {
		columns, dest = columns+", objectives.outcome, objectives.retrospective", append(dest, (*string)(&o.Outcome), &o.Retrospective)
	}
	rows, err := s.q(ctx).Raw(`SELECT objectives.id, objectives.number, objectives.title, objectives.parent_id, objectives.status,
		objectives.final_score, o_owner.name, o_owner.platform_id, COALESCE(o_team.name, '')`+columns+`
		FROM objectives
		JOIN users o_owner ON o_owner.id = objectives.owner_id
		LEFT JOIN teams o_team ON o_team.id = objectives.team_id
		WHERE `+where+` ORDER BY objectives.number`, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("objective lines: %w", err)
	}
	defer rows.Close()
	var lines []ObjectiveLine
	for rows.Next() {
		o = ObjectiveLine{}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("objective lines: %w", err)
		}
		lines = append(lines, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("objective lines: %w", err)
	}
	rows.Close()
	if len(lines) == 0 {
		return lines, nil
	}
	at := make(map[uint]int, len(lines))
	for i, o := range lines {
		at[o.ID] = i
	}
	// The key results' own workspace_id is left out on purpose: the
	// objectives' carries the scope, and on a table not yet analyzed
	// Postgres would otherwise probe both indexes per objective.
	// They come in no order (sorting 8,000 rows took Postgres a third of
	// the query's time) and are put in order of position here.
	var (
		objectiveID uint
		kr          KeyResultMeasure
	)
	columns, dest = "", []any{id{&objectiveID}, &kr.position, (*string)(&kr.Kind), &kr.Start, &kr.Target, &kr.Current, &kr.Weight}
	if with&WithIDs != 0 {
		columns, dest = ", key_results.id", append(dest, id{&kr.ID})
	}
	krs, err := s.q(ctx).Raw(`SELECT key_results.objective_id, key_results.position, COALESCE(key_results.kind, ''),
		COALESCE(key_results.start, 0), COALESCE(key_results.target, 0), COALESCE(key_results.current, 0), key_results.weight`+columns+`
		FROM key_results JOIN objectives ON objectives.id = key_results.objective_id
		WHERE `+where, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("objective lines' key results: %w", err)
	}
	defer krs.Close()
	for krs.Next() {
		kr = KeyResultMeasure{}
		if err := krs.Scan(dest...); err != nil {
			return nil, fmt.Errorf("objective lines' key results: %w", err)
		}
		if i, ok := at[objectiveID]; ok {
			lines[i].KeyResults = append(lines[i].KeyResults, kr)
		}
	}
	if err := krs.Err(); err != nil {
		return nil, fmt.Errorf("objective lines' key results: %w", err)
	}
	for _, o := range lines {
		slices.SortFunc(o.KeyResults, func(a, b KeyResultMeasure) int { return cmp.Compare(a.position, b.position) })
	}
	return lines, nil
}
