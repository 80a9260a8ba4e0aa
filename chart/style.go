package chart

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/okrbot/okrbot/okr"
)

// The palette: neutral greys for text and structure, one accent for a
// KPI's own line, and the score bands in three strengths (a solid for marks,
// a dark one for text on white, a tint for areas).
var (
	ink     = rgb(0x111827)
	inkSoft = rgb(0x4b5563)
	inkMute = rgb(0x6b7280)
	faint   = rgb(0x9ca3af)
	hair    = rgb(0xe5e7eb)
	track   = rgb(0xf1f3f5)
	white   = rgb(0xffffff)
	accent  = rgb(0x2563eb)

	green, greenDark, greenTint    = rgb(0x16a34a), rgb(0x15803d), rgb(0xdcfce7)
	yellow, yellowDark, yellowTint = rgb(0xeab308), rgb(0xa16207), rgb(0xfef3c7)
	red, redDark, redTint          = rgb(0xdc2626), rgb(0xb91c1c), rgb(0xfee2e2)

	// series colours tell key results apart in an objective's chart; none
	// of them is a band colour, so a line never reads as a verdict.
	series = []color.RGBA{rgb(0x2563eb), rgb(0x7c3aed), rgb(0x0891b2), rgb(0xdb2777), rgb(0x475569)}
)

func rgb(hex uint32) color.RGBA {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// tone is a band's colour in its three strengths.
type tone struct{ solid, dark, tint color.RGBA }

var (
	toneGreen  = tone{green, greenDark, greenTint}
	toneYellow = tone{yellow, yellowDark, yellowTint}
	toneRed    = tone{red, redDark, redTint}
	toneGrey   = tone{faint, inkMute, track}
)

func bandTone(b okr.Band) tone {
	switch b {
	case okr.Green:
		return toneGreen
	case okr.Yellow:
		return toneYellow
	}
	return toneRed
}

func healthTone(h okr.Health) tone {
	switch h {
	case okr.HealthOnTarget:
		return toneGreen
	case okr.HealthAtRisk:
		return toneYellow
	case okr.HealthOffTarget:
		return toneRed
	}
	return toneGrey
}

func confidenceTone(c okr.Confidence) tone {
	switch c {
	case okr.OnTrack:
		return toneGreen
	case okr.AtRisk:
		return toneYellow
	case okr.OffTrack:
		return toneRed
	}
	return toneGrey
}

// Fonts are Liberation Sans, compiled into the binary by gonum's font
// package, so every machine draws the same pixels.
var (
	regular = font.Font{Typeface: "Liberation", Variant: "Sans"}
	bold    = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

// style is a text style; sizes are in logical pixels (see Scale).
func style(f font.Font, size float64, c color.Color, x text.XAlignment, y text.YAlignment) text.Style {
	return text.Style{Color: c, Font: font.From(f, vg.Length(size)), XAlign: x, YAlign: y, Handler: glyphsOnly{plain}}
}

var plain = text.Plain{Fonts: font.DefaultCache}

// glyphsOnly is plain text without the characters the font has no glyph
// for (emoji, most scripts beyond Latin, Greek and Cyrillic), which would
// otherwise print as empty boxes: names and units are people's text.
type glyphsOnly struct{ text.Plain }

func (h glyphsOnly) Lines(txt string) []string { return h.Plain.Lines(drawable(txt)) }

func (h glyphsOnly) Box(txt string, f font.Font) (width, height, depth vg.Length) {
	return h.Plain.Box(drawable(txt), f)
}

func (h glyphsOnly) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	h.Plain.Draw(c, drawable(txt), sty, pt)
}

// drawable drops the characters the font has no glyph for and tidies the
// spaces left behind.
func drawable(s string) string {
	face := plain.Fonts.Lookup(regular, 12)
	var buf sfnt.Buffer
	var b strings.Builder
	dropped := false
	for _, r := range s {
		switch i, err := face.Face.GlyphIndex(&buf, r); {
		case r != ' ' && unicode.IsSpace(r): // a title is one line
			b.WriteRune(' ')
			dropped = true
		case err == nil && (i != 0 || r == ' '):
			b.WriteRune(r)
		default:
			dropped = true
		}
	}
	if !dropped {
		return s
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// fit shortens s with an ellipsis until it is at most width wide in sty.
func fit(s string, sty text.Style, width vg.Length) string {
	if width <= 0 {
		return ""
	}
	if sty.Width(s) <= width {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)
	for lo < hi { // the longest prefix that fits with its ellipsis
		mid := (lo + hi + 1) / 2
		if sty.Width(strings.TrimRight(string(runes[:mid]), " ")+"…") <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		return ""
	}
	return strings.TrimRight(string(runes[:lo]), " ") + "…"
}

// symbolUnit reports whether unit is short enough to print on every tick.
func symbolUnit(unit string) bool {
	switch unit {
	case "", "%", "$", "€", "£":
		return true
	}
	return false
}

// value prints a value for a label: exactly as okrbot prints it in text,
// except that millions and more are shortened ("$12.5M") and values too
// small for two decimals keep two significant digits ("0.0011").
func value(v float64, unit string) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return okr.WithUnit(compact(v, 2), unit)
	case a > 0 && a < 0.01:
		return okr.WithUnit(okr.FormatDecimals(v, min(int(-math.Floor(math.Log10(a)))+1, 12)), unit)
	}
	return okr.FormatValue(v, unit)
}

// compact prints v with a k, M, B or T suffix and at most decimals
// decimals, trailing zeros dropped: 1250000 → "1.25M".
func compact(v float64, decimals int) string {
	suffixes := []struct {
		at  float64
		sfx string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}}
	for _, s := range suffixes {
		if math.Abs(v) >= s.at {
			return okr.FormatDecimals(v/s.at, decimals) + s.sfx
		}
	}
	return okr.FormatDecimals(v, decimals)
}

