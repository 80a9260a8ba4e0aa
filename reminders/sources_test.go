package reminders_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/sources"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

const biToken = "bi-token-4f7a9c2e-never-shown"

// bi is a BI tool's API in the test: it answers the churn rate to the
// right token, or 401 when told to fail, and counts the GETs.
type bi struct {
	srv     *httptest.Server
	churn   atomic.Value // string
	fail    atomic.Bool
	fetches atomic.Int64
}

func newBI(t *testing.T) *bi {
	b := &bi{}
	b.churn.Store("2.4")
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.fetches.Add(1)
		if b.fail.Load() || r.Header.Get("Authorization") != "Bearer "+biToken {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid token"}`)
			return
		}
		fmt.Fprintf(w, `{"data":{"churn":%s}}`, b.churn.Load())
	}))
	t.Cleanup(b.srv.Close)
	return b
}

// host is where okrbot says the BI tool is.
func (b *bi) host() string { return strings.TrimPrefix(b.srv.URL, "http://") }

// lockedBuffer collects the scheduler's log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// withSources restarts the env's service and Slack adapter with source
// settings that let okrbot reach the test's servers on loopback (which
// only OKRBOT_SOURCE_HOSTS can allow) and expand BI_TOKEN.
func (e *env) withSources(log *slog.Logger) *sources.Config {
	e.t.Helper()
	hosts, err := sources.ParseHosts("127.0.0.1")
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := &sources.Config{Hosts: hosts, Secrets: map[string]string{"BI_TOKEN": biToken}}
	e.svc = commands.New(commands.Config{Store: e.st, Now: e.clock.Now, Admins: []string{"UADMIN"},
		Wake: func() { e.woken.Add(1) }, Sources: cfg, Logger: log})
	e.sender = slackbot.New(slackbot.Config{BotToken: "xoxb-test", APIURL: e.slack.APIURL(), Now: e.clock.Now}, e.svc)
	if _, err := e.sender.TeamID(context.Background()); err != nil { // the team it serves
		e.t.Fatal(err)
	}
	return cfg
}

// dms are the texts of the messages okrbot sent to a person's DM.
func (e *env) dms(user string) []string {
	var out []string
	for _, c := range e.posts(e.slack.DMChannel(user)) {
		out = append(out, c.Params.Get("text")+"\n"+c.Params.Get("blocks"))
	}
	return out
}

// sourcedKPI is U1's KPI "Churn rate", driving a key result, fetched
// hourly from the BI tool with the token from BI_TOKEN.
func sourcedKPI(t *testing.T, e *env, b *bi) {
	e.person("U1", "Europe/Berlin")
	e.run("U1", "/kpi", `new "Churn rate" --unit % --target 2 --warn 2.5 --crit 3 --lower-is-better --cadence daily`)
	e.run("U1", "/okr", `kr 1 "Keep churn under 2%" --start 3 --target 2 --kpi "Churn rate"`)
	sourcedKPISource(t, e, b)
}

func sourcedKPISource(t *testing.T, e *env, b *bi) {
	out := e.run("U1", "/kpi", `source "Churn rate" http `+b.srv.URL+`/kpis --path '$.data.churn' --header "Authorization: Bearer {env:BI_TOKEN}" --every 1h`)
	if !strings.Contains(out, "now comes from http "+b.host()+" $.data.churn, fetched every hour") {
		t.Fatalf("/kpi source: %s", out)
	}
}

