package chart

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var now = ExampleNow

var notANumber = regexp.MustCompile(`\b(NaN|[+-]?Inf)\b`)

var q4 = okr.Quarter(2026, 4)

func churnKPI() KPI { return ExampleKPIs(now)[0] }

func weekly(from time.Time, values ...float64) []okr.Point {
	pts := make([]okr.Point, len(values))
	for i, v := range values {
		pts[i] = okr.Point{At: from.AddDate(0, 0, 7*i), Value: v}
	}
	return pts
}

func ptr(v float64) *float64 { return &v }

type chartCase struct {
	name   string
	render func() (Image, error)
	alt    string
}

// cases are every chart the tests hold a golden picture of: the README's
// examples and the awkward data that real workspaces have.
func cases(t testing.TB) []chartCase {
	ex, err := Examples()
	if err != nil {
		t.Fatal(err)
	}
	var cs []chartCase
	for _, e := range ex {
		cs = append(cs, chartCase{name: e.Name, render: func() (Image, error) { return e.Image, nil }})
	}
	nps, churn, help, response := exampleKRs(q4)
	std := okr.Standing{Direction: okr.HigherIsBetter, Target: 100, Thresholds: okr.Thresholds{Warn: 95, Crit: 90}, Cadence: okr.Weekly}
	sep := time.Date(2026, 9, 4, 12, 0, 0, 0, time.UTC)
	cs = append(cs,
		chartCase{name: "trend-no-values", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Signups", Unit: "users", Standing: std}, now)
		}},
		chartCase{name: "trend-one-value", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Signups", Standing: std, Points: weekly(now.AddDate(0, 0, -3), 97)}, now)
		}},
		chartCase{name: "trend-long-stale", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Uptime", Unit: "%", Standing: okr.Standing{Direction: okr.HigherIsBetter, Target: 99.9,
				Thresholds: okr.Thresholds{Warn: 99.5, Crit: 99}, Cadence: okr.Weekly},
				Points: weekly(time.Date(2026, 1, 9, 8, 0, 0, 0, time.UTC), 99.95, 99.7, 99.92, 99.4, 98.8)}, now)
		}},
		chartCase{name: "trend-huge-values", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Gross merchandise volume", Unit: "$", Standing: okr.Standing{Direction: okr.HigherIsBetter,
				Target: 9e14, Thresholds: okr.Thresholds{Warn: 8e14, Crit: 6e14}, Cadence: okr.Weekly},
				Points: weekly(sep, 2e14, 3.1e14, 4.5e14, 5e14, 6.2e14, 7e14, 8.1e14, 8.6e14, 9.4e14, 1e15, 9.9e14, 9.7e14)}, now)
		}},
		chartCase{name: "trend-negative-word-unit", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Net new customers", Unit: "customers", Standing: okr.Standing{Direction: okr.HigherIsBetter,
				Target: 40, Thresholds: okr.Thresholds{Warn: 20, Crit: 0}, Cadence: okr.Weekly},
				Points: weekly(sep, 35, 12, -8, -22, -5, 18, 30, 44, 51, 38, 29, 46)}, now)
		}},
		chartCase{name: "trend-bad-values", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Latency p95", Unit: "ms", Standing: okr.Standing{Direction: okr.LowerIsBetter,
				Target: 250, Thresholds: okr.Thresholds{Warn: 275, Crit: 300}, Cadence: okr.Weekly},
				Points: weekly(sep, 240, 260, math.NaN(), 280, math.Inf(1), 310, 1e300, 290, 270, -math.Inf(1), 255, 248)}, now)
		}},
		chartCase{name: "trend-flat", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Open security incidents", Standing: okr.Standing{Direction: okr.LowerIsBetter,
				Target: 0, Thresholds: okr.Thresholds{Warn: 0, Crit: 0}, Cadence: okr.Daily},
				Points: daily(now, 30, 0, 0, 0, 1)}, now)
		}},
		chartCase{name: "trend-long-name", render: func() (Image, error) {
			k := churnKPI()
			k.Name = "🚀 Share of enterprise customers who renewed within thirty days of their contract's end date"
			return KPITrend(k, now)
		}},
		chartCase{name: "burnup-no-check-ins", render: func() (Image, error) {
			return BurnUp(KeyResult{Title: "Close 20 enterprise deals", Kind: okr.Metric, Start: 0, Target: 20, Unit: "deals"}, q4, now)
		}},
		chartCase{name: "burnup-beyond-target", render: func() (Image, error) {
			kr := nps
			kr.Title = "Raise NPS from 30 to 40"
			kr.Target = 40
			kr.Forecast = ptr(55)
			return BurnUp(kr, q4, now)
		}},
		chartCase{name: "burnup-past-period", render: func() (Image, error) {
			q3 := okr.Quarter(2026, 3)
			return BurnUp(KeyResult{Title: "Grow ARR", Kind: okr.Metric, Start: 1e6, Target: 1.5e6, Unit: "$",
				CheckIns: []CheckIn{
					{At: q3.Start.AddDate(0, 0, -3), Value: 1.1e6, Confidence: okr.OnTrack}, // before the period: left out
					{At: q3.Start.AddDate(0, 0, 20), Value: 1.2e6, Confidence: okr.AtRisk},
					{At: q3.End.AddDate(0, 0, 2), Value: 1.6e6, Confidence: okr.OnTrack}, // after it: left out
				}}, q3, now)
		}},
		chartCase{name: "milestone-done", render: func() (Image, error) {
			kr := help
			kr.CheckIns = append(kr.CheckIns, CheckIn{At: now.Add(-time.Hour), Value: 1, Confidence: okr.OnTrack})
			return BurnUp(kr, q4, now)
		}},
		chartCase{name: "objective-five", render: func() (Image, error) {
			done := help
			done.CheckIns = append(done.CheckIns, CheckIn{At: now.Add(-time.Hour), Value: 1, Confidence: okr.OnTrack})
			extra := KeyResult{Title: "Publish 12 customer stories", Kind: okr.Metric, Target: 12, Weight: 2}
			return ObjectiveChart(Objective{Title: "Create wildly loyal customers across every segment we serve, everywhere",
				Period: q4, KeyResults: []KeyResult{nps, churn, done, response, extra}}, now)
		}},
		chartCase{name: "digest-teams-only", render: func() (Image, error) {
			return DigestPicture(Digest{Teams: ExampleTeams(35), Period: q4}, now)
		}},
		chartCase{name: "digest-three-kpis", render: func() (Image, error) {
			kpis := ExampleKPIs(now)
			return DigestPicture(Digest{KPIs: []KPI{kpis[3], kpis[4], {Name: "Signups", Standing: std}}}, now)
		}},
	)
	return cs
}

