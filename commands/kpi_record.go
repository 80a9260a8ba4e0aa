package commands

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// MeasurementInput is a KPI value to record, from a person, the API or an
// import.
type MeasurementInput struct {
	WorkspaceID uint
	KPIID       uint
	Value       float64
	// At is when the value was true; the zero time means now.
	At time.Time
	// AuthorID is the person recording it; nil for the API and imports,
	// which name a Source instead.
	AuthorID *uint
	Source   string
	Comment  string
}

// Recorded is what recording a measurement did.
type Recorded struct {
	KPI         store.KPI // after the measurement
	Measurement store.Measurement
	// Latest is false for a back-dated value, which joins the history but
	// does not change the KPI's value or health.
	Latest bool
	Health okr.Health
	// CheckedIn are the linked key results that were checked in.
	CheckedIn []store.KeyResult
}

// clockSkew is how far in the future a timestamp may be before it is
// refused: another machine's clock may run a little fast.
const clockSkew = 5 * time.Minute

// RecordMeasurement appends a value to a KPI of the workspace and, in the
// same transaction, checks in on the key results the KPI drives. When the
// KPI's health changes for the worse or recovers, its team's alert channel
// is told once, after the transaction commits.
func (s *Service) RecordMeasurement(ctx context.Context, in MeasurementInput) (Recorded, error) {
	r, alert, err := s.recordMeasurement(ctx, in, nil)
	if err != nil {
		return r, err
	}
	s.sendAlerts(ctx, in.WorkspaceID, alert)
	return r, nil
}

// recordMeasurement does RecordMeasurement's work without sending. check,
// when set, runs on the KPI inside the transaction first (permissions).
func (s *Service) recordMeasurement(ctx context.Context, in MeasurementInput, check func(store.KPI) error) (Recorded, *kpiAlert, error) {
	var (
		r     Recorded
		alert *kpiAlert
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		r, alert, err = s.recordIn(ctx, tx, in, check, true)
		return err
	})
	return r, alert, err
}

// recordIn records a measurement inside the transaction tx. With checkIn
// set, the key results the KPI drives are checked in when the value is the
// KPI's newest.
func (s *Service) recordIn(ctx context.Context, tx *store.Store, in MeasurementInput, check func(store.KPI) error, checkIn bool) (Recorded, *kpiAlert, error) {
	var r Recorded
	now := s.now().UTC()
	at := in.At.UTC()
	if in.At.IsZero() {
		at = now
	}
	if at.After(now.Add(clockSkew)) {
		return r, nil, okr.Invalid("at", "The time %s is in the future; record values that have happened.", at.Format(time.RFC3339))
	}
	// The API hands over any float JSON holds; chat and imports go through
	// okr.ParseNumber, which refuses the same.
	if math.IsNaN(in.Value) || math.IsInf(in.Value, 0) || math.Abs(in.Value) > okr.MaxNumber {
		return r, nil, okr.Invalid("value", "value: %s is larger than okrbot tracks (up to a quadrillion).", strconv.FormatFloat(in.Value, 'g', -1, 64))
	}
	if err := validComment("comment", in.Comment); err != nil {
		return r, nil, err
	}
	k, err := tx.KPIByID(ctx, in.WorkspaceID, in.KPIID)
	if err != nil {
		return r, nil, err
	}
	if check != nil {
		if err := check(k); err != nil {
			return r, nil, err
		}
	}
	if k.Archived {
		return r, nil, refuse("KPI %s is archived; it takes no more values.", kpiName(k))
	}
	m := store.Measurement{WorkspaceID: in.WorkspaceID, KPIID: k.ID, Value: in.Value, At: at,
		AuthorID: in.AuthorID, Source: in.Source, Comment: strings.TrimSpace(in.Comment)}
	if err := tx.RecordMeasurement(ctx, &m); err != nil {
		return r, nil, err
	}
	r.Measurement = m
	r.Latest = k.LastAt == nil || !m.At.Before(*k.LastAt)
	if r.Latest {
		k.LastValue, k.LastAt = &m.Value, &m.At
		if checkIn {
			if r.CheckedIn, err = s.checkInDriven(ctx, tx, k, m, authorOf(k, in)); err != nil {
				return r, nil, err
			}
		}
	}
	r.KPI = k
	alert, err := s.reassess(ctx, tx, k)
	r.Health = k.HealthAt(s.now())
	return r, alert, err
}