func (e *env) kpi(name string) store.KPI {
	e.t.Helper()
	k, err := e.st.KPIByName(context.Background(), e.ws.ID, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

func (e *env) measurements(k store.KPI) []store.Measurement {
	e.t.Helper()
	ms, err := e.st.Measurements(context.Background(), e.ws.ID, k.ID, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// TestKPIFetchesItsValue: a KPI with an http source gets a value on its
// cadence with no one typing it, the key result it drives moves, and
// /kpi show names the source and the time. A source that answers 401
// three times tells its owner once, shows the failure, keeps the last
// value, and says once when it works again; the token is in no row of the
// database, no line of the log and no backup.
func TestKPIFetchesItsValue(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		logs := &lockedBuffer{}
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := newEnv(t, st, time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC))
		e.withSources(log)
		b := newBI(t)
		sourcedKPI(t, e, b)
		s := e.scheduler(func(c *reminders.Config) { c.Logger = log })

		e.tick(s)
		k := e.kpi("Churn rate")
		if k.LastValue == nil || *k.LastValue != 2.4 {
			t.Fatalf("after the first tick the KPI's value is %v, want 2.4 fetched\n%s", k.LastValue, logs.String())
		}
		ms := e.measurements(k)
		if len(ms) != 1 || ms[0].Source != "http "+b.host()+" $.data.churn" || !ms[0].At.Equal(e.clock.Now()) {
			t.Fatalf("measurements %+v, want one from the source at %s", ms, e.clock.Now())
		}
		driven, err := st.KeyResultsDrivenBy(ctx, e.ws.ID, []uint{k.ID})
		if err != nil || len(driven[k.ID]) != 1 || driven[k.ID][0].Measure.Current != 2.4 {
			t.Fatalf("the driven key result: %+v, %v; want it at 2.4", driven[k.ID], err)
		}
		if hist := e.run("U1", "/kpi", `history "Churn rate"`); !strings.Contains(hist, "its source") {
			t.Errorf("/kpi history does not say the value came from its source:\n%s", hist)
		}
		show := e.run("U1", "/kpi", `show "Churn rate"`)
		for _, want := range []string{"value from http " + b.host() + " $.data.churn, fetched every hour, on the hour; last fetched Dec 7 09:30 UTC", "http " + b.host()} {
			if !strings.Contains(show, want) {
				t.Errorf("/kpi show does not say %q:\n%s", want, show)
			}
		}

		// Within the hour nothing more is fetched. Set again, the source
		// is fetched at once, and the same value in the same hour adds no
		// row; the next hour adds one, as it is that hour's value.
		e.clock.Advance(20 * time.Minute)
		e.tick(s)
		if n := b.fetches.Load(); n != 1 {
			t.Errorf("%d fetches within the first hour, want 1", n)
		}
		sourcedKPISource(t, e, b)
		e.tick(s)
		if n, ms := b.fetches.Load(), e.measurements(k); n != 2 || len(ms) != 1 {
			t.Errorf("set again at 09:50: %d fetches and %d measurements, want 2 and 1 (the same value in the same hour)", n, len(ms))
		}
		b.churn.Store("2.6")
		e.clock.Set(time.Date(2026, 12, 7, 10, 0, 5, 0, time.UTC))
		e.tick(s)
		e.tick(s)
		if k = e.kpi("Churn rate"); *k.LastValue != 2.6 || len(e.measurements(k)) != 2 || b.fetches.Load() != 3 {
			t.Errorf("at 10:00 the value is %v with %d measurements after %d fetches, want 2.6, 2 and 3", *k.LastValue, len(e.measurements(k)), b.fetches.Load())
		}
		e.clock.Set(time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC))

		// The token stops working: three failed fetches, one DM.
		b.fail.Store(true)
		var failures int
		for failures < 3 {
			e.clock.Advance(time.Hour)
			before := b.fetches.Load()
			e.tick(s)
			e.tick(s)
			failures += int(b.fetches.Load() - before)
		}
		if b.fetches.Load() != 6 {
			t.Errorf("%d fetches, want 6", b.fetches.Load())
		}
		dms := e.dms("U1")
		if len(dms) != 1 {
			t.Fatalf("after three failures U1 has %d DMs, want one:\n%s", len(dms), strings.Join(dms, "\n---\n"))
		}
		for _, want := range []string{"cannot fetch", "Churn rate", "HTTP 401 from " + b.host() + ": check BI_TOKEN", "2.6%"} {
			if !strings.Contains(dms[0], want) {
				t.Errorf("the DM does not say %q: %s", want, dms[0])
			}
		}
		if k = e.kpi("Churn rate"); *k.LastValue != 2.6 {
			t.Errorf("a failing source changed the value to %v", *k.LastValue)
		}
		show = e.run("U1", "/kpi", `show "Churn rate"`)
		if !strings.Contains(show, "⚠️ source failing since Dec 7 12:00 UTC: HTTP 401 from "+b.host()+": check BI_TOKEN") {
			t.Errorf("/kpi show does not show the failure:\n%s", show)
		}
		if sc := e.run("U1", "/kpi", "scorecard"); !strings.Contains(sc, "⚠️ source failing since Dec 7 12:00 UTC") {
			t.Errorf("the scorecard does not show the failing source:\n%s", sc)
		}
		src, err := st.KPISourceOf(ctx, e.ws.ID, k.ID)
		if err != nil || src.Failures != 3 || !src.NextFetchAt.After(e.clock.Now().Add(3*time.Hour)) {
			t.Errorf("after three failures the next try is at %s (failures %d), want hours later: backoff", src.NextFetchAt, src.Failures)
		}
		test := e.run("U1", "/kpi", `source "Churn rate" test`)
		if !strings.Contains(test, "HTTP 401 from "+b.host()+": check BI_TOKEN") || !strings.Contains(test, "Nothing was recorded") {
			t.Errorf("/kpi source test while failing: %s", test)
		}

		// It works again: one message, and the new value.
		b.fail.Store(false)
		b.churn.Store("2.1")
		test = e.run("U1", "/kpi", `source "Churn rate" test`)
		if !strings.Contains(test, "is 2.1% now. Nothing was recorded") || len(e.measurements(k)) != 2 {
			t.Errorf("/kpi source test: %s (%d measurements)", test, len(e.measurements(k)))
		}
		for range 3 {
			e.clock.Set(src.NextFetchAt)
			e.tick(s)
			e.tick(s)
			src, _ = st.KPISourceOf(ctx, e.ws.ID, k.ID)
			e.clock.Advance(time.Hour)
		}
		if k = e.kpi("Churn rate"); *k.LastValue != 2.1 {
			t.Errorf("after recovery the value is %v, want 2.1", *k.LastValue)
		}
		dms = e.dms("U1")
		if len(dms) != 2 || !strings.Contains(dms[1], "comes from http "+b.host()+" $.data.churn again: 2.1%") {
			t.Errorf("after recovery U1 has DMs:\n%s", strings.Join(dms, "\n---\n"))
		}
		if show = e.run("U1", "/kpi", `show "Churn rate"`); strings.Contains(show, "failing") {
			t.Errorf("/kpi show after recovery:\n%s", show)
		}

		// No secret anywhere okrbot keeps or says things.
		var backup bytes.Buffer
		if _, err := st.Backup(ctx, &backup); err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(&backup)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(rows, []byte("{env:BI_TOKEN}")) {
			t.Errorf("the backup does not hold the source (the test reads the wrong thing)")
		}
		for where, text := range map[string]string{"the database": string(rows), "the log": logs.String(),
			"the messages": strings.Join(e.dms("U1"), "\n"), "/kpi show": show} {
			if strings.Contains(text, biToken) {
				t.Errorf("the token is in %s", where)
			}
		}
		if !strings.Contains(logs.String(), "HTTP 401 from") {
			t.Errorf("the log does not say the source failed:\n%s", logs.String())
		}
	})
}

