package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// lockObjective reads the workspace's objective with an id, with what
// Objective loads, holding its row until the transaction ends on Postgres
// (SQLite transactions hold the whole database already), so that two
// gradings or carry-overs of one objective take turns.
func (s *Store) lockObjective(ctx context.Context, workspaceID, id uint) (Objective, error) {
	lock := s.q(ctx).Model(&Objective{}).Select("id").Where("workspace_id = ? AND id = ?", workspaceID, id)
	if s.dialect == "postgres" {
		lock = lock.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var found []uint
	if err := lock.Find(&found).Error; err != nil {
		return Objective{}, err
	}
	if len(found) == 0 {
		return Objective{}, okr.ErrNotFound
	}
	return s.ObjectiveByID(ctx, workspaceID, id)
}

// A Grade is the verdict on an objective at the end of its period.
type Grade struct {
	ObjectiveID uint
	// KeyResultScores are final scores by key result id; a key result left
	// out keeps the final score it has, or is graded at its progress.
	KeyResultScores map[uint]float64
	// Score is the objective's final score; nil for the weighted mean of
	// its key results' final scores.
	Score         *float64
	Outcome       okr.Outcome
	Retrospective string
	By            Actor
	// At defaults to now.
	At time.Time
}

// GradeObjective closes an active objective, or regrades a closed one, with
// its key results' final scores, its own, its outcome and what was learned,
// records each change in the history and asks for the grading messages
// about it to be redrawn, all in one transaction. okr.Ending.Grade decides
// the grade; bad input is refused with its okr.ValidationError before
// anything is written: a score outside 0.0–1.0 (field "score"), a key result of another
// objective ("score"), an unknown outcome ("outcome"), an overlong note
// ("retrospective"), an archived objective ("objective").
func (s *Store) GradeObjective(ctx context.Context, workspaceID uint, g Grade) (Objective, error) {
	var o Objective
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if o, err = tx.lockObjective(ctx, workspaceID, g.ObjectiveID); err != nil {
			return err
		}
		verdict, err := o.ending().Grade(okr.Grading{KeyResultScores: g.KeyResultScores, Score: g.Score,
			Outcome: g.Outcome, Retrospective: g.Retrospective})
		if err != nil {
			return err
		}
		score, note := verdict.Score, verdict.Retrospective
		at := tx.atOrNow(g.At)
		history := Changes{By: g.By, At: at}
		if o.Status == okr.Active {
			history.Add(SubjectObjective, o.ID, ActionClosed, "status", string(okr.Active), string(okr.Closed))
		}
		history.Add(SubjectObjective, o.ID, ActionGraded, "score", scoreText(o.FinalScore), scoreText(&score))
		history.Add(SubjectObjective, o.ID, ActionGraded, "outcome", string(o.Outcome), string(g.Outcome))
		history.Add(SubjectObjective, o.ID, ActionGraded, "retrospective", o.Retrospective, note)
		for i := range o.KeyResults {
			kr := &o.KeyResults[i]
			v := verdict.KeyResultScores[i]
			history.Add(SubjectKeyResult, kr.ID, ActionGraded, "score", scoreText(kr.FinalScore), scoreText(&v))
			if kr.FinalScore == nil || *kr.FinalScore != v {
				kr.FinalScore = &v
				if err := tx.UpdateKeyResult(ctx, kr, KeyResultFinalScore); err != nil {
					return err
				}
			}
		}
		o.Status, o.FinalScore, o.Outcome, o.Retrospective = okr.Closed, &score, g.Outcome, note
		o.GradedAt, o.GradedByID = &at, g.By.id()
		if err := tx.UpdateObjective(ctx, &o, ObjectiveStatus, ObjectiveFinalScore, ObjectiveOutcome, ObjectiveRetrospective, ObjectiveGradedAt, ObjectiveGradedBy); err != nil {
			return err
		}
		if err := tx.AskGradingRedraw(ctx, workspaceID, o.ID, at); err != nil {
			return err
		}
		return tx.RecordHistory(ctx, workspaceID, history.Entries...)
	})
	return o, err
}

