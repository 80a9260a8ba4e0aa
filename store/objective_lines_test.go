package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestObjectiveLinesMatchObjectives reads a period's objectives as lines and
// in full, and finds the same objectives, owners, teams, scores and key
// results in order of position, for the workspace asked for only.
func TestObjectiveLinesMatchObjectives(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "TLINES")
		other := setup(t, s, "TOTHER")
		newObjective(t, s, other, "Another workspace's objective", 2)
		sales, _, err := s.EnsureTeam(ctx, f.ws.ID, "Sales")
		if err != nil {
			t.Fatal(err)
		}
		nameless, err := s.SaveUser(ctx, store.User{WorkspaceID: f.ws.ID, PlatformID: "U2"})
		if err != nil {
			t.Fatal(err)
		}
		company := newObjective(t, s, f, "Delight <customers> & 'partners'", 0)
		grow := store.Objective{WorkspaceID: f.ws.ID, Number: 100, Title: "Grow revenue", OwnerID: nameless.ID, TeamID: &sales.ID,
			ParentID: &company.ID, PeriodID: f.period.ID, Status: okr.Active}
		final := 0.8
		done := store.Objective{WorkspaceID: f.ws.ID, Number: 101, Title: "Ship it", OwnerID: f.owner.ID, PeriodID: f.period.ID,
			Status: okr.Closed, FinalScore: &final, Outcome: okr.Partly, Retrospective: "Ship <smaller> & sooner"}
		dropped := store.Objective{WorkspaceID: f.ws.ID, Number: 102, Title: "Dropped", OwnerID: f.owner.ID, PeriodID: f.period.ID,
			Status: okr.Archived}
		os := []store.Objective{grow, done, dropped}
		if err := s.InsertAll(ctx, &os, 10); err != nil {
			t.Fatal(err)
		}
		// Key results stored in the opposite order of their positions.
		var krs []store.KeyResult
		for i, o := range []store.Objective{company, os[0], os[1]} {
			for pos := 3; pos >= 1; pos-- {
				krs = append(krs, store.KeyResult{WorkspaceID: f.ws.ID, Number: int64(200 + 10*i + pos), ObjectiveID: o.ID, Position: pos,
					Title: "KR", Weight: float64(pos), Measure: okr.Measure{Kind: okr.Metric, Start: 10, Target: 20 * float64(pos), Current: 15 + float64(i)}})
			}
		}
		krs = append(krs, store.KeyResult{WorkspaceID: f.ws.ID, Number: 250, ObjectiveID: os[0].ID, Position: 4, Title: "Launch",
			Weight: 1, Measure: okr.Measure{Kind: okr.Milestone, Target: 1, Current: 1}})
		if err := s.InsertAll(ctx, &krs, 100); err != nil {
			t.Fatal(err)
		}

		for _, filter := range []store.ObjectiveFilter{
			{PeriodID: f.period.ID, Statuses: []okr.Status{okr.Active, okr.Closed}},
			{PeriodID: f.period.ID, TeamID: sales.ID},
			{},
		} {
			full, err := s.Objectives(ctx, f.ws.ID, filter)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := s.ObjectiveLines(ctx, f.ws.ID, filter, store.WithIDs)
			if err != nil {
				t.Fatal(err)
			}
			graded, err := s.ObjectiveLines(ctx, f.ws.ID, filter, store.WithGrades)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) != len(full) || len(full) == 0 {
				t.Fatalf("%+v: %d lines for %d objectives", filter, len(lines), len(full))
			}
			for i, o := range full {
				l := lines[i]
				team := ""
				if o.Team != nil {
					team = o.Team.Name
				}
				if l.ID != o.ID || l.Number != o.Number || l.Title != o.Title || !equalIDs(l.ParentID, o.ParentID) || l.Status != o.Status ||
					l.OwnerID != o.OwnerID || l.OwnerName != o.Owner.Name || l.OwnerPlatformID != o.Owner.PlatformID || l.Team != team ||
					l.Score() != o.Score() || l.Outcome != "" || l.Retrospective != "" {
					t.Errorf("%+v: line %+v (score %v) for objective #%d %q (score %v)", filter, l, l.Score(), o.Number, o.Title, o.Score())
				}
				if g := graded[i]; g.ID != o.ID || g.Outcome != o.Outcome || g.Retrospective != o.Retrospective || g.Score() != o.Score() ||
					g.OwnerID != 0 {
					t.Errorf("%+v: graded line %+v for objective #%d, outcome %q, retrospective %q", filter, g, o.Number, o.Outcome, o.Retrospective)
				}
				want := make([]okr.Measure, len(o.KeyResults))
				for j, kr := range o.KeyResults {
					want[j] = kr.Measure
				}
				got := make([]okr.Measure, len(l.KeyResults))
				for j, kr := range l.KeyResults {
					got[j] = kr.Measure
					if kr.ID != o.KeyResults[j].ID {
						t.Errorf("#%d: key result %d has id %d, want %d", o.Number, j+1, kr.ID, o.KeyResults[j].ID)
					}
					if kr.Weight != o.KeyResults[j].Weight {
						t.Errorf("#%d: key result %d weighs %v, want %v", o.Number, j+1, kr.Weight, o.KeyResults[j].Weight)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("#%d: key results %+v, want %+v", o.Number, got, want)
				}
			}
		}
	})
}

