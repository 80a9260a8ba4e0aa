package metrics_test

import (
	"errors"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/metrics"
)

// BenchmarkObserveRequest is what the metrics cost one slash command: its
// ack, its end with a reply, and the two Web API calls it makes (users.info
// and the response_url), from every core at once.
func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.New()
	m.Platform("slack", func() int { return 0 })
	failed := errors.New("ratelimited")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Acked("slack", bot.KindCommand, 2*time.Millisecond)
			m.Called("slack", "users.info", nil)
			m.Called("slack", "response_url", failed)
			m.Done("slack", bot.KindCommand, bot.OutcomeOK, 40*time.Millisecond)
		}
	})
}
