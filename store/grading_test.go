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

// candidates lists the objectives GradingCandidates returns around the end
// of 2026-Q4, as "title" or "title (prompted)".
func candidates(t *testing.T, s *store.Store, workspaceIDs ...uint) []string {
	t.Helper()
	q4 := okr.Quarter(2026, 4)
	cs, err := s.GradingCandidates(context.Background(), workspaceIDs, q4.End.AddDate(0, 0, -1), q4.End.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		o, err := s.ObjectiveByID(context.Background(), c.WorkspaceID, c.ObjectiveID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Period != q4 || c.OwnerTZ != "Europe/Berlin" || c.OwnerID != o.OwnerID {
			t.Errorf("candidate %s: period %+v, owner %d in %q", o.Title, c.Period, c.OwnerID, c.OwnerTZ)
		}
		line := o.Title
		if c.Prompted {
			line += " (prompted)"
		}
		out = append(out, line)
	}
	return out
}

func TestGradingCandidatesAndDeliveriesGoOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, other := setup(t, s, "T1"), setup(t, s, "T2")
		open := newObjective(t, s, f, "Open", 1)
		reminded := newObjective(t, s, f, "Reminded", 1)
		closed := newObjective(t, s, f, "Closed", 1)
		closed.Status = okr.Closed
		must(t, s.UpdateObjective(ctx, &closed, store.ObjectiveStatus))
		newObjective(t, s, other, "Elsewhere", 1)
		later, err := s.EnsurePeriod(ctx, f.ws.ID, okr.Quarter(2027, 1))
		must(t, err)
		next := store.Objective{WorkspaceID: f.ws.ID, Title: "Next quarter", OwnerID: f.owner.ID, PeriodID: later.ID, Status: okr.Active}
		must(t, s.InTx(ctx, func(tx *store.Store) error { return tx.CreateObjective(ctx, &next) }))

		if got := candidates(t, s, f.ws.ID); len(got) != 2 || got[0] != "Open" || got[1] != "Reminded" {
			t.Fatalf("candidates = %v, want the two open objectives of the workspace in 2026-Q4", got)
		}
		at := time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)
		for _, d := range []store.GradingDelivery{
			{ObjectiveID: open.ID, Step: okr.GradingPrompt},
			{ObjectiveID: reminded.ID, Step: okr.GradingPrompt},
			{ObjectiveID: reminded.ID, Step: okr.GradingReminder},
		} {
			d.WorkspaceID, d.Occurrence, d.UserID = f.ws.ID, at, f.owner.ID
			created, err := s.AddGradingDelivery(ctx, &d)
			if err != nil || !created {
				t.Fatalf("add %+v: created %v, %v", d, created, err)
			}
			again := d
			again.ID = 0
			if created, err := s.AddGradingDelivery(ctx, &again); err != nil || created {
				t.Errorf("the same delivery again: created %v, %v; want it refused by its key", created, err)
			}
		}
		if got := candidates(t, s, f.ws.ID); len(got) != 1 || got[0] != "Open (prompted)" {
			t.Errorf("candidates = %v, want the open objective, prompted; the reminded one is done", got)
		}
		if got := candidates(t, s, other.ws.ID); len(got) != 1 || got[0] != "Elsewhere" {
			t.Errorf("the other workspace's candidates = %v", got)
		}

		// Each delivery recorded comes with the one job that sends it.
		js, err := s.Jobs(ctx, f.ws.ID, store.JobGrading)
		must(t, err)
		if len(js) != 3 || js[0].State != store.JobAvailable || !js[0].RunAt.IsZero() && js[0].RunAt.After(at) {
			t.Fatalf("jobs = %+v; want one per delivery, due", js)
		}
		first, err := s.ClaimJobs(ctx, []string{store.JobGrading}, []uint{f.ws.ID}, at, time.Minute, 10)
		must(t, err)
		var args store.GradingJob
		must(t, first[0].Decode(&args))
		must(t, s.GradingSent(ctx, args.Delivery, at, "D1", "1.2"))
		must(t, first[1].Decode(&args))
		must(t, s.FinishGrading(ctx, args.Delivery, at, "skipped: no longer open"))
		ds, err := s.GradingDeliveries(ctx, f.ws.ID)
		must(t, err)
		if ds[0].Note != "sent" || ds[0].MessageID != "1.2" || ds[0].DoneAt == nil || ds[1].Note != "skipped: no longer open" {
			t.Errorf("deliveries = %+v", ds)
		}
	})
}

