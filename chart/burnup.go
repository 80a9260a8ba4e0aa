package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/okrbot/okrbot/okr"
)

// KeyResult is a key result as its charts need it.
type KeyResult struct {
	Title string
	// Kind is okr.Metric (a number from Start to Target) or okr.Milestone
	// (done when a check-in's value is 1 or more).
	Kind          okr.Kind
	Start, Target float64
	Unit          string
	// Weight is the key result's share of its objective's score; 0 counts
	// as 1.
	Weight   float64
	CheckIns []CheckIn
	// Forecast is the value the key result is projected to reach by the
	// end of its period; nil when there is no projection.
	Forecast *float64
}

// CheckIn is a key result's value and its owner's confidence at a time.
type CheckIn struct {
	At         time.Time
	Value      float64
	Confidence okr.Confidence
}

// krSeries is a key result's check-ins prepared for drawing.
type krSeries struct {
	KeyResult
	period okr.Period
	now    time.Time
	// shown are the valid check-ins inside the period, oldest first.
	shown   []CheckIn
	current float64
	last    *CheckIn // the latest valid check-in before the period's end
	fc      *float64 // the forecast, when it can be drawn
	// margin is the room for labels to the right of the chart.
	margin vg.Length
}

func (s krSeries) targetLabel() string { return "target " + value(s.Target, s.Unit) }
func (s krSeries) startLabel() string  { return "start " + value(s.Start, s.Unit) }

func prepareKR(kr KeyResult, period okr.Period, now time.Time) (krSeries, error) {
	name := plainName(kr.Title, "Key result")
	if now.IsZero() {
		return krSeries{}, errNoNow
	}
	if err := checkPeriod(period); err != nil {
		return krSeries{}, fmt.Errorf("chart of %q: %w", name, err)
	}
	s := krSeries{KeyResult: kr, period: period, now: now}
	if kr.Kind == okr.Milestone {
		s.Start, s.Target = 0, 1
	} else {
		if err := errors.Join(checkNumber("start", kr.Start), checkNumber("target", kr.Target)); err != nil {
			return krSeries{}, fmt.Errorf("chart of %q: %w", name, err)
		}
	}
	var valid []CheckIn
	for _, ci := range kr.CheckIns {
		if checkNumber("value", ci.Value) == nil && !ci.At.IsZero() {
			valid = append(valid, ci)
		}
	}
	slices.SortStableFunc(valid, func(a, b CheckIn) int { return a.At.Compare(b.At) })
	// The chart tells the period's story: check-ins after it are left
	// out, and one before it only sets where the period began.
	s.current = s.Start
	for i, ci := range valid {
		if !ci.At.Before(period.End) {
			break
		}
		s.last, s.current = &valid[i], ci.Value
		if !ci.At.Before(period.Start) {
			s.shown = append(s.shown, ci)
		}
	}
	if f := kr.Forecast; f != nil && checkNumber("forecast", *f) == nil && kr.Kind != okr.Milestone {
		s.fc = f
	}
	return s, nil
}

func checkPeriod(p okr.Period) error {
	if !p.End.After(p.Start) {
		name := p.Name
		if name == "" {
			name = "period"
		}
		return fmt.Errorf("the period %q ends (%s) before it starts (%s)", name, p.End.Format(time.DateOnly), p.Start.Format(time.DateOnly))
	}
	return nil
}

// progress is how far v is from start to target, unclamped: the burn-up's
// height.
func (s krSeries) progress(v float64) float64 {
	if s.Kind == okr.Milestone {
		if v >= 1 {
			return 1
		}
		return 0
	}
	return (v - s.Start) / (s.Target - s.Start)
}

// score is the key result's score as okr computes it.
func (s krSeries) score() float64 {
	return okr.Measure{Kind: s.Kind, Start: s.Start, Target: s.Target, Current: s.current, Unit: s.Unit}.Progress()
}

func (s krSeries) done() bool { return s.current >= 1 }

// lastDay is the period's last day; End is the midnight after it.
func lastDay(p okr.Period) time.Time { return p.End.Add(-time.Nanosecond) }

