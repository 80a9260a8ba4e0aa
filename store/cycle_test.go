package store_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

var gradedAt = time.Date(2026, 12, 28, 10, 0, 0, 0, time.UTC)

// checkIn moves key results (of 0 → 100) to values, in order.
func checkIn(t *testing.T, s *store.Store, f fixture, krs []store.KeyResult, values ...float64) {
	t.Helper()
	ctx := context.Background()
	for i, v := range values {
		c := store.CheckIn{WorkspaceID: f.ws.ID, KeyResultID: krs[i].ID, AuthorID: f.owner.ID, Value: v, Confidence: okr.OnTrack,
			CreatedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
		if err := s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }); err != nil {
			t.Fatal(err)
		}
	}
}

func reload(t *testing.T, s *store.Store, f fixture, number int64) store.Objective {
	t.Helper()
	o, err := s.Objective(context.Background(), f.ws.ID, number)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// historyOf is the objective's and its key results' history, oldest first,
// one "action field old→new" line each.
func historyOf(t *testing.T, s *store.Store, f fixture, o store.Objective) string {
	t.Helper()
	subjects := []store.Subject{{store.SubjectObjective, o.ID}}
	for _, kr := range o.KeyResults {
		subjects = append(subjects, store.Subject{Kind: store.SubjectKeyResult, ID: kr.ID})
	}
	page, err := s.History(context.Background(), f.ws.ID, subjects, 0, store.MaxHistoryPage)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := len(page.Entries) - 1; i >= 0; i-- {
		e := page.Entries[i]
		line := string(e.Action)
		if e.SubjectKind == store.SubjectKeyResult {
			line = "kr " + line
		}
		if e.Field != "" {
			line += " " + e.Field + " " + e.OldValue + "→" + e.NewValue
		}
		if e.ActorID == nil || *e.ActorID != f.owner.ID || e.Platform != "teams" || !e.At.Equal(gradedAt) {
			line += " (by someone else, elsewhere or at another time)"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func wantInvalid(t *testing.T, err error, field string, parts ...string) {
	t.Helper()
	var ve *okr.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error on %s", err, field)
	}
	if ve.Field != field {
		t.Errorf("field = %q, want %q (%s)", ve.Field, field, ve.Msg)
	}
	for _, p := range parts {
		if !strings.Contains(ve.Msg, p) {
			t.Errorf("message %q does not say %q", ve.Msg, p)
		}
	}
}

func TestGradeObjective(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		o := newObjective(t, s, f, "Grow", 3)
		checkIn(t, s, f, o.KeyResults, 50, 100, 20)
		by := store.Actor{UserID: f.owner.ID, Platform: "teams"}
		_, err := s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: o.ID,
			KeyResultScores: map[uint]float64{o.KeyResults[0].ID: 0.6}, Outcome: okr.Partly,
			Retrospective: "  Smaller deals close faster.\n", By: by, At: gradedAt})
		if err != nil {
			t.Fatal(err)
		}
		got := reload(t, s, f, o.Number)
		if got.Status != okr.Closed || !near(*got.FinalScore, 0.6) || okr.Round1(got.Score()) != 0.6 ||
			got.Outcome != okr.Partly || got.Retrospective != "Smaller deals close faster." ||
			!got.GradedAt.Equal(gradedAt) || *got.GradedByID != f.owner.ID {
			t.Errorf("graded objective = %+v", got)
		}
		// The key result given a score has it; the others their progress.
		for i, want := range []float64{0.6, 1, 0.2} {
			if kr := got.KeyResults[i]; kr.FinalScore == nil || !near(*kr.FinalScore, want) {
				t.Errorf("key result %d final score = %v, want %v", i+1, kr.FinalScore, want)
			}
		}
		want := strings.Join([]string{
			"closed status active→closed",
			"graded score →0.6",
			"graded outcome →partly",
			"graded retrospective →Smaller deals close faster.",
			"kr graded score →0.6",
			"kr graded score →1",
			"kr graded score →0.2",
		}, "\n")
		if h := historyOf(t, s, f, got); h != want {
			t.Errorf("history:\n%s\nwant:\n%s", h, want)
		}

		// Regrading with another outcome and an objective score changes
		// only those; the key results keep their grades.
		score := 0.5
		_, err = s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: o.ID, Score: &score, Outcome: okr.Missed,
			Retrospective: "Smaller deals close faster.", By: by, At: gradedAt})
		if err != nil {
			t.Fatal(err)
		}
		got = reload(t, s, f, o.Number)
		if *got.FinalScore != 0.5 || got.Outcome != okr.Missed || *got.KeyResults[0].FinalScore != 0.6 {
			t.Errorf("regraded = %+v", got)
		}
		if h := historyOf(t, s, f, got); !strings.HasSuffix(h, want+"\ngraded score 0.6→0.5\ngraded outcome partly→missed") {
			t.Errorf("history after the regrade:\n%s", h)
		}
	})
}

func TestGradeObjectiveRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		o := newObjective(t, s, f, "Grow", 2)
		elsewhere := newObjective(t, s, f, "Other", 1)
		by := store.Actor{UserID: f.owner.ID, Platform: "slack"}
		good := store.Grade{ObjectiveID: o.ID, Outcome: okr.Achieved, By: by}
		tooHigh, negative := 1.5, -0.1
		tests := []struct {
			name  string
			spoil func(g *store.Grade)
			field string
			says  string
		}{
			{"a key result's score above 1", func(g *store.Grade) { g.KeyResultScores = map[uint]float64{o.KeyResults[1].ID: 1.5} },
				"score", "#1.2"},
			{"another objective's key result", func(g *store.Grade) {
				g.KeyResultScores = map[uint]float64{o.KeyResults[0].ID: 0.5, elsewhere.KeyResults[0].ID: 0.5}
			}, "score", "own key results"},
			{"an objective score above 1", func(g *store.Grade) { g.Score = &tooHigh }, "score", "not 1.5"},
			{"a negative objective score", func(g *store.Grade) { g.Score = &negative }, "score", "not -0.1"},
			{"no outcome", func(g *store.Grade) { g.Outcome = "" }, "outcome", "achieved, partly or missed"},
			{"an unknown outcome", func(g *store.Grade) { g.Outcome = "great" }, "outcome", "achieved, partly or missed"},
			{"an overlong note", func(g *store.Grade) { g.Retrospective = strings.Repeat("x", okr.MaxNote+1) }, "retrospective", "3001 characters"},
		}
		for _, tt := range tests {
			g := good
			tt.spoil(&g)
			_, err := s.GradeObjective(ctx, f.ws.ID, g)
			t.Run(tt.name, func(t *testing.T) { wantInvalid(t, err, tt.field, tt.says) })
		}
		got := reload(t, s, f, o.Number)
		if got.Status != okr.Active || got.FinalScore != nil || got.Outcome != "" || got.GradedAt != nil || got.KeyResults[0].FinalScore != nil {
			t.Errorf("refused grades changed the objective: %+v", got)
		}
		if h := historyOf(t, s, f, got); h != "" {
			t.Errorf("refused grades left history:\n%s", h)
		}

		other := setup(t, s, "T2")
		if _, err := s.GradeObjective(ctx, other.ws.ID, good); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("grading from another workspace: err = %v, want not found", err)
		}
		got.Status = okr.Archived
		if err := s.UpdateObjective(ctx, &got, store.ObjectiveStatus); err != nil {
			t.Fatal(err)
		}
		_, err := s.GradeObjective(ctx, f.ws.ID, good)
		wantInvalid(t, err, "objective", "archived")
	})
}