// sentGrading records a grading prompt about o as sent to its owner.
func sentGrading(t *testing.T, s *store.Store, f fixture, o store.Objective, at time.Time, messageID string) store.GradingDelivery {
	t.Helper()
	ctx := context.Background()
	d := store.GradingDelivery{WorkspaceID: f.ws.ID, ObjectiveID: o.ID, Step: okr.GradingPrompt, Occurrence: at, UserID: f.owner.ID}
	if _, err := s.AddGradingDelivery(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if messageID != "" {
		must(t, s.GradingSent(ctx, d.ID, at, "D1", messageID))
	}
	return d
}

func TestGradingRedrawsAreAskedByGradingCarryingAndNotNow(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, other := setup(t, s, "T1"), setup(t, s, "T2")
		at := time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)
		graded, carried, deferred := newObjective(t, s, f, "Graded", 1), newObjective(t, s, f, "Carried", 1), newObjective(t, s, f, "Deferred", 1)
		unsent := newObjective(t, s, f, "Unsent", 1)
		theirs := newObjective(t, s, other, "Theirs", 1)
		dGraded, dCarried, dDeferred := sentGrading(t, s, f, graded, at, "1.1"), sentGrading(t, s, f, carried, at, "1.2"), sentGrading(t, s, f, deferred, at, "1.3")
		dUnsent := sentGrading(t, s, f, unsent, at, "")
		sentGrading(t, s, other, theirs, at, "2.1")
		mine := []uint{f.ws.ID}
		held := map[uint]store.Job{}
		claim := func(now time.Time) []uint {
			t.Helper()
			js, err := s.ClaimJobs(ctx, []string{store.JobGradingRedraw}, mine, now, 10*time.Minute, 10)
			must(t, err)
			var ids []uint
			for _, j := range js {
				var args store.GradingJob
				must(t, j.Decode(&args))
				ids = append(ids, args.Delivery)
				held[args.Delivery] = j
			}
			return ids
		}
		redrawn := func(id uint) {
			t.Helper()
			if ok, err := s.FinishJob(ctx, held[id], store.JobDone, at, "redrawn"); err != nil || !ok {
				t.Fatalf("finish the redraw of %d: %v, %v", id, ok, err)
			}
		}
		if got := claim(at); len(got) != 0 {
			t.Fatalf("redraws claimed before anything was answered: %v", got)
		}

		by := store.Actor{UserID: f.owner.ID, Platform: "slack"}
		_, err := s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: graded.ID, Outcome: okr.Achieved, By: by, At: at})
		must(t, err)
		_, err = s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: unsent.ID, Outcome: okr.Missed, By: by, At: at})
		must(t, err)
		_, err = s.GradeObjective(ctx, other.ws.ID, store.Grade{ObjectiveID: theirs.ID, Outcome: okr.Missed, By: store.Actor{UserID: other.owner.ID, Platform: "slack"}, At: at})
		must(t, err)
		next, err := s.EnsurePeriod(ctx, f.ws.ID, okr.Quarter(2027, 1))
		must(t, err)
		_, err = s.Carry(ctx, f.ws.ID, store.CarryOver{ObjectiveID: carried.ID, ToPeriodID: next.ID, By: by, At: at})
		must(t, err)
		if ok, err := s.DeferGrading(ctx, f.ws.ID, deferred.ID, other.owner.ID, at); err != nil || ok {
			t.Errorf("Not now by someone the prompt is not to: %v, %v", ok, err)
		}
		ok, err := s.DeferGrading(ctx, f.ws.ID, deferred.ID, f.owner.ID, at)
		if err != nil || !ok {
			t.Fatalf("Not now: %v, %v", ok, err)
		}

		// Each sent message of the workspaces served once, to one process
		// at a time; not the unsent one, nor another workspace's.
		first := claim(at)
		if want := []uint{dGraded.ID, dCarried.ID, dDeferred.ID}; !slices.Equal(first, want) {
			t.Fatalf("claimed %v, want %v", first, want)
		}
		if again := claim(at.Add(time.Minute)); len(again) != 0 {
			t.Errorf("claimed again within the lease: %v", again)
		}
		redrawn(dGraded.ID)
		must(t, s.RetryJob(ctx, held[dCarried.ID], at.Add(time.Hour), "503"))
		// dDeferred's process died: its lease runs out and it is taken up
		// again, with the failed one once its retry is due.
		if got := claim(at.Add(11 * time.Minute)); !slices.Equal(got, []uint{dDeferred.ID}) {
			t.Errorf("after the lease: claimed %v, want the one whose process died", got)
		}
		if got := claim(at.Add(2 * time.Hour)); !slices.Equal(slices.Sorted(slices.Values(got)), []uint{dCarried.ID, dDeferred.ID}) || held[dCarried.ID].Attempt != 2 {
			t.Errorf("after the retry is due: claimed %v (attempt %d)", got, held[dCarried.ID].Attempt)
		}
		redrawn(dCarried.ID)
		redrawn(dDeferred.ID)
		if ds, err := s.GradingDeliveries(ctx, f.ws.ID); err != nil || ds[2].DeferredAt == nil {
			t.Errorf("Not now not recorded: %+v, %v", ds, err)
		}
		if got := claim(at.Add(4 * time.Hour)); len(got) != 0 {
			t.Errorf("claimed after every redraw was done: %v", got)
		}

		// Grading again asks again.
		_, err = s.GradeObjective(ctx, f.ws.ID, store.Grade{ObjectiveID: graded.ID, Outcome: okr.Partly, By: by, At: at})
		must(t, err)
		if got := claim(at.Add(5 * time.Hour)); !slices.Equal(got, []uint{dGraded.ID}) {
			t.Errorf("after a regrade: claimed %v", got)
		}
		redrawn(dGraded.ID)
		// A message graded while it was being sent is redrawn once it is.
		must(t, s.GradingSent(ctx, dUnsent.ID, at.Add(5*time.Hour), "D1", "1.4"))
		if got := claim(at.Add(6 * time.Hour)); !slices.Equal(got, []uint{dUnsent.ID}) {
			t.Errorf("once sent: claimed %v, want the message graded while it was sent", got)
		}
		if js, err := s.Jobs(ctx, other.ws.ID, store.JobGradingRedraw); err != nil || len(js) != 1 || js[0].Attempt != 0 {
			t.Errorf("the other workspace's redraw was claimed here: %+v, %v", js, err)
		}
	})
}

