package okr_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func score(v float64) *float64 { return &v }

// ending is objective #7 with three key results: one done, one halfway
// (graded 0.4 before), one not started with weight 2.
func ending(status okr.Status) okr.Ending {
	return okr.Ending{Number: 7, Status: status, KeyResults: []okr.EndingKeyResult{
		{ID: 11, Position: 1, Weight: 1, Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 10, Current: 10}},
		{ID: 12, Position: 2, Weight: 1, Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 10, Current: 5}, Final: score(0.4)},
		{ID: 13, Position: 3, Weight: 2, Measure: okr.Measure{Kind: okr.Milestone}},
	}}
}

func TestEndingGrade(t *testing.T) {
	tests := []struct {
		name       string
		grading    okr.Grading
		wantKRs    []float64
		wantScore  float64
		wantRetros string
	}{
		{"progress and earlier grades by default", okr.Grading{Outcome: okr.Partly, Retrospective: "  learned  "},
			[]float64{1, 0.4, 0}, 0.35, "learned"},
		{"given key result scores win", okr.Grading{Outcome: okr.Achieved, KeyResultScores: map[uint]float64{12: 0.8, 13: 0.5}},
			[]float64{1, 0.8, 0.5}, 0.7, ""},
		{"a given objective score wins over the mean", okr.Grading{Outcome: okr.Missed, Score: score(0.2)},
			[]float64{1, 0.4, 0}, 0.2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, status := range []okr.Status{okr.Active, okr.Closed} {
				v, err := ending(status).Grade(tt.grading)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(v.KeyResultScores, tt.wantKRs) || !near(v.Score, tt.wantScore) ||
					v.Retrospective != tt.wantRetros || v.Outcome != tt.grading.Outcome {
					t.Errorf("%s: Grade = %+v, want scores %v, score %v, note %q", status, v, tt.wantKRs, tt.wantScore, tt.wantRetros)
				}
			}
		})
	}
}

func TestEndingGradeRefuses(t *testing.T) {
	tests := []struct {
		name    string
		status  okr.Status
		grading okr.Grading
		field   string
		parts   []string
	}{
		{"archived", okr.Archived, okr.Grading{Outcome: okr.Achieved}, "objective", []string{"#7 is archived"}},
		{"no outcome", okr.Active, okr.Grading{}, "outcome", []string{"#7", "achieved, partly or missed"}},
		{"an unknown outcome", okr.Active, okr.Grading{Outcome: "great"}, "outcome", nil},
		{"an overlong note", okr.Active, okr.Grading{Outcome: okr.Missed, Retrospective: strings.Repeat("é", okr.MaxNote+1)}, "retrospective", []string{"3001 characters"}},
		{"a key result score above 1", okr.Active, okr.Grading{Outcome: okr.Missed, KeyResultScores: map[uint]float64{12: 1.5}}, "score", []string{"#7.2", "1.5"}},
		{"another objective's key result", okr.Active, okr.Grading{Outcome: okr.Missed, KeyResultScores: map[uint]float64{99: 0.5}}, "score", []string{"objective #7's own"}},
		{"an objective score below 0", okr.Closed, okr.Grading{Outcome: okr.Missed, Score: score(-0.1)}, "score", []string{"-0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ending(tt.status).Grade(tt.grading)
			wantInvalid(t, err, tt.field, tt.parts...)
		})
	}
}

func TestEndingCarry(t *testing.T) {
	q3, q4 := okr.Quarter(2026, 3), okr.Quarter(2026, 4)
	tests := []struct {
		name      string
		status    okr.Status
		score     *float64
		wantClose bool
		wantFinal float64
	}{
		// Current score: (1 + 0.5 + 0*2) / 4 = 0.375, rounded to 0.4.
		{"an active objective closes at its score", okr.Active, nil, true, 0.4},
		{"an active objective closes at the score given", okr.Active, score(0.6), true, 0.6},
		{"a closed objective keeps its final score", okr.Closed, score(0.6), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ending(tt.status)
			e.KeyResults[1].Final = nil
			plan, err := e.Carry(q3, q4, 0, tt.score)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Close != tt.wantClose || !near(plan.Final, tt.wantFinal) {
				t.Errorf("Close, Final = %v, %v; want %v, %v", plan.Close, plan.Final, tt.wantClose, tt.wantFinal)
			}
			// The done key result stays behind; the others start where
			// they stand.
			want := []okr.CarriedKeyResult{
				{Index: 1, Measure: okr.Measure{Kind: okr.Metric, Start: 5, Target: 10, Current: 5}},
				{Index: 2, Measure: okr.Measure{Kind: okr.Milestone}},
			}
			if !slices.Equal(plan.KeyResults, want) {
				t.Errorf("KeyResults = %+v, want %+v", plan.KeyResults, want)
			}
		})
	}
}

func TestEndingCarryRefuses(t *testing.T) {
	q3, q4 := okr.Quarter(2026, 3), okr.Quarter(2026, 4)
	tests := []struct {
		name     string
		status   okr.Status
		from, to okr.Period
		copiedTo int64
		score    *float64
		field    string
		parts    []string
	}{
		{"archived", okr.Archived, q3, q4, 0, nil, "objective", []string{"#7 is archived"}},
		{"carried over already", okr.Closed, q3, q4, 9, nil, "objective", []string{"already carried over to #9"}},
		{"the same period", okr.Active, q3, q3, 0, nil, "to", []string{"2026-Q3", "later period"}},
		{"an earlier period", okr.Active, q4, q3, 0, nil, "to", []string{"is in 2026-Q4"}},
		{"a score above 1", okr.Active, q3, q4, 0, score(2), "score", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ending(tt.status).Carry(tt.from, tt.to, tt.copiedTo, tt.score)
			wantInvalid(t, err, tt.field, tt.parts...)
		})
	}
}
