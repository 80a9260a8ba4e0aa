package reminders

import (
	"testing"
	"time"
)

// TestFullJitterSpreadsTheWaits shows that the wait after a failure is
// drawn from all of [0, backoff], so that jobs failed by one outage do not
// all come back at once.
func TestFullJitterSpreadsTheWaits(t *testing.T) {
	t.Parallel()
	const d = time.Hour
	var below, above int
	for range 1000 {
		w := fullJitter(d)
		if w < 0 || w > d {
			t.Fatalf("fullJitter(%s) = %s", d, w)
		}
		if w < d/4 {
			below++
		}
		if w > 3*d/4 {
			above++
		}
	}
	if below < 150 || above < 150 {
		t.Errorf("of 1000 waits, %d in the first quarter and %d in the last; want about 250 each", below, above)
	}
	if got := fullJitter(0); got != 0 {
		t.Errorf("fullJitter(0) = %s", got)
	}
}
