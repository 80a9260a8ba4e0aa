package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestJobsRunOnceByKeyAndAreHeldByOneProcess shows the job engine's table:
// a job is enqueued once per kind and key, claimed by one process at a
// time, taken over when its holder's lease runs out, and only its holder
// ends it; a retry counts an attempt, a snooze does not.
func TestJobsRunOnceByKeyAndAreHeldByOneProcess(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, other := setup(t, s, "T1"), setup(t, s, "T2")
		at := time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)
		mine := []uint{f.ws.ID}
		enqueue := func(n store.NewJob) bool {
			t.Helper()
			created, err := s.EnqueueJob(ctx, n)
			must(t, err)
			return created
		}
		claim := func(now time.Time) []store.Job {
			t.Helper()
			js, err := s.ClaimJobs(ctx, []string{"test"}, mine, now, 10*time.Minute, 10)
			must(t, err)
			return js
		}
		if !enqueue(store.NewJob{Kind: "test", WorkspaceID: f.ws.ID, UniqueKey: "a", Args: map[string]int{"n": 1}, RunAt: at}) {
			t.Fatal("first job not created")
		}
		if enqueue(store.NewJob{Kind: "test", WorkspaceID: f.ws.ID, UniqueKey: "a", Args: map[string]int{"n": 2}, RunAt: at}) {
			t.Error("a second job of the same key was created")
		}
		enqueue(store.NewJob{Kind: "test", WorkspaceID: f.ws.ID, UniqueKey: "later", RunAt: at.Add(time.Hour)})
		enqueue(store.NewJob{Kind: "other kind", WorkspaceID: f.ws.ID, UniqueKey: "a", RunAt: at})
		enqueue(store.NewJob{Kind: "test", WorkspaceID: other.ws.ID, UniqueKey: "theirs", RunAt: at})

		first := claim(at)
		if len(first) != 1 || first[0].UniqueKey != "a" || first[0].Attempt != 1 {
			t.Fatalf("claimed %+v; want job a, first attempt", first)
		}
		var args map[string]int
		if must(t, first[0].Decode(&args)); args["n"] != 1 {
			t.Errorf("args = %v, want those of the first enqueue", args)
		}
		if again := claim(at.Add(time.Minute)); len(again) != 0 {
			t.Errorf("claimed within the lease: %+v", again)
		}
		// Its process died: the lease runs out and another takes it over;
		// the first can no longer end it.
		taken := claim(at.Add(11 * time.Minute))
		if len(taken) != 1 || taken[0].ID != first[0].ID || taken[0].Attempt != 2 {
			t.Fatalf("after the lease: %+v", taken)
		}
		if ok, err := s.FinishJob(ctx, first[0], store.JobDone, at, "sent"); err != nil || ok {
			t.Errorf("the process that lost its lease ended the job: %v, %v", ok, err)
		}
		must(t, s.SnoozeJob(ctx, taken[0], at.Add(20*time.Minute), "429"))
		snoozed := claim(at.Add(20 * time.Minute))
		if len(snoozed) != 1 || snoozed[0].Attempt != 2 {
			t.Fatalf("after the snooze: %+v; want attempt 2 again", snoozed)
		}
		must(t, s.RetryJob(ctx, snoozed[0], at.Add(40*time.Minute), "503"))
		if got := claim(at.Add(30 * time.Minute)); len(got) != 0 {
			t.Errorf("claimed before its retry: %+v", got)
		}
		retried := claim(at.Add(61 * time.Minute))
		if len(retried) != 2 || retried[0].Attempt != 3 || retried[0].LastError != "503" || retried[1].UniqueKey != "later" {
			t.Fatalf("after the retry is due: %+v", retried)
		}
		for _, j := range retried {
			if ok, err := s.FinishJob(ctx, j, store.JobFailed, at, "failed: 503"); err != nil || !ok {
				t.Fatalf("finish: %v, %v", ok, err)
			}
		}
		if got := claim(at.Add(2 * time.Hour)); len(got) != 0 {
			t.Errorf("claimed once ended: %+v", got)
		}
		// Again runs an ended job once more, from its first attempt.
		if !enqueue(store.NewJob{Kind: "test", WorkspaceID: f.ws.ID, UniqueKey: "a", RunAt: at.Add(2 * time.Hour), Again: true}) {
			t.Error("Again did not ask again")
		}
		if got := claim(at.Add(2 * time.Hour)); len(got) != 1 || got[0].Attempt != 1 || got[0].Note != "" {
			t.Errorf("asked again: %+v", got)
		}
		js, err := s.Jobs(ctx, other.ws.ID, "test")
		if err != nil || len(js) != 1 || js[0].Attempt != 0 {
			t.Errorf("another workspace's job was claimed: %+v, %v", js, err)
		}

		// Ended jobs are kept a while, then pruned; those to run never are.
		if n, err := s.PruneJobs(ctx, []uint{f.ws.ID, other.ws.ID}, at); err != nil || n != 0 {
			t.Errorf("pruned %d jobs ended before they ended, %v", n, err)
		}
		if n, err := s.PruneJobs(ctx, mine, at.Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want the one ended job", n, err)
		}
		if js, err := s.Jobs(ctx, f.ws.ID, "test"); err != nil || len(js) != 1 || js[0].UniqueKey != "a" {
			t.Errorf("after pruning: %+v, %v; want the job asked to run again", js, err)
		}
	})
}

// TestConcurrentClaimsTakeEachJobOnce shows that processes claiming at the
// same time never get the same job.
func TestConcurrentClaimsTakeEachJobOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		at := time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)
		const n = 200
		must(t, s.InTx(ctx, func(tx *store.Store) error {
			for i := range n {
				if _, err := tx.EnqueueJob(ctx, store.NewJob{Kind: "test", WorkspaceID: f.ws.ID, UniqueKey: time.Duration(i).String(), RunAt: at}); err != nil {
					return err
				}
			}
			return nil
		}))
		var mu sync.Mutex
		seen := map[uint]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					js, err := s.ClaimJobs(ctx, []string{"test"}, []uint{f.ws.ID}, at, time.Minute, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(js) == 0 {
						return
					}
					mu.Lock()
					for _, j := range js {
						seen[j.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d jobs claimed, want %d", len(seen), n)
		}
		for id, times := range seen {
			if times != 1 {
				t.Errorf("job %d claimed %d times", id, times)
			}
		}
	})
}
