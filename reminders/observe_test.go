package reminders_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// tally is an Observer that counts what it is told.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *tally) Delivered(kind reminders.Kind, result reminders.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[string(kind)+"/"+string(result)]++
}

func (t *tally) get(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[key]
}

// TestObserverAndLagFollowAnOutage watches a prompt through Slack being
// down: the scheduler falls behind while nothing runs, the Observer hears
// of each retry and then of the prompt sent, and the lag is gone once it
// is.
func TestObserverAndLagFollowAnOutage(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, local("2026-11-27 12:00"))
		e.person("U1", "Europe/Berlin")
		obs := &tally{}
		s := e.scheduler(func(c *reminders.Config) { c.Lease = 4 * time.Minute; c.Observer = obs })
		e.tick(s)
		lag := func() time.Duration {
			t.Helper()
			d, err := s.Lag(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		if d := lag(); d != 0 {
			t.Errorf("lag %v with nothing due", d)
		}
		e.clock.Set(local(monday + " 09:05"))
		if d := lag(); d != 5*time.Minute {
			t.Errorf("lag %v five minutes after a prompt fell due, want 5m", d)
		}

		e.slack.FailMethod("chat.postMessage", fakeslack.HTTPError(http.StatusBadGateway))
		e.tick(s)
		if n := obs.get("prompt/retried"); n == 0 || int64(n) != s.Count(reminders.Prompt, reminders.Retried) {
			t.Errorf("observer heard of %d retries, the scheduler counted %d", n, s.Count(reminders.Prompt, reminders.Retried))
		}
		if n := obs.get("prompt/sent"); n != 0 {
			t.Errorf("%d prompts sent while Slack is down", n)
		}

		e.slack.ClearFaults()
		e.clock.Advance(10 * time.Minute)
		e.tick(s)
		if n := obs.get("prompt/sent"); n != 1 || s.Stats().Sent != 1 {
			t.Errorf("observer heard of %d prompts sent, stats %+v; want 1", n, s.Stats())
		}
		if d := lag(); d != 0 {
			t.Errorf("lag %v once the prompt went out", d)
		}
	})
}
