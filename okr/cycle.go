package okr

import "slices"

// An Ending is an objective at the end of its period, as grading it and
// carrying it over see it.
type Ending struct {
	// Number is the objective's number in its workspace: "#42".
	Number int64
	Status Status
	// Final is its final score when it has one.
	Final      *float64
	KeyResults []EndingKeyResult
}

// An EndingKeyResult is one of an Ending's key results.
type EndingKeyResult struct {
	ID       uint
	Position int
	Weight   float64
	Measure  Measure
	// Final is its final score when it was graded before.
	Final *float64
}

// Score is the objective's score: its final score, else the weighted mean
// of its key results' progress.
func (e Ending) Score() float64 {
	if e.Final != nil {
		return *e.Final
	}
	parts := make([]Weighted, len(e.KeyResults))
	for i, kr := range e.KeyResults {
		parts[i] = Weighted{Value: kr.Measure.Progress(), Weight: kr.Weight}
	}
	return Score(parts)
}

// A Grading is what an owner says of an objective when grading it.
type Grading struct {
	// KeyResultScores are final scores by key result id; a key result left
	// out keeps the final score it has, or is graded at its progress.
	KeyResultScores map[uint]float64
	// Score is the objective's final score; nil for the weighted mean of
	// its key results' final scores.
	Score         *float64
	Outcome       Outcome
	Retrospective string
}

// A Verdict is the grade an objective gets.
type Verdict struct {
	// KeyResultScores are the key results' final scores, in the order of
	// the Ending's KeyResults.
	KeyResultScores []float64
	Score           float64
	Outcome         Outcome
	// Retrospective is the note, trimmed.
	Retrospective string
}

// Grade decides an objective's grade, or its regrade when it is closed.
// It refuses, with a ValidationError, an archived objective ("objective"),
// an unknown outcome ("outcome"), an overlong note ("retrospective"), a
// score outside 0.0–1.0 or for a key result that is not the objective's
// ("score").
func (e Ending) Grade(g Grading) (Verdict, error) {
	if e.Status == Archived {
		return Verdict{}, Invalid("objective", "Objective #%d is archived; it cannot be graded.", e.Number)
	}
	if !slices.Contains(Outcomes, g.Outcome) {
		return Verdict{}, Invalid("outcome", "Say how objective #%d went: achieved, partly or missed.", e.Number)
	}
	note, err := CleanNote("retrospective", g.Retrospective)
	if err != nil {
		return Verdict{}, err
	}
	finals := make([]Weighted, len(e.KeyResults))
	v := Verdict{KeyResultScores: make([]float64, len(e.KeyResults)), Outcome: g.Outcome, Retrospective: note}
	seen := 0
	for i, kr := range e.KeyResults {
		score, ok := g.KeyResultScores[kr.ID]
		switch {
		case ok:
			seen++
		case kr.Final != nil:
			score = *kr.Final
		default:
			score = kr.Measure.Progress()
		}
		if err := ValidateFinalScore("score", score); err != nil {
			return Verdict{}, Invalid("score", "Key result #%d.%d: %s", e.Number, kr.Position, err)
		}
		finals[i] = Weighted{Value: score, Weight: kr.Weight}
		v.KeyResultScores[i] = score
	}
	if seen != len(g.KeyResultScores) {
		return Verdict{}, Invalid("score", "Only objective #%d's own key results can be graded with it.", e.Number)
	}
	v.Score = Score(finals)
	if g.Score != nil {
		if err := ValidateFinalScore("score", *g.Score); err != nil {
			return Verdict{}, err
		}
		v.Score = *g.Score
	}
	return v, nil
}

// A CarryPlan says what carrying an objective over to a later period does.
type CarryPlan struct {
	// Close is true when the objective is still active: carrying it over
	// closes it with the final score Final.
	Close bool
	Final float64
	// KeyResults are the key results that continue in the copy: those not
	// done, each starting where it stands.
	KeyResults []CarriedKeyResult
}

// A CarriedKeyResult is a key result that continues in a carried-over
// objective.
type CarriedKeyResult struct {
	// Index is its place in the Ending's KeyResults.
	Index int
	// Measure is what it measures in the copy: its start is where the
	// original stands.
	Measure Measure
}

// Carry decides how an objective in period from carries over to period to.
// copiedTo is the number of the objective's copy when it was carried over
// already, else 0; score is the final score to close it with, nil for its
// current score rounded to a tenth. It refuses, with a ValidationError, an
// archived objective or one carried over already ("objective"), a period
// that does not start after from ("to") and a score outside 0.0–1.0
// ("score").
func (e Ending) Carry(from, to Period, copiedTo int64, score *float64) (CarryPlan, error) {
	if e.Status == Archived {
		return CarryPlan{}, Invalid("objective", "Objective #%d is archived; it cannot be carried over.", e.Number)
	}
	if copiedTo != 0 {
		return CarryPlan{}, Invalid("objective", "Objective #%d was already carried over to #%d.", e.Number, copiedTo)
	}
	if !to.Start.After(from.Start) {
		return CarryPlan{}, Invalid("to", "Objective #%d is in %s; carry it over to a later period than %s.", e.Number, from.Name, to.Name)
	}
	var plan CarryPlan
	if e.Status == Active {
		plan.Close, plan.Final = true, Round1(e.Score())
		if score != nil {
			if err := ValidateFinalScore("score", *score); err != nil {
				return CarryPlan{}, err
			}
			plan.Final = *score
		}
	}
	for i, kr := range e.KeyResults {
		if kr.Measure.Progress() >= 1 {
			continue
		}
		m := kr.Measure
		m.Start = m.Current
		plan.KeyResults = append(plan.KeyResults, CarriedKeyResult{Index: i, Measure: m})
	}
	return plan, nil
}
