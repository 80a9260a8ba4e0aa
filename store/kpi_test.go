package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

func newKPI(t *testing.T, s *store.Store, f fixture, name string) store.KPI {
	t.Helper()
	k := store.KPI{WorkspaceID: f.ws.ID, Name: name, OwnerID: f.owner.ID, Direction: okr.LowerIsBetter,
		Target: 2, Warn: 2.5, Crit: 3, Cadence: okr.Weekly}
	if err := s.CreateKPI(context.Background(), &k); err != nil {
		t.Fatal(err)
	}
	return k
}

func record(t *testing.T, s *store.Store, k store.KPI, at time.Time, v float64) {
	t.Helper()
	m := store.Measurement{WorkspaceID: k.WorkspaceID, KPIID: k.ID, Value: v, At: at}
	err := s.InTx(context.Background(), func(tx *store.Store) error { return tx.RecordMeasurement(context.Background(), &m) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestKPINamesAreUniquePerWorkspaceIgnoringCase(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := setup(t, s, "T1"), setup(t, s, "T2")
		newKPI(t, s, a, "Churn rate")
		dup := store.KPI{WorkspaceID: a.ws.ID, Name: " CHURN rate ", OwnerID: a.owner.ID, Direction: okr.LowerIsBetter, Cadence: okr.Weekly}
		var ve *okr.ValidationError
		if err := s.CreateKPI(ctx, &dup); !errors.As(err, &ve) || ve.Field != "name" {
			t.Errorf("duplicate name: err = %v, want a validation error on name", err)
		}
		other := newKPI(t, s, b, "Churn rate") // another workspace may use it
		got, err := s.KPIByName(ctx, a.ws.ID, "churn RATE")
		if err != nil || got.Name != "Churn rate" || got.Owner.Name != "Ada" {
			t.Errorf("KPIByName = %+v, %v", got, err)
		}
		if _, err := s.KPIByID(ctx, a.ws.ID, other.ID); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("KPI of another workspace: err = %v, want not found", err)
		}
	})
}

func TestRecordMeasurementKeepsTheNewestAsLatest(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		k := newKPI(t, s, f, "Churn rate")
		day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
		record(t, s, k, day(10), 2.2)
		record(t, s, k, day(3), 9) // back-dated: history only
		got, err := s.KPIByID(ctx, f.ws.ID, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastValue == nil || *got.LastValue != 2.2 || !got.LastAt.Equal(day(10)) {
			t.Errorf("latest = %v at %v, want 2.2 at %v", got.LastValue, got.LastAt, day(10))
		}
		ms, err := s.Measurements(ctx, f.ws.ID, k.ID, 10)
		if err != nil || len(ms) != 2 || ms[0].Value != 2.2 || ms[1].Value != 9 {
			t.Errorf("history = %+v, %v", ms, err)
		}
	})
}

func TestRecentPointsLoadsTheNewestOfEachKPIAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		a, b, empty := newKPI(t, s, f, "A"), newKPI(t, s, f, "B"), newKPI(t, s, f, "Empty")
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 40 {
			record(t, s, a, start.AddDate(0, 0, i), float64(i))
		}
		for i := range 3 {
			record(t, s, b, start.AddDate(0, 0, i), float64(100+i))
		}
		got, err := s.RecentPoints(ctx, f.ws.ID, []uint{a.ID, b.ID, empty.ID}, 12)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(got[a.ID]); n != 12 || got[a.ID][0].Value != 28 || got[a.ID][11].Value != 39 || !got[a.ID][11].At.Equal(start.AddDate(0, 0, 39)) {
			t.Errorf("A: %d values from %v, want the 12 newest, 28..39, oldest first", n, got[a.ID])
		}
		if n := len(got[b.ID]); n != 3 || got[b.ID][0].Value != 100 {
			t.Errorf("B: %v, want all 3", got[b.ID])
		}
		if len(got[empty.ID]) != 0 {
			t.Errorf("Empty: %v", got[empty.ID])
		}
		other := setup(t, s, "T2")
		if got, _ := s.RecentPoints(ctx, other.ws.ID, []uint{a.ID}, 12); len(got[a.ID]) != 0 {
			t.Error("another workspace read A's measurements")
		}
	})
}