// authorOf is who a check-in made for a measurement is by: its author, or
// the KPI's owner for values from the API and imports.
func authorOf(k store.KPI, in MeasurementInput) uint {
	if in.AuthorID != nil {
		return *in.AuthorID
	}
	return k.OwnerID
}

// Refusal returns the message of an error that explains a refusal to the
// person (or program) that asked, such as recording a value for an
// archived KPI.
func Refusal(err error) (string, bool) {
	var u *userError
	if errors.As(err, &u) {
		return u.msg, true
	}
	return "", false
}

// confidenceOf is the confidence a KPI's health gives the key results it
// drives.
func confidenceOf(h okr.Health) okr.Confidence {
	switch h {
	case okr.HealthAtRisk, okr.HealthStale:
		return okr.AtRisk
	case okr.HealthOffTarget:
		return okr.OffTrack
	}
	return okr.OnTrack
}

// checkInDriven checks in on the active key results that k drives, with the
// new value and the confidence its health gives.
func (s *Service) checkInDriven(ctx context.Context, tx *store.Store, k store.KPI, m store.Measurement, author uint) ([]store.KeyResult, error) {
	driven, err := tx.KeyResultsDrivenBy(ctx, k.WorkspaceID, []uint{k.ID})
	if err != nil || len(driven[k.ID]) == 0 {
		return nil, err
	}
	objIDs := make([]uint, 0, len(driven[k.ID]))
	for _, kr := range driven[k.ID] {
		objIDs = append(objIDs, kr.ObjectiveID)
	}
	objectives, err := tx.ObjectivesByIDs(ctx, k.WorkspaceID, objIDs)
	if err != nil {
		return nil, err
	}
	comment := "From KPI " + k.Name
	if m.Comment != "" {
		comment += ": " + m.Comment
	}
	conf := confidenceOf(k.Standing().Classify(m.Value))
	var done []store.KeyResult
	for _, kr := range driven[k.ID] {
		if objectives[kr.ObjectiveID].Status != okr.Active || kr.Kind != okr.Metric {
			continue
		}
		ci := store.CheckIn{WorkspaceID: k.WorkspaceID, KeyResultID: kr.ID, AuthorID: author, Value: m.Value,
			Confidence: conf, Comment: comment, CreatedAt: s.now().UTC()}
		if err := tx.CheckIn(ctx, &ci); err != nil {
			return nil, err
		}
		kr.Current = m.Value
		done = append(done, kr)
	}
	return done, nil
}

// kpiAlert is a change of a KPI's health worth announcing.
type kpiAlert struct {
	k        store.KPI
	from, to okr.Health
	kind     okr.Alert
}

// reassess records k's health now and returns the alert the change is
// worth, if any (none for an archived KPI). The health moves only if no one else moved it first.
func (s *Service) reassess(ctx context.Context, tx *store.Store, k store.KPI) (*kpiAlert, error) {
	if k.Archived {
		// Archived KPIs no longer alert, even when an edit moves them.
		return nil, nil
	}
	to := k.HealthAt(s.now())
	if to == k.Health {
		return nil, nil
	}
	moved, err := tx.SetKPIHealthIf(ctx, k.WorkspaceID, k.ID, k.Health, to)
	if err != nil || !moved {
		return nil, err
	}
	kind := okr.AlertFor(k.Health, to)
	if kind == okr.NoAlert {
		return nil, nil
	}
	return &kpiAlert{k: k, from: k.Health, to: to, kind: kind}, nil
}

