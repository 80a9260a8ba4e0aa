package chart

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/okrbot/okrbot/okr"
)

// KPI is a KPI as its charts need it.
type KPI struct {
	Name string
	// Unit is printed with values as okr.FormatValue prints it: "%", "$",
	// "customers".
	Unit string
	// Standing is the KPI's direction, target, thresholds and cadence.
	okr.Standing
	// Points are the KPI's measured values, in any order. Values that are
	// not finite numbers, or beyond okr.MaxNumber, are left out as if
	// missing.
	Points []okr.Point
}

// TrendCadences and TrendDays bound the window of a trend chart: the last
// 12 periods of the KPI's cadence or the last 90 days, whichever is longer.
const (
	TrendCadences = 12
	TrendDays     = 90
)

// trend is a KPI's values prepared for drawing.
type trend struct {
	KPI
	now, from, to time.Time
	// shown are the values inside the window, oldest first.
	shown []okr.Point
	// runs are the lines to draw: shown split where a value is missing,
	// the first one led in by the value in effect when the window opens.
	runs   [][]okr.Point
	gaps   int
	last   okr.Point
	has    bool
	health okr.Health
	// lo and hi bound the values the chart must show.
	lo, hi float64
	// small is a trend drawn as a digest's tile: no labels beside it.
	small bool
	// ymin and ymax are the values at the bottom and top of the chart.
	ymin, ymax float64
	// margin is the room for labels to the right of the chart.
	margin vg.Length
}

var errNoNow = errors.New("chart: the time to draw at (now) is not set")

func prepareTrend(k KPI, now time.Time) (trend, error) {
	name := plainName(k.Name, "KPI")
	if now.IsZero() {
		return trend{}, errNoNow
	}
	if err := checkNumber("target", k.Target); err != nil {
		return trend{}, fmt.Errorf("chart of %q: %w", name, err)
	}
	th := k.Thresholds
	if err := errors.Join(checkNumber("at-risk threshold", th.Warn), checkNumber("off-target threshold", th.Crit)); err != nil {
		return trend{}, fmt.Errorf("chart of %q: %w", name, err)
	}
	// The okr rules that accept thresholds also check how they lie.
	if _, err := okr.ResolveThresholds(k.Direction, k.Target, &th.Warn, &th.Crit); err != nil {
		return trend{}, fmt.Errorf("chart of %q: %w", name, err)
	}

	t := trend{KPI: k, now: now}
	var valid []okr.Point
	for _, p := range k.Points {
		if checkNumber("value", p.Value) == nil && !p.At.IsZero() {
			valid = append(valid, p)
		}
	}
	slices.SortStableFunc(valid, func(a, b okr.Point) int { return a.At.Compare(b.At) })
	if n := len(valid); n > 0 {
		t.last, t.has = valid[n-1], true
	}
	t.health = k.HealthAt(now, t.has, t.last.At, t.last.Value)

	t.to = now
	if t.has && t.last.At.After(now) {
		t.to = t.last.At
	}
	var lastAt time.Time
	if t.has {
		lastAt = t.last.At
	}
	t.from = TrendFrom(k.Cadence, lastAt, now)
	first := len(valid)
	for i, p := range valid {
		if !p.At.Before(t.from) {
			first = i
			break
		}
	}
	t.shown = valid[first:]

	var run []okr.Point
	if first > 0 && len(t.shown) > 0 && !t.gap(valid[first-1], t.shown[0]) {
		run = append(run, valid[first-1])
	}
	for i, p := range t.shown {
		if i > 0 && t.gap(t.shown[i-1], p) {
			t.runs = append(t.runs, run)
			run, t.gaps = nil, t.gaps+1
		}
		run = append(run, p)
	}
	if len(run) > 0 {
		t.runs = append(t.runs, run)
	}

	t.lo, t.hi = k.Target, k.Target
	for _, v := range []float64{th.Warn, th.Crit} {
		t.lo, t.hi = math.Min(t.lo, v), math.Max(t.hi, v)
	}
	for _, p := range t.shown {
		t.lo, t.hi = math.Min(t.lo, p.Value), math.Max(t.hi, p.Value)
	}
	return t, nil
}