// quarter returns the workspace's period for a quarter.
func quarter(t *testing.T, s *store.Store, f fixture, year, q int) store.Period {
	t.Helper()
	p, err := s.EnsurePeriod(context.Background(), f.ws.ID, okr.Quarter(year, q))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func aligned(t *testing.T, s *store.Store, f fixture, title string, parent store.Objective, krs int) store.Objective {
	t.Helper()
	o := newObjective(t, s, f, title, krs)
	o.ParentID = &parent.ID
	if err := s.UpdateObjective(context.Background(), &o, store.ObjectiveParent); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCarryOver(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		q1 := quarter(t, s, f, 2027, 1)
		by := store.Actor{UserID: f.owner.ID, Platform: "teams"}
		parent := newObjective(t, s, f, "Company: grow", 1)
		child := aligned(t, s, f, "Sales: grow", parent, 3)
		sibling := aligned(t, s, f, "Support: keep", parent, 1)
		checkIn(t, s, f, child.KeyResults, 100, 40, 0) // the first is done

		// The child goes first: its parent stays behind, so it is flagged.
		c, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: child.ID, ToPeriodID: q1.ID, By: by, At: gradedAt})
		if err != nil {
			t.Fatal(err)
		}
		if c.Alignment != store.ParentFlagged || c.Parent.ID != parent.ID || c.To.ParentID != nil || len(c.Realigned) != 0 {
			t.Errorf("child carried first: alignment %v, parent #%d, copy's parent %v, realigned %d", c.Alignment, c.Parent.Number, c.To.ParentID, len(c.Realigned))
		}
		from := reload(t, s, f, child.Number)
		if from.Status != okr.Closed || *from.FinalScore != 0.5 { // (1 + 0.4 + 0) / 3 shown as 0.5
			t.Errorf("original after carry-over: status %s, final score %v", from.Status, *from.FinalScore)
		}
		to := reload(t, s, f, c.To.Number)
		if to.Title != "Sales: grow" || to.Status != okr.Active || to.Period.Name != "2027-Q1" || to.OwnerID != f.owner.ID ||
			to.ContinuesID == nil || *to.ContinuesID != child.ID || len(to.KeyResults) != 2 {
			t.Fatalf("copy = %+v", to)
		}
		for i, want := range []struct {
			title                  string
			start, current, target float64
		}{{"KR B", 40, 40, 100}, {"KR C", 0, 0, 100}} {
			kr := to.KeyResults[i]
			if kr.Title != want.title || kr.Start != want.start || kr.Current != want.current || kr.Target != want.target ||
				kr.Position != i+1 || kr.Number == child.KeyResults[i+1].Number {
				t.Errorf("copied key result %d = %+v, want %+v", i+1, kr, want)
			}
		}
		if h := historyOf(t, s, f, from); h != "closed status active→closed\nclosed score →0.5\ncarried period 2026-Q4→2027-Q1" {
			t.Errorf("original's history:\n%s", h)
		}
		if h := historyOf(t, s, f, to); h != "created continues →#"+itoa(child.Number)+"\nkr created\nkr created" {
			t.Errorf("copy's history:\n%s", h)
		}

		// Then the parent: the child's copy aligns to the parent's copy.
		p, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: parent.ID, ToPeriodID: q1.ID, By: by, At: gradedAt})
		if err != nil {
			t.Fatal(err)
		}
		if p.Alignment != store.NoParent || len(p.Realigned) != 1 || p.Realigned[0].ID != to.ID {
			t.Errorf("parent carried: alignment %v, realigned %+v", p.Alignment, p.Realigned)
		}
		if to = reload(t, s, f, to.Number); to.ParentID == nil || *to.ParentID != p.To.ID {
			t.Errorf("child's copy aligns to %v, want the parent's copy %d", to.ParentID, p.To.ID)
		}
		if h := historyOf(t, s, f, to); !strings.HasSuffix(h, "edited parent →#"+itoa(p.To.Number)) {
			t.Errorf("child's copy history:\n%s", h)
		}

		// A sibling carried after the parent keeps its alignment at once.
		sib, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: sibling.ID, ToPeriodID: q1.ID, By: by})
		if err != nil {
			t.Fatal(err)
		}
		if sib.Alignment != store.ParentKept || sib.Parent.ID != p.To.ID || reload(t, s, f, sib.To.Number).ParentID == nil {
			t.Errorf("sibling carried after the parent: alignment %v, parent %d", sib.Alignment, sib.Parent.ID)
		}

		// What was carried over from 2026-Q4.
		carried, err := s.CarriedOver(ctx, f.ws.ID, f.period.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var pairs []string
		for _, c := range carried {
			pairs = append(pairs, "#"+itoa(c.From.Number)+"→#"+itoa(c.To.Number)+" "+c.To.Period.Name)
		}
		want := "#" + itoa(parent.Number) + "→#" + itoa(p.To.Number) + " 2027-Q1 #" + itoa(child.Number) + "→#" + itoa(c.To.Number) +
			" 2027-Q1 #" + itoa(sibling.Number) + "→#" + itoa(sib.To.Number) + " 2027-Q1"
		if got := strings.Join(pairs, " "); got != want {
			t.Errorf("carried over = %s, want %s", got, want)
		}
		if none, _ := s.CarriedOver(ctx, f.ws.ID, q1.ID, 0); len(none) != 0 {
			t.Errorf("carried over from 2027-Q1 = %+v, want none", none)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func formatScore(v float64) string { return fmt.Sprintf("%.1f", okr.Round1(v)) }

func TestCarryOverRefusesAndWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		by := store.Actor{UserID: f.owner.ID, Platform: "slack"}
		q3, q1 := quarter(t, s, f, 2026, 3), quarter(t, s, f, 2027, 1)
		o := newObjective(t, s, f, "Grow", 2)
		tooHigh := 1.2
		tests := []struct {
			name  string
			c     store.CarryOver
			field string
			says  string
		}{
			{"to an earlier period", store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q3.ID, By: by}, "to", "later period than 2026-Q3"},
			{"to its own period", store.CarryOver{ObjectiveID: o.ID, ToPeriodID: f.period.ID, By: by}, "to", "2026-Q4"},
			{"with a score above 1", store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q1.ID, Score: &tooHigh, By: by}, "score", "not 1.2"},
		}
		for _, tt := range tests {
			_, err := s.Carry(ctx, f.ws.ID, tt.c)
			t.Run(tt.name, func(t *testing.T) { wantInvalid(t, err, tt.field, tt.says) })
		}
		other := setup(t, s, "T2")
		otherQ1 := quarter(t, s, other, 2027, 1)
		if _, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: otherQ1.ID, By: by}); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("to another workspace's period: err = %v, want not found", err)
		}
		if _, err := s.Carry(ctx, other.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: otherQ1.ID, By: by}); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("another workspace's objective: err = %v, want not found", err)
		}
		if got := reload(t, s, f, o.Number); got.Status != okr.Active || got.FinalScore != nil {
			t.Errorf("refused carry-overs closed the objective: %+v", got)
		}
		if all, _ := s.Objectives(ctx, f.ws.ID, store.ObjectiveFilter{}); len(all) != 1 {
			t.Errorf("refused carry-overs left %d objectives, want 1", len(all))
		}
		if page, _ := s.History(ctx, f.ws.ID, nil, 0, 0); len(page.Entries) != 0 {
			t.Errorf("refused carry-overs left history: %+v", page.Entries)
		}

		// Once carried, never again.
		first, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q1.ID, By: by})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q1.ID, By: by})
		wantInvalid(t, err, "objective", "already carried over to #"+itoa(first.To.Number))

		archived := newObjective(t, s, f, "Old", 0)
		archived.Status = okr.Archived
		if err := s.UpdateObjective(ctx, &archived, store.ObjectiveStatus); err != nil {
			t.Fatal(err)
		}
		_, err = s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: archived.ID, ToPeriodID: q1.ID, By: by})
		wantInvalid(t, err, "objective", "archived")
	})
}

