package chart

import (
	"math"
	"time"

	"github.com/okrbot/okrbot/okr"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// newPlot is a plot in the house style: no frame and no axis lines, light
// horizontal grid lines, grey tick labels. Callers set the ranges and the
// tick markers, then add their layers.
func newPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Padding = 0
		a.LineStyle.Width = 0
		a.Tick.Length = 0
		a.Tick.LineStyle.Width = 0
	}
	p.X.Tick.Label = style(regular, 11, inkMute, draw.XCenter, draw.YTop)
	p.Y.Tick.Label = style(regular, 11, inkMute, draw.XRight, draw.YCenter)
	p.X.Label.Padding = 6
	return p
}

// grid draws a light line at every major tick of the value axis.
func grid() plot.Plotter {
	return &plotter.Grid{Horizontal: solidLine(hair, 1)}
}

// layer is a plotter drawn with the plot's transforms from data to canvas.
type layer func(c draw.Canvas, x, y func(float64) vg.Length)

func (l layer) Plot(c draw.Canvas, p *plot.Plot) {
	x, y := p.Transforms(&c)
	l(c, x, y)
}

// unixX is the x coordinate of a time: seconds since the epoch.
func unixX(t time.Time) float64 { return float64(t.Unix()) }

// niceScale returns about n evenly spaced round values (1, 2, 2.5 or 5
// times a power of ten apart) from at or below lo to at or above hi, and
// the step between them.
func niceScale(lo, hi float64, n int) ([]float64, float64) {
	if !(hi > lo) { // also NaN
		pad := math.Max(math.Abs(lo)*0.1, 1)
		lo, hi = lo-pad, hi+pad
	}
	rough := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(rough)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if (hi-lo)/(m*mag) <= float64(n) {
			step = m * mag
			break
		}
	}
	first, last := math.Floor(lo/step+1e-9), math.Ceil(hi/step-1e-9)
	var ticks []float64
	for i := first; i <= last && len(ticks) <= 2*n+2; i++ {
		ticks = append(ticks, i*step)
	}
	return ticks, step
}

// decimalsFor is how many decimals tell ticks step apart.
func decimalsFor(step float64) int {
	d := 0
	for s := step; d < 6 && math.Abs(s-math.Round(s)) > 1e-6*math.Max(1, math.Abs(s)); s *= 10 {
		d++
	}
	return d
}

// valueTicks labels tick values with the unit when it is a symbol ("2.5%",
// "$40k"); thousands and more are shortened with the same suffix on every
// tick.
func valueTicks(values []float64, step float64, unit string, at func(float64) float64) plot.ConstantTicks {
	var biggest float64
	for _, v := range values {
		biggest = math.Max(biggest, math.Abs(v))
	}
	scale, sfx := 1.0, ""
	for _, s := range []struct {
		at  float64
		sfx string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e4, "k"}} {
		if biggest >= s.at {
			scale, sfx = s.at, s.sfx
			if sfx == "k" {
				scale = 1e3
			}
			break
		}
	}
	decimals := decimalsFor(step / scale)
	ticks := make(plot.ConstantTicks, 0, len(values))
	for _, v := range values {
		label := "0"
		if math.Abs(v) > step*1e-9 {
			label = okr.FormatDecimals(v/scale, decimals) + sfx
		}
		if symbolUnit(unit) {
			label = okr.WithUnit(label, unit)
		}
		ticks = append(ticks, plot.Tick{Value: at(v), Label: label})
	}
	return ticks
}

func identity(v float64) float64 { return v }