// ending is o as okr's rules for grading and carrying over see it.
func (o Objective) ending() okr.Ending {
	e := okr.Ending{Number: o.Number, Status: o.Status, Final: o.FinalScore, KeyResults: make([]okr.EndingKeyResult, len(o.KeyResults))}
	for i, kr := range o.KeyResults {
		e.KeyResults[i] = okr.EndingKeyResult{ID: kr.ID, Position: kr.Position, Weight: kr.Weight, Measure: kr.Measure, Final: kr.FinalScore}
	}
	return e
}

// atOrNow is when a change given At happens: at, or now when at is zero,
// in UTC as the database keeps it.
func (s *Store) atOrNow(at time.Time) time.Time {
	if at.IsZero() {
		at = s.db.NowFunc()
	}
	return at.UTC()
}

// scoreText is a score as the history shows it: to the hundredth people
// grade in, so a mean such as 0.6000000000000001 reads 0.6.
func scoreText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(math.Round(*v*100)/100, 'f', -1, 64)
}

// A CarryOver moves an objective's unfinished work to a later period.
type CarryOver struct {
	ObjectiveID uint
	ToPeriodID  uint
	// Score closes the objective when it is still active; nil for its
	// current score. A closed objective keeps its final score.
	Score *float64
	By    Actor
	// At defaults to now.
	At time.Time
}

// ParentAlignment says what became of a carried objective's alignment.
type ParentAlignment int

const (
	// NoParent: the objective was not aligned to a parent.
	NoParent ParentAlignment = iota
	// ParentKept: the parent was carried over too; the copy aligns to the
	// parent's copy.
	ParentKept
	// ParentFlagged: the parent was not carried over (yet); the copy is not
	// aligned, and aligns to the parent's copy if the parent is carried
	// over later.
	ParentFlagged
)

// Carried is the outcome of a carry-over.
type Carried struct {
	// From is the objective carried over, closed; To its copy, with its
	// key results and period.
	From, To  Objective
	Alignment ParentAlignment
	// Parent is the parent's copy when kept, the parent left behind when
	// flagged, else zero.
	Parent Objective
	// Realigned are copies of From's children, carried over before it,
	// that now align to To.
	Realigned []Objective
}