// A graded objective keeps its final score when it is carried over, and
// only its unfinished key results move.
func TestCarryOverAGradedObjective(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		by := store.Actor{UserID: f.owner.ID, Platform: "slack"}
		q1 := quarter(t, s, f, 2027, 1)
		o := newObjective(t, s, f, "Grow", 2)
		checkIn(t, s, f, o.KeyResults, 100, 100)
		if _, err := s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: o.ID, KeyResultScores: map[uint]float64{o.KeyResults[0].ID: 0.9}, Outcome: okr.Achieved, By: by}); err != nil {
			t.Fatal(err)
		}
		c, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q1.ID, By: by})
		if err != nil {
			t.Fatal(err)
		}
		if got := reload(t, s, f, o.Number); !near(*got.FinalScore, 0.95) || got.Outcome != okr.Achieved {
			t.Errorf("carried graded objective: final %v, outcome %s; want 0.95, achieved", *got.FinalScore, got.Outcome)
		}
		if len(c.To.KeyResults) != 0 {
			t.Errorf("copy has %d key results, want none: both were done", len(c.To.KeyResults))
		}
	})
}

// Two people carrying one objective at once get one copy between them.
func TestConcurrentCarryOversMakeOneCopy(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		q1 := quarter(t, s, f, 2027, 1)
		o := newObjective(t, s, f, "Grow", 2)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q1.ID, By: store.Actor{UserID: f.owner.ID, Platform: "slack"}})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var ve *okr.ValidationError
			switch {
			case err == nil:
				ok++
			case !errors.As(err, &ve):
				t.Errorf("a racing carry-over failed with %v, want a validation error", err)
			}
		}
		copies, _ := s.Objectives(ctx, f.ws.ID, store.ObjectiveFilter{PeriodID: q1.ID})
		if ok != 1 || len(copies) != 1 {
			t.Errorf("%d carry-overs succeeded and made %d copies; want 1 and 1", ok, len(copies))
		}
	})
}

