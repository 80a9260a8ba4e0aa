package chart

import (
	"fmt"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/okrbot/okrbot/okr"
)

// Objective is an objective and its key results as a chart needs them.
type Objective struct {
	Title      string
	Period     okr.Period
	KeyResults []KeyResult
}

// MaxCombined is how many key results one objective chart tells apart; an
// objective with more is drawn one burn-up per key result.
const MaxCombined = 5

// ObjectiveChart draws the progress (0 to 1) of each of an objective's key
// results over its period as of now, one line each with a legend, against
// the ideal pace.
func ObjectiveChart(o Objective, now time.Time) (Image, error) {
	name := plainName(o.Title, "Objective")
	switch n := len(o.KeyResults); {
	case n == 0:
		return Image{}, fmt.Errorf("chart of %q: the objective has no key results to draw", name)
	case n > MaxCombined:
		return Image{}, fmt.Errorf("chart of %q: %d key results are too many for one chart (at most %d); draw a burn-up for each", name, n, MaxCombined)
	}
	krs := make([]krSeries, len(o.KeyResults))
	parts := make([]okr.Weighted, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		s, err := prepareKR(kr, o.Period, now)
		if err != nil {
			return Image{}, fmt.Errorf("chart of %q: %w", name, err)
		}
		krs[i] = s
		parts[i] = okr.Weighted{Value: s.score(), Weight: kr.Weight}
	}
	total := okr.Score(parts)
	pace := o.Period.Elapsed(now)

	const pad = 24
	rows := (len(krs) + 1) / 2
	height := 340 + 20*rows
	f := newFrame(Width, height)
	c := f.c
	pillText, pillTone := "On pace", toneGreen
	if okr.BehindPace(total, pace) {
		pillText, pillTone = "Behind pace", bandTone(okr.BandOf(total))
	}
	sub := fmt.Sprintf("%s · %s · pace %s today", periodName(o.Period), plural(len(krs), "key result", "key results"), score(pace))
	h := header(c, pad, title(o.Title, "Objective"), sub, score(total), pillText, pillTone)

	// The legend: two columns of a colour, a title and a score.
	colW := (c.Max.X - c.Min.X - 2*pad) / 2
	top := c.Max.Y - pad - h - 4
	nameSty := style(regular, 12, inkSoft, draw.XLeft, draw.YCenter)
	scoreSty := style(bold, 12, ink, draw.XRight, draw.YCenter)
	for i, s := range krs {
		x := c.Min.X + pad + vg.Length(i%2)*colW
		y := top - vg.Length(i/2)*20
		col := series[i]
		c.StrokeLine2(solidLine(col, 3), x, y, x+16, y)
		sc := score(s.score())
		scoreSty.Color = bandTone(okr.BandOf(s.score())).dark
		c.FillText(scoreSty, vg.Point{X: x + colW - 16, Y: y}, sc)
		c.FillText(nameSty, vg.Point{X: x + 22, Y: y}, fit(title(s.Title, fmt.Sprintf("Key result %d", i+1)), nameSty, colW-60-scoreSty.Width(sc)))
	}

	area := draw.Crop(c, pad-6, -(pad + marginFor(noteSty.Width("ideal pace"))), pad-8, -(pad + h + 20*vg.Length(rows) + 16))
	p := newPlot()
	p.X.Min, p.X.Max = unixX(o.Period.Start), unixX(o.Period.End)
	p.X.Tick.Marker = timeTicks(o.Period.Start, o.Period.End, now, 5)
	p.Y.Min, p.Y.Max = 0, 1.04
	var ticks plot.ConstantTicks
	for i := 0; i <= 5; i++ {
		ticks = append(ticks, plot.Tick{Value: float64(i) / 5, Label: score(float64(i) / 5)})
	}
	p.Y.Tick.Marker = ticks
	p.Add(grid(), layer(func(c draw.Canvas, x, y func(float64) vg.Length) {
		pace := []vg.Point{{X: x(unixX(o.Period.Start)), Y: y(0)}, {X: x(unixX(o.Period.End)), Y: y(1)}}
		c.StrokeLines(dashedLine(faint, 1.5), pace)
		c.FillText(noteSty, vg.Point{X: c.Max.X + 10, Y: y(1)}, "ideal pace")
	}), today(o.Period, now), layer(func(c draw.Canvas, x, y func(float64) vg.Length) {
		for i, s := range krs {
			pts := []vg.Point{{X: x(unixX(o.Period.Start)), Y: y(0)}}
			for _, ci := range s.shown {
				p := vg.Point{X: x(unixX(ci.At)), Y: y(s.clamped(ci.Value))}
				if s.Kind == okr.Milestone {
					pts = append(pts, vg.Point{X: p.X, Y: pts[len(pts)-1].Y})
				}
				pts = append(pts, p)
			}
			c.StrokeLines(solidLine(series[i], 2.5), pts)
			if len(s.shown) > 0 {
				dot(c, pts[len(pts)-1], 4, series[i])
			}
		}
	}))
	p.Draw(area)
	return f.png(objectiveAlt(name, o.Period, krs, total, pace, now))
}

// clamped is progress as it scores: from 0 to 1.
func (s krSeries) clamped(v float64) float64 {
	return okr.Measure{Kind: s.Kind, Start: s.Start, Target: s.Target, Current: v}.Progress()
}

func objectiveAlt(name string, p okr.Period, krs []krSeries, total, pace float64, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): score %s on %s, ideal pace %s", name, periodName(p), score(total), day(now, now), score(pace))
	if okr.BehindPace(total, pace) {
		b.WriteString(", behind pace")
	}
	for i, s := range krs {
		sep := ". "
		if i > 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, plainName(s.Title, "Key result"), score(s.score()))
		switch {
		case s.Kind == okr.Milestone && s.done():
			b.WriteString(" (done)")
		case s.Kind == okr.Milestone:
			b.WriteString(" (not done)")
		default:
			fmt.Fprintf(&b, " (%s, target %s)", value(s.current, s.Unit), value(s.Target, s.Unit))
		}
	}
	b.WriteString(".")
	return b.String()
}
