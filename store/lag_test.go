package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestOldestDue measures the scheduler's lag from the work that is due and
// free: a delivery held by a process, or released to be retried later, is
// not late yet, and another workspace's work is not this one's.
func TestOldestDue(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		ws, err := s.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.Workspace(ctx, "slack", "T2")
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		sched, err := s.EnsureReminderSchedule(ctx, ws.ID, 0, store.ReminderSchedule{Weekday: 1, Minute: 540})
		if err != nil {
			t.Fatal(err)
		}
		oldest := func() (time.Time, bool) {
			t.Helper()
			at, ok, err := s.OldestDue(ctx, []uint{ws.ID}, now)
			if err != nil {
				t.Fatal(err)
			}
			return at, ok
		}
		if _, ok := oldest(); ok {
			t.Fatal("due work in an empty database")
		}

		alert := &store.KPIAlert{WorkspaceID: ws.ID, KPIID: 1, From: okr.HealthOnTarget, To: okr.HealthOffTarget, CreatedAt: now.Add(-2 * time.Hour)}
		if err := s.AddKPIAlert(ctx, alert); err != nil {
			t.Fatal(err)
		}
		elsewhere := &store.KPIAlert{WorkspaceID: other.ID, KPIID: 2, From: okr.HealthOnTarget, To: okr.HealthOffTarget, CreatedAt: now.Add(-5 * time.Hour)}
		if err := s.AddKPIAlert(ctx, elsewhere); err != nil {
			t.Fatal(err)
		}
		if at, ok := oldest(); !ok || !at.Equal(alert.CreatedAt) {
			t.Errorf("oldest due = %v %v, want the alert's %v", at, ok, alert.CreatedAt)
		}

		d := &store.ReminderDelivery{WorkspaceID: ws.ID, ScheduleID: sched.ID, UserID: u.ID, Occurrence: now.Add(-3 * time.Hour),
			State: store.DeliveryPending, CreatedAt: now.Add(-3 * time.Hour)}
		if _, err := s.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		if at, _ := oldest(); !at.Equal(d.Occurrence) {
			t.Errorf("oldest due = %v, want the pending prompt's %v", at, d.Occurrence)
		}
		prompt, err := s.ClaimJobs(ctx, []string{store.JobPrompt}, []uint{ws.ID}, now, time.Minute, 10)
		if err != nil || len(prompt) != 1 {
			t.Fatalf("claimed %v, %v; want the prompt's job", prompt, err)
		}
		if err := s.RetryJob(ctx, prompt[0], now.Add(time.Minute), "503"); err != nil {
			t.Fatal(err)
		}
		if at, _ := oldest(); !at.Equal(alert.CreatedAt) {
			t.Errorf("oldest due = %v, want the alert's %v while the prompt waits for its retry", at, alert.CreatedAt)
		}
		jobs, err := s.ClaimJobs(ctx, []string{store.JobKPIAlert}, []uint{ws.ID}, now, time.Minute, 10)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claimed %v, %v; want the alert's job", jobs, err)
		}
		if at, ok := oldest(); ok {
			t.Errorf("oldest due = %v while the alert is held", at)
		}
		if _, err := s.FinishJob(ctx, jobs[0], store.JobDone, now, "sent"); err != nil {
			t.Fatal(err)
		}
		if at, ok := oldest(); ok {
			t.Errorf("oldest due = %v once everything due was done or held", at)
		}

		// A KPI's source is due from when it was set until it is claimed
		// for its period.
		k := newKPI(t, s, fixture{ws: ws, owner: u}, "Churn rate")
		src := &store.KPISource{WorkspaceID: ws.ID, KPIID: k.ID, Kind: "http", Spec: "{}", EverySeconds: 3600, CreatedByID: u.ID}
		if err := s.SetKPISource(ctx, src, now.Add(-30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if at, ok := oldest(); !ok || !at.Equal(now.Add(-30*time.Minute)) {
			t.Errorf("oldest due = %v %v, want the source's %v", at, ok, now.Add(-30*time.Minute))
		}
		if claimed, err := s.ClaimDueSources(ctx, []uint{ws.ID}, now, time.Minute, 10); err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %v, %v; want the source", claimed, err)
		}
		if at, ok := oldest(); ok {
			t.Errorf("oldest due = %v once the source was claimed for its period", at)
		}
	})
}