// day prints a date as people read it in a chart, in now's time zone:
// "Nov 20", with the year when it is not the current one.
func day(t, now time.Time) string {
	if t = t.In(now.Location()); t.Year() != now.Year() {
		return t.Format("Jan 2, 2006")
	}
	return t.Format("Jan 2")
}

// plural is "1 value", "3 values".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// score prints a score with the one decimal people see.
func score(s float64) string { return strconv.FormatFloat(okr.Round1(s), 'f', 1, 64) }

// title is a name to draw, or fallback when the font can draw none of it.
func title(name, fallback string) string {
	if drawable(name) != "" {
		return name
	}
	return fallback
}

// plainName is a name as alt text carries it: all of it, one line.
func plainName(name, fallback string) string {
	name = strings.Join(strings.Fields(strings.ToValidUTF8(name, "�")), " ")
	if name == "" {
		return fallback
	}
	return name
}

// pill draws a rounded label, text on a tinted background, with its right
// edge at right and its vertical centre at y, and returns its width.
func pill(c draw.Canvas, label string, t tone, right, y vg.Length) vg.Length {
	sty := style(bold, 11, t.dark, draw.XLeft, draw.YCenter)
	w := sty.Width(label) + 16
	h := vg.Length(20)
	roundRect(c, vg.Rectangle{Min: vg.Point{X: right - w, Y: y - h/2}, Max: vg.Point{X: right, Y: y + h/2}}, h/2, t.tint)
	c.FillText(sty, vg.Point{X: right - w + 8, Y: y}, label)
	return w
}

// roundRect fills a rectangle with rounded corners of radius r.
func roundRect(c draw.Canvas, r vg.Rectangle, rad vg.Length, col color.Color) {
	w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	rad = min(rad, w/2, h/2)
	if rad <= 0 {
		return
	}
	var p vg.Path
	p.Move(vg.Point{X: r.Min.X + rad, Y: r.Min.Y})
	p.Line(vg.Point{X: r.Max.X - rad, Y: r.Min.Y})
	p.Arc(vg.Point{X: r.Max.X - rad, Y: r.Min.Y + rad}, rad, -math.Pi/2, math.Pi/2)
	p.Line(vg.Point{X: r.Max.X, Y: r.Max.Y - rad})
	p.Arc(vg.Point{X: r.Max.X - rad, Y: r.Max.Y - rad}, rad, 0, math.Pi/2)
	p.Line(vg.Point{X: r.Min.X + rad, Y: r.Max.Y})
	p.Arc(vg.Point{X: r.Min.X + rad, Y: r.Max.Y - rad}, rad, math.Pi/2, math.Pi/2)
	p.Line(vg.Point{X: r.Min.X, Y: r.Min.Y + rad})
	p.Arc(vg.Point{X: r.Min.X + rad, Y: r.Min.Y + rad}, rad, math.Pi, math.Pi/2)
	p.Close()
	c.SetColor(col)
	c.Fill(p)
}

// dot draws a filled circle with a white ring, so that it stands out from
// the line it sits on.
func dot(c draw.Canvas, at vg.Point, radius vg.Length, col color.Color) {
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: white, Radius: radius + 1.5, Shape: draw.CircleGlyph{}}, at)
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: col, Radius: radius, Shape: draw.CircleGlyph{}}, at)
}

// ring draws an open circle: a value that is expected, not measured.
func ring(c draw.Canvas, at vg.Point, radius vg.Length, col color.Color) {
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: col, Radius: radius, Shape: draw.CircleGlyph{}}, at)
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: white, Radius: radius - 2, Shape: draw.CircleGlyph{}}, at)
}

func solidLine(c color.Color, width vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: width}
}

func dashedLine(c color.Color, width vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: width, Dashes: []vg.Length{5, 4}}
}