// timeTicks marks round dates between from and to, at most max of them:
// days, weeks (Mondays), months, quarters or years, whichever is finest. Dates are
// shown in now's time zone, with the year when it is not now's year.
func timeTicks(from, to, now time.Time, max int) plot.ConstantTicks {
	loc := now.Location()
	from, to = from.In(loc), to.In(loc)
	midnight := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc) }
	type rule struct {
		first func() time.Time
		next  func(time.Time) time.Time
		// layout prints a tick; the year is added where it changes.
		layout, withYear string
	}
	firstDay := func() time.Time {
		d := midnight(from)
		if d.Before(from) {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	firstMonday := func() time.Time {
		d := firstDay()
		return d.AddDate(0, 0, (8-int(d.Weekday()))%7)
	}
	firstMonth := func(every int) func() time.Time {
		return func() time.Time {
			m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc)
			for m.Before(from) || (int(m.Month())-1)%every != 0 {
				m = m.AddDate(0, 1, 0)
			}
			return m
		}
	}
	rules := []rule{
		{firstDay, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }, "Jan 2", "Jan 2, 2006"},
		{firstDay, func(t time.Time) time.Time { return t.AddDate(0, 0, 2) }, "Jan 2", "Jan 2, 2006"},
		{firstMonday, func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }, "Jan 2", "Jan 2, 2006"},
		{firstMonday, func(t time.Time) time.Time { return t.AddDate(0, 0, 14) }, "Jan 2", "Jan 2, 2006"},
		{firstMonth(1), func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }, "Jan", "Jan 2006"},
		{firstMonth(2), func(t time.Time) time.Time { return t.AddDate(0, 2, 0) }, "Jan", "Jan 2006"},
		{firstMonth(3), func(t time.Time) time.Time { return t.AddDate(0, 3, 0) }, "Jan", "Jan 2006"},
		{firstMonth(6), func(t time.Time) time.Time { return t.AddDate(0, 6, 0) }, "Jan", "Jan 2006"},
	}
	for _, years := range []int{1, 2, 5, 10, 20, 50, 100} {
		rules = append(rules, rule{func() time.Time {
			y := time.Date(from.Year(), 1, 1, 0, 0, 0, 0, loc)
			for y.Before(from) || y.Year()%years != 0 {
				y = y.AddDate(1, 0, 0)
			}
			return y
		}, func(t time.Time) time.Time { return t.AddDate(years, 0, 0) }, "2006", "2006"})
	}
	var dates []time.Time
	var r rule
	for _, r = range rules {
		dates = dates[:0]
		for t := r.first(); !t.After(to) && len(dates) <= max; t = r.next(t) {
			dates = append(dates, t)
		}
		if len(dates) <= max {
			break
		}
	}
	if len(dates) > max { // beyond any calendar: no dates
		return nil
	}
	span := to.Sub(from)
	var ticks plot.ConstantTicks
	year := now.In(loc).Year()
	add := func(t, at time.Time) {
		// A label centred on either edge would spill beyond the chart.
		if edge := span / 25; at.Sub(from) < edge || to.Sub(at) < edge {
			return
		}
		label := t.Format(r.layout)
		if t.Year() != year {
			year = t.Year()
			label = t.Format(r.withYear)
		}
		ticks = append(ticks, plot.Tick{Value: unixX(at), Label: label})
	}
	if len(dates) > 0 && r.next(dates[0]).Equal(dates[0].AddDate(0, 1, 0)) {
		// Months are named in their middle, as on a calendar, including
		// the part of a month before the first tick.
		for t := dates[0].AddDate(0, -1, 0); !t.After(to); t = t.AddDate(0, 1, 0) {
			a, b := t, t.AddDate(0, 1, 0)
			a, b = later(a, from), earlier(b, to)
			if b.Sub(a) >= 12*24*time.Hour {
				add(t, a.Add(b.Sub(a)/2))
			}
		}
		return ticks
	}
	for _, t := range dates {
		add(t, t)
	}
	return ticks
}

// unitLabel names a word unit ("customers", "min") beside the value axis,
// where it is too long to repeat on every tick.
func unitLabel(p *plot.Plot, unit string) {
	p.Y.Label.Text = unit
	p.Y.Label.TextStyle = style(regular, 11, inkMute, draw.XCenter, draw.YBottom)
	p.Y.Label.Padding = 6
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
