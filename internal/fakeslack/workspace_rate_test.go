package fakeslack_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
)

func TestWorkspaceRateLimitSpansChannels(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	f := fakeslack.New(t, fakeslack.WithWorkspaceRateLimit(3, time.Second), fakeslack.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}))
	api := client(f)
	var got []string
	for i, step := range []time.Duration{0, 0, 100 * time.Millisecond, 100 * time.Millisecond, 800 * time.Millisecond} {
		mu.Lock()
		now = now.Add(step)
		mu.Unlock()
		_, _, err := postText(api, "C"+string(rune('1'+i)), "x")
		var rl *slack.RateLimitedError
		switch {
		case err == nil:
			got = append(got, "ok")
		case errors.As(err, &rl):
			got = append(got, "429:"+rl.RetryAfter.String())
		default:
			t.Fatal(err)
		}
	}
	// Three in any second across five channels; at 1.0s the first two have
	// left the window.
	if want := "ok ok ok 429:1s ok"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}
