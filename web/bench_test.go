package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// dashSize is a workspace to time the dashboard's pages in.
type dashSize struct {
	name                  string
	objectives, krs, kpis int
}

var (
	// large is the benchmark's workspace.
	large = dashSize{"large", 2000, 4, 200}
	// tiny and small show that the pages' round trips do not grow with
	// the workspace: small is five times tiny.
	tiny  = dashSize{"tiny", 20, 4, 5}
	small = dashSize{"small", 100, 4, 25}
)

// benchSite is a workspace of sz, nested (company objectives, team ones
// aligned to them, personal ones to those), with a person signed in.
type benchSite struct {
	st     *store.Store
	d      *web.Dashboard
	cookie *http.Cookie
}

func newBenchSite(tb testing.TB, url string, sz dashSize) *benchSite {
	tb.Helper()
	return benchSiteOn(tb, storetest.OpenURL(tb, url), sz)
}

// benchSiteOn is newBenchSite on an empty, migrated store.
func benchSiteOn(tb testing.TB, st *store.Store, sz dashSize) *benchSite {
	tb.Helper()
	ctx := context.Background()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	ws, err := st.Workspace(ctx, "slack", "TBENCH")
	must(err)
	users := make([]store.User, 50)
	for i := range users {
		users[i] = store.User{WorkspaceID: ws.ID, PlatformID: fmt.Sprintf("U%03d", i), Name: fmt.Sprintf("Person %d", i)}
	}
	must(st.InsertAll(ctx, &users, 50))
	teams := make([]store.Team, 10)
	for i := range teams {
		teams[i] = store.Team{WorkspaceID: ws.ID, Name: fmt.Sprintf("Team %02d", i)}
	}
	must(st.InsertAll(ctx, &teams, 50))
	period, err := st.EnsurePeriod(ctx, ws.ID, okr.QuarterOf(midQ4))
	must(err)
	kpis := make([]store.KPI, sz.kpis)
	for i := range kpis {
		last, at := float64(80+i%40), midQ4.Add(-time.Duration(i%3)*24*time.Hour)
		kpis[i] = store.KPI{WorkspaceID: ws.ID, Name: fmt.Sprintf("KPI %04d", i), NameKey: fmt.Sprintf("kpi %04d", i),
			TeamID: &teams[i%len(teams)].ID, OwnerID: users[i%len(users)].ID, Direction: okr.HigherIsBetter, Target: 100, Warn: 95, Crit: 90,
			Cadence: okr.Weekly, Health: okr.HealthNoData, LastValue: &last, LastAt: &at}
	}
	must(st.InsertAll(ctx, &kpis, 50))

	// The many rows are written by plain multi-row INSERTs in one
	// transaction: gorm's reflection took most of a minute for them
	// under the race detector.
	tx, err := st.Pool().BeginTx(ctx, nil)
	must(err)
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	insert := rowInserter(tb, ctx, tx, st.Dialect())
	// 10 company objectives, a tenth of them aligned to those, the rest to
	// the tenth; each level is inserted once its parents have ids.
	ids := make([]int64, sz.objectives)
	levels := []int{0, 10, max(20, sz.objectives/10), sz.objectives}
	for l := 0; l+1 < len(levels); l++ {
		var rows [][]any
		for i := levels[l]; i < levels[l+1]; i++ {
			var team, parent any
			if i >= 10 {
				team = teams[i%len(teams)].ID
			}
			if l > 0 {
				parents := ids[levels[l-1]:levels[l]]
				parent = parents[i%len(parents)]
			}
			rows = append(rows, []any{ws.ID, i + 1, fmt.Sprintf("Objective %d, worded as people word them", i), "",
				users[i%len(users)].ID, team, parent, period.ID, string(okr.Active), "", "", midQ4, midQ4})
		}
		insert("objectives", "workspace_id, number, title, description, owner_id, team_id, parent_id, period_id, status, outcome, retrospective, created_at, updated_at", rows)
		got, err := tx.QueryContext(ctx, rebind(st.Dialect(), "SELECT id, number FROM objectives WHERE workspace_id = ? AND number > ? AND number <= ?"),
			ws.ID, levels[l], levels[l+1])
		must(err)
		for got.Next() {
			var id, number int64
			must(got.Scan(&id, &number))
			ids[number-1] = id
		}
		must(got.Err())
		must(got.Close())
	}
	var krs [][]any
	for i, id := range ids {
		for j := range sz.krs {
			krs = append(krs, []any{ws.ID, sz.objectives + i*sz.krs + j + 1, id, j + 1, fmt.Sprintf("Key result %d.%d", i, j),
				users[(i+j)%len(users)].ID, string(okr.Metric), 0.0, 100.0, float64((i * j) % 100), "", 1.0, midQ4, midQ4})
		}
	}
	insert("key_results", "workspace_id, number, objective_id, position, title, owner_id, kind, start, target, current, unit, weight, created_at, updated_at", krs)
	var ms [][]any
	for i, k := range kpis {
		for d := 11; d >= 0; d-- {
			ms = append(ms, []any{ws.ID, k.ID, float64(80 + i%40 - d%7), k.LastAt.AddDate(0, 0, -7*d), "", "", midQ4})
		}
	}
	insert("kpi_measurements", "workspace_id, kpi_id, value, at, source, comment, created_at", ms)
	must(tx.Commit())
	if st.Dialect() == "postgres" {
		// Postgres's autovacuum analyzes tables soon after a bulk insert;
		// without statistics it would plan for empty tables, and the
		// benchmark would time plans no deployment runs for long.
		_, err := st.Pool().ExecContext(ctx, "ANALYZE")
		must(err)
	}
	must(st.CreateDashboardLink(ctx, &store.DashboardLink{Hash: commands.HashToken("bench"), WorkspaceID: ws.ID, UserID: users[0].ID,
		ExpiresAt: midQ4.Add(time.Hour)}, midQ4))
	must(st.StartDashboardSession(ctx, commands.HashToken("bench"), &store.DashboardSession{Hash: commands.HashToken("session"),
		CreatedAt: midQ4, SeenAt: midQ4, ExpiresAt: midQ4.Add(time.Hour)}))
	d, err := web.New(web.Config{Store: st, Now: func() time.Time { return midQ4 }})
	must(err)
	return &benchSite{st: st, d: d, cookie: &http.Cookie{Name: "okrbot_session", Value: "session"}}
}

