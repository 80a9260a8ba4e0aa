//go:build unix

package commands_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store/storetest"
)

// BenchmarkShowWithChart answers /kpi show (a daily KPI with a year of
// values: its trend draws the last 90) and /okr show (4 key results with
// 13 weekly check-ins each), with and without their charts.
//
//	go test ./commands -run '^$' -bench ShowWithChart -benchtime 50x
func BenchmarkShowWithChart(b *testing.B) {
	for _, url := range storetest.URLs(b) {
		st := storetest.OpenURL(b, url)
		seedBench(b, st, benchSizes[0])
		svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return benchNow }})
		ws := bot.Workspace{Platform: "slack", TeamID: "TBENCH"}
		for _, cmd := range []struct{ command, text string }{{"/kpi", `show "KPI 0000"`}, {"/okr", "show 1"}} {
			for _, charts := range []bool{false, true} {
				name := st.Dialect() + "/" + cmd.command[1:]
				if charts {
					name += "/chart"
				}
				req := bot.Request{Workspace: ws, User: bot.User{ID: "U000", Name: "person0"}, Address: bot.Address{Workspace: ws, Kind: bot.Channel, ID: "C1"},
					Command: cmd.command, Text: cmd.text, ShowsImages: charts, Capabilities: slack.Capabilities}
				b.Run(name, func(b *testing.B) {
					ctx := context.Background()
					svc.Command(ctx, req) // the person and workspace are known from here on
					queries := st.CountQueries()
					var before, after syscall.Rusage
					syscall.Getrusage(syscall.RUSAGE_SELF, &before)
					for b.Loop() {
						r := svc.Command(ctx, req)
						if r.Message == nil || r.Message.Sections[1].Image == nil && charts {
							b.Fatalf("no chart: %+v", r.Message)
						}
					}
					syscall.Getrusage(syscall.RUSAGE_SELF, &after)
					b.ReportMetric(float64(queries())/float64(b.N), "queries/op")
					// On a shared machine wall time counts waits for a core;
					// CPU time is the command's cost (the database's own,
					// on Postgres, is not in it).
					cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
					b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}