func (s krSeries) alt() string {
	var b strings.Builder
	b.WriteString(plainName(s.Title, "Key result") + ": ")
	switch {
	case s.Kind == okr.Milestone && s.done():
		b.WriteString("done")
	case s.Kind == okr.Milestone:
		b.WriteString("not done")
	case s.last == nil:
		b.WriteString("no check-in yet")
	default:
		fmt.Fprintf(&b, "%s on %s", value(s.current, s.Unit), day(s.last.At, s.now))
	}
	if s.Kind != okr.Milestone {
		fmt.Fprintf(&b, " (start %s, target %s)", value(s.Start, s.Unit), value(s.Target, s.Unit))
	}
	fmt.Fprintf(&b, ", score %s", score(s.score()))
	if s.last != nil && s.last.Confidence != "" {
		b.WriteString(", " + s.last.Confidence.Label())
	}
	switch n := len(s.shown); {
	case n == 0 && s.last != nil:
		fmt.Fprintf(&b, "; no check-ins in %s", periodName(s.period))
	case n == 1:
		fmt.Fprintf(&b, "; 1 check-in on %s", day(s.shown[0].At, s.now))
	case n > 1:
		fmt.Fprintf(&b, "; %d check-ins from %s to %s", n, day(s.shown[0].At, s.now), day(s.shown[n-1].At, s.now))
	}
	left := daysLeft(s.period, s.now)
	if s.Kind != okr.Milestone && left > 0 {
		fmt.Fprintf(&b, "; ideal pace today %s", score(s.period.Elapsed(s.now)))
	}
	if s.fc != nil {
		fmt.Fprintf(&b, "; projected %s by %s", value(*s.fc, s.Unit), day(lastDay(s.period), s.now))
	}
	if left > 0 {
		fmt.Fprintf(&b, "; %s left in %s", plural(left, "day", "days"), periodName(s.period))
	} else {
		fmt.Fprintf(&b, "; %s ended %s", periodName(s.period), day(lastDay(s.period), s.now))
	}
	b.WriteString(".")
	return b.String()
}

func periodName(p okr.Period) string {
	if p.Name == "" {
		return "the period"
	}
	return p.Name
}

// daysLeft counts the days from now to the period's end, 0 once it is over.
func daysLeft(p okr.Period, now time.Time) int {
	if !now.Before(p.End) {
		return 0
	}
	return int(math.Ceil(p.End.Sub(now).Hours() / 24))
}

// BurnUp draws a key result's progress across its period as of now: the
// value at each check-in as a point in its confidence's colour, the ideal
// pace from the start at the period's start to the target at its end, the
// target, today, and the forecast to the period's end dashed when there is
// one. A milestone is drawn as not done / done over the period.
func BurnUp(kr KeyResult, period okr.Period, now time.Time) (Image, error) {
	s, err := prepareKR(kr, period, now)
	if err != nil {
		return Image{}, err
	}
	if s.Kind != okr.Milestone && s.Start == s.Target {
		// An objective's chart still draws it, as done or not, as okr
		// scores it.
		return Image{}, fmt.Errorf("chart of %q: the target equals the start (%s), so there is no progress to draw",
			plainName(s.Title, "Key result"), okr.FormatValue(s.Target, s.Unit))
	}
	height := 380
	if s.Kind == okr.Milestone {
		height = 280
	}
	f := newFrame(Width, height)
	c := f.c
	const pad = 24
	headline, sub := value(s.current, s.Unit), fmt.Sprintf("%s → %s · %s", value(s.Start, s.Unit), value(s.Target, s.Unit), periodName(period))
	if s.Kind == okr.Milestone {
		headline, sub = "Not done", "Milestone · "+periodName(period)
		if s.done() {
			headline = "Done"
		}
	}
	switch {
	case s.last == nil:
		sub += " · no check-in yet"
	case s.last.Confidence != "":
		sub += " · " + s.last.Confidence.Label()
	}
	h := header(c, pad, title(s.Title, "Key result"), sub, headline, "Score "+score(s.score()), bandTone(okr.BandOf(s.score())))
	entries := []legendEntry{{"on track", toneGreen.solid, false}, {"at risk", toneYellow.solid, false}, {"off track", toneRed.solid, false}}
	if s.Kind != okr.Milestone {
		entries = append(entries, legendEntry{"ideal pace", faint, true})
		if s.fc != nil {
			entries = append(entries, legendEntry{"projection", s.forecastTone().solid, true})
		}
	}
	legend(c, vg.Point{X: c.Min.X + pad, Y: c.Max.Y - pad - h - 4}, entries)
	s.margin = marginFor(max(targetSty.Width(s.targetLabel()), noteSty.Width(s.startLabel())))
	area := draw.Crop(c, pad-6, -(pad + s.margin), pad-8, -(pad + h + 30))
	s.plot().Draw(area)
	return f.png(s.alt())
}

