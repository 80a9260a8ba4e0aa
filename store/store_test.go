package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/logger"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// ddlRecorder keeps the schema-changing statements gorm runs.
type ddlRecorder struct {
	logger.Interface
	mu  sync.Mutex
	ddl []string
}

func (r *ddlRecorder) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	sql, _ := fc()
	upper := strings.ToUpper(strings.TrimSpace(sql))
	for _, verb := range []string{"CREATE", "ALTER", "DROP"} {
		if strings.HasPrefix(upper, verb) {
			r.mu.Lock()
			r.ddl = append(r.ddl, sql)
			r.mu.Unlock()
		}
	}
}

// TestMigrationsMatchModels fails when a model changes without a migration:
// on a migrated database, AutoMigrate must find nothing to do.
func TestMigrationsMatchModels(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		rec := &ddlRecorder{Interface: logger.Discard}
		if err := s.AutoMigrateWith(context.Background(), rec); err != nil {
			t.Fatalf("AutoMigrate: %v", err)
		}
		if len(rec.ddl) > 0 {
			t.Errorf("models and migrations differ; add a migration for:\n%s", strings.Join(rec.ddl, "\n"))
		}
	})
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v", applied)
		}
	})
}

func TestConcurrentMigrationsOnOnePostgres(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := store.Open(context.Background(), url, nil)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			_, err = s.Migrate(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("replica migration: %v", err)
		}
	}
}

type fixture struct {
	ws     store.Workspace
	owner  store.User
	period store.Period
}

func setup(t *testing.T, s *store.Store, team string) fixture {
	t.Helper()
	ctx := context.Background()
	ws, err := s.Workspace(ctx, "slack", team)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: "U1", Name: "Ada", TZ: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.EnsurePeriod(ctx, ws.ID, okr.Quarter(2026, 4))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ws, u, p}
}

func newObjective(t *testing.T, s *store.Store, f fixture, title string, krs int) store.Objective {
	t.Helper()
	o := store.Objective{WorkspaceID: f.ws.ID, Title: title, OwnerID: f.owner.ID, PeriodID: f.period.ID, Status: okr.Active}
	for i := range krs {
		o.KeyResults = append(o.KeyResults, store.KeyResult{
			WorkspaceID: f.ws.ID, Title: "KR " + string(rune('A'+i)), OwnerID: &f.owner.ID,
			Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 100},
		})
	}
	err := s.InTx(context.Background(), func(tx *store.Store) error { return tx.CreateObjective(context.Background(), &o) })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestShortNumbersAreSharedAndPerWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		a := setup(t, s, "T1")
		b := setup(t, s, "T2")
		o1 := newObjective(t, s, a, "Grow revenue", 3)
		o2 := newObjective(t, s, a, "Delight customers", 0)
		ob := newObjective(t, s, b, "Other workspace", 0)
		if o1.Number != 1 || o1.KeyResults[0].Number != 2 || o1.KeyResults[2].Number != 4 || o2.Number != 5 {
			t.Errorf("numbers: objective %d, KRs %d..%d, next objective %d; want 1, 2..4, 5",
				o1.Number, o1.KeyResults[0].Number, o1.KeyResults[2].Number, o2.Number)
		}
		if o1.KeyResults[2].Position != 3 {
			t.Errorf("third KR position = %d", o1.KeyResults[2].Position)
		}
		if ob.Number != 1 {
			t.Errorf("another workspace starts at #%d, want #1", ob.Number)
		}
		// An id from another workspace is simply not found.
		if _, err := s.Objective(context.Background(), b.ws.ID, o2.Number); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("objective #%d of another workspace: err = %v, want not found", o2.Number, err)
		}
		got, err := s.Objective(context.Background(), a.ws.ID, o1.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Owner.Name != "Ada" || got.Period.Name != "2026-Q4" || len(got.KeyResults) != 3 || got.KeyResults[1].Title != "KR B" {
			t.Errorf("loaded objective = %+v", got)
		}
	})
}

func TestConcurrentCreatesGetDistinctNumbers(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s, "T1")
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); newObjective(t, s, f, "Parallel", 2) }()
		}
		wg.Wait()
		os, err := s.Objectives(context.Background(), f.ws.ID, store.ObjectiveFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, o := range os {
			for _, n := range append([]int64{o.Number}, o.KeyResults[0].Number, o.KeyResults[1].Number) {
				if seen[n] {
					t.Errorf("number #%d handed out twice", n)
				}
				seen[n] = true
			}
		}
		if len(seen) != 24 {
			t.Errorf("%d distinct numbers, want 24", len(seen))
		}
	})
}

func TestCheckInAppendsAndMovesCurrent(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		o := newObjective(t, s, f, "Grow", 2)
		kr := o.KeyResults[0]
		at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		for i, v := range []float64{10, 35} {
			c := store.CheckIn{WorkspaceID: f.ws.ID, KeyResultID: kr.ID, AuthorID: f.owner.ID, Value: v,
				Confidence: okr.AtRisk, Comment: "week", CreatedAt: at.Add(time.Duration(i) * time.Hour)}
			if err := s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.KeyResult(ctx, f.ws.ID, kr.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Current != 35 {
			t.Errorf("current = %v, want 35", got.Current)
		}
		last, err := s.LastCheckIns(ctx, f.ws.ID, []uint{kr.ID, o.KeyResults[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(last) != 1 || last[kr.ID].Value != 35 {
			t.Errorf("last check-ins = %+v, want only KR 1 at 35", last)
		}
		// A check-in for a key result of another workspace changes nothing.
		other := setup(t, s, "T2")
		bad := store.CheckIn{WorkspaceID: other.ws.ID, KeyResultID: kr.ID, AuthorID: other.owner.ID, Value: 99, Confidence: okr.OnTrack, CreatedAt: at}
		err = s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &bad) })
		if !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("cross-workspace check-in: err = %v, want not found", err)
		}
		if last, _ := s.LastCheckIns(ctx, f.ws.ID, []uint{kr.ID}); last[kr.ID].Value != 35 {
			t.Errorf("cross-workspace check-in was kept: %+v", last[kr.ID])
		}
	})
}

func TestSaveUserUpdatesProfile(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		u, err := s.SaveUser(ctx, store.User{WorkspaceID: f.ws.ID, PlatformID: "U1", Name: "Ada L.", TZ: "America/New_York", IsAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != f.owner.ID || u.Name != "Ada L." || u.TZ != "America/New_York" || !u.IsAdmin {
			t.Errorf("after update: %+v", u)
		}
		m, err := s.MentionUser(ctx, f.ws.ID, "U1", "someone else")
		if err != nil || m.Name != "Ada L." {
			t.Errorf("MentionUser renamed a known user: %+v, %v", m, err)
		}
	})
}

func TestTeamNamesIgnoreCaseInAnyScript(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		first, created, err := s.EnsureTeam(ctx, f.ws.ID, "Équipe")
		if err != nil || !created {
			t.Fatalf("first EnsureTeam: %v, created %v", err, created)
		}
		for _, name := range []string{"Équipe", "équipe", "ÉQUIPE"} {
			again, created, err := s.EnsureTeam(ctx, f.ws.ID, name)
			if err != nil || created || again.ID != first.ID {
				t.Errorf("EnsureTeam(%q) = team %d, created %v, %v; want team %d", name, again.ID, created, err, first.ID)
			}
		}
	})
}
