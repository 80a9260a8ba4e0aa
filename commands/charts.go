package commands

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/chart"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Charts are the pictures beside the text of /kpi show, /okr show, the Home
// tab and the digest. They are drawn only for replies that can show them
// (bot.Request.ShowsImages, DigestOptions.Picture), from data loaded in a
// fixed number of queries. The text around a chart says what it shows, so
// a chart that cannot be drawn is logged and left out, never failing its
// message.

// chartTime is the moment charts are drawn at: now rounded up to the hour,
// but not past the end of its day. A chart drawn again within the hour is
// the same picture, byte for byte, which platforms that upload pictures
// upload once; rounding up keeps every value recorded before now on the
// chart, and staying in the day keeps "today" the day it is. Charts read
// dates in UTC, as the text beside them does and as periods are cut.
func chartTime(now time.Time) time.Time {
	loc := time.UTC
	t := now.In(loc)
	y, m, d := t.Date()
	up := time.Date(y, m, d, t.Hour(), 0, 0, 0, loc)
	if up.Before(t) {
		up = up.Add(time.Hour)
	}
	if end := time.Date(y, m, d, 23, 59, 59, 0, loc); up.After(end) {
		up = end
	}
	return up
}

// picture is a section showing a chart.
func picture(img chart.Image, name string) bot.Section {
	return bot.Section{Image: &bot.Image{PNG: img.PNG, Alt: img.Alt, Name: name}}
}

// drawn keeps a chart, or logs why there is none.
func (s *Service) drawn(ctx context.Context, out []bot.Section, name string, img chart.Image, err error) []bot.Section {
	if err != nil {
		s.log.WarnContext(ctx, "chart not drawn", "chart", name, "err", err)
		return out
	}
	return append(out, picture(img, name))
}

func chartKPI(k store.KPI, points []okr.Point) chart.KPI {
	return chart.KPI{Name: k.Name, Unit: k.Unit, Standing: k.Standing(), Points: points}
}

// trendSince is where each KPI's trend chart starts as of now.
func trendSince(ks []store.KPI, now time.Time) map[uint]time.Time {
	since := make(map[uint]time.Time, len(ks))
	for _, k := range ks {
		var last time.Time
		if k.LastAt != nil {
			last = *k.LastAt
		}
		since[k.ID] = chart.TrendFrom(k.Cadence, last, now)
	}
	return since
}

// kpiChart is a KPI's trend, from one query for its values.
func (s *Service) kpiChart(ctx context.Context, c *caller, k store.KPI) ([]bot.Section, error) {
	now := chartTime(s.now())
	points, err := s.store.PointsSince(ctx, c.ws.ID, trendSince([]store.KPI{k}, now), store.TrendDepth)
	if err != nil {
		return nil, err
	}
	img, err := chart.KPITrend(chartKPI(k, points[k.ID]), now)
	return s.drawn(ctx, nil, fmt.Sprintf("kpi-%d", k.ID), img, err), nil
}

// chartKeyResults are objectives' key results as charts need them, with
// their check-ins (history, oldest first) and, where there is one, the
// forecast to the end of the period.
func chartKeyResults(o store.Objective, history map[uint][]store.CheckIn, now time.Time) []chart.KeyResult {
	p := o.Period.Domain()
	krs := make([]chart.KeyResult, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		ckr := chart.KeyResult{Title: kr.Title, Kind: kr.Kind, Start: kr.Start, Target: kr.Target, Unit: kr.Unit, Weight: kr.Weight}
		points := make([]okr.Point, len(history[kr.ID]))
		for j, ci := range history[kr.ID] {
			ckr.CheckIns = append(ckr.CheckIns, chart.CheckIn{At: ci.CreatedAt, Value: ci.Value, Confidence: ci.Confidence})
			points[j] = okr.Point{At: ci.CreatedAt, Value: ci.Value}
		}
		if f := okr.ForecastKeyResult(kr.Measure, points, p, now); f.Kind == okr.Projected && kr.Kind != okr.Milestone {
			ckr.Forecast = &f.Value
		}
		krs[i] = ckr
	}
	return krs
}

// checkInsOf loads the check-ins of objectives' key results in one query,
// by key result.
func (s *Service) checkInsOf(ctx context.Context, workspaceID uint, os []store.Objective) (map[uint][]store.CheckIn, error) {
	var ids []uint
	for _, o := range os {
		for _, kr := range o.KeyResults {
			ids = append(ids, kr.ID)
		}
	}
	cs, err := s.store.CheckInsOf(ctx, workspaceID, ids)
	if err != nil {
		return nil, err
	}
	out := map[uint][]store.CheckIn{}
	for _, ci := range cs {
		out[ci.KeyResultID] = append(out[ci.KeyResultID], ci)
	}
	return out, nil
}

