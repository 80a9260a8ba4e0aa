// Package storetest opens real, migrated databases for tests: SQLite in a
// temporary directory always, and Postgres as well when
// OKRBOT_TEST_DATABASE_URL is set. Each test gets Postgres databases of its
// own until it ends, so tests never see each other's rows: for Dialects and
// MigratedURLs a migrated database with no rows (a copy of a migrated
// template, emptied and lent again when the test ends), for URLs and
// PostgresURL an empty schema, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // to create and drop test schemas and databases

	"github.com/okrbot/okrbot/store"
)

// EnvURL names the variable that points the tests at a Postgres server.
const EnvURL = "OKRBOT_TEST_DATABASE_URL"

// server is the Postgres server of EnvURL, "" when tests run on SQLite
// alone. Test binaries read it once, like okrbot reads its settings.
var server = os.Getenv(EnvURL)

// Dialects runs fn once per available database, as subtests named after the
// dialect, each with a freshly migrated store.
func Dialects(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	urls := []string{SQLiteURL(t)}
	if server != "" {
		urls = append(urls, MigratedPostgresURL(t))
	}
	for _, url := range urls {
		s := OpenURL(t, url)
		t.Run(s.Dialect(), func(t *testing.T) { fn(t, s) })
	}
}

// URLs returns one new, empty database URL per available dialect.
func URLs(t testing.TB) []string {
	t.Helper()
	urls := []string{SQLiteURL(t)}
	if server != "" {
		urls = append(urls, PostgresURL(t))
	}
	return urls
}

// SQLiteURL returns the URL of a new SQLite database in a temporary directory.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "okrbot.db")
}

// MigratedURLs returns one new database URL per available dialect, each
// already holding okrbot's migrated schema, for tests that start the
// program and are not about migrating: migrating an empty database costs
// a second of CPU under the race detector, copying a migrated one a
// fraction of that.
func MigratedURLs(t testing.TB) []string {
	t.Helper()
	urls := []string{MigratedSQLiteURL(t)}
	if server != "" {
		urls = append(urls, MigratedPostgresURL(t))
	}
	return urls
}

// MigratedSQLiteURL returns the URL of a new SQLite database in a temporary
// directory, a copy of one migrated once per test binary.
func MigratedSQLiteURL(t testing.TB) string {
	t.Helper()
	url := SQLiteURL(t)
	migrated, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrate the SQLite template: %v", err)
	}
	if err := os.WriteFile(store.FilePath(url), migrated, 0o600); err != nil {
		t.Fatal(err)
	}
	return url
}

// PostgresURL returns the URL of a new, empty schema on the server named by
// OKRBOT_TEST_DATABASE_URL, and skips the test when it is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := server
	if base == "" {
		t.Skip(EnvURL + " is not set")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	t.Cleanup(func() { db.Close() })
	schema := "test_" + randomHex()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema on %s: %v", EnvURL, err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenURL opens and migrates the database at url, closing it when the test
// ends. A new SQLite database starts as a copy of one migrated once per
// test binary, since migrating takes most of a second under the race
// detector; Migrate then finds nothing left to do.
func OpenURL(t testing.TB, url string) *store.Store {
	t.Helper()
	if path := store.FilePath(url); path != "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			migrated, err := sqliteTemplate()
			if err != nil {
				t.Fatalf("migrate the SQLite template: %v", err)
			}
			if err := os.WriteFile(path, migrated, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// sqliteTemplate is the file of a freshly migrated SQLite database.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "okrbot-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "okrbot.db")
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.Migrate(ctx)
	// Closing the last connection folds the write-ahead log into the
	// file, so the file alone is the whole database.
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// MigratedPostgresURL returns the URL of a Postgres database that holds
// okrbot's migrated schema and no rows, the test's alone until it ends. It
// skips the test when OKRBOT_TEST_DATABASE_URL is not set.
//
// The databases are copies of a migrated template, kept by the test binary
// and emptied between tests: copying a database costs Postgres about a
// tenth of a CPU second (the files of every table and index are written
// and synced), emptying one a hundredth, and the suite takes hundreds.
func MigratedPostgresURL(t testing.TB) string {
	t.Helper()
	if server == "" {
		t.Skip(EnvURL + " is not set")
	}
	p, err := databases()
	if err != nil {
		t.Fatalf("test databases on %s: %v", EnvURL, err)
	}
	d, err := p.take()
	if err != nil {
		t.Fatalf("test database on %s: %v", EnvURL, err)
	}
	t.Cleanup(func() {
		if err := p.give(d); err != nil {
			t.Errorf("test database %s: %v", d.name, err)
		}
	})
	return d.url
}

// postgresTemplate is the name of a database on the server named by
// OKRBOT_TEST_DATABASE_URL that holds the schema the migrations make. It is
// named after the migrations' text, so a changed migration gets a template
// of its own, and it is kept for the next test run. Test binaries running
// at once each build it under a name of their own and then rename it; the
// first one wins, and the others use the winner's.
var postgresTemplate = sync.OnceValues(func() (string, error) {
	sum, err := migrationsSum()
	if err != nil {
		return "", err
	}
	name := "okrbot_template_" + sum
	base := server
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer db.Close()
	exists := func() bool {
		var ok bool
		err := db.QueryRow("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&ok)
		return err == nil && ok
	}
	if exists() {
		return name, nil
	}
	building := name + "_" + randomHex()
	if _, err := db.Exec("CREATE DATABASE " + building); err != nil {
		return "", err
	}
	url, err := withDatabase(base, building)
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	s, err := store.Open(ctx, url, nil)
	if err == nil {
		_, err = s.Migrate(ctx)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		_, err = db.Exec("ALTER DATABASE " + building + " RENAME TO " + name)
	}
	if err != nil {
		db.Exec("DROP DATABASE " + building + " WITH (FORCE)")
		if exists() {
			return name, nil // another test binary made it first
		}
		return "", err
	}
	return name, nil
})

// migrationsSum is a short hash of the Postgres migrations, read from the
// source tree next to this file.
func migrationsSum() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("no source file to find the migrations by")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "migrations", "postgres")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// withDatabase returns base with its database changed to name.
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