// TestPointsSinceLoadsEachKPIsWindow shows the values a trend chart needs:
// each KPI's own window, led in by the value before it, capped at the
// newest limit, in one query, and nothing of another workspace.
func TestPointsSinceLoadsEachKPIsWindow(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		a, b, c, empty := newKPI(t, s, f, "A"), newKPI(t, s, f, "B"), newKPI(t, s, f, "C"), newKPI(t, s, f, "Empty")
		start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		day := func(i int) time.Time { return start.AddDate(0, 0, i) }
		for i := range 40 {
			record(t, s, a, day(i), float64(i))
			record(t, s, c, day(i), float64(100+i))
		}
		for _, i := range []int{0, 10, 20} {
			record(t, s, b, day(i), float64(200+i))
		}
		values := func(ps []okr.Point) []float64 {
			var out []float64
			for _, p := range ps {
				out = append(out, p.Value)
			}
			return out
		}
		queries := s.CountQueries()
		got, err := s.PointsSince(ctx, f.ws.ID, map[uint]time.Time{
			a.ID: day(35), b.ID: day(15), c.ID: day(35).Add(-time.Hour), empty.ID: day(0),
		}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n := queries(); n != 1 {
			t.Errorf("%d queries, want 1", n)
		}
		for _, tc := range []struct {
			name string
			got  []okr.Point
			want string
		}{
			{"A (led in by the value before its window)", got[a.ID], "[34 35 36 37 38 39]"},
			{"B", got[b.ID], "[210 220]"},
			{"C (window opens an hour before a value)", got[c.ID], "[134 135 136 137 138 139]"},
			{"Empty", got[empty.ID], "[]"},
		} {
			if fmt.Sprint(values(tc.got)) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, values(tc.got), tc.want)
			}
		}
		if !got[a.ID][0].At.Equal(day(34)) {
			t.Errorf("A's first value at %v, want %v", got[a.ID][0].At, day(34))
		}
		capped, err := s.PointsSince(ctx, f.ws.ID, map[uint]time.Time{a.ID: day(0)}, 3)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(values(capped[a.ID])) != "[37 38 39]" {
			t.Errorf("capped at 3: %v, want the newest 3", values(capped[a.ID]))
		}
		other := setup(t, s, "T2")
		if got, _ := s.PointsSince(ctx, other.ws.ID, map[uint]time.Time{a.ID: day(0)}, 100); len(got[a.ID]) != 0 {
			t.Error("another workspace read A's measurements")
		}
	})
}

// TestUpdateKPIKeepsTheLatestValue shows that saving a KPI's definition,
// loaded before a value was recorded, does not put back the value and
// health it was loaded with: an edit racing a measurement loses neither.
func TestUpdateKPIKeepsTheLatestValue(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		k := newKPI(t, s, f, "Churn rate")
		loaded, err := s.KPIByID(ctx, f.ws.ID, k.ID) // no value yet
		if err != nil {
			t.Fatal(err)
		}
		record(t, s, k, time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC), 2.7)
		if ok, err := s.SetKPIHealthIf(ctx, f.ws.ID, k.ID, okr.HealthNoData, okr.HealthAtRisk); !ok || err != nil {
			t.Fatalf("SetKPIHealthIf = %v, %v", ok, err)
		}
		loaded.Target = 1.5
		if err := s.UpdateKPI(ctx, &loaded); err != nil {
			t.Fatal(err)
		}
		got, err := s.KPIByID(ctx, f.ws.ID, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Target != 1.5 || got.LastValue == nil || *got.LastValue != 2.7 || got.LastAt == nil || got.Health != okr.HealthAtRisk {
			t.Errorf("after the edit: target %v, last %v at %v, health %s; want 1.5, 2.7, at-risk", got.Target, got.LastValue, got.LastAt, got.Health)
		}
	})
}

func TestValuesAt(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := setup(t, s, "T1"), setup(t, s, "T2")
		k := newKPI(t, s, a, "Churn rate")
		empty := newKPI(t, s, a, "NPS")
		other := newKPI(t, s, b, "Churn rate")
		day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
		for h := range 48 {
			record(t, s, k, day(10, h), float64(h))
		}
		record(t, s, other, day(9, 0), 99)
		tests := []struct {
			at   time.Time
			want string
		}{
			{day(9, 12), "map[]"},
			{day(10, 0), "map[1:0]"},
			{day(10, 23).Add(30 * time.Minute), "map[1:23]"},
			{day(20, 0), "map[1:47]"},
		}
		for _, tt := range tests {
			got, err := s.ValuesAt(ctx, a.ws.ID, []uint{k.ID, empty.ID, other.ID}, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			values := map[uint]float64{}
			for id, p := range got {
				values[id] = p.Value
			}
			if fmt.Sprint(values) != tt.want {
				t.Errorf("ValuesAt(%s) = %v, want %s", tt.at, values, tt.want)
			}
		}
	})
}

// TestLastConfidencesIsScopedByWorkspace shows that a key result id of
// another workspace reads nothing, like every other query.
func TestLastConfidencesIsScopedByWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := setup(t, s, "T1"), setup(t, s, "T2")
		mine, theirs := newObjective(t, s, a, "Grow", 1).KeyResults[0], newObjective(t, s, b, "Other", 1).KeyResults[0]
		at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		for i, c := range []store.CheckIn{
			{WorkspaceID: a.ws.ID, KeyResultID: mine.ID, AuthorID: a.owner.ID, Value: 1, Confidence: okr.OnTrack},
			{WorkspaceID: a.ws.ID, KeyResultID: mine.ID, AuthorID: a.owner.ID, Value: 2, Confidence: okr.AtRisk},
			{WorkspaceID: b.ws.ID, KeyResultID: theirs.ID, AuthorID: b.owner.ID, Value: 3, Confidence: okr.OffTrack},
		} {
			c.CreatedAt = at.Add(time.Duration(i) * time.Hour)
			if err := s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LastConfidences(ctx, a.ws.ID, []uint{mine.ID, theirs.ID})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprintf("map[%d:%s]", mine.ID, okr.AtRisk) {
			t.Errorf("LastConfidences = %v, want only %d at risk", got, mine.ID)
		}
	})
}