func (s krSeries) plot() *plot.Plot {
	p := newPlot()
	p.X.Min, p.X.Max = unixX(s.period.Start), unixX(s.period.End)
	p.X.Tick.Marker = timeTicks(s.period.Start, s.period.End, s.now, 5)
	if s.Kind == okr.Milestone {
		p.Y.Min, p.Y.Max = -0.3, 1.3
		p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "not done"}, {Value: 1, Label: "done"}}
		p.Add(grid(), layer(s.drawDue), today(s.period, s.now), layer(s.drawCheckIns))
		return p
	}
	// The axis shows progress, so the target is up even when it is below
	// the start; its ticks are labelled with values.
	lo, hi := 0.0, 1.0
	for _, ci := range s.shown {
		lo, hi = math.Min(lo, s.progress(ci.Value)), math.Max(hi, s.progress(ci.Value))
	}
	if s.fc != nil {
		lo, hi = math.Min(lo, s.progress(*s.fc)), math.Max(hi, s.progress(*s.fc))
	}
	// A value far beyond the target or behind the start runs off the
	// chart rather than squashing the rest.
	lo, hi = math.Max(lo, -1), math.Min(hi, 2)
	v0, v1 := s.Start+lo*(s.Target-s.Start), s.Start+hi*(s.Target-s.Start)
	vals, step := niceScale(math.Min(v0, v1), math.Max(v0, v1), 5)
	p.Y.Min, p.Y.Max = s.progress(vals[0]), s.progress(vals[len(vals)-1])
	p.Y.Tick.Marker = valueTicks(vals, step, s.Unit, s.progress)
	if !symbolUnit(s.Unit) {
		unitLabel(p, s.Unit)
	}
	p.Add(grid(), layer(s.drawGoal), today(s.period, s.now), layer(s.drawCheckIns))
	return p
}

// drawGoal draws the target, the start and the ideal pace between them.
func (s krSeries) drawGoal(c draw.Canvas, x, y func(float64) vg.Length) {
	t1 := y(1)
	c.StrokeLine2(solidLine(green, 1.5), c.Min.X, t1, c.Max.X, t1)
	c.FillText(targetSty, vg.Point{X: c.Max.X + 10, Y: t1}, fit(s.targetLabel(), targetSty, s.margin-12))
	if t0 := y(0); math.Abs(float64(t1-t0)) >= 14 {
		c.FillText(noteSty, vg.Point{X: c.Max.X + 10, Y: t0}, fit(s.startLabel(), noteSty, s.margin-12))
	}
	pace := []vg.Point{{X: x(unixX(s.period.Start)), Y: y(0)}, {X: x(unixX(s.period.End)), Y: t1}}
	c.StrokeLines(dashedLine(faint, 1.5), c.ClipLinesXY(pace)...)
}

// forecastTone is the colour of the score the forecast would reach.
func (s krSeries) forecastTone() tone {
	if s.fc == nil {
		return toneGrey
	}
	return bandTone(okr.BandOf(s.clamped(*s.fc)))
}

// drawDue marks a milestone's deadline, the period's last day, as the done
// it is heading for.
func (s krSeries) drawDue(c draw.Canvas, x, y func(float64) vg.Length) {
	c.StrokeLine2(solidLine(green, 1.5), c.Min.X, y(1), c.Max.X, y(1))
	due := vg.Point{X: x(unixX(s.period.End)), Y: y(1)}
	ring(c, due, 5, green)
	c.FillText(style(bold, 11, greenDark, draw.XRight, draw.YBottom), vg.Point{X: due.X + 4, Y: due.Y + 10}, "due "+day(lastDay(s.period), s.now))
}

// today marks now on a chart of period p, when it falls inside it.
func today(p okr.Period, now time.Time) layer {
	return func(c draw.Canvas, x, y func(float64) vg.Length) {
		if now.Before(p.Start) || !now.Before(p.End) {
			return
		}
		tx := x(unixX(now))
		c.StrokeLine2(solidLine(faint, 1), tx, c.Min.Y, tx, c.Max.Y)
		c.FillText(style(regular, 11, inkMute, draw.XCenter, draw.YBottom), vg.Point{X: tx, Y: c.Max.Y + 4}, "today")
	}
}

