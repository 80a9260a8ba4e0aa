package chart

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/okrbot/okrbot/okr"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var now = exampleNow

var notANumber = regexp.MustCompile(`\b(NaN|[+-]?Inf)\b`)

var q4 = okr.Quarter(2026, 4)

func churnKPI() KPI { return exampleKPIs(now)[0] }

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
	exampleAlt := map[string]string{
		"kpi-trend":       "Churn rate: 2.4% on Nov 20, target 2% (lower is better), at risk; 12 values from Aug 28 to Nov 20, falling, 1 gap.",
		"kpi-trend-stale": "Support CSAT: 89% on Nov 11, target 90% (higher is better), stale; 70 values from Aug 27 to Nov 11, falling, 1 gap.",
		"kr-burnup": "Raise NPS from 30 to 50: 41 on Nov 23 (start 30, target 50), score 0.6, on track; 8 check-ins from Oct 5 to Nov 23; " +
			"ideal pace today 0.6; projected 47.5 by Dec 31; 38 days left in 2026-Q4.",
		"kr-burnup-lower": "Cut monthly churn to 2%: 4.2% on Nov 23 (start 5%, target 2%), score 0.3, at risk; 8 check-ins from Oct 5 to Nov 23; " +
			"ideal pace today 0.6; projected 3.4% by Dec 31; 38 days left in 2026-Q4.",
		"kr-milestone": "Launch the self-service help center: not done, score 0.0, at risk; 3 check-ins from Oct 12 to Nov 23; 38 days left in 2026-Q4.",
		"objective": "Create wildly loyal customers (2026-Q4): score 0.4 on Nov 24, ideal pace 0.6, behind pace. " +
			"Raise NPS from 30 to 50: 0.6 (41, target 50); Cut monthly churn to 2%: 0.3 (4.2%, target 2%); " +
			"Launch the self-service help center: 0.0 (not done); Answer every ticket within 4 hours: 0.8 (5.5 h, target 4 h).",
		"digest": "KPIs needing attention: Churn rate: 2.4% on Nov 20, target 2%, at risk; Support CSAT: 89% on Nov 11, target 90%, stale; " +
			"Net revenue retention: 97.4% on Nov 23, target 110%, off target; First response time: 35.5 min on Nov 23, target 30 min, at risk; " +
			"Trial to paid conversion: 9.8% on Nov 23, target 12%, at risk; Monthly recurring revenue: $1.44M on Nov 23, target $1.5M, at risk. " +
			"OKR score by team in 2026-Q4, ideal pace 0.6: Sales 0.9, Support 0.1 (behind pace), Product 0.1 (behind pace), Engineering 0.6, " +
			"Marketing 0.4 (behind pace), Customer Success 0.3 (behind pace), Finance 0.8, People 0.3 (behind pace).",
	}
	var cs []chartCase
	for _, e := range ex {
		cs = append(cs, chartCase{name: e.Name, render: func() (Image, error) { return e.Image, nil }, alt: exampleAlt[e.Name]})
	}
	nps, churn, help, response := exampleKRs(q4)
	std := okr.Standing{Direction: okr.HigherIsBetter, Target: 100, Thresholds: okr.Thresholds{Warn: 95, Crit: 90}, Cadence: okr.Weekly}
	sep := time.Date(2026, 9, 4, 12, 0, 0, 0, time.UTC)
	cs = append(cs,
		chartCase{name: "trend-no-values", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Signups", Unit: "users", Standing: std}, now)
		}, alt: "Signups: no values yet, target 100 users (higher is better)."},
		chartCase{name: "trend-one-value", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Signups", Standing: std, Points: weekly(now.AddDate(0, 0, -3), 97)}, now)
		}, alt: "Signups: 97 on Nov 21, target 100 (higher is better), on target; 1 value on Nov 21."},
		chartCase{name: "trend-long-stale", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Uptime", Unit: "%", Standing: okr.Standing{Direction: okr.HigherIsBetter, Target: 99.9,
				Thresholds: okr.Thresholds{Warn: 99.5, Crit: 99}, Cadence: okr.Weekly},
				Points: weekly(time.Date(2026, 1, 9, 8, 0, 0, 0, time.UTC), 99.95, 99.7, 99.92, 99.4, 98.8)}, now)
		}, alt: "Uptime: 98.8% on Feb 6, target 99.9% (higher is better), stale; 5 values from Jan 9 to Feb 6, falling."},
		chartCase{name: "trend-huge-values", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Gross merchandise volume", Unit: "$", Standing: okr.Standing{Direction: okr.HigherIsBetter,
				Target: 9e14, Thresholds: okr.Thresholds{Warn: 8e14, Crit: 6e14}, Cadence: okr.Weekly},
				Points: weekly(sep, 2e14, 3.1e14, 4.5e14, 5e14, 6.2e14, 7e14, 8.1e14, 8.6e14, 9.4e14, 1e15, 9.9e14, 9.7e14)}, now)
		}, alt: "Gross merchandise volume: $970T on Nov 20, target $900T (higher is better), on target; 12 values from Sep 4 to Nov 20, rising."},
		chartCase{name: "trend-negative-word-unit", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Net new customers", Unit: "customers", Standing: okr.Standing{Direction: okr.HigherIsBetter,
				Target: 40, Thresholds: okr.Thresholds{Warn: 20, Crit: 0}, Cadence: okr.Weekly},
				Points: weekly(sep, 35, 12, -8, -22, -5, 18, 30, 44, 51, 38, 29, 46)}, now)
		}, alt: "Net new customers: 46 customers on Nov 20, target 40 customers (higher is better), on target; 12 values from Sep 4 to Nov 20, rising."},
		chartCase{name: "trend-bad-values", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Latency p95", Unit: "ms", Standing: okr.Standing{Direction: okr.LowerIsBetter,
				Target: 250, Thresholds: okr.Thresholds{Warn: 275, Crit: 300}, Cadence: okr.Weekly},
				Points: weekly(sep, 240, 260, math.NaN(), 280, math.Inf(1), 310, 1e300, 290, 270, -math.Inf(1), 255, 248)}, now)
		}, alt: "Latency p95: 248 ms on Nov 20, target 250 ms (lower is better), on target; 8 values from Sep 4 to Nov 20, rising, 4 gaps."},
		chartCase{name: "trend-flat", render: func() (Image, error) {
			return KPITrend(KPI{Name: "Open security incidents", Standing: okr.Standing{Direction: okr.LowerIsBetter,
				Target: 0, Thresholds: okr.Thresholds{Warn: 0, Crit: 0}, Cadence: okr.Daily},
				Points: daily(now, 30, 0, 0, 0, 1)}, now)
		}, alt: "Open security incidents: 0 on Nov 23, target 0 (lower is better), on target; 30 values from Oct 25 to Nov 23, steady."},
		chartCase{name: "trend-long-name", render: func() (Image, error) {
			k := churnKPI()
			k.Name = "🚀 Share of enterprise customers who renewed within thirty days of their contract's end date"
			return KPITrend(k, now)
		}, alt: "🚀 Share of enterprise customers who renewed within thirty days of their contract's end date: 2.4% on Nov 20, target 2% (lower is better), at risk; 12 values from Aug 28 to Nov 20, falling, 1 gap."},
		chartCase{name: "burnup-no-check-ins", render: func() (Image, error) {
			return BurnUp(KeyResult{Title: "Close 20 enterprise deals", Kind: okr.Metric, Start: 0, Target: 20, Unit: "deals"}, q4, now)
		}, alt: "Close 20 enterprise deals: no check-in yet (start 0 deals, target 20 deals), score 0.0; ideal pace today 0.6; 38 days left in 2026-Q4."},
		chartCase{name: "burnup-beyond-target", render: func() (Image, error) {
			kr := nps
			kr.Title = "Raise NPS from 30 to 40"
			kr.Target = 40
			kr.Forecast = ptr(55)
			return BurnUp(kr, q4, now)
		}, alt: "Raise NPS from 30 to 40: 41 on Nov 23 (start 30, target 40), score 1.0, on track; 8 check-ins from Oct 5 to Nov 23; ideal pace today 0.6; projected 55 by Dec 31; 38 days left in 2026-Q4."},
		chartCase{name: "burnup-past-period", render: func() (Image, error) {
			q3 := okr.Quarter(2026, 3)
			return BurnUp(KeyResult{Title: "Grow ARR", Kind: okr.Metric, Start: 1e6, Target: 1.5e6, Unit: "$",
				CheckIns: []CheckIn{
					{At: q3.Start.AddDate(0, 0, -3), Value: 1.1e6, Confidence: okr.OnTrack}, // before the period: left out
					{At: q3.Start.AddDate(0, 0, 20), Value: 1.2e6, Confidence: okr.AtRisk},
					{At: q3.End.AddDate(0, 0, 2), Value: 1.6e6, Confidence: okr.OnTrack}, // after it: left out
				}}, q3, now)
		}, alt: "Grow ARR: $1.2M on Jul 21 (start $1M, target $1.5M), score 0.4, at risk; 1 check-in on Jul 21; 2026-Q3 ended Sep 30."},
		chartCase{name: "milestone-done", render: func() (Image, error) {
			kr := help
			kr.CheckIns = append(kr.CheckIns, CheckIn{At: now.Add(-time.Hour), Value: 1, Confidence: okr.OnTrack})
			return BurnUp(kr, q4, now)
		}, alt: "Launch the self-service help center: done, score 1.0, on track; 4 check-ins from Oct 12 to Nov 24; 38 days left in 2026-Q4."},
		chartCase{name: "objective-five", render: func() (Image, error) {
			done := help
			done.CheckIns = append(done.CheckIns, CheckIn{At: now.Add(-time.Hour), Value: 1, Confidence: okr.OnTrack})
			extra := KeyResult{Title: "Publish 12 customer stories", Kind: okr.Metric, Target: 12, Weight: 2}
			return ObjectiveChart(Objective{Title: "Create wildly loyal customers across every segment we serve, everywhere",
				Period: q4, KeyResults: []KeyResult{nps, churn, done, response, extra}}, now)
		}, alt: "Create wildly loyal customers across every segment we serve, everywhere (2026-Q4): score 0.4 on Nov 24, ideal pace 0.6, behind pace. " +
			"Raise NPS from 30 to 50: 0.6 (41, target 50); Cut monthly churn to 2%: 0.3 (4.2%, target 2%); Launch the self-service help center: 1.0 (done); " +
			"Answer every ticket within 4 hours: 0.8 (5.5 h, target 4 h); Publish 12 customer stories: 0.0 (0, target 12)."},
		chartCase{name: "digest-teams-only", render: func() (Image, error) {
			return DigestPicture(Digest{Teams: exampleTeams(35), Period: q4}, now)
		}, alt: "OKR score by team in 2026-Q4, ideal pace 0.6: Sales 0.9, Support 0.1 (behind pace), Product 0.1 (behind pace), Engineering 0.6, " +
			"Marketing 0.4 (behind pace), Customer Success 0.3 (behind pace), Finance 0.8, People 0.3 (behind pace), Design 0.2 (behind pace), Data 0.8, " +
			"Security 0.0 (behind pace), Legal 0.7, Partnerships 0.4 (behind pace), Operations 0.0 (behind pace), Platform 0.9, Mobile 0.3 (behind pace), " +
			"Growth 0.2 (behind pace), Infrastructure 0.8, Research 0.5, Brand 0.5, Sales 2 0.4 (behind pace), Support 2 0.1 (behind pace), Product 2 0.8, " +
			"Engineering 2 0.7, Marketing 2 0.4 (behind pace), Customer Success 2 0.7, Finance 2 0.4 (behind pace), People 2 0.2 (behind pace), " +
			"Design 2 0.2 (behind pace), Data 2 0.3 (behind pace), and 5 more."},
		chartCase{name: "digest-three-kpis", render: func() (Image, error) {
			kpis := exampleKPIs(now)
			return DigestPicture(Digest{KPIs: []KPI{kpis[3], kpis[4], {Name: "Signups", Standing: std}}}, now)
		}, alt: "KPIs needing attention: First response time: 35.5 min on Nov 23, target 30 min, at risk; Trial to paid conversion: 9.8% on Nov 23, target 12%, at risk; Signups: no values yet, target 100."},
	)
	return cs
}

