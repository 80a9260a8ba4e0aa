package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// What pages show, computed from the store's rows by the okr rules. The
// templates only lay these out.

// A score is a score as pages show it: one decimal, its colour band, and
// the band's word, so that colour is never the only way to read it.
type score struct {
	Text string
	Band okr.Band
	Word string
	Pct  int
}

var bandWords = map[okr.Band]string{okr.Green: "green", okr.Yellow: "yellow", okr.Red: "red"}

func scoreOf(v float64) score {
	b := okr.BandOf(v)
	return score{Text: fmt.Sprintf("%.1f", okr.Round1(v)), Band: b, Word: bandWords[b], Pct: int(math.Round(math.Max(0, math.Min(1, v)) * 100))}
}

// objectiveRow is an objective in a list or the tree.
type objectiveRow struct {
	Number   int64
	Title    string
	Score    score
	Owner    string
	Team     string
	Status   string
	Period   string
	Behind   int
	Forecast string
}

func ownerName(u *store.User) string {
	if u == nil || u.ID == 0 {
		return "no owner"
	}
	if u.Name != "" {
		return u.Name
	}
	return u.PlatformID
}

func newObjectiveRow(o store.Objective, now time.Time) objectiveRow {
	row := objectiveRow{Number: o.Number, Title: o.Title, Score: scoreOf(o.Score()), Owner: ownerName(&o.Owner), Period: o.Period.Name}
	if o.Team != nil {
		row.Team = o.Team.Name
	}
	if o.Status != okr.Active {
		row.Status = string(o.Status)
	} else {
		elapsed := o.Period.Domain().Elapsed(now)
		for _, kr := range o.KeyResults {
			if okr.BehindPace(kr.Progress(), elapsed) {
				row.Behind++
			}
		}
	}
	return row
}

// keyResultRow is a key result with where it stands.
type keyResultRow struct {
	Label       string
	Objective   int64
	Title       string
	Measure     string
	Score       score
	Owner       string
	Weight      string
	Behind      bool
	Forecast    string
	LastCheckIn string
	Confidence  string
	KPI         *link
	Final       string
	// Due says a person's key result has had no check-in for a week.
	Due bool
}

type link struct {
	Href  string
	Label string
}

// forecasts are the forecasts of objectives and of their key results, by
// id, from their check-ins since their periods began.
func forecasts(os []store.Objective, points map[uint][]okr.Point, now time.Time) (map[uint]okr.Forecast, map[uint]okr.Forecast) {
	byObjective, byKR := map[uint]okr.Forecast{}, map[uint]okr.Forecast{}
	for _, o := range os {
		parts := make([]okr.WeightedForecast, len(o.KeyResults))
		for i, kr := range o.KeyResults {
			f := okr.ForecastKeyResult(kr.Measure, points[kr.ID], o.Period.Domain(), now)
			byKR[kr.ID] = f
			parts[i] = okr.WeightedForecast{Forecast: f, Weight: kr.Weight}
		}
		byObjective[o.ID] = okr.ForecastObjective(parts)
	}
	return byObjective, byKR
}

// kpiRow is a KPI on the scorecard or its page.
type kpiRow struct {
	ID          uint
	Name        string
	Team        string
	Owner       string
	Health      string
	HealthClass string
	severity    int
	Value       string
	Target      string
	Trend       string
	Spark       *spark
	// Source says where the value comes from when a source fetches it,
	// and SourceFailing since when that source fails.
	Source, SourceFailing string
}

func targetText(k store.KPI) string {
	op := "≥"
	if k.Direction == okr.LowerIsBetter {
		op = "≤"
	}
	return op + " " + okr.FormatValue(k.Target, k.Unit)
}

func newKPIRow(k store.KPI, recent []okr.Point, now time.Time) kpiRow {
	h := k.HealthAt(now)
	row := kpiRow{ID: k.ID, Name: k.Name, Owner: ownerName(&k.Owner), Health: h.Label(), HealthClass: string(h), severity: h.Severity(),
		Value: "no value yet", Target: targetText(k), Spark: sparkOf(k.Name, recent)}
	if k.Team != nil {
		row.Team = k.Team.Name
	}
	if k.LastValue != nil {
		row.Value = okr.FormatValue(*k.LastValue, k.Unit)
	}
	if t := okr.TrendOf(recent, k.Cadence); t.Prev != nil {
		row.Trend = t.String(k.Cadence)
	}
	return row
}

// spark is a small trend line drawn as SVG in the page itself: one
// polyline costs less than a picture per KPI on a scorecard of two
// hundred.
type spark struct {
	Label  string
	Points string
}

func sparkOf(name string, points []okr.Point) *spark {
	if len(points) < 2 {
		return nil
	}
	if len(points) > okr.SparkLength {
		points = points[len(points)-okr.SparkLength:]
	}
	lo, hi := points[0].Value, points[0].Value
	for _, p := range points {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	var b strings.Builder
	for i, p := range points {
		y := 12.0
		if hi > lo {
			y = 22 - (p.Value-lo)/(hi-lo)*20
		}
		fmt.Fprintf(&b, "%.1f,%.1f ", float64(i)*100/float64(len(points)-1), y)
	}
	first, last := points[0].Value, points[len(points)-1].Value
	return &spark{Label: fmt.Sprintf("Trend of %s over its last %d values, from %s to %s", name, len(points), okr.FormatNumber(first), okr.FormatNumber(last)),
		Points: strings.TrimSpace(b.String())}
}

// option is one choice of a period or team switcher.
type option struct {
	Value    string
	Label    string
	Selected bool
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("Jan 2, 2006") },
}