func (b *benchSite) get(tb testing.TB, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.AddCookie(b.cookie)
	w := httptest.NewRecorder()
	b.d.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("%s: %d %s", path, w.Code, w.Body.String())
	}
	return w
}

// rowInserter returns a function that inserts rows of values for columns
// into a table, 50 rows a statement: SQLite's driver binds each parameter
// by searching all of a statement's, so larger statements cost more per
// row.
func rowInserter(tb testing.TB, ctx context.Context, tx *sql.Tx, dialect string) func(table, columns string, rows [][]any) {
	return func(table, columns string, rows [][]any) {
		tb.Helper()
		for len(rows) > 0 {
			n := min(50, len(rows))
			one := "(?" + strings.Repeat(", ?", len(rows[0])-1) + ")"
			var args []any
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			q := "INSERT INTO " + table + " (" + columns + ") VALUES " + one + strings.Repeat(", "+one, n-1)
			if _, err := tx.ExecContext(ctx, rebind(dialect, q), args...); err != nil {
				tb.Fatalf("insert into %s: %v", table, err)
			}
			rows = rows[n:]
		}
	}
}

// rebind writes a statement's ? placeholders as Postgres's $1, $2, ….
func rebind(dialect, q string) string {
	if dialect != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var benchPages = []string{"/tree", "/scorecard", "/", "/review"}

// TestLargePagesTakeConstantQueries shows that the pages cost the same
// number of round trips to the database for 20 objectives as for 100 (of
// 4 key results each, and 5 or 25 KPIs), and that the HTML of the tree and
// the scorecard stays within 300 KB for 2,000 objectives and 200 KPIs. The
// large workspace is seeded on one database only, Postgres when there is
// one: the pages' HTML does not depend on it, and SQLite under the race
// detector takes seconds to write and read it.
func TestLargePagesTakeConstantQueries(t *testing.T) {
	t.Parallel()
	trips := map[string]map[string]int64{} // by dialect and size, by page
	for _, sz := range []dashSize{tiny, small} {
		storetest.Dialects(t, func(t *testing.T, st *store.Store) {
			b := benchSiteOn(t, st, sz)
			n := map[string]int64{}
			for _, path := range benchPages {
				count := b.st.CountRoundTrips()
				b.get(t, path)
				n[path] = count()
			}
			trips[st.Dialect()+" "+sz.name] = n
		})
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, path := range benchPages {
			few, many := trips[dialect+" tiny"][path], trips[dialect+" small"][path]
			if few != many {
				t.Errorf("%s: %s takes %d round trips for %d objectives and %d for %d, want the same", dialect, path, few, tiny.objectives,
					many, small.objectives)
			}
		}
	}
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		if st.Dialect() == "sqlite" && os.Getenv(storetest.EnvURL) != "" {
			t.Skip("the large workspace is seeded on Postgres")
		}
		b := benchSiteOn(t, st, large)
		for _, path := range []string{"/tree", "/scorecard"} {
			w := b.get(t, path)
			if size := w.Body.Len(); size > 300*1024 {
				t.Errorf("2,000 objectives: %s is %d KB of HTML, want at most 300", path, size/1024)
			}
			if path == "/tree" && !strings.Contains(w.Body.String(), ">#2000 Objective 1999, ") {
				t.Errorf("the tree of 2,000 objectives does not show the last")
			}
		}
	})
}

