package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/okrbot/okrbot/store/storetest"
)

// BenchmarkInstallationFor is the cost every Slack request pays to find its
// workspace's token: one query and one AES-GCM open, among 1,000
// installations.
func BenchmarkInstallationFor(b *testing.B) {
	ctx := context.Background()
	for _, url := range storetest.URLs(b) {
		s := storetest.OpenURL(b, url)
		b.Run(s.Dialect(), func(b *testing.B) {
			s.SetSealer(newBox(b, newKey(b)))
			for i := range 1000 {
				in := teamInstall(fmt.Sprintf("T%04d", i))
				if err := s.SaveInstallation(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			queries := s.CountQueries()
			for i := 0; b.Loop(); i++ {
				team := fmt.Sprintf("T%04d", i%1000)
				got, err := s.InstallationFor(ctx, "", team)
				if err != nil || got.TeamID != team {
					b.Fatal(got.TeamID, err)
				}
			}
			b.ReportMetric(float64(queries())/float64(b.N), "queries/op")
		})
	}
}
