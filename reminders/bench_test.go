package reminders_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// wallClock runs at real speed from a chosen moment, so a benchmark can be
// "Monday 09:00" while Slack's rate limits take real time.
type wallClock struct {
	mu    sync.Mutex
	base  time.Time
	start time.Time
}

func (c *wallClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.start = t, time.Now()
}

func (c *wallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.start))
}

// bulkPeople adds n people in Berlin with a key result each, in three
// statements: the benchmark is about sending, not about /okr new.
func bulkPeople(b *testing.B, e *env, url string, n int) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO users (workspace_id, platform_id, name, tz, is_admin, created_at, updated_at)
		 SELECT $1, 'U' || lpad(g::text, 5, '0'), 'u' || g, 'Europe/Berlin', false, now(), now() FROM generate_series(1, $2) g`,
		`INSERT INTO objectives (workspace_id, number, title, description, owner_id, period_id, status, created_at, updated_at)
		 SELECT $1, u.id * 2, 'Delight customers', '', u.id, $3, 'active', now(), now() FROM users u WHERE u.workspace_id = $1 AND $2 > 0`,
		`INSERT INTO key_results (workspace_id, number, objective_id, position, title, owner_id, kind, start, target, current, unit, weight, created_at, updated_at)
		 SELECT $1, o.number + 1, o.id, 1, 'Raise NPS', o.owner_id, 'metric', 0, 50, 20, '', 1, now(), now() FROM objectives o WHERE o.workspace_id = $1 AND $2 > 0`,
	} {
		args := []any{e.ws.ID, n}
		if strings.Contains(q, "$3") {
			args = append(args, e.period.ID)
		}
		if _, err := db.Exec(q, args...); err != nil {
			b.Fatal(err)
		}
	}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("U%05d", i)
		e.slack.AddUser(fakeslack.User{ID: id, Name: strings.ToLower(id), TZ: "Europe/Berlin"})
		e.ids = append(e.ids, id)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkFanOut sends the Monday prompt to many people due in the same
// minute, with two schedulers sharing one Postgres, through a fake Slack
// that allows one message a second per channel, a workspace-wide number a
// second, and answers 5% of calls with 429 and Retry-After: 1. It reports
// the wall time against the minimum the workspace cap allows, and the
// duplicates and misses, which must be 0. Then okrbot restarts (a new
// Slack adapter, which has opened no DM) and sends the next week's prompt:
// it reports the conversations.open calls of both weeks; the second must
// open none. OKRBOT_BENCH_PEOPLE (10000) and OKRBOT_BENCH_WORKSPACE_RATE
// (messages a second, 200) change the load.
func BenchmarkFanOut(b *testing.B) {
	n := envInt("OKRBOT_BENCH_PEOPLE", 10000)
	wsRate := envInt("OKRBOT_BENCH_WORKSPACE_RATE", 200)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url := storetest.PostgresURL(b)
		st1, st2 := storetest.OpenURL(b, url), storetest.OpenURL(b, url)
		clk := &wallClock{}
		clk.Set(local("2026-11-30 08:00"))
		e := newEnvOn(b, st1, clk.Now,
			fakeslack.WithChannelRateLimit(1, time.Second),
			fakeslack.WithWorkspaceRateLimit(wsRate, time.Second),
			fakeslack.WithRandom429(0.05, uint64(i+1)))
		setup := time.Now()
		bulkPeople(b, e, url, n)
		e.tick(e.schedulerOn(st1, e.sender, func(c *reminders.Config) { c.Now, c.After = clk.Now, time.After }))
		b.Logf("set up %d people in %s", n, time.Since(setup).Round(time.Millisecond))

		clk.Set(local("2026-11-30 09:00"))
		mk := func(st *store.Store) *reminders.Scheduler {
			return e.schedulerOn(st, e.sender, func(c *reminders.Config) {
				c.Now, c.After = clk.Now, time.After
				// The two share the workspace's cap.
				c.Rate, c.Workers, c.Batch = float64(wsRate)/2, 16, 200
				// No nudges: the next week's prompts are all there is
				// to send then.
				c.NudgeAfter = 30 * 24 * time.Hour
			})
		}
		// wave runs two schedulers until they have sent n prompts.
		wave := func() (a, bb *reminders.Scheduler) {
			a, bb = mk(st1), mk(st2)
			for round := 0; round < 5; round++ {
				var wg sync.WaitGroup
				for _, s := range []*reminders.Scheduler{a, bb} {
					wg.Go(func() {
						if err := s.RunOnce(context.Background()); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				if a.Stats().Sent+bb.Stats().Sent >= int64(n) {
					break
				}
			}
			return a, bb
		}
		opens := func() int { return len(e.slack.Calls("conversations.open")) }
		b.StartTimer()
		start := time.Now()
		a, bb := wave()
		wall := time.Since(start)
		b.StopTimer()
		firstOpens := opens()
		var limited int
		for _, c := range e.slack.Calls("") {
			if c.Status == 429 {
				limited++
			}
		}

		first := e.promptsPerUser()

		// A week later, after a restart.
		e.start(clk.Now)
		clk.Set(local("2026-12-07 09:00"))
		start = time.Now()
		a2, b2 := wave()
		wall2 := time.Since(start)
		secondOpens := opens() - firstOpens

		// Each week is counted on its own: two prompts in the first and
		// none in the second is a duplicate and a miss, not two weeks.
		var total, dups, missed2 int
		for user, c := range e.promptsPerUser() {
			week1, week2 := first[user], c-first[user]
			total += week1
			dups += max(week1-1, 0) + max(week2-1, 0)
			if week2 == 0 {
				missed2++
			}
		}
		misses := n - len(first)
		minimum := time.Duration(float64(n) / float64(wsRate) * float64(time.Second))
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(minimum.Seconds(), "min-s")
		b.ReportMetric(float64(total), "sent")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(float64(misses), "misses")
		b.ReportMetric(float64(limited), "429s")
		b.ReportMetric(float64(firstOpens), "opens-week1")
		b.ReportMetric(float64(secondOpens), "opens-week2")
		b.Logf("people %d: wall %s, rate-limit minimum %s (%.2fx), sent %d, duplicates %d, misses %d, 429 answers %d, scheduler A sent %d, B sent %d",
			n, wall.Round(time.Millisecond), minimum, wall.Seconds()/minimum.Seconds(), total, dups, misses, limited, a.Stats().Sent, bb.Stats().Sent)
		b.Logf("conversations.open calls: %d in the first week; %d in the next week's wave after a restart (wall %s, sent %d)",
			firstOpens, secondOpens, wall2.Round(time.Millisecond), a2.Stats().Sent+b2.Stats().Sent)
		if dups != 0 || misses != 0 || missed2 != 0 || secondOpens != 0 {
			b.Errorf("%d duplicates, %d misses, %d missed in the second week, %d DMs opened again after a restart", dups, misses, missed2, secondOpens)
		}
	}
}
