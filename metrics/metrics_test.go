package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/metrics"
	"github.com/okrbot/okrbot/reminders"
)

// TestTwoPlatformsAndALagThatFails serves Slack and Teams from one
// process, each with its own queue depth, while the lag cannot be read:
// the scrape still serves everything else.
func TestTwoPlatformsAndALagThatFails(t *testing.T) {
	m := metrics.New()
	m.Platform("slack", func() int { return 3 })
	m.Platform("teams", func() int { return 0 })
	m.Scheduler(func(context.Context) (time.Duration, error) { return 0, context.DeadlineExceeded })
	m.Done("teams", bot.KindCommand, bot.OutcomeOK, time.Second)
	m.Delivered(reminders.Digest, reminders.RateLimited)

	w := httptest.NewRecorder()
	m.Handler(slog.New(slog.NewTextHandler(io.Discard, nil))).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{
		`okrbot_after_ack_queue_depth{platform="slack"} 3`,
		`okrbot_after_ack_queue_depth{platform="teams"} 0`,
		`okrbot_requests_total{kind="command",outcome="ok",platform="teams"} 1`,
		`okrbot_requests_total{kind="action",outcome="failed",platform="slack"} 0`,
		`okrbot_reply_seconds_count{kind="command",platform="teams"} 1`,
		`okrbot_deliveries_total{kind="digest",result="rate-limited"} 1`,
		`okrbot_deliveries_total{kind="prompt",result="sent"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "okrbot_scheduler_lag_seconds ") {
		t.Error("a lag that could not be read was served")
	}
}
