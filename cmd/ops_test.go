package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
)

// run runs okrbot with args and the given environment, and returns what it
// printed.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Args: args, Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: io.Discard, Now: func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) }}
	err := m.Run(context.Background())
	return out.String(), err
}

// seedConsole fills a database the way people would, through the console.
func seedConsole(t *testing.T, dbURL string) {
	t.Helper()
	script := strings.Join([]string{
		`/okr new "Grow revenue" --team Sales`,
		`/okr kr 1 "Close 20 deals" --target 20 --unit deals --owner @bob`,
		`/okr kr 1 "Launch the <b>partner</b> program" --milestone`,
		`/okr new "Delight customers" --parent 1 --description "NPS & churn"`,
		`/okr checkin 1.1 5 at-risk "two big wins"`,
		`/okr checkin 1.1 7 on-track`,
		`/kpi new "Churn rate" --unit % --target 2 --lower-is-better --team Sales`,
		`/kpi set "Churn rate" 2.4 renewals slipping`,
		`/kpi set "Churn rate" 1.9`,
		`/okr remind set monday 09:00 --every 2w`,
		`/kpi alerts #kpi-alerts`,
		`/kpi digest #leadership weekly monday 09:00 --tz Europe/Berlin`,
	}, "\n")
	out, err := run(t, map[string]string{"DATABASE_URL": dbURL, "OKRBOT_ADMINS": "ada"}, script, "console", "--as", "ada")
	if err != nil || !strings.Contains(out, "Created objective #4") || !strings.Contains(out, "Created KPI") {
		t.Fatalf("seeding through the console: %v\n%s", err, out)
	}
}

func export(t *testing.T, dbURL, dir string) map[string]string {
	t.Helper()
	if out, err := run(t, map[string]string{"DATABASE_URL": dbURL}, "", "export", "--dir", dir); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	files := map[string]string{}
	for _, name := range []string{"kpis.csv", "measurements.csv", "okrs.csv", "check_ins.csv", "history.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return files
}

// tableCounts is the row count table that backup and restore print.
func tableCounts(out string) string {
	_, counts, _ := strings.Cut(out, ".\n")
	return counts
}

// TestBackupMovesBetweenDialects moves a database people filled through
// the console from each dialect to each with okrbot backup and restore:
// the row counts and the full CSV export of both ends are equal.
func TestBackupMovesBetweenDialects(t *testing.T) {
	t.Parallel()
	// The source starts migrated, as serve leaves it; restore goes into
	// an empty database, schema and all.
	type dialect struct {
		name          string
		migrated, url func(testing.TB) string
	}
	dialects := []dialect{{"sqlite", storetest.MigratedSQLiteURL, storetest.SQLiteURL}}
	if os.Getenv(storetest.EnvURL) != "" {
		dialects = append(dialects, dialect{"postgres", storetest.MigratedPostgresURL, storetest.PostgresURL})
	}
	for _, from := range dialects {
		for _, to := range dialects {
			t.Run(from.name+"_to_"+to.name, func(t *testing.T) {
				dir := t.TempDir()
				src, dst := from.migrated(t), to.url(t)
				seedConsole(t, src)
				archive := filepath.Join(dir, "backups", "okrbot.jsonl.gz")
				backedUp, err := run(t, map[string]string{"DATABASE_URL": src}, "", "backup", "--out", archive)
				if err != nil || !strings.Contains(backedUp, "Wrote "+archive+": ") {
					t.Fatalf("backup: %v\n%s", err, backedUp)
				}
				if info, err := os.Stat(archive); err != nil || info.Mode().Perm() != 0o600 {
					t.Errorf("archive: %v, mode %v; want only its owner to read it", err, info.Mode())
				}
				restored, err := run(t, map[string]string{"DATABASE_URL": dst}, "", "restore", archive)
				if err != nil || !strings.Contains(restored, "Restored ") || !strings.Contains(restored, "from a "+from.name+" backup") {
					t.Fatalf("restore: %v\n%s", err, restored)
				}
				if tableCounts(backedUp) != tableCounts(restored) || !regexp.MustCompile(`check_ins +2\n`).MatchString(restored) {
					t.Errorf("row counts differ:\nbacked up\n%s\nrestored\n%s", tableCounts(backedUp), tableCounts(restored))
				}
				before, after := export(t, src, filepath.Join(dir, "before")), export(t, dst, filepath.Join(dir, "after"))
				for name, want := range before {
					if after[name] != want {
						t.Errorf("%s differs after the move:\nbefore\n%s\nafter\n%s", name, want, after[name])
					}
				}
				if !strings.Contains(before["check_ins.csv"], "two big wins") {
					t.Errorf("export lacks the check-ins:\n%s", before["check_ins.csv"])
				}

				again, err := run(t, map[string]string{"DATABASE_URL": dst}, "", "restore", archive)
				if err == nil || !strings.Contains(err.Error(), "the database is not empty") {
					t.Errorf("second restore: %v\n%s", err, again)
				}
			})
		}
	}
}

func TestExportCreatesItsFolder(t *testing.T) {
	t.Parallel()
	db := storetest.MigratedSQLiteURL(t)
	seedConsole(t, db)
	dir := filepath.Join(t.TempDir(), "backup", "2026-11-20")
	files := export(t, db, dir)
	if !strings.Contains(files["okrs.csv"], "Grow revenue") {
		t.Errorf("okrs.csv = %s", files["okrs.csv"])
	}
	// Changes with their old and new values, by whom and where: the
	// console's people are their names.
	for _, line := range []string{
		"at,subject_kind,subject,action,field,old_value,new_value,actor,platform\n",
		",objective,#1,created,title,,Grow revenue,ada,console\n",
		",key-result,#1.1,check-in,value,0 deals,5 deals (at risk),ada,console\n",
		",key-result,#1.1,check-in,value,5 deals,7 deals (on track),ada,console\n",
		",kpi,Churn rate,measurement,value,2.4%,1.9%,ada,console\n",
	} {
		if !strings.Contains(files["history.csv"], line) {
			t.Errorf("history.csv lacks %q:\n%s", line, files["history.csv"])
		}
	}
}

func TestBackupAndRestoreNeedTheirFile(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": storetest.SQLiteURL(t)}
	for _, args := range [][]string{{"backup"}, {"restore"}, {"restore", "a", "b"}} {
		if _, err := run(t, env, "", args...); err == nil || !strings.Contains(err.Error(), "usage: okrbot "+args[0]) {
			t.Errorf("okrbot %v: err = %v, want its usage", args, err)
		}
	}
	if _, err := run(t, env, "", "restore", filepath.Join(t.TempDir(), "missing.jsonl.gz")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("restore of a missing file: err = %v", err)
	}
}

func TestMigrateStatus(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": storetest.SQLiteURL(t)}
	out, err := run(t, env, "", "migrate", "--status")
	latest := latestSchema(t)
	if err != nil || !strings.Contains(out, "pending    00001_okrs.sql") || !strings.Contains(out, fmt.Sprintf("schema version 0; %d migrations are pending", migrationCount(t))) {
		t.Fatalf("status of a new database: %v\n%s", err, out)
	}
	if _, err := run(t, env, "", "migrate"); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, env, "", "migrate", "--status")
	if err != nil || strings.Contains(out, "pending") || !strings.Contains(out, "00004_digest_deliveries.sql") ||
		!strings.Contains(out, fmt.Sprintf("The sqlite database is at schema version %d, up to date.", latest)) {
		t.Errorf("status after migrate: %v\n%s", err, out)
	}
	if _, err := run(t, env, "", "migrate", "now"); err == nil {
		t.Error("migrate now: no error")
	}
}

