package chart

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// Named is a rendered example chart and the file name it is saved under,
// without its extension.
type Named struct {
	Name  string
	Image Image
}

// exampleNow is the moment the examples are drawn at.
var exampleNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// Examples renders every kind of chart from realistic made-up data: the
// pictures the README shows. The data is the same on every run, so the
// pictures are too.
func Examples() ([]Named, error) {
	now := exampleNow
	q4 := okr.Quarter(2026, 4)
	nps, churn, help, response := exampleKRs(q4)
	var out []Named
	add := func(name string, img Image, err error) error {
		if err != nil {
			return fmt.Errorf("example %s: %w", name, err)
		}
		out = append(out, Named{Name: name, Image: img})
		return nil
	}
	kpis := exampleKPIs(now)
	steps := []struct {
		name string
		draw func() (Image, error)
	}{
		{"kpi-trend", func() (Image, error) { return KPITrend(kpis[0], now) }},
		{"kpi-trend-stale", func() (Image, error) { return KPITrend(kpis[1], now) }},
		{"kr-burnup", func() (Image, error) { return BurnUp(nps, q4, now) }},
		{"kr-burnup-lower", func() (Image, error) { return BurnUp(churn, q4, now) }},
		{"kr-milestone", func() (Image, error) { return BurnUp(help, q4, now) }},
		{"objective", func() (Image, error) {
			return ObjectiveChart(Objective{Title: "Create wildly loyal customers", Period: q4,
				KeyResults: []KeyResult{nps, churn, help, response}}, now)
		}},
		{"digest", func() (Image, error) {
			return DigestPicture(Digest{KPIs: kpis, Teams: exampleTeams(8), Period: q4}, now)
		}},
	}
	for _, s := range steps {
		img, err := s.draw()
		if err := add(s.name, img, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// exampleKPIs are six KPIs needing attention as of now, worst first: the
// first is measured weekly with a week missing, the second daily and gone
// stale, the rest daily over 90 days.
func exampleKPIs(now time.Time) []KPI {
	churn := KPI{Name: "Churn rate", Unit: "%", Standing: okr.Standing{Direction: okr.LowerIsBetter, Target: 2,
		Thresholds: okr.Thresholds{Warn: 2.2, Crit: 2.8}, Cadence: okr.Weekly}}
	weekly := []float64{3.4, 3.2, 3.3, 3.0, 3.1, math.NaN(), 2.9, 2.7, 2.8, 2.6, 2.5, 2.6, 2.4}
	friday := time.Date(2026, 8, 28, 16, 0, 0, 0, time.UTC)
	for i, v := range weekly {
		if !math.IsNaN(v) {
			churn.Points = append(churn.Points, okr.Point{At: friday.AddDate(0, 0, 7*i), Value: v})
		}
	}
	csat := KPI{Name: "Support CSAT", Unit: "%", Standing: okr.Standing{Direction: okr.HigherIsBetter, Target: 90,
		Thresholds: okr.Thresholds{Warn: 88, Crit: 85}, Cadence: okr.Daily},
		Points: daily(now.AddDate(0, 0, -12), 79, 91, 88.5, 1.2, 2)}
	// A week without values in September: the line breaks there.
	csat.Points = append(csat.Points[:20:20], csat.Points[27:]...)
	return []KPI{churn, csat,
		{Name: "Net revenue retention", Unit: "%", Standing: okr.Standing{Direction: okr.HigherIsBetter, Target: 110,
			Thresholds: okr.Thresholds{Warn: 105, Crit: 100}, Cadence: okr.Daily},
			Points: daily(now, 90, 112, 98.5, 1.5, 3)},
		{Name: "First response time", Unit: "min", Standing: okr.Standing{Direction: okr.LowerIsBetter, Target: 30,
			Thresholds: okr.Thresholds{Warn: 33, Crit: 40}, Cadence: okr.Daily},
			Points: daily(now, 90, 26, 36, 3, 4)},
		{Name: "Trial to paid conversion", Unit: "%", Standing: okr.Standing{Direction: okr.HigherIsBetter, Target: 12,
			Thresholds: okr.Thresholds{Warn: 11, Crit: 9}, Cadence: okr.Daily},
			Points: daily(now, 90, 12.5, 10.2, 0.5, 5)},
		{Name: "Monthly recurring revenue", Unit: "$", Standing: okr.Standing{Direction: okr.HigherIsBetter, Target: 1.5e6,
			Thresholds: okr.Thresholds{Warn: 1.45e6, Crit: 1.3e6}, Cadence: okr.Daily},
			Points: daily(now, 90, 1.31e6, 1.43e6, 8e3, 6)},
	}
}

// daily makes n daily values ending the day before until, drifting from
// `from` to `to` with noise of about the given size; seed makes each
// series its own.
func daily(until time.Time, n int, from, to, noise float64, seed uint64) []okr.Point {
	r := rand.New(rand.NewPCG(seed, 2026))
	start := time.Date(until.Year(), until.Month(), until.Day(), 6, 0, 0, 0, until.Location()).AddDate(0, 0, -n)
	pts := make([]okr.Point, n)
	for i := range pts {
		f := float64(i) / float64(n-1)
		v := from + (to-from)*f + noise*(r.Float64()*2-1) + noise*0.6*math.Sin(float64(i)/4)
		pts[i] = okr.Point{At: start.AddDate(0, 0, i), Value: math.Round(v*10) / 10}
	}
	return pts
}

// exampleTeams are n teams' OKR scores, some ahead of pace and some behind.
func exampleTeams(n int) []TeamScore {
	names := []string{"Sales", "Support", "Product", "Engineering", "Marketing", "Customer Success", "Finance", "People",
		"Design", "Data", "Security", "Legal", "Partnerships", "Operations", "Platform", "Mobile", "Growth", "Infrastructure",
		"Research", "Brand"}
	r := rand.New(rand.NewPCG(7, 2026))
	teams := make([]TeamScore, n)
	for i := range teams {
		name := names[i%len(names)]
		if i >= len(names) {
			name = fmt.Sprintf("%s %d", name, i/len(names)+1)
		}
		teams[i] = TeamScore{Name: name, Score: math.Round(r.Float64()*90) / 100}
	}
	return teams
}

func exampleKRs(q okr.Period) (nps, churn, help, response KeyResult) {
	week := func(i int) time.Time { return q.Start.AddDate(0, 0, 4+7*i).Add(15 * time.Hour) }
	checkIns := func(values []float64, conf string) []CheckIn {
		out := make([]CheckIn, len(values))
		for i, v := range values {
			c := map[byte]okr.Confidence{'g': okr.OnTrack, 'y': okr.AtRisk, 'r': okr.OffTrack}[conf[i]]
			out[i] = CheckIn{At: week(i), Value: v, Confidence: c}
		}
		return out
	}
	fc := func(v float64) *float64 { return &v }
	nps = KeyResult{Title: "Raise NPS from 30 to 50", Kind: okr.Metric, Start: 30, Target: 50,
		CheckIns: checkIns([]float64{31, 33, 33, 35, 37, 38, 40, 41}, "ggyygggg"), Forecast: fc(47.5)}
	churn = KeyResult{Title: "Cut monthly churn to 2%", Kind: okr.Metric, Start: 5, Target: 2, Unit: "%",
		CheckIns: checkIns([]float64{4.9, 4.8, 4.8, 4.6, 4.5, 4.5, 4.3, 4.2}, "gyyyrrry"), Forecast: fc(3.4)}
	help = KeyResult{Title: "Launch the self-service help center", Kind: okr.Milestone,
		CheckIns: []CheckIn{{week(1), 0, okr.OnTrack}, {week(4), 0, okr.AtRisk}, {week(7), 0, okr.AtRisk}}}
	response = KeyResult{Title: "Answer every ticket within 4 hours", Kind: okr.Metric, Start: 12, Target: 4, Unit: "h",
		CheckIns: checkIns([]float64{11, 10, 8.5, 8, 7, 6.5, 6, 5.5}, "gggggggg"), Forecast: fc(4.2)}
	return
}
