package commands_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// benchNow is the end of the benchmark's history: a Tuesday in 2026-Q4.
var benchNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type benchSize struct {
	name                      string
	kpis, measurements        int
	objectives, krs, checkIns int
	people, teams             int
}

var benchSizes = []benchSize{
	{"small", 100, 365, 50, 4, 13, 100, 20},
	{"full", 1000, 365, 500, 4, 13, 100, 20},
}

// seedBench fills a workspace: KPIs with daily values, teams, people, and
// objectives of the current quarter whose key results have weekly
// check-ins. People and teams take turns owning them: person i%people,
// team i%teams.
func seedBench(b testing.TB, st *store.Store, sz benchSize) store.Workspace {
	b.Helper()
	ctx := context.Background()
	ws, err := st.Workspace(ctx, "slack", "TBENCH")
	if err != nil {
		b.Fatal(err)
	}
	var users []store.User
	for i := range sz.people {
		users = append(users, store.User{WorkspaceID: ws.ID, PlatformID: fmt.Sprintf("U%03d", i), Name: fmt.Sprintf("person%d", i)})
	}
	var teams []store.Team
	for i := range sz.teams {
		teams = append(teams, store.Team{WorkspaceID: ws.ID, Name: fmt.Sprintf("Team %02d", i)})
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(st.InsertAll(ctx, &users, 500))
	must(st.InsertAll(ctx, &teams, 500))
	period, err := st.EnsurePeriod(ctx, ws.ID, okr.QuarterOf(benchNow))
	must(err)

	cadences := []okr.Cadence{okr.Daily, okr.Weekly, okr.Monthly}
	kpis := make([]store.KPI, sz.kpis)
	for i := range kpis {
		last := float64(80 + i%40)
		at := benchNow.Add(-time.Duration(i%3) * 24 * time.Hour)
		kpis[i] = store.KPI{WorkspaceID: ws.ID, Name: fmt.Sprintf("KPI %04d", i), NameKey: fmt.Sprintf("kpi %04d", i),
			TeamID: &teams[i%sz.teams].ID, OwnerID: users[i%sz.people].ID, Direction: okr.HigherIsBetter, Target: 100, Warn: 95, Crit: 90,
			Cadence: cadences[i%3], Health: okr.HealthNoData, LastValue: &last, LastAt: &at}
	}
	must(st.InsertAll(ctx, &kpis, 500))
	batch := make([]store.Measurement, 0, 5000)
	for i, k := range kpis {
		for d := sz.measurements - 1; d >= 0; d-- {
			v := float64(80 + i%40 - d%7)
			if d == 0 {
				v = *k.LastValue
			}
			batch = append(batch, store.Measurement{WorkspaceID: ws.ID, KPIID: k.ID, Value: v,
				At: k.LastAt.AddDate(0, 0, -d), CreatedAt: benchNow})
			if len(batch) == cap(batch) {
				must(st.InsertAll(ctx, &batch, 500))
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		must(st.InsertAll(ctx, &batch, 500))
	}

	number := int64(0)
	objectives := make([]store.Objective, sz.objectives)
	for i := range objectives {
		number++
		objectives[i] = store.Objective{WorkspaceID: ws.ID, Number: number, Title: fmt.Sprintf("Objective %d", i),
			OwnerID: users[i%sz.people].ID, TeamID: &teams[i%sz.teams].ID, PeriodID: period.ID, Status: okr.Active}
	}
	must(st.InsertAll(ctx, &objectives, 500))
	var krs []store.KeyResult
	for i, o := range objectives {
		for j := range sz.krs {
			number++
			owner := users[(i+j)%sz.people].ID
			krs = append(krs, store.KeyResult{WorkspaceID: ws.ID, Number: number, ObjectiveID: o.ID, Position: j + 1,
				Title: fmt.Sprintf("Key result %d.%d", i, j), OwnerID: &owner, Weight: 1,
				Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 100, Current: float64((i * j) % 100)}})
		}
	}
	must(st.InsertAll(ctx, &krs, 500))
	var checkIns []store.CheckIn
	confidences := []okr.Confidence{okr.OnTrack, okr.OnTrack, okr.AtRisk, okr.OffTrack}
	for i, kr := range krs {
		for w := sz.checkIns - 1; w >= 0; w-- {
			checkIns = append(checkIns, store.CheckIn{WorkspaceID: ws.ID, KeyResultID: kr.ID, AuthorID: *kr.OwnerID,
				Value: kr.Current, Confidence: confidences[(i+w)%4], CreatedAt: benchNow.AddDate(0, 0, -7*w-1-i%5)})
		}
	}
	must(st.InsertAll(ctx, &checkIns, 500))
	return ws
}

// BenchmarkDigest builds the leadership digest of a whole workspace, as
// text alone and with its picture (as the scheduler sends it).
//
//	go test ./commands -run '^$' -bench Digest -benchtime 20x
func BenchmarkDigest(b *testing.B) {
	for _, sz := range benchSizes {
		for _, url := range storetest.URLs(b) {
			st := storetest.OpenURL(b, url)
			ws := seedBench(b, st, sz)
			svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return benchNow }})
			for _, picture := range []bool{false, true} {
				name := st.Dialect() + "/" + sz.name
				if picture {
					name += "/picture"
				}
				b.Run(name, func(b *testing.B) {
					ctx := context.Background()
					queries := st.CountQueries()
					var msg *bot.Message
					for b.Loop() {
						var err error
						if msg, err = svc.Digest(ctx, ws.ID, commands.DigestOptions{Picture: picture}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(queries())/float64(b.N), "queries/op")
					if _, blocks, err := slack.RenderMessage(*msg); err != nil || len(blocks) > 50 {
						b.Errorf("digest renders as %d blocks, %v", len(blocks), err)
					}
					if hasPicture := msg.Sections[1].Image != nil; hasPicture != picture {
						b.Errorf("picture drawn: %v", hasPicture)
					}
				})
			}
		}
	}
}

// BenchmarkRecordMeasurement records a KPI value that drives a key result,
// with health, alerts and the key result's check-in, in the full workspace.
//
//	go test ./commands -run '^$' -bench RecordMeasurement
func BenchmarkRecordMeasurement(b *testing.B) {
	for _, url := range storetest.URLs(b) {
		st := storetest.OpenURL(b, url)
		sz := benchSizes[1]
		ws := seedBench(b, st, sz)
		now := benchNow
		svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return now }})
		ctx := context.Background()
		if err := st.SetAlertChannel(ctx, ws.ID, 0, "CALERTS"); err != nil {
			b.Fatal(err)
		}
		k, err := st.KPIByName(ctx, ws.ID, "KPI 0001")
		if err != nil {
			b.Fatal(err)
		}
		kr, err := st.KeyResult(ctx, ws.ID, int64(sz.objectives)+1) // the first key result
		if err != nil {
			b.Fatal(err)
		}
		kr.KPIID = &k.ID
		if err := st.UpdateKeyResult(ctx, &kr, store.KeyResultKPI); err != nil {
			b.Fatal(err)
		}
		b.Run(st.Dialect(), func(b *testing.B) {
			queries := st.CountQueries()
			i := 0
			for b.Loop() {
				i++
				now = now.Add(time.Minute)
				// Alternate between on target and off target: every call
				// changes health and sends an alert.
				v := 100.0
				if i%2 == 0 {
					v = 50
				}
				if _, err := svc.RecordMeasurement(ctx, commands.MeasurementInput{WorkspaceID: ws.ID, KPIID: k.ID, Value: v, Source: "bench", Platform: "api"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(queries())/float64(b.N), "queries/op")
		})
	}
}
