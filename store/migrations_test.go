package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// notAdditiveMarker is how a migration says it breaks the previous release
// on purpose, and why; docs/OPERATIONS.md tells operators what that means.
const notAdditiveMarker = "-- okrbot: not additive because "

// breaking lists what makes a migration's Up part unsafe for the previous
// release still running against the new schema.
var breaking = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`(?i)\bDROP\b`), "drops something"},
	{regexp.MustCompile(`(?i)\bRENAME\b`), "renames something"},
	{regexp.MustCompile(`(?i)\bALTER\s+(COLUMN\s+)?\S+\s+(SET\s+DATA\s+)?TYPE\b`), "changes a column's type"},
	{regexp.MustCompile(`(?i)\bSET\s+NOT\s+NULL\b`), "makes a column required"},
	{regexp.MustCompile(`(?i)\bTRUNCATE\b|\bDELETE\s+FROM\b`), "deletes rows"},
	// A new required column without a default fails every insert of the
	// previous release, which does not know the column.
	{regexp.MustCompile(`(?i)\bADD\s+(COLUMN\s+)?[^,;]*\bNOT\s+NULL\b`), "adds a required column"},
}

// nonAdditive says why the Up part of a migration breaks the previous
// release: nothing when it does not.
func nonAdditive(sql string) []string {
	up, _, _ := strings.Cut(sql, "-- +goose Down")
	var code []string
	for _, line := range strings.Split(up, "\n") {
		code = append(code, strings.SplitN(line, "--", 2)[0])
	}
	var reasons []string
	for _, statement := range strings.Split(strings.Join(code, "\n"), ";") {
		for _, b := range breaking {
			if !b.re.MatchString(statement) {
				continue
			}
			if b.why == "adds a required column" && regexp.MustCompile(`(?i)\bDEFAULT\b`).MatchString(statement) {
				continue
			}
			reasons = append(reasons, b.why+": "+strings.Join(strings.Fields(statement), " "))
		}
	}
	return reasons
}

// TestMigrationsAreAdditive keeps the promise that the schema of a release
// works with the binary of the release before, which is what makes a
// rollback a matter of starting the previous binary: every migration only
// adds, unless it says why not.
func TestMigrationsAreAdditive(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("migrations", "*", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		reasons := nonAdditive(string(b))
		if len(reasons) == 0 {
			continue
		}
		_, why, marked := strings.Cut(string(b), notAdditiveMarker)
		if !marked || strings.TrimSpace(strings.SplitN(why, "\n", 2)[0]) == "" {
			t.Errorf("%s is not additive; make it additive, or say why with a line %q:\n  %s",
				file, notAdditiveMarker+"…", strings.Join(reasons, "\n  "))
		}
	}
}

func TestNonAdditiveStatementsAreFound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sql  string
		want string
	}{
		{`ALTER TABLE "kpis" DROP COLUMN "unit";`, "drops something"},
		{"DROP INDEX `idx_kpis_team_id`;", "drops something"},
		{`ALTER TABLE "kpis" RENAME COLUMN "unit" TO "units";`, "renames something"},
		{`ALTER TABLE "kpis" ALTER COLUMN "target" TYPE bigint;`, "changes a column's type"},
		{`ALTER TABLE "kpis" ALTER COLUMN "unit" SET NOT NULL;`, "makes a column required"},
		{`DELETE FROM "kpis";`, "deletes rows"},
		{`ALTER TABLE "kpis" ADD "owner" text NOT NULL;`, "adds a required column"},
		{`ALTER TABLE "kpis" ADD COLUMN "owner" text NOT NULL DEFAULT '';`, ""},
		{`ALTER TABLE "kpis" ADD "note" text;`, ""},
		{`CREATE TABLE "x" ("id" bigserial, "name" text NOT NULL);`, ""},
		{"-- drop nothing, rename nothing\nCREATE INDEX `idx` ON `x`(`name`);", ""},
		{"-- +goose Up\nCREATE TABLE `x` (`id` integer);\n-- +goose Down\nDROP TABLE `x`;", ""},
	} {
		got := strings.Join(nonAdditive(tc.sql), "; ")
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("nonAdditive(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
}

// TestPreviousReleaseStartsOnTheNewSchema runs the migrations of the
// release before (all but the newest) against a database the newest
// migrated, as a rolled-back okrbot does at start: it must find nothing
// to do rather than refuse to start.
func TestPreviousReleaseStartsOnTheNewSchema(t *testing.T) {
	t.Parallel()
	for _, d := range dialects() {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			url := d.url(t)
			storetest.OpenURL(t, url)
			driver, dsn, dialect := "pgx", url, goose.DialectPostgres
			if d.name == "sqlite" {
				driver, dsn, dialect = "sqlite", strings.TrimPrefix(url, "sqlite:"), goose.DialectSQLite3
			}
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			files, _ := filepath.Glob(filepath.Join("migrations", d.name, "*.sql"))
			previous := fstest.MapFS{}
			for _, f := range files[:len(files)-1] {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				previous[filepath.Base(f)] = &fstest.MapFile{Data: b}
			}
			p, err := goose.NewProvider(dialect, db, previous)
			if err != nil {
				t.Fatal(err)
			}
			applied, err := p.Up(ctx)
			if err != nil || len(applied) != 0 {
				t.Errorf("the previous release's migrations on the new schema: applied %v, err %v; want nothing to do", applied, err)
			}
		})
	}
}

func TestSchemaStatusListsAppliedAndPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join("migrations", "sqlite", "*.sql"))
	// Versions may skip numbers, so the latest is the highest file's, not
	// the count.
	latest, err := strconv.ParseInt(strings.SplitN(filepath.Base(files[len(files)-1]), "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := store.Open(ctx, storetest.SQLiteURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	st, err := fresh.SchemaStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != 0 || st.Latest != latest || st.Pending() != len(files) || st.Migrations[0].Name != "00001_okrs.sql" {
		t.Errorf("new database: %+v, want all %d migrations pending", st, len(files))
	}
	// Migrated here, not copied from storetest's Postgres template, which
	// the server keeps across test runs: the times applied are this run's.
	for _, url := range storetest.URLs(t) {
		s := storetest.OpenURL(t, url)
		t.Run(s.Dialect(), func(t *testing.T) {
			st, err := s.SchemaStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Current != st.Latest || st.Latest != latest || st.Pending() != 0 {
				t.Errorf("migrated database: current %d, latest %d, %d pending", st.Current, st.Latest, st.Pending())
			}
			for _, m := range st.Migrations {
				if m.AppliedAt == nil || time.Since(*m.AppliedAt) > time.Hour {
					t.Errorf("migration %s applied at %v", m.Name, m.AppliedAt)
				}
			}
		})
	}
}