// alertMessage is the message a team's alert channel gets.
func alertMessage(a kpiAlert, spark string) bot.Message {
	k := a.k
	var head string
	switch {
	case a.kind == okr.Recovered:
		head = fmt.Sprintf("%s %s is back on target: %s (target %s).", healthMarks[a.to], kpiName(k), valueText(k), targetText(k))
	case a.to == okr.HealthStale:
		head = fmt.Sprintf("%s %s is stale: no value since %s, and it is measured %s.", healthMarks[a.to], kpiName(k),
			k.LastAt.UTC().Format("Jan 2"), k.Cadence)
	default:
		threshold := k.Warn
		if a.to == okr.HealthOffTarget {
			threshold = k.Crit
		}
		head = fmt.Sprintf("%s %s is %s: %s (target %s, %s at %s).", healthMarks[a.to], kpiName(k), a.to.Label(),
			valueText(k), targetText(k), a.to.Label(), kpiValue(threshold, k))
	}
	ctx := fmt.Sprintf("Owner %s · was %s", ownerText(&k.Owner), a.from.Label())
	if k.Team != nil {
		ctx += " · team " + bot.Escape(k.Team.Name)
	}
	if spark != "" {
		ctx += " · " + spark
	}
	return bot.Message{Text: bot.Unescape(strings.ReplaceAll(head, "*", "")), Public: true, Sections: []bot.Section{{
		Text: head, Context: ctx,
		Buttons: []bot.Button{{ActionID: ActionKPIShow, Label: "Show KPI", Value: fmt.Sprint(k.ID)}},
	}}}
}

// sendAlerts posts alerts to their teams' alert channels (the workspace's
// default for KPIs without a team or whose team has none). A failure to send
// is logged: the value is recorded all the same.
func (s *Service) sendAlerts(ctx context.Context, workspaceID uint, alerts ...*kpiAlert) {
	var (
		channels map[uint]string
		p        Poster
	)
	for _, a := range alerts {
		if a == nil {
			continue
		}
		if channels == nil {
			var err error
			if channels, err = s.store.AlertChannels(ctx, workspaceID); err != nil {
				s.log.ErrorContext(ctx, "KPI alert channels", "err", err)
				return
			}
			ws, err := s.store.WorkspaceByID(ctx, workspaceID)
			if err != nil {
				s.log.ErrorContext(ctx, "KPI alert workspace", "err", err)
				return
			}
			p = s.poster(ws.Platform)
		}
		channel := channels[0]
		if a.k.TeamID != nil && channels[*a.k.TeamID] != "" {
			channel = channels[*a.k.TeamID]
		}
		if channel == "" || p == nil {
			s.log.InfoContext(ctx, "KPI alert not sent: no alert channel or no platform", "kpi", a.k.ID, "to", a.to)
			continue
		}
		var spark string
		if recent, err := s.store.RecentPoints(ctx, workspaceID, []uint{a.k.ID}, okr.SparkLength); err == nil {
			spark = newKPIView(a.k, recent[a.k.ID], a.to).spark
		}
		if _, err := p.Post(ctx, channel, "", alertMessage(*a, spark)); err != nil {
			s.log.ErrorContext(ctx, "send KPI alert", "kpi", a.k.ID, "channel", channel, "err", err)
		}
	}
}

// CheckStaleKPIs announces the KPIs of every workspace that have gone stale
// since the last look; call it every few minutes. Each KPI is announced once,
// even with several replicas looking.
func (s *Service) CheckStaleKPIs(ctx context.Context) (int, error) {
	now := s.now()
	// Nothing goes stale in under a day plus the grace day.
	ks, err := s.store.KPIsMeasuredBefore(ctx, now.AddDate(0, 0, -1-okr.GraceDays))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, k := range ks {
		if k.HealthAt(now) != okr.HealthStale {
			continue
		}
		var alert *kpiAlert
		err := s.store.InTx(ctx, func(tx *store.Store) error {
			// A value may have arrived since the list was read: judge the
			// KPI as it is now, so a fresh value never reads as stale.
			fresh, err := tx.KPIByID(ctx, k.WorkspaceID, k.ID)
			if err != nil {
				return err
			}
			k = fresh
			alert, err = s.reassess(ctx, tx, k)
			return err
		})
		if err != nil {
			return sent, err
		}
		if alert != nil {
			s.sendAlerts(ctx, k.WorkspaceID, alert)
			sent++
		}
	}
	return sent, nil
}