func equalIDs(a, b *uint) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestCheckedInCountsKeyResultsWithARecentCheckIn counts the key results
// of a period's active objectives that have a check-in after a moment and
// not before the period began, however many check-ins each has.
func TestCheckedInCountsKeyResultsWithARecentCheckIn(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "TCHECKED")
		other := setup(t, s, "TOTHER")
		o := newObjective(t, s, f, "Grow", 4)
		closed := newObjective(t, s, f, "Done", 1)
		closed.Status = okr.Closed
		if err := s.UpdateObjective(ctx, &closed, store.ObjectiveStatus); err != nil {
			t.Fatal(err)
		}
		theirs := newObjective(t, s, other, "Theirs", 1)
		week := time.Date(2026, 11, 8, 12, 0, 0, 0, time.UTC)
		var cs []store.CheckIn
		add := func(ws store.Workspace, kr store.KeyResult, at time.Time) {
			cs = append(cs, store.CheckIn{WorkspaceID: ws.ID, KeyResultID: kr.ID, AuthorID: f.owner.ID, Value: 1, Confidence: okr.OnTrack, CreatedAt: at})
		}
		add(f.ws, o.KeyResults[0], week.Add(time.Hour))      // counted,
		add(f.ws, o.KeyResults[0], week.Add(2*time.Hour))    // once;
		add(f.ws, o.KeyResults[1], week)                     // not after the moment;
		add(f.ws, o.KeyResults[2], week.Add(-time.Hour))     // older;
		add(f.ws, o.KeyResults[3], week.AddDate(0, 0, 3))    // counted;
		add(f.ws, closed.KeyResults[0], week.Add(time.Hour)) // not active;
		add(other.ws, theirs.KeyResults[0], week.Add(time.Hour))
		for _, c := range cs {
			if err := s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }); err != nil {
				t.Fatal(err)
			}
		}
		active := store.ObjectiveFilter{PeriodID: f.period.ID, Statuses: []okr.Status{okr.Active}}
		for _, c := range []struct {
			since time.Time
			want  int
		}{
			{f.period.StartsAt, 2},
			// Nor one before the period began (here a day after the moment).
			{week.AddDate(0, 0, 1), 1},
		} {
			n, err := s.CheckedIn(ctx, f.ws.ID, active, week, c.since)
			if err != nil {
				t.Fatal(err)
			}
			if n != c.want {
				t.Errorf("since %s: %d key results checked in on after %s, want %d", c.since, n, week, c.want)
			}
		}
	})
}
