//go:build unix

package chart

import (
	"syscall"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// The goals: a trend chart in at most 20 ms and 5 MB allocated; the
// digest's picture of a workspace of 1,000 KPIs (6 of them shown, with 90
// daily values each) and 20 teams in at most 100 ms.

// bench runs draw and reports, besides time and allocations, the CPU time
// the process spent per chart: on a machine shared with other work, the
// wall-clock ns/op also counts the time spent waiting for a core.
func bench(b *testing.B, draw func() (Image, error)) {
	b.ReportAllocs()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		if _, err := draw(); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

func BenchmarkKPITrend(b *testing.B) {
	kpis := exampleKPIs(exampleNow)
	b.Run("weekly-12-values", func(b *testing.B) { bench(b, func() (Image, error) { return KPITrend(kpis[0], exampleNow) }) })
	b.Run("daily-90-values", func(b *testing.B) { bench(b, func() (Image, error) { return KPITrend(kpis[2], exampleNow) }) })
}

func BenchmarkBurnUp(b *testing.B) {
	nps, _, _, _ := exampleKRs(q4)
	bench(b, func() (Image, error) { return BurnUp(nps, q4, exampleNow) })
}

func BenchmarkObjectiveChart(b *testing.B) {
	nps, churn, help, response := exampleKRs(q4)
	o := Objective{Title: "Create wildly loyal customers", Period: q4, KeyResults: []KeyResult{nps, churn, help, response}}
	bench(b, func() (Image, error) { return ObjectiveChart(o, exampleNow) })
}

// BenchmarkDigestPicture hands the picture all 1,000 KPIs of a workspace,
// most urgent first, as the digest has them: only the first 6 are drawn.
func BenchmarkDigestPicture(b *testing.B) {
	shown := exampleKPIs(exampleNow)
	kpis := make([]KPI, 1000)
	for i := range kpis {
		kpis[i] = shown[i%len(shown)]
		kpis[i].Points = daily(exampleNow, 90, 10, 12, 1, uint64(i))
	}
	copy(kpis, shown)
	d := Digest{KPIs: kpis, Teams: exampleTeams(20), Period: okr.Quarter(2026, 4)}
	bench(b, func() (Image, error) { return DigestPicture(d, exampleNow) })
}
