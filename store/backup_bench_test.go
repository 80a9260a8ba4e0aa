package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// benchRows is the size of the history the backup benchmark moves: a few
// years of hourly values of a dozen KPIs.
const benchRows = 100_000

// BenchmarkBackup backs up and restores a database whose bulk is KPI
// history, on each dialect; rows/s counts every row of the archive.
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	for _, d := range dialects() {
		b.Run(d.name, func(b *testing.B) {
			src := storetest.OpenURL(b, d.url(b))
			ws, err := src.Workspace(ctx, "slack", "T1")
			if err != nil {
				b.Fatal(err)
			}
			u, err := src.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: "U1", Name: "Ada"})
			if err != nil {
				b.Fatal(err)
			}
			var kpis []store.KPI
			for i := range 12 {
				k := store.KPI{WorkspaceID: ws.ID, Name: "KPI " + string(rune('A'+i)), OwnerID: u.ID,
					Direction: okr.HigherIsBetter, Target: 100, Warn: 95, Crit: 90, Cadence: okr.Weekly}
				if err := src.CreateKPI(ctx, &k); err != nil {
					b.Fatal(err)
				}
				kpis = append(kpis, k)
			}
			start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			ms := make([]store.Measurement, benchRows)
			for i := range ms {
				k := kpis[i%len(kpis)]
				ms[i] = store.Measurement{WorkspaceID: ws.ID, KPIID: k.ID, Value: float64(i%997) / 7,
					At: start.Add(time.Duration(i/len(kpis)) * time.Hour), Source: "import", Comment: "hourly load"}
			}
			if err := src.InsertAll(ctx, &ms, 1000); err != nil {
				b.Fatal(err)
			}
			var archive bytes.Buffer
			var sum store.BackupSummary
			b.Run("backup", func(b *testing.B) {
				for b.Loop() {
					archive.Reset()
					if sum, err = src.Backup(ctx, &archive); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(sum.Rows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(archive.Len())/float64(sum.Rows()), "bytes/row")
			})
			b.Run("restore", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					dst := storetest.OpenURL(b, d.url(b))
					b.StartTimer()
					if _, err := dst.Restore(ctx, bytes.NewReader(archive.Bytes())); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(sum.Rows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		})
	}
}