// TrendFrom is the start of the window a trend chart shows as of now, for
// a KPI of cadence c last measured at last (zero when never): callers load
// the values from then on, and the one before, which leads the line in.
// The window ends now (or at last, when that is later) and spans
// TrendCadences periods of the cadence or TrendDays days, whichever is
// longer; a KPI not measured in that window is shown up to its last value,
// then a tail to now.
func TrendFrom(c okr.Cadence, last, now time.Time) time.Time {
	end := now
	if last.After(now) {
		end = last
	}
	from := windowStart(c, end)
	if !last.IsZero() && last.Before(from) {
		from = windowStart(c, last)
	}
	return from
}

// windowStart is where a window ending at end starts: TrendCadences
// periods of the cadence or TrendDays days before it, whichever is earlier.
func windowStart(c okr.Cadence, end time.Time) time.Time {
	from := c.Add(end, -TrendCadences)
	if d := end.AddDate(0, 0, -TrendDays); d.Before(from) {
		return d
	}
	return from
}

// gap reports whether a value is missing between a and b: b came later
// than a's cadence and grace allow, so no line joins them.
func (t trend) gap(a, b okr.Point) bool { return b.At.After(t.Cadence.StaleAt(a.At)) }

// checkNumber refuses what no chart can place: NaN, infinities and numbers
// beyond what okrbot accepts.
func checkNumber(field string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("the %s is not a number (%v)", field, v)
	case math.Abs(v) > okr.MaxNumber:
		return fmt.Errorf("the %s %g is beyond what okrbot tracks (%g)", field, v, okr.MaxNumber)
	}
	return nil
}

// movement is how the shown values went, first to last, in a word.
func (t trend) movement() string {
	if len(t.shown) < 2 {
		return ""
	}
	a, b := t.shown[0].Value, t.shown[len(t.shown)-1].Value
	scale := math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-9)
	switch d := b - a; {
	case math.Abs(d)/scale < 0.01:
		return "steady"
	case d > 0:
		return "rising"
	}
	return "falling"
}

// alt is the trend in words: "Churn rate: 2.4% on Nov 20, target 2% (lower
// is better), at risk; 12 values from Aug 30 to Nov 20, falling."
func (t trend) alt() string {
	var b strings.Builder
	b.WriteString(plainName(t.Name, "KPI") + ": ")
	if !t.has {
		fmt.Fprintf(&b, "no values yet, target %s (%s).", value(t.Target, t.Unit), t.Direction.Label())
		return b.String()
	}
	fmt.Fprintf(&b, "%s on %s, target %s (%s), %s", value(t.last.Value, t.Unit), day(t.last.At, t.now),
		value(t.Target, t.Unit), t.Direction.Label(), t.health.Label())
	switch n := len(t.shown); n {
	case 1:
		fmt.Fprintf(&b, "; 1 value on %s", day(t.shown[0].At, t.now))
	default:
		fmt.Fprintf(&b, "; %d values from %s to %s, %s", n, day(t.shown[0].At, t.now), day(t.shown[n-1].At, t.now), t.movement())
	}
	if t.gaps > 0 {
		fmt.Fprintf(&b, ", %s", plural(t.gaps, "gap", "gaps"))
	}
	b.WriteString(".")
	return b.String()
}

// KPITrend draws a KPI's values over the last 12 periods of its cadence or
// 90 days, whichever is longer, as of now: the target as a line, the at-risk
// and off-target zones as bands on the target's wrong side, the latest
// value labelled in its health's colour, breaks where values are missing,
// and a grey tail from the latest value to now when the KPI is stale.
func KPITrend(k KPI, now time.Time) (Image, error) {
	t, err := prepareTrend(k, now)
	if err != nil {
		return Image{}, err
	}
	const height = 360
	f := newFrame(Width, height)
	c := f.c
	const pad = 24
	headerH := header(c, pad, title(t.Name, "KPI"), t.subtitle(), t.headline(), t.pillLabel(), healthTone(t.health))

	t.margin = t.marginWidth()
	area := draw.Crop(c, pad-6, -(pad + t.margin), pad-8, -(pad + headerH))
	t.plot(6, 8).Draw(area)
	return f.png(t.alt())
}

func (t trend) subtitle() string {
	s := fmt.Sprintf("Target %s · %s · %s", value(t.Target, t.Unit), t.Direction.Label(), cadenceLabel(t.Cadence))
	if t.health == okr.HealthStale {
		s += " · no value since " + day(t.last.At, t.now)
	}
	return s
}

func (t trend) headline() string {
	if !t.has {
		return ""
	}
	return value(t.last.Value, t.Unit)
}

