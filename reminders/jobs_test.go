package reminders_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestTheOneRetryPolicy shows what becomes of a job whatever its kind
// (here a KPI alert) when the platform refuses it: a 429 is a snooze for
// its Retry-After that costs no attempt, a gone channel and a permanent
// refusal end it at once with a note that says why, and a platform that
// stays down is tried again after waits drawn below 1m, 2m, 4m, … an
// hour, twelve times, then given up.
func TestTheOneRetryPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault fakeslack.Fault
		// result is what the first try counts; note the job's note once
		// ended, "" while it waits.
		result reminders.Result
		note   string
	}{
		{"rate limited", fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second, Times: 1}, reminders.RateLimited, ""},
		{"channel gone", fakeslack.SlackError("channel_not_found"), reminders.Gone, "gone: "},
		{"refused", fakeslack.SlackError("invalid_blocks"), reminders.Failed, "failed: "},
		{"down", fakeslack.HTTPError(http.StatusServiceUnavailable), reminders.Retried, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Dialects(t, func(t *testing.T, st *store.Store) {
				e := newEnv(t, st, local("2026-11-16 10:00"))
				var drawn []time.Duration
				s := e.scheduler(func(c *reminders.Config) {
					c.Jitter = func(d time.Duration) time.Duration { drawn = append(drawn, d); return d / 2 }
				})
				e.run("UADMIN", "/kpi", "alerts <#CALERTS|kpi-alerts>")
				e.run("UADMIN", "/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)
				e.run("UADMIN", "/kpi", `set "Churn rate" 3.4`)
				e.slack.FailChannel("CALERTS", tt.fault)
				e.tick(s)
				job := func() store.Job {
					t.Helper()
					js, err := st.Jobs(context.Background(), e.ws.ID, store.JobKPIAlert)
					if err != nil || len(js) != 1 {
						t.Fatalf("jobs = %+v, %v", js, err)
					}
					return js[0]
				}
				if got := s.Count(reminders.Alert, tt.result); got != 1 && tt.result != reminders.Retried {
					t.Errorf("%s counted %d times, want once", tt.result, got)
				}
				j := job()
				switch tt.result {
				case reminders.RateLimited:
					// Within its lease, the snooze is waited out by the
					// process that holds the job.
					if j.State != store.JobDone || j.Note != "sent" || j.Attempt != 1 || len(e.posts("CALERTS")) != 1 {
						t.Errorf("after the snooze: %+v, %d posts", j, len(e.posts("CALERTS")))
					}
					if w := e.clock.Waits(); len(w) != 1 || w[0] != 30*time.Second {
						t.Errorf("waits %v, want the Retry-After", w)
					}
				case reminders.Retried:
					// Waits within the job's lease are waited out by the
					// process that holds it, longer ones by the job's
					// next claim.
					for j.State == store.JobAvailable {
						e.clock.Set(j.RunAt)
						e.tick(s)
						j = job()
					}
					var waits []time.Duration
					calls := e.slack.Calls("chat.postMessage")
					for i := 1; i < len(calls); i++ {
						waits = append(waits, calls[i].At.Sub(calls[i-1].At))
					}
					want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute,
						time.Hour, time.Hour, time.Hour, time.Hour, time.Hour}
					if len(drawn) != len(want) || len(waits) != len(want) {
						t.Fatalf("backoffs drawn from %v, waited %v, want %v", drawn, waits, want)
					}
					if n := s.Count(reminders.Alert, reminders.Retried); n != int64(len(want)) {
						t.Errorf("%d retries counted, want %d", n, len(want))
					}
					for i := range want {
						if drawn[i] != want[i] || waits[i] != want[i]/2 {
							t.Errorf("retry %d: drawn below %s, waited %s; want below %s", i+1, drawn[i], waits[i], want[i])
						}
					}
					if j.State != store.JobFailed || j.Attempt != 12 || !strings.HasPrefix(j.Note, "failed after 12 attempts: ") {
						t.Errorf("given up: %+v", j)
					}
				default:
					if j.State != store.JobFailed || j.Attempt != 1 || !strings.HasPrefix(j.Note, tt.note) {
						t.Errorf("job = %+v; want it ended at once, noted %q", j, tt.note)
					}
					alerts, err := st.KPIAlerts(context.Background(), e.ws.ID)
					if err != nil || alerts[0].Note != j.Note || alerts[0].DoneAt == nil {
						t.Errorf("the alert does not say what became of it: %+v, %v", alerts, err)
					}
					e.clock.Advance(2 * time.Hour)
					e.tick(s)
					if n := len(e.slack.Calls("chat.postMessage")); n != 1 {
						t.Errorf("%d posts tried, want the one", n)
					}
				}
			})
		})
	}
}

// TestEndedJobsAreKeptThirtyDays shows that a job's outcome stays to be
// seen for thirty days after it ended, and is then pruned; the alert it
// sent keeps its own record.
func TestEndedJobsAreKeptThirtyDays(t *testing.T) {
	t.Parallel()
	each(t, local("2026-11-16 10:00"), func(t *testing.T, e *env) {
		s := e.scheduler()
		e.run("UADMIN", "/kpi", "alerts <#CALERTS|kpi-alerts>")
		e.run("UADMIN", "/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		e.run("UADMIN", "/kpi", `set "Churn rate" 3.4`)
		e.tick(s)
		js, err := e.st.Jobs(context.Background(), e.ws.ID, store.JobKPIAlert)
		if err != nil || len(js) != 1 || js[0].State != store.JobDone {
			t.Fatalf("jobs = %+v, %v", js, err)
		}
		kept := func() bool {
			_, err := e.st.JobByKey(context.Background(), store.JobKPIAlert, js[0].UniqueKey)
			if err != nil && !errors.Is(err, okr.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		e.clock.Advance(29 * 24 * time.Hour)
		e.tick(s)
		if !kept() {
			t.Fatal("the alert's job was pruned after 29 days")
		}
		e.clock.Advance(2 * 24 * time.Hour)
		e.tick(s)
		if kept() {
			t.Errorf("the alert's job was kept after 31 days")
		}
		alerts, err := e.st.KPIAlerts(context.Background(), e.ws.ID)
		if err != nil || len(alerts) == 0 || alerts[0].Note != "sent" {
			t.Errorf("alerts = %+v, %v", alerts, err)
		}
	})
}