func (s krSeries) drawCheckIns(c draw.Canvas, x, y func(float64) vg.Length) {
	at := func(t time.Time, v float64) vg.Point { return vg.Point{X: x(unixX(t)), Y: y(s.progress(v))} }
	// The line starts where the key result starts, at the period's start.
	pts := []vg.Point{at(s.period.Start, s.Start)}
	for _, ci := range s.shown {
		p := at(ci.At, ci.Value)
		if s.Kind == okr.Milestone { // done or not is a step, not a slope
			pts = append(pts, vg.Point{X: p.X, Y: pts[len(pts)-1].Y})
		}
		pts = append(pts, p)
	}
	end := pts[len(pts)-1]
	if s.fc != nil {
		to := at(s.period.End, *s.fc)
		col := s.forecastTone()
		c.StrokeLines(dashedLine(col.solid, 2), c.ClipLinesXY([]vg.Point{end, to})...)
		if c.Contains(to) {
			ring(c, to, 5, col.solid)
			// Below the end of the line, clear of the pace line above it,
			// unless the forecast beats the target.
			sty := style(bold, 12, col.dark, draw.XRight, draw.YTop)
			at := vg.Point{X: to.X + 4, Y: to.Y - 10}
			if s.progress(*s.fc) > 1 || at.Y-14 < c.Min.Y {
				sty.YAlign, at.Y = draw.YBottom, to.Y+10
			}
			c.FillText(sty, at, "≈ "+value(*s.fc, s.Unit))
		}
	}
	c.StrokeLines(solidLine(accent, 2), c.ClipLinesXY(pts)...)
	for _, ci := range s.shown {
		if p := at(ci.At, ci.Value); c.Contains(p) {
			dot(c, p, 4.5, confidenceTone(ci.Confidence).solid)
		}
	}
	if n := len(s.shown); n > 0 && s.Kind != okr.Milestone {
		last := s.shown[n-1]
		p := at(last.At, last.Value)
		if prev := pts[len(pts)-2]; c.Contains(p) {
			pointLabel(c, p, prev.Y, value(last.Value, s.Unit), ink)
		}
	}
}

// labelSide is +1 to put a label above a point reached from prevY, -1 to
// put it below: on the side the line does not come from.
func labelSide(prevY, y vg.Length) vg.Length {
	if prevY > y {
		return -1
	}
	return 1
}

// pointLabel writes a value next to its point, on the side its line does not
// come from, on a white ground so that grid lines do not cross it.
func pointLabel(c draw.Canvas, p vg.Point, prevY vg.Length, label string, col color.Color) {
	sty := style(bold, 13, col, draw.XCenter, draw.YBottom)
	w, h := sty.Width(label), vg.Length(12)
	side := labelSide(prevY, p.Y)
	y := p.Y + 10
	if side < 0 {
		y = p.Y - 10 - h
	}
	if y+h > c.Max.Y {
		y = p.Y - 10 - h
	}
	if y < c.Min.Y {
		y = p.Y + 10
	}
	x := min(max(p.X, c.Min.X+w/2+4), c.Max.X+w/2)
	roundRect(c, vg.Rectangle{Min: vg.Point{X: x - w/2 - 4, Y: y - 3}, Max: vg.Point{X: x + w/2 + 4, Y: y + h + 2}}, 4, white)
	c.FillText(sty, vg.Point{X: x, Y: y}, label)
}

// legendEntry is a mark and its words in a chart's legend: a dot, or a
// dashed line.
type legendEntry struct {
	label  string
	col    color.Color
	dashed bool
}

// legend draws entries in a row from at, their vertical centre.
func legend(c draw.Canvas, at vg.Point, entries []legendEntry) {
	sty := style(regular, 11, inkSoft, draw.XLeft, draw.YCenter)
	x := at.X
	for _, e := range entries {
		if e.dashed {
			c.StrokeLine2(dashedLine(e.col, 2), x, at.Y, x+18, at.Y)
			x += 24
		} else {
			dot(c, vg.Point{X: x + 4, Y: at.Y}, 4, e.col)
			x += 12
		}
		c.FillText(sty, vg.Point{X: x, Y: at.Y}, e.label)
		x += sty.Width(e.label) + 16
	}
}