func (t trend) pillLabel() string {
	l := t.health.Label()
	return strings.ToUpper(l[:1]) + l[1:]
}

func cadenceLabel(c okr.Cadence) string {
	if c == "" {
		return string(okr.Weekly)
	}
	return string(c)
}

// plot lays out the trend: about ticks values and at most dateTicks dates
// marked on the axes, then bands, target, lines and labels.
func (t trend) plot(ticks, dateTicks int) *plot.Plot {
	p := newPlot()
	// A little room above and below the values; a flat line gets a range
	// around it.
	pad := (t.hi - t.lo) * 0.04
	if pad == 0 {
		pad = math.Max(math.Abs(t.hi)*0.1, 1)
	}
	vals, step := niceScale(t.lo-pad, t.hi+pad, ticks)
	p.Y.Min, p.Y.Max = vals[0], vals[len(vals)-1]
	p.Y.Tick.Marker = valueTicks(vals, step, t.Unit, identity)
	p.X.Min, p.X.Max = unixX(t.from), unixX(t.to)
	p.X.Tick.Marker = timeTicks(t.from, t.to, t.now, dateTicks)
	if !symbolUnit(t.Unit) && !t.small {
		unitLabel(p, t.Unit)
	}
	t.ymin, t.ymax = p.Y.Min, p.Y.Max
	p.Add(layer(t.drawBands), grid(), layer(t.drawTarget), layer(t.drawLines))
	if !t.small {
		p.Add(layer(t.drawMargin))
	}
	return p
}

// zones are the at-risk and off-target bands, in values: [lo, hi] each,
// the off-target one reaching to the edge of the chart.
func (t trend) zones() (risk, off [2]float64) {
	w, c := t.Thresholds.Warn, t.Thresholds.Crit
	if t.Direction == okr.LowerIsBetter {
		return [2]float64{w, c}, [2]float64{c, math.Max(c, t.ymax)}
	}
	return [2]float64{c, w}, [2]float64{math.Min(c, t.ymin), c}
}

// visible is the part of a band of values inside the canvas, in canvas
// coordinates; ok is false when none of it is.
func visible(c draw.Canvas, y func(float64) vg.Length, z [2]float64) (a, b vg.Length, ok bool) {
	a, b = max(y(z[0]), c.Min.Y), min(y(z[1]), c.Max.Y)
	return a, b, b > a
}

func (t trend) drawBands(c draw.Canvas, x, y func(float64) vg.Length) {
	risk, off := t.zones()
	for _, z := range []struct {
		band [2]float64
		col  tone
	}{{risk, toneYellow}, {off, toneRed}} {
		if a, b, ok := visible(c, y, z.band); ok {
			c.FillPolygon(z.col.tint, []vg.Point{{X: c.Min.X, Y: a}, {X: c.Max.X, Y: a}, {X: c.Max.X, Y: b}, {X: c.Min.X, Y: b}})
		}
	}
}

func (t trend) drawTarget(c draw.Canvas, x, y func(float64) vg.Length) {
	ty := y(t.Target)
	c.StrokeLine2(solidLine(green, 1.5), c.Min.X, ty, c.Max.X, ty)
}

var (
	targetSty = style(bold, 11, greenDark, draw.XLeft, draw.YCenter)
	noteSty   = style(regular, 11, inkMute, draw.XLeft, draw.YCenter)
)

func (t trend) valueLabel() string  { return value(t.last.Value, t.Unit) }
func (t trend) targetLabel() string { return "target " + value(t.Target, t.Unit) }

// marginWidth is the room the labels to the right of the chart need.
func (t trend) marginWidth() vg.Length {
	w := max(targetSty.Width(t.targetLabel()), noteSty.Width("off target"))
	if t.has {
		w = max(w, style(bold, 14, ink, 0, 0).Width(t.valueLabel()))
	}
	return marginFor(w)
}

// marginFor is the margin that holds labels up to w wide, within reason:
// a long unit is cut short rather than squeezing the chart.
func marginFor(w vg.Length) vg.Length { return min(max(w+14, 64), 150) }

