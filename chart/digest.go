package chart

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/okrbot/okrbot/okr"
)

// Digest is what the leadership digest's picture shows.
type Digest struct {
	// KPIs are the KPIs needing attention, most urgent first; the first
	// MaxDigestKPIs are drawn. Choosing them is the caller's business.
	KPIs []KPI
	// Teams are the teams' OKR scores, drawn in this order; the first
	// MaxDigestTeams are drawn.
	Teams []TeamScore
	// Period is the OKR period the scores are for; how much of it has gone
	// by is the pace each score is held against.
	Period okr.Period
}

// TeamScore is a team's OKR score, from 0 to 1.
type TeamScore struct {
	Name  string
	Score float64
}

// The digest's picture shows at most this many KPIs and teams, so that it
// stays readable on a phone.
const (
	MaxDigestKPIs  = 6
	MaxDigestTeams = 30
)

// DigestPicture draws the digest's picture as of now: a small chart for
// each KPI needing attention, then a bar per team with its OKR score
// against the pace of the period.
func DigestPicture(d Digest, now time.Time) (Image, error) {
	if now.IsZero() {
		return Image{}, errNoNow
	}
	if len(d.KPIs) == 0 && len(d.Teams) == 0 {
		return Image{}, errors.New("chart: the digest has no KPIs and no teams to draw")
	}
	kpis := d.KPIs[:min(len(d.KPIs), MaxDigestKPIs)]
	trends := make([]trend, len(kpis))
	for i, k := range kpis {
		t, err := prepareTrend(k, now)
		if err != nil {
			return Image{}, err
		}
		trends[i] = t
	}
	teams := d.Teams[:min(len(d.Teams), MaxDigestTeams)]
	for _, t := range teams {
		if err := checkNumber("score of team "+plainName(t.Name, "?"), t.Score); err != nil {
			return Image{}, fmt.Errorf("chart of the digest: %w", err)
		}
	}
	if len(teams) > 0 {
		if err := checkPeriod(d.Period); err != nil {
			return Image{}, fmt.Errorf("chart of the digest: %w", err)
		}
	}
	pace := d.Period.Elapsed(now)

	const (
		pad     = 24
		tileH   = 168
		gapY    = 16
		sectH   = 44
		rowH    = 26
		trailer = 16
	)
	kpiRows := (len(trends) + 1) / 2
	height := pad + trailer
	if len(trends) > 0 {
		height += sectH + kpiRows*tileH + (kpiRows-1)*gapY
	}
	if len(teams) > 0 {
		if len(trends) > 0 {
			height += 24
		}
		height += sectH + len(teams)*rowH
		if len(d.Teams) > len(teams) {
			height += rowH
		}
	}
	f := newFrame(Width, height)
	c := f.c
	y := c.Max.Y - pad
	left, right := c.Min.X+pad, c.Max.X-pad

	if len(trends) > 0 {
		sub := "worst first · " + day(now, now)
		if len(d.KPIs) > len(trends) {
			sub = fmt.Sprintf("the %d most urgent of %d · %s", len(trends), len(d.KPIs), day(now, now))
		}
		section(c, left, y, "KPIs needing attention", sub)
		y -= sectH
		colW := (right - left - 16) / 2
		for i, t := range trends {
			x := left + vg.Length(i%2)*(colW+16)
			top := y - vg.Length(i/2)*(tileH+gapY)
			tile := draw.Crop(c, x-c.Min.X, -(c.Max.X - x - colW), top-tileH-c.Min.Y, -(c.Max.Y - top))
			t.tile(tile)
		}
		y -= vg.Length(kpiRows)*tileH + vg.Length(kpiRows-1)*gapY + 24
	}
	if len(teams) > 0 {
		section(c, left, y, "OKR score by team", fmt.Sprintf("%s · pace %s today", periodName(d.Period), score(pace)))
		y -= sectH
		nameW := vg.Length(150)
		scoreW := vg.Length(96)
		barL, barR := left+nameW, right-scoreW
		for i, t := range teams {
			cy := y - vg.Length(i)*rowH - rowH/2
			c.FillText(nameSty, vg.Point{X: left, Y: cy}, fit(title(t.Name, "Team"), nameSty, nameW-12))
			roundRect(c, vg.Rectangle{Min: vg.Point{X: barL, Y: cy - 6}, Max: vg.Point{X: barR, Y: cy + 6}}, 6, track)
			sc := okr.Measure{Start: 0, Target: 1, Current: t.Score}.Progress()
			tn := bandTone(okr.BandOf(sc))
			if w := (barR - barL) * vg.Length(sc); w > 0 {
				roundRect(c, vg.Rectangle{Min: vg.Point{X: barL, Y: cy - 6}, Max: vg.Point{X: barL + max(w, 12), Y: cy + 6}}, 6, tn.solid)
			}
			px := barL + (barR-barL)*vg.Length(pace)
			c.StrokeLine2(solidLine(ink, 2), px, cy-10, px, cy+10)
			if i == 0 {
				c.FillText(style(regular, 11, inkMute, draw.XCenter, draw.YBottom), vg.Point{X: px, Y: cy + 13}, "pace")
			}
			label := score(sc)
			c.FillText(style(bold, 13, tn.dark, draw.XLeft, draw.YCenter), vg.Point{X: barR + 12, Y: cy}, label)
			if okr.BehindPace(sc, pace) {
				c.FillText(style(regular, 11, inkMute, draw.XLeft, draw.YCenter), vg.Point{X: barR + 40, Y: cy}, "behind")
			}
		}
		if more := len(d.Teams) - len(teams); more > 0 {
			cy := y - vg.Length(len(teams))*rowH - rowH/2
			c.FillText(style(regular, 12, inkMute, draw.XLeft, draw.YCenter), vg.Point{X: left, Y: cy}, fmt.Sprintf("and %d more", more))
		}
	}
	return f.png(digestAlt(trends, d, teams, pace))
}

