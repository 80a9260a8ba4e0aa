package commands_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
)

// flaky fails its first n posts.
type flaky struct {
	poster
	fail int
}

func (f *flaky) Post(ctx context.Context, channel, thread string, msg bot.Message) (bot.MessageRef, error) {
	f.mu.Lock()
	if f.fail > 0 {
		f.fail--
		f.mu.Unlock()
		return bot.MessageRef{}, errors.New("slack: ratelimited")
	}
	f.mu.Unlock()
	return f.poster.Post(ctx, channel, thread, msg)
}

func TestScheduledDigestsGoOutOnce(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		// A second replica: its own Service on the same database.
		replica := commands.New(commands.Config{Store: h.st, Now: func() time.Time { return h.now }})
		p1, p2 := &poster{}, &poster{}
		h.svc.SetPoster("slack", p1)
		replica.SetPoster("slack", p2)
		run := func() {
			t.Helper()
			var wg sync.WaitGroup
			for _, svc := range []*commands.Service{h.svc, replica} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.RunDigests(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		posts := func() []string { return append(p1.take(), p2.take()...) }

		h.kpiMust("UADMIN", "digest <#CLEAD|leadership> weekly monday 09:00 --tz Europe/Berlin")
		run() // Sunday Nov 15: planned for Monday 09:00 in Berlin, 08:00 UTC
		if got := posts(); len(got) != 0 {
			t.Fatalf("before Monday: %q", got)
		}
		contains(t, h.kpiMust("UADMIN", "digest list"), "next Mon Nov 16, 09:00")

		h.now = time.Date(2026, 11, 16, 8, 0, 30, 0, time.UTC)
		run()
		run()
		got := posts()
		if len(got) != 1 || !strings.HasPrefix(got[0], "CLEAD: ") {
			t.Fatalf("Monday: %d posts %q, want one to CLEAD", len(got), got)
		}
		contains(t, got[0], "📊 *Leadership digest* · Monday, November 16, 2026")
		contains(t, h.kpiMust("UADMIN", "digest list"), "next Mon Nov 23, 09:00 · last sent Nov 16")

		// Down for a week and back 7 hours late: that digest is skipped,
		// the next is planned.
		h.now = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
		run()
		if got := posts(); len(got) != 0 {
			t.Errorf("7 hours late: %q", got)
		}
		contains(t, h.kpiMust("UADMIN", "digest list"), "next Mon Nov 30, 09:00 · last sent Nov 16")
	})
}

func TestScheduledDigestIsRetriedAfterAFailure(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		p := &flaky{fail: 1}
		h.svc.SetPoster("slack", p)
		h.kpiMust("UADMIN", "digest #leadership daily 08:00 --tz UTC")
		ctx := context.Background()
		if _, err := h.svc.RunDigests(ctx); err != nil {
			t.Fatal(err)
		}
		h.now = time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)
		if _, err := h.svc.RunDigests(ctx); err == nil || !strings.Contains(err.Error(), "ratelimited") {
			t.Fatalf("first attempt: err = %v", err)
		}
		h.now = h.now.Add(time.Minute) // within the lease: nobody retries yet
		if n, err := h.svc.RunDigests(ctx); n != 0 || err != nil {
			t.Fatalf("within the lease: %d, %v", n, err)
		}
		h.now = h.now.Add(2 * time.Minute)
		if n, err := h.svc.RunDigests(ctx); n != 1 || err != nil {
			t.Fatalf("after the lease: %d, %v", n, err)
		}
		if got := p.take(); len(got) != 1 || !strings.HasPrefix(got[0], "#leadership: ") {
			t.Errorf("posts = %q", got)
		}
		if n, _ := h.svc.RunDigests(ctx); n != 0 {
			t.Errorf("sent again: %d", n)
		}
	})
}

// TestDigestsOfOtherPlatformsAreNotSent shows that a digest subscribed in the
// console is never claimed by a server that posts to Slack.
func TestDigestsOfOtherPlatformsAreNotSent(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		p := &poster{}
		h.svc.SetPoster("slack", p)
		req := bot.Request{Workspace: bot.Workspace{Platform: bot.ConsolePlatform, TeamID: bot.ConsolePlatform},
			User: bot.User{ID: "UADMIN", Name: "UADMIN"}, Command: "/kpi", Text: "digest #leadership daily 09:00"}
		if out := render(h.svc.Command(context.Background(), req)); !strings.Contains(out, "#leadership gets the digest") {
			t.Fatalf("console subscription: %s", out)
		}
		for range 3 {
			h.now = h.now.Add(24 * time.Hour)
			if n, err := h.svc.RunDigests(context.Background()); n != 0 || err != nil {
				t.Fatalf("RunDigests = %d, %v; want nothing sent", n, err)
			}
		}
		if got := p.take(); len(got) != 0 {
			t.Errorf("a console digest was posted to Slack: %q", got)
		}
	})
}
