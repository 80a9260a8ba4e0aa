package commands

import (
	"context"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// checkInPoints loads the check-ins of the objectives' key results made
// since the earliest start of their periods, by key result, in one query:
// what their forecasts are drawn from.
func (s *Service) checkInPoints(ctx context.Context, workspaceID uint, os []store.Objective) (map[uint][]okr.Point, error) {
	var (
		ids   []uint
		since time.Time
	)
	for _, o := range os {
		if since.IsZero() || o.Period.StartsAt.Before(since) {
			since = o.Period.StartsAt
		}
		for _, kr := range o.KeyResults {
			ids = append(ids, kr.ID)
		}
	}
	return s.store.CheckInPoints(ctx, workspaceID, ids, since)
}

// forecastAt returns the forecast of an objective, and of each of its key
// results by id, at now, from the check-ins of its period (points, by key
// result). At a past now, a key result's value is what it was then.
func forecastAt(o store.Objective, points map[uint][]okr.Point, now time.Time) (okr.Forecast, map[uint]okr.Forecast) {
	p := o.Period.Domain()
	krs := make(map[uint]okr.Forecast, len(o.KeyResults))
	parts := make([]okr.WeightedForecast, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		f := okr.ForecastKeyResult(measureAt(kr, points[kr.ID], now), points[kr.ID], p, now)
		krs[kr.ID] = f
		parts[i] = okr.WeightedForecast{Forecast: f, Weight: kr.Weight}
	}
	return okr.ForecastObjective(parts), krs
}

// measureAt is kr's measure with the value it had at a moment: its current
// value unless a check-in (of points, oldest first) came after, else the
// latest check-in by then, or its start before any.
func measureAt(kr store.KeyResult, points []okr.Point, at time.Time) okr.Measure {
	m := kr.Measure
	if len(points) == 0 || !points[len(points)-1].At.After(at) {
		return m
	}
	m.Current = m.Start
	for _, p := range points {
		if p.At.After(at) {
			break
		}
		m.Current = p.Value
	}
	return m
}

// forecastText is a forecast as a view shows it: "Forecast: 0.4 now · on
// course for 0.6".
func forecastText(f okr.Forecast) string { return "Forecast: " + f.String() }