// Carry closes an objective (with the score given, or its current one) and
// creates its copy in a later period: same title, description, owner and
// team, "continues" the original, with the key results okr.Ending.Carry
// decides continue, each starting where it says. Everything, the history and the request
// to redraw the grading messages about it included, happens in one
// transaction. An objective is carried over once; it must not be
// archived, and the period must start after its own (an
// okr.ValidationError on "objective", "to" or "score" otherwise).
func (s *Store) Carry(ctx context.Context, workspaceID uint, c CarryOver) (Carried, error) {
	var out Carried
	err := s.InTx(ctx, func(tx *Store) error {
		o, err := tx.lockObjective(ctx, workspaceID, c.ObjectiveID)
		if err != nil {
			return err
		}
		var copiedTo int64
		if copied, err := tx.CopyOf(ctx, workspaceID, o.ID); err == nil {
			copiedTo = copied.Number
		} else if !errors.Is(err, okr.ErrNotFound) {
			return err
		}
		var to Period
		if err := tx.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, c.ToPeriodID).Take(&to).Error; err != nil {
			return notFound(err)
		}
		plan, err := o.ending().Carry(o.Period.Domain(), to.Domain(), copiedTo, c.Score)
		if err != nil {
			return err
		}
		history := Changes{By: c.By, At: tx.atOrNow(c.At)}

		if plan.Close {
			final := plan.Final
			o.Status, o.FinalScore = okr.Closed, &final
			if err := tx.UpdateObjective(ctx, &o, ObjectiveStatus, ObjectiveFinalScore); err != nil {
				return err
			}
			history.Add(SubjectObjective, o.ID, ActionClosed, "status", string(okr.Active), string(okr.Closed))
			history.Add(SubjectObjective, o.ID, ActionClosed, "score", "", scoreText(&final))
		}

		cp := Objective{WorkspaceID: workspaceID, Title: o.Title, Description: o.Description, OwnerID: o.OwnerID,
			TeamID: o.TeamID, PeriodID: to.ID, Status: okr.Active, ContinuesID: &o.ID}
		if o.ParentID != nil {
			parentCopy, err := tx.CopyOf(ctx, workspaceID, *o.ParentID)
			switch {
			case err == nil:
				cp.ParentID, out.Alignment, out.Parent = &parentCopy.ID, ParentKept, parentCopy
			case errors.Is(err, okr.ErrNotFound):
				out.Alignment = ParentFlagged
				err = tx.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, *o.ParentID).Take(&out.Parent).Error
				if err != nil {
					return notFound(err)
				}
			default:
				return err
			}
		}
		for _, next := range plan.KeyResults {
			kr := o.KeyResults[next.Index]
			cp.KeyResults = append(cp.KeyResults, KeyResult{WorkspaceID: workspaceID, Title: kr.Title, OwnerID: kr.OwnerID,
				Measure: next.Measure, Weight: kr.Weight, KPIID: kr.KPIID})
		}
		if err := tx.CreateObjective(ctx, &cp); err != nil {
			return err
		}
		history.Add(SubjectObjective, o.ID, ActionCarried, "period", o.Period.Name, to.Name)
		history.Add(SubjectObjective, cp.ID, ActionCreated, "continues", "", "#"+strconv.FormatInt(o.Number, 10))
		for _, kr := range cp.KeyResults {
			history.Add(SubjectKeyResult, kr.ID, ActionCreated, "", "", "")
		}

		// Children carried over before their parent align to its copy now.
		err = tx.q(ctx).Where("workspace_id = ? AND parent_id IS NULL AND continues_id IN (?)", workspaceID,
			tx.q(ctx).Model(&Objective{}).Select("id").Where("workspace_id = ? AND parent_id = ?", workspaceID, o.ID)).
			Order("number").Find(&out.Realigned).Error
		if err != nil {
			return fmt.Errorf("carry over #%d: %w", o.Number, err)
		}
		for i := range out.Realigned {
			child := &out.Realigned[i]
			child.ParentID = &cp.ID
			if err := tx.UpdateObjective(ctx, child, ObjectiveParent); err != nil {
				return err
			}
			history.Add(SubjectObjective, child.ID, ActionEdited, "parent", "", "#"+strconv.FormatInt(cp.Number, 10))
		}
		if err := tx.AskGradingRedraw(ctx, workspaceID, o.ID, history.At); err != nil {
			return err
		}
		if err := tx.RecordHistory(ctx, workspaceID, history.Entries...); err != nil {
			return err
		}
		cp.Period = to
		out.From, out.To = o, cp
		return nil
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Two carry-overs of one objective raced past the check; the
		// unique continues_id let one through.
		return Carried{}, okr.Invalid("objective", "The objective was already carried over.")
	}
	return out, err
}

// CopyOf returns the workspace's objective that continues the one with id:
// its copy, when it was carried over.
func (s *Store) CopyOf(ctx context.Context, workspaceID, id uint) (Objective, error) {
	var o Objective
	err := s.q(ctx).Where("workspace_id = ? AND continues_id = ?", workspaceID, id).Take(&o).Error
	return o, notFound(err)
}

// A Carry is an objective carried over (From, as it is now) and its copy
// (To, with its period).
type Carry struct {
	From, To Objective
}