// TestGolden compares every chart with the picture a person looked at and
// accepted; `go test ./chart -update` rewrites them after a deliberate
// change, to be looked at again.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range cases(t) {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.render()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, img)
			if img.Alt != tc.alt {
				t.Errorf("alt text\n got: %s\nwant: %s", img.Alt, tc.alt)
			}
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

// TestBadInput: what no chart can be drawn from is refused with a message
// naming the problem, and nothing panics.
func TestBadInput(t *testing.T) {
	t.Parallel()
	churn := churnKPI()
	nps, _, _, _ := exampleKRs(q4)
	tests := []struct {
		name   string
		render func() (Image, error)
		want   string
	}{
		{"no time", func() (Image, error) { return KPITrend(churn, time.Time{}) }, "now) is not set"},
		{"target NaN", func() (Image, error) {
			k := churn
			k.Target = math.NaN()
			return KPITrend(k, now)
		}, `chart of "Churn rate": the target is not a number (NaN)`},
		{"threshold infinite", func() (Image, error) {
			k := churn
			k.Thresholds.Crit = math.Inf(1)
			return KPITrend(k, now)
		}, "the off-target threshold is not a number (+Inf)"},
		{"huge target", func() (Image, error) {
			k := churn
			k.Target = 1e300
			return KPITrend(k, now)
		}, "the target 1e+300 is beyond what okrbot tracks"},
		{"threshold on the good side", func() (Image, error) {
			k := churn
			k.Thresholds.Warn = 1.5
			return KPITrend(k, now)
		}, "at-risk threshold 1.5 is on the good side of the target 2"},
		{"start equals target", func() (Image, error) {
			kr := nps
			kr.Start = 50
			return BurnUp(kr, q4, now)
		}, `chart of "Raise NPS from 30 to 50": the target equals the start (50), so there is no progress to draw`},
		{"zero-length period", func() (Image, error) {
			return BurnUp(nps, okr.Period{Name: "2026-Q4", Start: q4.Start, End: q4.Start}, now)
		}, `the period "2026-Q4" ends (2026-10-01) before it starts (2026-10-01)`},
		{"start NaN", func() (Image, error) {
			kr := nps
			kr.Start = math.NaN()
			return BurnUp(kr, q4, now)
		}, "the start is not a number"},
		{"objective without key results", func() (Image, error) {
			return ObjectiveChart(Objective{Title: "Grow", Period: q4}, now)
		}, `chart of "Grow": the objective has no key results to draw`},
		{"objective with six key results", func() (Image, error) {
			return ObjectiveChart(Objective{Title: "Grow", Period: q4, KeyResults: []KeyResult{nps, nps, nps, nps, nps, nps}}, now)
		}, "6 key results are too many for one chart (at most 5); draw a burn-up for each"},
		{"objective with a broken key result", func() (Image, error) {
			kr := nps
			kr.Target = math.NaN()
			return ObjectiveChart(Objective{Title: "Grow", Period: q4, KeyResults: []KeyResult{kr}}, now)
		}, `chart of "Grow": chart of "Raise NPS from 30 to 50": the target is not a number (NaN)`},
		{"empty digest", func() (Image, error) { return DigestPicture(Digest{Period: q4}, now) }, "the digest has no KPIs and no teams to draw"},
		{"team score NaN", func() (Image, error) {
			return DigestPicture(Digest{Teams: []TeamScore{{Name: "Sales", Score: math.NaN()}}, Period: q4}, now)
		}, "the score of team Sales is not a number"},
		{"digest without a period", func() (Image, error) {
			return DigestPicture(Digest{Teams: []TeamScore{{Name: "Sales", Score: 0.5}}}, now)
		}, "ends (0001-01-01) before it starts"},
		{"digest with a broken KPI", func() (Image, error) {
			k := churn
			k.Target = math.Inf(-1)
			return DigestPicture(Digest{KPIs: []KPI{k}}, now)
		}, `chart of "Churn rate": the target is not a number (-Inf)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tt.render()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if img.PNG != nil {
				t.Error("a refused chart still has a picture")
			}
		})
	}
}

// TestDrawsWhatMakesSense: data that is odd but possible gives a chart.
func TestDrawsWhatMakesSense(t *testing.T) {
	t.Parallel()
	one := okr.Point{At: now.Add(-time.Hour), Value: 5}
	std := okr.Standing{Direction: okr.LowerIsBetter, Target: 5, Thresholds: okr.Thresholds{Warn: 5, Crit: 5}, Cadence: okr.Daily}
	tests := []struct {
		name   string
		render func() (Image, error)
	}{
		{"only bad values", func() (Image, error) {
			return KPITrend(KPI{Name: "x", Standing: std, Points: []okr.Point{{At: now, Value: math.NaN()}, {At: now, Value: math.Inf(1)}}}, now)
		}},
		{"points without a time", func() (Image, error) {
			return KPITrend(KPI{Name: "x", Standing: std, Points: []okr.Point{{Value: 3}, one}}, now)
		}},
		{"a value in the future", func() (Image, error) {
			return KPITrend(KPI{Name: "x", Standing: std, Points: []okr.Point{one, {At: now.AddDate(0, 0, 10), Value: 7}}}, now)
		}},
		{"no name, no cadence, no direction", func() (Image, error) {
			return KPITrend(KPI{Standing: okr.Standing{Target: 1, Thresholds: okr.Thresholds{Warn: 0.9, Crit: 0.8}}, Points: []okr.Point{one}}, now)
		}},
		{"extreme values", func() (Image, error) {
			return KPITrend(KPI{Name: "x", Standing: std, Points: []okr.Point{{At: now.Add(-48 * time.Hour), Value: -okr.MaxNumber}, {At: now.Add(-24 * time.Hour), Value: okr.MaxNumber}, one}}, now)
		}},
		{"tiny steps", func() (Image, error) {
			return KPITrend(KPI{Name: "x", Standing: okr.Standing{Target: 0.0011, Thresholds: okr.Thresholds{Warn: 0.00105, Crit: 0.001}},
				Points: []okr.Point{{At: now.Add(-48 * time.Hour), Value: 0.00102}, one}}, now)
		}},
		{"burn-up values far beyond", func() (Image, error) {
			return BurnUp(KeyResult{Title: "x", Start: 0, Target: 1, CheckIns: []CheckIn{{At: now, Value: 1e15}, {At: now.Add(-time.Hour), Value: -1e15}}, Forecast: ptr(math.NaN())}, q4, now)
		}},
		{"period in the future", func() (Image, error) {
			return BurnUp(KeyResult{Title: "x", Start: 0, Target: 1}, q4.Next(), now)
		}},
		{"objective with a key result whose target is its start", func() (Image, error) {
			kr := KeyResult{Title: "Keep churn at 2%", Start: 2, Target: 2, Unit: "%", CheckIns: []CheckIn{{At: now, Value: 2}}}
			return ObjectiveChart(Objective{Title: "Grow", Period: q4, KeyResults: []KeyResult{kr}}, now)
		}},
		{"objective with only milestones", func() (Image, error) {
			return ObjectiveChart(Objective{Period: q4, KeyResults: []KeyResult{{Kind: okr.Milestone}, {Kind: okr.Milestone, CheckIns: []CheckIn{{At: now, Value: 1}}}}}, now)
		}},
		{"digest of teams with scores out of range", func() (Image, error) {
			return DigestPicture(Digest{Teams: []TeamScore{{Name: "", Score: -3}, {Name: "🙂", Score: 7}}, Period: q4}, now)
		}},
		{"digest of many KPIs", func() (Image, error) {
			kpis := make([]KPI, 40)
			for i := range kpis {
				kpis[i] = churnKPI()
			}
			return DigestPicture(Digest{KPIs: kpis}, now)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tt.render()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, img)
		})
	}
}

// TestDeterministic: the same data gives the same bytes, also when charts
// are drawn at the same time and their buffers are reused. (The README's
// pictures, which cmd's TestREADMEPictures compares byte for byte with
// Examples, check the same across runs.)
func TestDeterministic(t *testing.T) {
	t.Parallel()
	cs := cases(t)
	want := make([][]byte, len(cs))
	for i, tc := range cs {
		img, err := tc.render()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = img.PNG
	}
	var wg sync.WaitGroup
	for i, tc := range cs {
		wg.Go(func() {
			img, err := tc.render()
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(img.PNG, want[i]) {
				t.Errorf("%s: drawn again, concurrently, the bytes differ", tc.name)
			}
		})
	}
	wg.Wait()
}

// TestImports keeps the promise of the package doc: of okrbot, chart
// imports only okr.
func TestImports(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if strings.HasPrefix(path, "github.com/okrbot/okrbot/") && path != "github.com/okrbot/okrbot/okr" {
				t.Errorf("%s imports %s; chart may import only okr of okrbot", name, path)
			}
		}
	}
}

// TestAxisLabels: the axes read as people write numbers and dates.
func TestAxisLabels(t *testing.T) {
	t.Parallel()
	labels := func(ticks plot.ConstantTicks) string {
		var l []string
		for _, tk := range ticks {
			l = append(l, tk.Label)
		}
		return strings.Join(l, " ")
	}
	values := []struct {
		lo, hi float64
		unit   string
		want   string
	}{
		{1.8, 3.4, "%", "1.5% 2% 2.5% 3% 3.5%"},
		{0, 1.3e6, "$", "$0 $0.5M $1M $1.5M"},
		{-22, 51, "customers", "-40 -20 0 20 40 60"},
		{0.00101, 0.0011, "", "0.001 0.00102 0.00104 0.00106 0.00108 0.0011"},
		{2e14, 1e15, "$", "$200T $400T $600T $800T $1,000T"},
	}
	for _, v := range values {
		vals, step := niceScale(v.lo, v.hi, 5)
		if got := labels(valueTicks(vals, step, v.unit, identity)); got != v.want {
			t.Errorf("values %v to %v %s: %q, want %q", v.lo, v.hi, v.unit, got, v.want)
		}
	}
	dates := []struct {
		from, to time.Time
		max      int
		want     string
	}{
		{q4.Start, q4.End, 5, "Oct Nov Dec"},
		{now.AddDate(0, 0, -90), now, 8, "Aug 31 Sep 14 Sep 28 Oct 12 Oct 26 Nov 9"},
		{now.AddDate(0, 0, -10), now, 8, "Nov 15 Nov 17 Nov 19 Nov 21 Nov 23"},
		{time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 5, "Nov 2025 Dec Jan 2026 Feb"},
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), now, 5, "2010 2020"},
	}
	for _, d := range dates {
		if got := labels(timeTicks(d.from, d.to, now, d.max)); got != d.want {
			t.Errorf("dates %s to %s: %q, want %q", d.from.Format(time.DateOnly), d.to.Format(time.DateOnly), got, d.want)
		}
	}
}

func TestValueLabels(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    float64
		unit string
		want string
	}{
		{2.4, "%", "2.4%"},
		{1200, "$", "$1,200"},
		{-1250000, "$", "-$1.25M"},
		{1e15, "", "1,000T"},
		{0.0011, "", "0.0011"},
		{0.000123456, "%", "0.00012%"},
		{12, "customers", "12 customers"},
		{0, "", "0"},
	} {
		if got := value(tt.v, tt.unit); got != tt.want {
			t.Errorf("value(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

// TestPaletteIsFaithful: the 256 colours a PNG is encoded with draw every
// pixel within a few levels of what was rendered, even where several
// charts' colours and their blends share one picture.
func TestPaletteIsFaithful(t *testing.T) {
	t.Parallel()
	f := newFrame(Width, 900)
	for i, k := range exampleKPIs(now) {
		tr, err := prepareTrend(k, now)
		if err != nil {
			t.Fatal(err)
		}
		y := vg.Length(i/2) * 300
		x := vg.Length(i%2) * 320
		tr.tile(draw.Crop(f.c, x, -(320 - x), y, -(900 - 300 - y)))
	}
	p := paletted(f.img, nil)
	worst, off := 0, 0
	for i := 0; i < len(f.img.Pix); i += 4 {
		r, g, b, _ := p.Palette[p.Pix[i/4]].RGBA()
		d := max(absDiff(f.img.Pix[i], uint8(r>>8)), absDiff(f.img.Pix[i+1], uint8(g>>8)), absDiff(f.img.Pix[i+2], uint8(b>>8)))
		worst = max(worst, d)
		if d > 8 {
			off++
		}
	}
	t.Logf("%d colours; worst pixel off by %d levels; %d of %d pixels off by more than 8", len(p.Palette), worst, off, len(p.Pix))
	if len(p.Palette) > 256 || worst > 32 || off*1000 > len(p.Pix) {
		t.Error("want at most 256 colours, no pixel off by more than 32 levels and at most one in a thousand by more than 8")
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestDrawable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Churn rate":         "Churn rate",
		"🚀 Signups":          "Signups",
		"Net\nrevenue\tnow":  "Net revenue now",
		"Café ∑ Ωmega ünits": "Café ∑ Ωmega ünits",
		"日本語":                "",
		" ":                  " ",
	} {
		if got := drawable(in); got != want {
			t.Errorf("drawable(%q) = %q, want %q", in, got, want)
		}
	}
}