// TestGolden compares every chart with the picture a person looked at and
// accepted; `go test ./chart -update` rewrites them after a deliberate
// change, to be looked at again.
func TestGolden(t *testing.T) {
	for _, tc := range cases(t) {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.render()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, img)
			path := filepath.Join("testdata", tc.name+".png")
			if *update {
				if err := os.WriteFile(path, img.PNG, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./chart -update to write it)", err)
			}
			if !bytes.Equal(img.PNG, want) && !samePixels(t, img.PNG, want) {
				got := filepath.Join(t.TempDir(), tc.name+".png")
				os.WriteFile(got, img.PNG, 0o644)
				t.Errorf("%s differs from %s: look at both, then run go test ./chart -update if the new one is right", got, path)
			}
		})
	}
}

// samePixels accepts a picture whose bytes differ only where another
// processor rounds differently: gonum's own image tests allow the same,
// since arm64 fuses multiply-adds that amd64 rounds twice. On amd64, where
// the golden files are made, the bytes must be equal.
func samePixels(t *testing.T, got, want []byte) bool {
	if runtime.GOARCH == "amd64" {
		return false
	}
	a, errA := png.Decode(bytes.NewReader(got))
	b, errB := png.Decode(bytes.NewReader(want))
	if errA != nil || errB != nil || a.Bounds() != b.Bounds() {
		return false
	}
	differ := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				differ++
			}
		}
	}
	t.Logf("bytes differ on %s; %d pixels differ", runtime.GOARCH, differ)
	return differ*1000 < a.Bounds().Dx()*a.Bounds().Dy()
}

// checkPNG checks what every chart promises: a PNG of the size it says,
// at least 600 logical pixels wide at twice the density, with alt text.
func checkPNG(t *testing.T, img Image) {
	t.Helper()
	m, format, err := image.Decode(bytes.NewReader(img.PNG))
	if err != nil || format != "png" {
		t.Fatalf("not a PNG: %v (%s)", err, format)
	}
	if b := m.Bounds(); b.Dx() != img.Width || b.Dy() != img.Height {
		t.Errorf("picture is %v, Image says %d×%d", b.Size(), img.Width, img.Height)
	}
	if img.Width < 1200 || img.Width/Scale < 600 {
		t.Errorf("picture is %d pixels wide; a phone needs 600 logical pixels at %d×", img.Width, Scale)
	}
	if img.Alt == "" || notANumber.MatchString(img.Alt) {
		t.Errorf("alt text %q", img.Alt)
	}
}
