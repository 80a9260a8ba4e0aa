package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestKPISourceClaimAndFetch: a due source is claimed by one caller and
// moved to its next period; its fetch is recorded against that claim,
// with a clock that reads nanoseconds as a real one does; a failure backs
// off and is to be told once; a source of another workspace is not seen.
func TestKPISourceClaimAndFetch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ws, err := s.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.Workspace(ctx, "slack", "T2")
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: "U1", Name: "ada"})
		if err != nil {
			t.Fatal(err)
		}
		k := store.KPI{WorkspaceID: ws.ID, Name: "Churn", OwnerID: u.ID, Target: 2, Warn: 2.5, Crit: 3, Direction: okr.LowerIsBetter}
		if err := s.CreateKPI(ctx, &k); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 7, 9, 30, 0, 123456789, time.UTC)
		src := store.KPISource{WorkspaceID: ws.ID, KPIID: k.ID, Kind: "http", Spec: `{}`, EverySeconds: 3600, CreatedByID: u.ID}
		if err := s.SetKPISource(ctx, &src, now); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimDueSources(ctx, []uint{other.ID}, now, time.Minute, 10); err != nil || len(got) != 0 {
			t.Fatalf("another workspace claimed %v, %v", got, err)
		}
		claimed, err := s.ClaimDueSources(ctx, []uint{ws.ID}, now.Add(time.Nanosecond), 2*time.Minute, 10)
		if err != nil || len(claimed) != 1 || !claimed[0].NextFetchAt.Equal(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)) {
			t.Fatalf("claim: %+v, %v; want the source, next due at 10:00", claimed, err)
		}
		if again, err := s.ClaimDueSources(ctx, []uint{ws.ID}, now.Add(5*time.Minute), time.Minute, 10); err != nil || len(again) != 0 {
			t.Fatalf("claimed twice in one period: %v, %v", again, err)
		}
		failed, err := s.SourceFailed(ctx, claimed[0], now.Add(time.Second), "HTTP 401 from bi.example.com: check BI_TOKEN")
		if err != nil || failed.Notice != store.NoticeFailing || failed.Failures != 1 {
			t.Fatalf("failure: %+v, %v", failed, err)
		}
		// The next try is after a backoff; a second failure tells no one.
		at := failed.NextFetchAt.Add(time.Nanosecond)
		claimed, err = s.ClaimDueSources(ctx, []uint{ws.ID}, at, 2*time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim after the backoff: %v, %v", claimed, err)
		}
		// The failure's notice is one job, which tells the owner; the
		// next failure, recorded while it runs, tells no one again.
		notices := func() []store.SourceNoticeJob {
			t.Helper()
			js, err := s.ClaimJobs(ctx, []string{store.JobSourceNotice}, []uint{ws.ID}, at.Add(time.Hour), time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []store.SourceNoticeJob
			for _, j := range js {
				var n store.SourceNoticeJob
				if err := j.Decode(&n); err != nil {
					t.Fatal(err)
				}
				out = append(out, n)
				if _, err := s.FinishJob(ctx, j, store.JobDone, at.Add(time.Hour), "sent"); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		if ns := notices(); len(ns) != 1 || ns[0].Notice != store.NoticeFailing || ns[0].Error != "HTTP 401 from bi.example.com: check BI_TOKEN" {
			t.Fatalf("notices: %+v", ns)
		}
		failed, err = s.SourceFailed(ctx, claimed[0], at, "HTTP 401 from bi.example.com: check BI_TOKEN")
		if err != nil || failed.Notice != "" || failed.Failures != 2 || failed.NextFetchAt.Sub(at.Add(2*time.Hour)).Abs() >= time.Microsecond {
			t.Fatalf("second failure: notice %q, failures %d, next %s, %v", failed.Notice, failed.Failures, failed.NextFetchAt, err)
		}
		at = failed.NextFetchAt.Add(3 * time.Nanosecond)
		claimed, err = s.ClaimDueSources(ctx, []uint{ws.ID}, at, 2*time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("third claim: %v, %v", claimed, err)
		}
		fetched, err := s.SourceFetched(ctx, claimed[0], at)
		if err != nil || fetched.Notice != store.NoticeRecovered || fetched.FailingSince != nil {
			t.Fatalf("recovery: %+v, %v", fetched, err)
		}
		if ns := notices(); len(ns) != 1 || ns[0].Notice != store.NoticeRecovered {
			t.Fatalf("notices after the recovery: %+v", ns)
		}
		// A fetch outrun by a change of its source is not recorded.
		claimed, err = s.ClaimDueSources(ctx, []uint{ws.ID}, at.Add(2*time.Hour), 2*time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("fourth claim: %v, %v", claimed, err)
		}
		if err := s.SetKPISource(ctx, &src, at); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SourceFetched(ctx, claimed[0], at.Add(2*time.Hour)); !store.IsSourceChanged(err) {
			t.Errorf("a fetch of a source set again meanwhile: %v", err)
		}
	})
}
