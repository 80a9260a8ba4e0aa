package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

var historyStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// edit is a history entry of an edited title, the nth of a series.
func edit(kind store.SubjectKind, id uint, by store.User, n int) store.HistoryEntry {
	return store.HistoryEntry{SubjectKind: kind, SubjectID: id, Action: store.ActionEdited, Field: "title",
		OldValue: fmt.Sprintf("v%d", n), NewValue: fmt.Sprintf("v%d", n+1), ActorID: &by.ID, Platform: "slack",
		At: historyStart.Add(time.Duration(n) * time.Minute)}
}

func recordHistory(t *testing.T, s *store.Store, workspaceID uint, entries ...store.HistoryEntry) {
	t.Helper()
	ctx := context.Background()
	if err := s.InTx(ctx, func(tx *store.Store) error { return tx.RecordHistory(ctx, workspaceID, entries...) }); err != nil {
		t.Fatal(err)
	}
}

// values lists the entries' new values, as a page shows them.
func values(es []store.HistoryEntry) string {
	var vs []string
	for _, e := range es {
		vs = append(vs, e.NewValue)
	}
	return strings.Join(vs, " ")
}

func TestHistoryPagesNewestFirstBySubject(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		o := newObjective(t, s, f, "Grow", 1)
		other := newObjective(t, s, f, "Other", 0)
		k := newKPI(t, s, f, "Churn rate")
		kr := o.KeyResults[0]
		// Interleaved: v1..v6 on the objective, its key result and the
		// other objective in turn, v7 on the KPI.
		subjects := []store.Subject{{store.SubjectObjective, o.ID}, {store.SubjectKeyResult, kr.ID}, {store.SubjectObjective, other.ID}}
		for n := range 6 {
			sub := subjects[n%3]
			recordHistory(t, s, f.ws.ID, edit(sub.Kind, sub.ID, f.owner, n))
		}
		recordHistory(t, s, f.ws.ID, edit(store.SubjectKPI, k.ID, f.owner, 6))

		mine := []store.Subject{{store.SubjectObjective, o.ID}, {store.SubjectKeyResult, kr.ID}}
		page, err := s.History(ctx, f.ws.ID, mine, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := values(page.Entries); got != "v5 v4 v2" || page.Next == 0 {
			t.Fatalf("first page = %q (next %d), want v5 v4 v2 and a next page", got, page.Next)
		}
		page, err = s.History(ctx, f.ws.ID, mine, page.Next, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := values(page.Entries); got != "v1" || page.Next != 0 {
			t.Errorf("second page = %q (next %d), want v1 and no more", got, page.Next)
		}
		// A page that ends exactly at the oldest entry says there is no more.
		page, _ = s.History(ctx, f.ws.ID, mine, 0, 4)
		if got := values(page.Entries); got != "v5 v4 v2 v1" || page.Next != 0 {
			t.Errorf("a page of all four = %q (next %d), want no next page", got, page.Next)
		}

		page, _ = s.History(ctx, f.ws.ID, []store.Subject{{store.SubjectKPI, k.ID}}, 0, 0)
		if got := values(page.Entries); got != "v7" {
			t.Errorf("KPI history = %q, want v7", got)
		}
		page, _ = s.History(ctx, f.ws.ID, nil, 0, 0)
		if got := values(page.Entries); got != "v7 v6 v5 v4 v3 v2 v1" {
			t.Errorf("the workspace's history = %q", got)
		}
		e := page.Entries[0]
		if e.WorkspaceID != f.ws.ID || e.Action != store.ActionEdited || e.Field != "title" || e.OldValue != "v6" ||
			*e.ActorID != f.owner.ID || e.Platform != "slack" || !e.At.Equal(historyStart.Add(6*time.Minute)) {
			t.Errorf("entry read back = %+v", e)
		}
	})
}

func TestHistoryPageSizes(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		o := newObjective(t, s, f, "Grow", 0)
		var es []store.HistoryEntry
		for n := range store.MaxHistoryPage + 5 {
			es = append(es, edit(store.SubjectObjective, o.ID, f.owner, n))
		}
		recordHistory(t, s, f.ws.ID, es...)
		for _, tt := range []struct{ limit, want int }{{0, store.HistoryPageSize}, {-1, store.HistoryPageSize}, {7, 7}, {1000, store.MaxHistoryPage}} {
			page, err := s.History(ctx, f.ws.ID, nil, 0, tt.limit)
			if err != nil || len(page.Entries) != tt.want || page.Next != page.Entries[tt.want-1].ID {
				t.Errorf("limit %d: %d entries, next %d, %v; want %d and a next page", tt.limit, len(page.Entries), page.Next, err, tt.want)
			}
		}
	})
}

func TestHistoryIsScopedByWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := setup(t, s, "T1"), setup(t, s, "T2")
		oa := newObjective(t, s, a, "Mine", 0)
		ob := newObjective(t, s, b, "Theirs", 0)
		recordHistory(t, s, a.ws.ID, edit(store.SubjectObjective, oa.ID, a.owner, 1))
		recordHistory(t, s, b.ws.ID, edit(store.SubjectObjective, ob.ID, b.owner, 2))

		page, err := s.History(ctx, b.ws.ID, []store.Subject{{store.SubjectObjective, oa.ID}}, 0, 0)
		if err != nil || len(page.Entries) != 0 {
			t.Errorf("another workspace's objective: %+v, %v; want no history", page.Entries, err)
		}
		page, _ = s.History(ctx, b.ws.ID, nil, 0, 0)
		if got := values(page.Entries); got != "v3" {
			t.Errorf("workspace B's history = %q, want only its own v3", got)
		}

		// Recording on another workspace's objective is refused whole: the
		// valid entry in the same call is not kept either.
		err = s.InTx(ctx, func(tx *store.Store) error {
			return tx.RecordHistory(ctx, b.ws.ID, edit(store.SubjectObjective, ob.ID, b.owner, 5), edit(store.SubjectObjective, oa.ID, b.owner, 6))
		})
		if !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("history of another workspace's objective: err = %v, want not found", err)
		}
		if page, _ := s.History(ctx, b.ws.ID, nil, 0, 0); values(page.Entries) != "v3" {
			t.Errorf("after the refusal workspace B has %q", values(page.Entries))
		}
	})
}

func TestRecordHistoryRefusesIncompleteEntries(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		o := newObjective(t, s, f, "Grow", 0)
		good := edit(store.SubjectObjective, o.ID, f.owner, 1)
		bad := map[string]func(e *store.HistoryEntry){
			"unknown action":  func(e *store.HistoryEntry) { e.Action = "renamed" },
			"unknown subject": func(e *store.HistoryEntry) { e.SubjectKind = "team" },
			"no subject id":   func(e *store.HistoryEntry) { e.SubjectID = 0 },
			"no platform":     func(e *store.HistoryEntry) { e.Platform = "" },
			"missing subject": func(e *store.HistoryEntry) { e.SubjectID = o.ID + 100 },
		}
		for name, spoil := range bad {
			e := good
			spoil(&e)
			if err := s.RecordHistory(ctx, f.ws.ID, good, e); err == nil {
				t.Errorf("%s: recorded", name)
			}
		}
		if page, _ := s.History(ctx, f.ws.ID, nil, 0, 0); len(page.Entries) != 0 {
			t.Errorf("refused entries left %d in the history", len(page.Entries))
		}

		// A script's change has no person; At defaults to now.
		script := store.HistoryEntry{SubjectKind: store.SubjectObjective, SubjectID: o.ID, Action: store.ActionArchived, Platform: "api"}
		before := time.Now().Add(-time.Second)
		recordHistory(t, s, f.ws.ID, script)
		page, _ := s.History(ctx, f.ws.ID, nil, 0, 0)
		if len(page.Entries) != 1 || page.Entries[0].ActorID != nil || page.Entries[0].At.Before(before) {
			t.Errorf("script entry = %+v", page.Entries)
		}
	})
}

// The history is append-only: nothing in the Store's API changes or
// removes an entry.
func TestHistoryHasNoWayToChangeOrRemoveEntries(t *testing.T) {
	t.Parallel()
	st := reflect.TypeFor[*store.Store]()
	var history []string
	for i := range st.NumMethod() {
		if name := st.Method(i).Name; strings.Contains(name, "History") {
			history = append(history, name)
		}
	}
	if got := strings.Join(history, " "); got != "EachHistory History RecordHistory" {
		t.Errorf("history methods: %s; want only EachHistory History RecordHistory", got)
	}
}

func TestEachHistoryStreamsOldestFirst(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := setup(t, s, "T1"), setup(t, s, "T2")
		oa := newObjective(t, s, a, "Mine", 0)
		ob := newObjective(t, s, b, "Theirs", 0)
		for n := range 3 {
			recordHistory(t, s, a.ws.ID, edit(store.SubjectObjective, oa.ID, a.owner, n))
			recordHistory(t, s, b.ws.ID, edit(store.SubjectObjective, ob.ID, b.owner, 10+n))
		}
		var got []store.HistoryEntry
		err := s.EachHistory(ctx, a.ws.ID, func(e store.HistoryEntry) error { got = append(got, e); return nil })
		if err != nil || values(got) != "v1 v2 v3" {
			t.Errorf("EachHistory = %q, %v; want v1 v2 v3", values(got), err)
		}
		stop := errors.New("disk full")
		n := 0
		err = s.EachHistory(ctx, a.ws.ID, func(store.HistoryEntry) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("a failing writer: %d calls, err %v; want 1 call and its error", n, err)
		}
	})
}

// TestRecordHistoryOfManyChangesAtOnce records, in one call, more changes
// of one KPI than a SQLite statement takes parameters (an import of a long
// history): each subject is checked once.
func TestRecordHistoryOfManyChangesAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s, "T1")
		k := newKPI(t, s, f, "Churn rate")
		h := store.Changes{By: store.Actor{Platform: "import"}, At: historyStart}
		const n = 33000
		for i := range n {
			h.Add(store.SubjectKPI, k.ID, store.ActionMeasurement, "value", "", fmt.Sprint(i))
		}
		recordHistory(t, s, f.ws.ID, h.Entries...)
		page, err := s.History(context.Background(), f.ws.ID, []store.Subject{{store.SubjectKPI, k.ID}}, 0, 1)
		if err != nil || len(page.Entries) != 1 || page.Entries[0].NewValue != fmt.Sprint(n-1) {
			t.Errorf("newest entry: %+v, %v", page.Entries, err)
		}
	})
}