// proxy forwards TCP connections to target until cut is called, which
// closes every connection and refuses new ones: a database gone away.
func proxy(t *testing.T, target string) (addr string, cut func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	cut = func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	t.Cleanup(cut)
	return ln.Addr().String(), cut
}

// TestHealthzHidesTheDatabaseError cuts okrbot off from Postgres: /healthz
// and okrbot healthcheck say the database is unreachable, and name no host
// or user.
func TestHealthzHidesTheDatabaseError(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, cut := proxy(t, u.Host)
	u.Host = addr
	fake := fakeslack.New(t)
	base := server(t, fake, u.String())
	env := map[string]string{"OKRBOT_ADDR": strings.TrimPrefix(base, "http://")}
	if out, err := run(t, env, "", "healthcheck"); err != nil || out != "ok\n" {
		t.Fatalf("healthcheck while up: %q, %v", out, err)
	}
	cut()
	code, body := do(t, must(http.NewRequest("GET", base+"/healthz", nil)))
	if code != http.StatusServiceUnavailable || body != "database unreachable\n" {
		t.Errorf("healthz without the database = %d %q, want 503 and no detail", code, body)
	}
	_, err = run(t, env, "", "healthcheck")
	if err == nil || !strings.Contains(err.Error(), "answered 503: database unreachable") || strings.Contains(err.Error(), "postgres") {
		t.Errorf("healthcheck without the database: %v", err)
	}
}

func TestHealthcheckWithNothingListening(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	_, err = run(t, map[string]string{"OKRBOT_ADDR": ":" + port}, "", "healthcheck")
	if err == nil || !strings.Contains(err.Error(), "okrbot does not answer at http://127.0.0.1:"+port+"/healthz") {
		t.Errorf("healthcheck = %v", err)
	}
}

// TestBackupThroughStandardStreams pipes an archive out of one okrbot and
// into another, as containers do: nothing but the archive goes to
// standard output.
func TestBackupThroughStandardStreams(t *testing.T) {
	t.Parallel()
	src, dst := storetest.MigratedSQLiteURL(t), storetest.SQLiteURL(t)
	seedConsole(t, src)
	archive, err := run(t, map[string]string{"DATABASE_URL": src}, "", "backup", "--out", "-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, map[string]string{"DATABASE_URL": dst}, archive, "restore", "-")
	if err != nil || !regexp.MustCompile(`Restored [1-9]\d* rows in \d+ tables`).MatchString(out) {
		t.Fatalf("restore -: %v\n%s", err, out)
	}
}

// latestSchema is the schema version of the newest migration.
// migrationCount is how many migrations there are; their versions need not
// be contiguous.
func migrationCount(t *testing.T) int {
	t.Helper()
	st := storetest.OpenURL(t, storetest.SQLiteURL(t))
	status, err := st.SchemaStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(status.Migrations)
}

func latestSchema(t *testing.T) int64 {
	t.Helper()
	st := storetest.OpenURL(t, storetest.SQLiteURL(t))
	status, err := st.SchemaStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return status.Latest
}
