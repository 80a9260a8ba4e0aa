//go:build unix

package commands_test

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/okrbot/okrbot/store/storetest"
)

// BenchmarkHotPaths answers each hot path end to end (the Service and a
// real store) in a workspace of 20 objectives of 3 key results and 50
// people, and reports its database round trips and okrbot's CPU time.
//
//	go test ./commands -run '^$' -bench HotPaths -benchtime 200x
func BenchmarkHotPaths(b *testing.B) {
	for _, url := range storetest.URLs(b) {
		h := newHotHarness(b, url, hotSizes[1])
		for _, p := range hotPaths {
			b.Run(h.st.Dialect()+"/"+strings.TrimPrefix(p.name, "/"), func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				trips := h.st.CountRoundTrips()
				var before, after syscall.Rusage
				syscall.Getrusage(syscall.RUSAGE_SELF, &before)
				for b.Loop() {
					if out := p.run(ctx, h); strings.HasPrefix(out, "⚠️") {
						b.Fatal(out)
					}
				}
				syscall.Getrusage(syscall.RUSAGE_SELF, &after)
				b.ReportMetric(float64(trips())/float64(b.N), "round-trips/op")
				// Wall time counts waits for a core and for the database;
				// CPU time is okrbot's own cost (Postgres's is not in it).
				cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