// drawMargin writes the labels to the right of the chart: the latest
// value, the target and the bands, each at its height, none on another.
func (t trend) drawMargin(c draw.Canvas, x, y func(float64) vg.Length) {
	const gap = 16 // between two labels' centres
	type label struct {
		text string
		sty  text.Style
		at   vg.Length
	}
	var must []label
	if t.has {
		must = append(must, label{t.valueLabel(), style(bold, 14, healthTone(t.health).dark, draw.XLeft, draw.YCenter), y(t.last.Value)})
	}
	must = append(must, label{t.targetLabel(), targetSty, y(t.Target)})
	if len(must) == 2 && math.Abs(float64(must[0].at-must[1].at)) < gap {
		// Too close: move both apart, the better one up.
		mid, up := (must[0].at+must[1].at)/2, vg.Length(gap/2)
		if must[0].at < must[1].at {
			up = -up
		}
		must[0].at, must[1].at = mid+up, mid-up
	}
	placed := make([]vg.Length, 0, 4)
	for _, l := range must {
		l.at = min(max(l.at, c.Min.Y+6), c.Max.Y-6)
		placed = append(placed, l.at)
		c.FillText(l.sty, vg.Point{X: c.Max.X + 10, Y: l.at}, fit(l.text, l.sty, t.margin-12))
	}
	risk, off := t.zones()
	for _, z := range []struct {
		text string
		band [2]float64
		col  tone
	}{{"at risk", risk, toneYellow}, {"off target", off, toneRed}} {
		a, b, ok := visible(c, y, z.band)
		if !ok || b-a < 12 {
			continue
		}
		// The band's middle, or failing that the clear spot nearest it.
		mid, best, found := (a+b)/2, vg.Length(0), false
		for at := a + 6; at <= b-6; at += 2 {
			clear := true
			for _, other := range placed {
				clear = clear && math.Abs(float64(at-other)) >= gap
			}
			if clear && (!found || math.Abs(float64(at-mid)) < math.Abs(float64(best-mid))) {
				best, found = at, true
			}
		}
		if found {
			placed = append(placed, best)
			c.FillText(style(regular, 11, z.col.dark, draw.XLeft, draw.YCenter), vg.Point{X: c.Max.X + 10, Y: best}, z.text)
		}
	}
}

func (t trend) drawLines(c draw.Canvas, x, y func(float64) vg.Length) {
	at := func(p okr.Point) vg.Point { return vg.Point{X: x(unixX(p.At)), Y: y(p.Value)} }
	if !t.has {
		if !t.small {
			c.FillText(style(regular, 14, inkMute, draw.XCenter, draw.YCenter), c.Center(), "No values yet")
		}
		return
	}
	if t.health == okr.HealthStale {
		a, b := at(t.last), vg.Point{X: x(unixX(t.now)), Y: y(t.last.Value)}
		c.StrokeLines(dashedLine(faint, 2), c.ClipLinesXY([]vg.Point{a, b})...)
	}
	markers := len(t.shown) <= 24
	for _, run := range t.runs {
		pts := make([]vg.Point, len(run))
		for i, p := range run {
			pts[i] = at(p)
		}
		c.StrokeLines(solidLine(accent, 2), c.ClipLinesXY(pts)...)
		if markers || len(run) == 1 {
			for _, p := range pts {
				if c.Contains(p) {
					dot(c, p, 2.5, accent)
				}
			}
		}
	}
	dot(c, at(t.last), 5, healthTone(t.health).solid)
}

// header draws a chart's title and subtitle on the left and its headline
// number and pill on the right, and returns its height.
func header(c draw.Canvas, pad vg.Length, name, sub, headline, pillText string, t tone) vg.Length {
	top := c.Max.Y - pad
	right := c.Max.X - pad
	big := style(bold, 26, ink, draw.XRight, draw.YTop)
	hw := vg.Length(0)
	if headline != "" {
		hw = big.Width(headline)
		c.FillText(big, vg.Point{X: right, Y: top + 2}, headline)
	}
	pw := vg.Length(0)
	if pillText != "" {
		pw = pill(c, pillText, t, right, top-40)
	}
	head := style(bold, 18, ink, draw.XLeft, draw.YTop)
	c.FillText(head, vg.Point{X: c.Min.X + pad, Y: top}, fit(name, head, right-c.Min.X-pad-hw-24))
	subSty := style(regular, 12, inkMute, draw.XLeft, draw.YTop)
	c.FillText(subSty, vg.Point{X: c.Min.X + pad, Y: top - 28}, fit(sub, subSty, right-c.Min.X-pad-pw-24))
	return 60
}