// objectiveCharts are an objective's key results over its period: one
// chart of them all when there are at most chart.MaxCombined, else a
// burn-up each.
func (s *Service) objectiveCharts(ctx context.Context, c *caller, o store.Objective) ([]bot.Section, error) {
	if len(o.KeyResults) == 0 {
		return nil, nil
	}
	history, err := s.checkInsOf(ctx, c.ws.ID, []store.Objective{o})
	if err != nil {
		return nil, err
	}
	now := chartTime(s.now())
	krs := chartKeyResults(o, history, now)
	if len(krs) <= chart.MaxCombined {
		img, err := chart.ObjectiveChart(chart.Objective{Title: o.Title, Period: o.Period.Domain(), KeyResults: krs}, now)
		return s.drawn(ctx, nil, fmt.Sprintf("objective-%d", o.Number), img, err), nil
	}
	var out []bot.Section
	for i, kr := range krs {
		img, err := chart.BurnUp(kr, o.Period.Domain(), now)
		out = s.drawn(ctx, out, fmt.Sprintf("key-result-%d", o.KeyResults[i].Number), img, err)
	}
	return out, nil
}

// homeCharts are a chart for each of a person's objectives with at most
// chart.MaxCombined key results; more would not fit one chart, and
// /okr show draws those.
func (s *Service) homeCharts(ctx context.Context, c *caller, os []store.Objective) ([]bot.Section, error) {
	var shown []store.Objective
	for _, o := range os {
		if n := len(o.KeyResults); n > 0 && n <= chart.MaxCombined {
			shown = append(shown, o)
		}
	}
	if len(shown) == 0 {
		return nil, nil
	}
	history, err := s.checkInsOf(ctx, c.ws.ID, shown)
	if err != nil {
		return nil, err
	}
	now := chartTime(s.now())
	var out []bot.Section
	for _, o := range shown {
		img, err := chart.ObjectiveChart(chart.Objective{Title: o.Title, Period: o.Period.Domain(), KeyResults: chartKeyResults(o, history, now)}, now)
		out = s.drawn(ctx, out, fmt.Sprintf("objective-%d", o.Number), img, err)
	}
	return out, nil
}

// digestPicture is the digest's picture: the KPIs needing attention, most
// urgent first (off target, at risk, then stale, as the digest lists
// them), and each team's OKR score against the pace of the period. It
// makes one query, for the values of the KPIs drawn.
func (s *Service) digestPicture(ctx context.Context, workspaceID uint, groups map[okr.Health][]kpiView, objectives []store.Objective, period okr.Period, now time.Time) ([]bot.Section, error) {
	now = chartTime(now)
	var urgent []store.KPI
	for _, h := range []okr.Health{okr.HealthOffTarget, okr.HealthAtRisk, okr.HealthStale} {
		for _, v := range groups[h] {
			if len(urgent) < chart.MaxDigestKPIs {
				urgent = append(urgent, v.k)
			}
		}
	}
	teams := teamScores(objectives)
	if len(urgent) == 0 && len(teams) == 0 {
		return nil, nil
	}
	points, err := s.store.PointsSince(ctx, workspaceID, trendSince(urgent, now), store.TrendDepth)
	if err != nil {
		return nil, err
	}
	d := chart.Digest{Teams: teams, Period: period}
	for _, k := range urgent {
		d.KPIs = append(d.KPIs, chartKPI(k, points[k.ID]))
	}
	img, err := chart.DigestPicture(d, now)
	return s.drawn(ctx, nil, "digest", img, err), nil
}

// teamScores are the OKR scores of the teams with active objectives, as
// the digest lists them: the company (objectives of no team) first, then
// teams by name.
func teamScores(objectives []store.Objective) []chart.TeamScore {
	parts := map[string][]okr.Weighted{}
	for _, o := range objectives {
		name := "Company"
		if o.Team != nil {
			name = o.Team.Name
		}
		parts[name] = append(parts[name], okr.Weighted{Value: o.Score(), Weight: 1})
	}
	teams := make([]chart.TeamScore, 0, len(parts))
	for name, ps := range parts {
		teams = append(teams, chart.TeamScore{Name: name, Score: okr.Score(ps)})
	}
	slices.SortFunc(teams, func(a, b chart.TeamScore) int {
		if (a.Name == "Company") != (b.Name == "Company") {
			if a.Name == "Company" {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name))
	})
	return teams
}