var nameSty = style(regular, 13, ink, draw.XLeft, draw.YCenter)

// section writes a section's heading and, after it, a note in grey.
func section(c draw.Canvas, x, top vg.Length, heading, note string) {
	h := style(bold, 16, ink, draw.XLeft, draw.YTop)
	c.FillText(h, vg.Point{X: x, Y: top}, heading)
	c.FillText(style(regular, 12, inkMute, draw.XLeft, draw.YTop), vg.Point{X: x + h.Width(heading) + 10, Y: top - 3}, note)
}

// tile draws the trend small: its name, latest value and health above a
// line with the target and bands, without the axes of the full chart.
func (t trend) tile(c draw.Canvas) {
	t.small = true
	roundRect(c, c.Rectangle, 10, rgb(0xf8f9fb))
	const pad = 12
	top := c.Max.Y - pad
	col := healthTone(t.health)
	pw := pill(c, t.pillLabel(), col, c.Max.X-pad, top-9)
	name := style(bold, 13, ink, draw.XLeft, draw.YTop)
	c.FillText(name, vg.Point{X: c.Min.X + pad, Y: top}, fit(title(t.Name, "KPI"), name, c.Max.X-c.Min.X-2*pad-pw-8))
	line := "no values yet · target " + value(t.Target, t.Unit)
	if t.has {
		line = value(t.last.Value, t.Unit) + " · target " + value(t.Target, t.Unit)
	}
	c.FillText(style(regular, 12, inkMute, draw.XLeft, draw.YTop), vg.Point{X: c.Min.X + pad, Y: top - 20}, line)
	area := draw.Crop(c, pad-4, -(pad + 2), pad-4, -(pad + 44))
	p := t.plot(3, 3)
	p.Y.Tick.Label.Font.Size = 10
	p.X.Tick.Label.Font.Size = 10
	p.Draw(area)
}

func digestAlt(trends []trend, d Digest, teams []TeamScore, pace float64) string {
	var b strings.Builder
	if len(trends) > 0 {
		b.WriteString("KPIs needing attention")
		if len(d.KPIs) > len(trends) {
			fmt.Fprintf(&b, " (%d of %d)", len(trends), len(d.KPIs))
		}
		b.WriteString(": ")
		for i, t := range trends {
			if i > 0 {
				b.WriteString("; ")
			}
			if t.has {
				fmt.Fprintf(&b, "%s: %s on %s, target %s, %s", plainName(t.Name, "KPI"), value(t.last.Value, t.Unit), day(t.last.At, t.now),
					value(t.Target, t.Unit), t.health.Label())
			} else {
				fmt.Fprintf(&b, "%s: no values yet, target %s", plainName(t.Name, "KPI"), value(t.Target, t.Unit))
			}
		}
		b.WriteString(". ")
	}
	if len(teams) > 0 {
		fmt.Fprintf(&b, "OKR score by team in %s, ideal pace %s: ", periodName(d.Period), score(pace))
		for i, t := range teams {
			if i > 0 {
				b.WriteString(", ")
			}
			sc := okr.Measure{Start: 0, Target: 1, Current: t.Score}.Progress()
			fmt.Fprintf(&b, "%s %s", plainName(t.Name, "Team"), score(sc))
			if okr.BehindPace(sc, pace) {
				b.WriteString(" (behind pace)")
			}
		}
		if more := len(d.Teams) - len(teams); more > 0 {
			fmt.Fprintf(&b, ", and %d more", more)
		}
		b.WriteString(".")
	}
	return strings.TrimSpace(b.String())
}