func TestPeriodReview(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		by := store.Actor{UserID: f.owner.ID, Platform: "slack"}
		sales, _, _ := s.EnsureTeam(ctx, f.ws.ID, "Sales")
		support, _, _ := s.EnsureTeam(ctx, f.ws.ID, "Support")
		q1 := quarter(t, s, f, 2027, 1)
		inTeam := func(title string, team store.Team, krs int) store.Objective {
			o := newObjective(t, s, f, title, krs)
			o.TeamID = &team.ID
			if err := s.UpdateObjective(ctx, &o, store.ObjectiveTeam); err != nil {
				t.Fatal(err)
			}
			return o
		}
		grade := func(o store.Objective, score float64, outcome okr.Outcome, note string) {
			t.Helper()
			if _, err := s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: o.ID, Score: &score, Outcome: outcome, Retrospective: note, By: by}); err != nil {
				t.Fatal(err)
			}
		}
		deals := inTeam("Close deals", sales, 1)
		grade(deals, 0.8, okr.Achieved, "Focus works.")
		pipeline := inTeam("Fill the pipeline", sales, 2)
		checkIn(t, s, f, pipeline.KeyResults, 40, 20) // 0.3, still open
		tickets := inTeam("Faster tickets", support, 1)
		grade(tickets, 0.2, okr.Missed, "Understaffed.")
		loose := newObjective(t, s, f, "Tidy up", 1)
		grade(loose, 1, okr.Achieved, "")
		gone := inTeam("Dropped", sales, 1)
		gone.Status = okr.Archived
		if err := s.UpdateObjective(ctx, &gone, store.ObjectiveStatus); err != nil {
			t.Fatal(err)
		}
		carried, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: pipeline.ID, ToPeriodID: q1.ID, By: by})
		if err != nil {
			t.Fatal(err)
		}
		other := setup(t, s, "T2")
		newObjective(t, s, other, "Not ours", 1)

		r, err := s.PeriodReview(ctx, f.ws.ID, f.period.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, o := range r.Objectives {
			team := "-"
			if o.Team != nil {
				team = o.Team.Name
			}
			lines = append(lines, o.Title+" "+team+" "+string(o.Status)+" "+formatScore(o.Score())+" "+string(o.Outcome)+" "+o.Retrospective)
		}
		want := strings.Join([]string{
			"Close deals Sales closed 0.8 achieved Focus works.",
			"Fill the pipeline Sales closed 0.3  ",
			"Faster tickets Support closed 0.2 missed Understaffed.",
			"Tidy up - closed 1.0 achieved ",
		}, "\n")
		if got := strings.Join(lines, "\n"); r.Period.Name != "2026-Q4" || got != want {
			t.Errorf("review of %s:\n%s\nwant:\n%s", r.Period.Name, got, want)
		}
		if len(r.Carried) != 1 || r.Carried[0].From.ID != pipeline.ID || r.Carried[0].To.ID != carried.To.ID {
			t.Errorf("carried over = %+v", r.Carried)
		}
		var teams []string
		for _, ts := range r.TeamScores() {
			name := "no team"
			if ts.Team != nil {
				name = ts.Team.Name
			}
			teams = append(teams, name+" "+itoa(int64(ts.Objectives))+" "+formatScore(ts.Average))
		}
		if got := strings.Join(teams, ", "); got != "Sales 2 0.6, Support 1 0.2, no team 1 1.0" {
			t.Errorf("team scores = %s", got)
		}

		// One team's review.
		r, err = s.PeriodReview(ctx, f.ws.ID, f.period.ID, support.ID)
		if err != nil || len(r.Objectives) != 1 || r.Objectives[0].ID != tickets.ID || len(r.Carried) != 0 {
			t.Errorf("Support's review = %+v, %v", r, err)
		}
		r, err = s.PeriodReview(ctx, f.ws.ID, f.period.ID, sales.ID)
		if err != nil || len(r.Objectives) != 2 || len(r.Carried) != 1 {
			t.Errorf("Sales's review: %d objectives, %d carried, %v; want 2 and 1", len(r.Objectives), len(r.Carried), err)
		}
		// Another workspace's period is not found.
		if _, err := s.PeriodReview(ctx, other.ws.ID, f.period.ID, 0); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("another workspace's period: err = %v, want not found", err)
		}
	})
}

// A review costs the same number of queries for 2 objectives as for 20.
func TestPeriodReviewQueriesDoNotGrow(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		by := store.Actor{UserID: f.owner.ID, Platform: "slack"}
		q1 := quarter(t, s, f, 2027, 1)
		team, _, _ := s.EnsureTeam(ctx, f.ws.ID, "Sales")
		add := func(n int) {
			for range n {
				o := newObjective(t, s, f, "Grow", 3)
				o.TeamID = &team.ID
				if err := s.UpdateObjective(ctx, &o, store.ObjectiveTeam); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: q1.ID, By: by}); err != nil {
					t.Fatal(err)
				}
			}
		}
		count := func() int64 {
			queries := s.CountQueries()
			r, err := s.PeriodReview(ctx, f.ws.ID, f.period.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := queries()
			if len(r.Carried) == 0 {
				t.Fatal("nothing carried over")
			}
			return n
		}
		add(2)
		few := count()
		add(18)
		many := count()
		if few != many || few > 10 {
			t.Errorf("a review takes %d queries for 2 objectives and %d for 20; want the same, at most 10", few, many)
		}
	})
}