// CarriedOver returns the objectives of a period that were carried over,
// with their copies, by number; with teamID, only that team's. It takes
// one query when none was, three however many were: only the originals
// that have a copy are read, and their copies by joining the same
// conditions rather than by a list of ids.
func (s *Store) CarriedOver(ctx context.Context, workspaceID, periodID, teamID uint) ([]Carry, error) {
	where, args := "workspace_id = ? AND period_id = ?", []any{workspaceID, periodID}
	if teamID != 0 {
		where, args = where+" AND team_id = ?", append(args, teamID)
	}
	copied := s.q(ctx).Model(&Objective{}).Select("continues_id").Where("workspace_id = ? AND continues_id IS NOT NULL", workspaceID)
	var originals []Objective
	if err := s.q(ctx).Where(where, args...).Where("id IN (?)", copied).Order("number").Find(&originals).Error; err != nil {
		return nil, fmt.Errorf("carried over: %w", err)
	}
	if len(originals) == 0 {
		return nil, nil
	}
	var copies []Objective
	err := s.q(ctx).Preload("Period").Where("workspace_id = ? AND continues_id IN (?)", workspaceID,
		s.q(ctx).Model(&Objective{}).Select("id").Where(where, args...)).Find(&copies).Error
	if err != nil {
		return nil, fmt.Errorf("carried over: %w", err)
	}
	byOriginal := make(map[uint]Objective, len(copies))
	for _, c := range copies {
		byOriginal[*c.ContinuesID] = c
	}
	var out []Carry
	for _, o := range originals {
		if c, ok := byOriginal[o.ID]; ok {
			out = append(out, Carry{From: o, To: c})
		}
	}
	return out, nil
}

// A PeriodReview is a period as its retrospective sees it.
type PeriodReview struct {
	Period Period
	// Objectives are the period's active and closed ones, by number, with
	// what Objective loads; graded ones carry their final score, outcome
	// and retrospective.
	Objectives []Objective
	// Carried are the objectives carried over from the period.
	Carried []Carry
}

// PeriodReview returns the review of a period, with teamID only that
// team's, in a number of queries that does not grow with the objectives.
func (s *Store) PeriodReview(ctx context.Context, workspaceID, periodID, teamID uint) (PeriodReview, error) {
	r := PeriodReview{}
	if err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, periodID).Take(&r.Period).Error; err != nil {
		return r, notFound(err)
	}
	var err error
	r.Objectives, err = s.Objectives(ctx, workspaceID, ObjectiveFilter{PeriodID: periodID, TeamID: teamID, Statuses: []okr.Status{okr.Active, okr.Closed}})
	if err != nil {
		return r, fmt.Errorf("review %s: %w", r.Period.Name, err)
	}
	r.Carried, err = s.CarriedOver(ctx, workspaceID, periodID, teamID)
	return r, err
}

// A TeamScore is a team's average score in a period review.
type TeamScore struct {
	// Team is nil for objectives without a team.
	Team       *Team
	Objectives int
	Average    float64
}

// TeamScores are the average scores (final when graded or closed, current
// otherwise) of the review's objectives per team, by team name, objectives
// without a team last.
func (r PeriodReview) TeamScores() []TeamScore {
	parts := map[uint][]okr.Weighted{}
	teams := map[uint]*Team{}
	for _, o := range r.Objectives {
		var id uint
		if o.TeamID != nil {
			id = *o.TeamID
			teams[id] = o.Team
		}
		parts[id] = append(parts[id], okr.Weighted{Value: o.Score(), Weight: 1})
	}
	ids := slices.SortedFunc(maps.Keys(parts), func(a, b uint) int {
		switch {
		case a == 0:
			return 1
		case b == 0:
			return -1
		}
		return strings.Compare(teams[a].Name, teams[b].Name)
	})
	out := make([]TeamScore, len(ids))
	for i, id := range ids {
		out[i] = TeamScore{Team: teams[id], Objectives: len(parts[id]), Average: okr.Score(parts[id])}
	}
	return out
}
