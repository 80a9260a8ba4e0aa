package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

var dashSizes = []dashSize{{"small", 40, 4, 10}, {"large", 2000, 4, 200}}

// benchSite is a workspace of sz, nested (company objectives, team ones
// aligned to them, personal ones to those), with a person signed in.
type benchSite struct {
	st     *store.Store
	d      *web.Dashboard
	cookie *http.Cookie
}

func newBenchSite(tb testing.TB, url string, sz dashSize) *benchSite {
	tb.Helper()
	ctx := context.Background()
	st := storetest.OpenURL(tb, url)
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
	must(st.InsertAll(ctx, &users, 500))
	teams := make([]store.Team, 10)
	for i := range teams {
		teams[i] = store.Team{WorkspaceID: ws.ID, Name: fmt.Sprintf("Team %02d", i)}
	}
	must(st.InsertAll(ctx, &teams, 500))
	period, err := st.EnsurePeriod(ctx, ws.ID, okr.QuarterOf(midQ4))
	must(err)
	// 10 company objectives, a tenth of them aligned to those, the rest to
	// the tenth; each level is inserted once its parents have ids.
	number := int64(0)
	os := make([]store.Objective, sz.objectives)
	levels := []int{0, 10, max(20, sz.objectives/10), sz.objectives}
	for l := 0; l+1 < len(levels); l++ {
		for i := levels[l]; i < levels[l+1]; i++ {
			number++
			os[i] = store.Objective{WorkspaceID: ws.ID, Number: number, Title: fmt.Sprintf("Objective %d, worded as people word them", i),
				OwnerID: users[i%len(users)].ID, PeriodID: period.ID, Status: okr.Active}
			if i >= 10 {
				os[i].TeamID = &teams[i%len(teams)].ID
			}
			if l > 0 {
				parents := os[levels[l-1]:levels[l]]
				os[i].ParentID = &parents[i%len(parents)].ID
			}
		}
		batch := os[levels[l]:levels[l+1]]
		must(st.InsertAll(ctx, &batch, 500))
	}
	var krs []store.KeyResult
	for i, o := range os {
		for j := range sz.krs {
			number++
			krs = append(krs, store.KeyResult{WorkspaceID: ws.ID, Number: number, ObjectiveID: o.ID, Position: j + 1,
				Title: fmt.Sprintf("Key result %d.%d", i, j), OwnerID: &users[(i+j)%len(users)].ID, Weight: 1,
				Measure: okr.Measure{Kind: okr.Metric, Target: 100, Current: float64((i * j) % 100)}})
		}
	}
	must(st.InsertAll(ctx, &krs, 500))
	kpis := make([]store.KPI, sz.kpis)
	for i := range kpis {
		last, at := float64(80+i%40), midQ4.Add(-time.Duration(i%3)*24*time.Hour)
		kpis[i] = store.KPI{WorkspaceID: ws.ID, Name: fmt.Sprintf("KPI %04d", i), NameKey: fmt.Sprintf("kpi %04d", i),
			TeamID: &teams[i%len(teams)].ID, OwnerID: users[i%len(users)].ID, Direction: okr.HigherIsBetter, Target: 100, Warn: 95, Crit: 90,
			Cadence: okr.Weekly, Health: okr.HealthNoData, LastValue: &last, LastAt: &at}
	}
	must(st.InsertAll(ctx, &kpis, 500))
	var ms []store.Measurement
	for i, k := range kpis {
		for d := 11; d >= 0; d-- {
			ms = append(ms, store.Measurement{WorkspaceID: ws.ID, KPIID: k.ID, Value: float64(80 + i%40 - d%7), At: k.LastAt.AddDate(0, 0, -7*d), CreatedAt: midQ4})
		}
	}
	must(st.InsertAll(ctx, &ms, 500))
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

var benchPages = []string{"/tree", "/scorecard", "/", "/review"}

// TestLargePagesTakeConstantQueries shows that the pages cost the same
// number of round trips to the database for 40 objectives as for 2,000 (of
// 4 key results each, and 10 or 200 KPIs), and that the HTML of the tree
// and the scorecard stays within 300 KB.
func TestLargePagesTakeConstantQueries(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("seeds 2,000 objectives per dialect")
	}
	trips := map[string][]int64{} // by dialect and page
	for _, sz := range dashSizes {
		for _, url := range storetest.URLs(t) {
			b := newBenchSite(t, url, sz)
			for _, path := range benchPages {
				count := b.st.CountRoundTrips()
				w := b.get(t, path)
				n := count()
				key := b.st.Dialect() + " " + path
				trips[key] = append(trips[key], n)
				t.Logf("%s, %s: %s takes %d round trips, %d KB of HTML", b.st.Dialect(), sz.name, path, n, w.Body.Len()/1024)
				if size := w.Body.Len(); (path == "/tree" || path == "/scorecard") && size > 300*1024 {
					t.Errorf("%s, %s: %s is %d KB of HTML, want at most 300", b.st.Dialect(), sz.name, path, size/1024)
				}
			}
		}
	}
	for key, ns := range trips {
		if ns[0] != ns[1] {
			t.Errorf("%s takes %v round trips as the workspace grows, want the same", key, ns)
		}
	}
}

// BenchmarkPages times the dashboard's pages in a workspace of 2,000
// objectives of 4 key results and 200 KPIs, server side (handler to
// HTML, with the database).
//
//	OKRBOT_TEST_DATABASE_URL=… go test ./web -run '^$' -bench Pages -benchtime 20x
func BenchmarkPages(b *testing.B) {
	for _, url := range storetest.URLs(b) {
		s := newBenchSite(b, url, dashSizes[1])
		for _, path := range benchPages {
			b.Run(s.st.Dialect()+path, func(b *testing.B) {
				var size int
				for b.Loop() {
					size = s.get(b, path).Body.Len()
				}
				b.ReportMetric(float64(size)/1024, "KB/page")
			})
		}
	}
}