// BenchmarkPages times the dashboard's pages in a workspace of 2,000
// objectives of 4 key results and 200 KPIs, server side (handler to
// HTML, with the database). Besides the wall time, which counts waits for
// a core on a busy machine, it reports the CPU time okrbot spent
// (cpu-ns/op) and, when Postgres runs on this machine, the CPU time of the
// Postgres backend that answered (pg-cpu-ns/op, in steps of the kernel's
// 10 ms tick: run at least 50 iterations).
//
//	OKRBOT_TEST_DATABASE_URL=… go test ./web -run '^$' -bench Pages -benchtime 50x
func BenchmarkPages(b *testing.B) {
	for _, url := range storetest.URLs(b) {
		s := newBenchSite(b, url, large)
		pgCPU := backendCPU(b, s.st)
		for _, path := range benchPages {
			b.Run(s.st.Dialect()+path, func(b *testing.B) {
				b.ReportAllocs()
				var size int
				trips := s.st.CountRoundTrips()
				var before, after syscall.Rusage
				var pgBefore time.Duration
				if pgCPU != nil {
					pgBefore = pgCPU()
				}
				syscall.Getrusage(syscall.RUSAGE_SELF, &before)
				for b.Loop() {
					size = s.get(b, path).Body.Len()
				}
				syscall.Getrusage(syscall.RUSAGE_SELF, &after)
				cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
				if pgCPU != nil {
					b.ReportMetric(float64(pgCPU()-pgBefore)/float64(b.N), "pg-cpu-ns/op")
				}
				b.ReportMetric(float64(trips())/float64(b.N), "round-trips/op")
				b.ReportMetric(float64(size)/1024, "KB/page")
			})
		}
	}
}

// backendCPU returns a function that reads the CPU time used so far by the
// one Postgres backend that serves st from now on, or nil when st is not
// Postgres or Postgres does not run on this machine.
func backendCPU(b *testing.B, st *store.Store) func() time.Duration {
	if st.Dialect() != "postgres" {
		return nil
	}
	st.SetMaxConns(1)
	var pid int
	if err := st.Pool().QueryRowContext(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		b.Fatal(err)
	}
	stat := fmt.Sprintf("/proc/%d/stat", pid)
	read := func() time.Duration {
		data, err := os.ReadFile(stat)
		if err != nil {
			return -1
		}
		// Fields 14 and 15, after the command in parentheses: user and
		// system time in clock ticks, 100 a second on Linux.
		_, rest, _ := strings.Cut(string(data), ") ")
		f := strings.Fields(rest)
		if len(f) < 13 {
			return -1
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(utime+stime) * 10 * time.Millisecond
	}
	if read() < 0 {
		return nil
	}
	return read
}