// TestTwoReplicasFetchEachSourceOncePerPeriod: two okrbot processes on one
// database, each with its own connections, ticking at the same moments,
// fetch a source once an hour between them.
func TestTwoReplicasFetchEachSourceOncePerPeriod(t *testing.T) {
	t.Parallel()
	for _, url := range storetest.URLs(t) {
		a, b := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
		t.Run(a.Dialect(), func(t *testing.T) {
			e := newEnv(t, a, time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC))
			cfg := e.withSources(nil)
			bi := newBI(t)
			sourcedKPI(t, e, bi)
			other := commands.New(commands.Config{Store: b, Now: e.clock.Now, Sources: cfg})
			replicas := []*reminders.Scheduler{e.scheduler(), reminders.New(reminders.Config{Store: b, Commands: other, Sender: e.sender,
				Now: e.clock.Now, After: e.clock.After, Workers: 1, Rate: 1000})}
			const hours = 4
			for range hours {
				for range 2 {
					var wg sync.WaitGroup
					errs := make([]error, len(replicas))
					for i, r := range replicas {
						wg.Go(func() { errs[i] = r.RunOnce(context.Background()) })
					}
					wg.Wait()
					for _, err := range errs {
						if err != nil {
							t.Fatal(err)
						}
					}
				}
				e.clock.Advance(time.Hour)
			}
			if n := bi.fetches.Load(); n != hours {
				t.Errorf("%d fetches in %d hours by two replicas, want %d", n, hours, hours)
			}
			if ms := e.measurements(e.kpi("Churn rate")); len(ms) != hours {
				t.Errorf("%d measurements in %d hours, want %d", len(ms), hours, hours)
			}
		})
	}
}
