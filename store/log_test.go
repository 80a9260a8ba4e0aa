package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// syncBuffer is a log destination shared by concurrent queries.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestQueriesAreLoggedWithoutTheirValues logs every query at debug level,
// and a failing one as an error: neither shows the values people typed.
func TestQueriesAreLoggedWithoutTheirValues(t *testing.T) {
	t.Parallel()
	for _, url := range storetest.URLs(t) {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			ctx := context.Background()
			var out syncBuffer
			log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
			s, err := store.Open(ctx, url, log)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			ws, err := s.Workspace(ctx, "slack", "T1")
			if err != nil {
				t.Fatal(err)
			}
			const typed = "Ada-Lovelace-4242"
			if _, err := s.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: "U1", Name: typed}); err != nil {
				t.Fatal(err)
			}
			// Another workspace's id makes the insert fail its foreign key
			// on Postgres, and is logged as an error there.
			_, _ = s.SaveUser(ctx, store.User{WorkspaceID: ws.ID + 1000, PlatformID: "U2", Name: typed})

			got := out.String()
			if !strings.Contains(got, "level=DEBUG msg=\"SQL executed\"") || !strings.Contains(got, "users") {
				t.Errorf("queries were not logged at debug level:\n%s", got)
			}
			if strings.Contains(got, "level=INFO msg=\"SQL executed\"") {
				t.Errorf("queries were logged at info level:\n%s", got)
			}
			if strings.Contains(got, typed) {
				t.Errorf("a query's values were logged:\n%s", got)
			}
		})
	}
}

// TestAtInfoLevelOnlyFailedQueriesAreLogged: without debug logging, a
// query that works is not logged and one that fails is, as an error.
func TestAtInfoLevelOnlyFailedQueriesAreLogged(t *testing.T) {
	t.Parallel()
	for _, url := range storetest.URLs(t) {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			ctx := context.Background()
			var out syncBuffer
			s, err := store.Open(ctx, url, slog.New(slog.NewTextHandler(&out, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Workspace(ctx, "slack", "T1"); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); strings.Contains(got, "SQL executed") {
				t.Errorf("queries that worked were logged:\n%s", got)
			}
			if err := s.Exec(ctx, "SELECT no_such_column FROM workspaces"); err == nil {
				t.Fatal("a query of a column that does not exist worked")
			}
			if got := out.String(); !strings.Contains(got, `level=ERROR msg="SQL executed"`) || !strings.Contains(got, "no_such_column") {
				t.Errorf("the failed query was not logged as an error:\n%s", got)
			}
		})
	}
}
