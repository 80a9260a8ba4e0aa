package chart

import (
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// The goals: a trend chart in at most 20 ms and 5 MB allocated; the
// digest's picture of a workspace of 1,000 KPIs (6 of them shown, 90 daily
// values each) and 20 teams in at most 100 ms.

func BenchmarkKPITrend(b *testing.B) {
	kpis := ExampleKPIs(ExampleNow)
	for _, bc := range []struct {
		name string
		k    KPI
	}{{"weekly-12-values", kpis[0]}, {"daily-90-values", kpis[2]}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := KPITrend(bc.k, ExampleNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBurnUp(b *testing.B) {
	nps, _, _, _ := exampleKRs(okr.Quarter(2026, 4))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BurnUp(nps, okr.Quarter(2026, 4), ExampleNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObjectiveChart(b *testing.B) {
	q := okr.Quarter(2026, 4)
	nps, churn, help, response := exampleKRs(q)
	o := Objective{Title: "Create wildly loyal customers", Period: q, KeyResults: []KeyResult{nps, churn, help, response}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ObjectiveChart(o, ExampleNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDigestPicture(b *testing.B) {
	shown := ExampleKPIs(ExampleNow)
	kpis := make([]KPI, 1000)
	for i := range kpis {
		kpis[i] = shown[i%len(shown)]
		kpis[i].Points = daily(ExampleNow, 90, 10, 12, 1, uint64(i))
	}
	copy(kpis, shown)
	d := Digest{KPIs: kpis, Teams: ExampleTeams(20), Period: okr.Quarter(2026, 4)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DigestPicture(d, ExampleNow); err != nil {
			b.Fatal(err)
		}
	}
}