func TestCheckInPointsSince(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, other := setup(t, s, "T1"), setup(t, s, "T2")
		o := newObjective(t, s, f, "Grow", 2)
		theirs := newObjective(t, s, other, "Theirs", 1)
		start := f.period.StartsAt
		add := func(ws uint, kr store.KeyResult, at time.Time, v float64) {
			c := store.CheckIn{WorkspaceID: ws, KeyResultID: kr.ID, AuthorID: f.owner.ID, Value: v, Confidence: okr.OnTrack, CreatedAt: at}
			must(t, s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }))
		}
		add(f.ws.ID, o.KeyResults[0], start.Add(-time.Hour), 1) // before the period
		add(f.ws.ID, o.KeyResults[0], start.AddDate(0, 0, 14), 30)
		add(f.ws.ID, o.KeyResults[0], start.AddDate(0, 0, 7), 20)
		add(f.ws.ID, o.KeyResults[1], start, 5)
		add(other.ws.ID, theirs.KeyResults[0], start.AddDate(0, 0, 1), 9)

		ids := []uint{o.KeyResults[0].ID, o.KeyResults[1].ID, theirs.KeyResults[0].ID}
		points, err := s.CheckInPoints(ctx, f.ws.ID, ids, start)
		must(t, err)
		a, b := points[o.KeyResults[0].ID], points[o.KeyResults[1].ID]
		if len(points) != 2 || len(a) != 2 || a[0].Value != 20 || a[1].Value != 30 || !a[0].At.Equal(start.AddDate(0, 0, 7)) || len(b) != 1 || b[0].Value != 5 {
			t.Errorf("points = %+v; want the period's check-ins of this workspace, oldest first", points)
		}
	})
}

func TestChangesLeaveOutEditsThatChangeNothing(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	h := store.Changes{By: store.Actor{UserID: 7, Platform: "teams"}, At: at}
	h.Add(store.SubjectObjective, 1, store.ActionEdited, "title", "Grow", "Grow")
	h.Add(store.SubjectObjective, 1, store.ActionEdited, "title", "Grow", "Grow revenue")
	h.Add(store.SubjectObjective, 1, store.ActionArchived, "", "", "")
	h.Add(store.SubjectKeyResult, 2, store.ActionCheckIn, "value", "3", "3")
	h.Add(store.SubjectKPI, 3, store.ActionMeasurement, "value", "2%", "2%")
	api := store.Changes{By: store.Actor{Platform: "api"}}
	api.Add(store.SubjectKPI, 3, store.ActionMeasurement, "value", "", "2%")
	if len(h.Entries) != 4 || h.Entries[0].NewValue != "Grow revenue" || h.Entries[1].Action != store.ActionArchived {
		t.Fatalf("entries = %+v; want the real edit, the archiving, the check-in and the measurement", h.Entries)
	}
	for _, e := range h.Entries {
		if e.ActorID == nil || *e.ActorID != 7 || e.Platform != "teams" || !e.At.Equal(at) {
			t.Errorf("entry %+v is not by person 7 on teams at %s", e, at)
		}
	}
	if e := api.Entries[0]; e.ActorID != nil || e.Platform != "api" {
		t.Errorf("a script's entry %+v names a person", e)
	}
}