// /kpi set NAME-OR-ID VALUE [--at 2026-11-20] [comment…]
func (s *Service) setKPI(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi set", words, []string{"at"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) < 2 {
		return bot.Reply{}, refuse("Usage: `/kpi set NAME-OR-ID VALUE [--at 2026-11-20] [comment]`, like `/kpi set \"Churn rate\" 2.4 after the price change`.")
	}
	k, err := kpiRef(ctx, s.store, c, a.pos[0])
	if err != nil {
		return bot.Reply{}, err
	}
	value, err := okr.ParseNumber("value", a.pos[1])
	if err != nil {
		return bot.Reply{}, err
	}
	in := MeasurementInput{WorkspaceID: c.ws.ID, KPIID: k.ID, Value: value, AuthorID: &c.user.ID, Comment: strings.Join(a.pos[2:], " ")}
	if text, ok := a.flags["at"]; ok {
		if in.At, err = s.parseDay("at", text, c.user.TZ); err != nil {
			return bot.Reply{}, err
		}
	}
	check := func(k store.KPI) error {
		if !c.mayChangeKPI(k) {
			return refuse("Only the owner of %s (%s) or an admin can record its values.", kpiName(k), ownerText(&k.Owner))
		}
		return nil
	}
	r, alert, err := s.recordMeasurement(ctx, in, check)
	if err != nil {
		return bot.Reply{}, err
	}
	s.sendAlerts(ctx, c.ws.ID, alert)
	msg := recordedMessage(r, k)
	if r.Latest {
		views, err := s.kpiViews(ctx, c.ws.ID, []store.KPI{r.KPI})
		if err != nil {
			return bot.Reply{}, err
		}
		parts := []string{"`" + views[0].spark + "`"}
		if t := views[0].trend.String(k.Cadence); t != "" {
			parts = append(parts, t)
		}
		msg.Sections[0].Context = strings.Join(parts, " · ")
	}
	return bot.Reply{Message: msg}, nil
}

// parseDay reads a date like 2026-11-20 for a value recorded late. It is
// refused after today in the person's time zone; today means now, an
// earlier day its noon (in that zone), so the date reads the same anywhere.
func (s *Service) parseDay(field, text, tz string) (time.Time, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(text), loc)
	if err != nil {
		return time.Time{}, okr.Invalid(field, "--%s: %q is not a date like 2026-11-20.", field, text)
	}
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	switch {
	case day.After(today):
		return time.Time{}, okr.Invalid(field, "--%s %s is in the future; record values that have happened.", field, text)
	case day.Equal(today):
		return s.now(), nil
	}
	return day.Add(12 * time.Hour), nil
}

// recordedMessage confirms a recorded value. before is the KPI as it was.
func recordedMessage(r Recorded, before store.KPI) *bot.Message {
	k := r.KPI
	v := kpiValue(r.Measurement.Value, k)
	var lines []string
	if !r.Latest {
		lines = append(lines, fmt.Sprintf("✅ Recorded %s for %s on %s. A newer value (%s) stays the latest.",
			v, kpiName(k), r.Measurement.At.UTC().Format("Jan 2"), valueText(k)))
	} else {
		line := fmt.Sprintf("✅ Recorded %s for %s: %s (target %s).", v, kpiName(k), healthText(r.Health), targetText(k))
		if before.LastValue != nil {
			line += fmt.Sprintf(" Was %s.", valueText(before))
		}
		lines = append(lines, line)
	}
	for _, kr := range r.CheckedIn {
		lines = append(lines, fmt.Sprintf("↳ Checked in key result #%d %s: %s", kr.Number, bot.Escape(kr.Title), measureText(kr)))
	}
	return &bot.Message{Text: bot.Unescape(strings.ReplaceAll(lines[0], "*", "")), Sections: []bot.Section{{Text: strings.Join(lines, "\n")}}}
}
