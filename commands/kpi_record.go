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
	// Platform is where the value came from, for the history: the chat
	// platform, "api" or "import".
	Platform string
}

// actor is who recorded a measurement, for the history.
func (in MeasurementInput) actor() store.Actor {
	a := store.Actor{Platform: in.Platform}
	if in.AuthorID != nil {
		a.UserID = *in.AuthorID
	}
	return a
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
// KPI's health changes for the worse or recovers, an alert for its team's
// alert channel is recorded with it, for the scheduler to send once.
func (s *Service) RecordMeasurement(ctx context.Context, in MeasurementInput) (Recorded, error) {
	return s.recordMeasurement(ctx, in, nil)
}

// recordMeasurement does RecordMeasurement's work. check, when set, runs on
// the KPI inside the transaction first (permissions).
func (s *Service) recordMeasurement(ctx context.Context, in MeasurementInput, check func(store.KPI) error) (Recorded, error) {
	var (
		r       Recorded
		alerted bool
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		h := &store.Changes{By: in.actor(), At: s.now()}
		var err error
		if r, alerted, err = s.recordIn(ctx, tx, in, check, false, h); err != nil {
			return err
		}
		return tx.RecordHistory(ctx, in.WorkspaceID, h.Entries...)
	})
	if err == nil && alerted {
		s.wake()
	}
	return r, err
}

// recordIn records a measurement inside the transaction tx, notes it (and
// the check-ins it makes) in h, and reports whether it recorded an alert.
// A value that is the KPI's newest checks in on the key results the KPI
// drives and moves its health, except in a replay of history (an import),
// which does both once at its end.
func (s *Service) recordIn(ctx context.Context, tx *store.Store, in MeasurementInput, check func(store.KPI) error, replay bool, h *store.Changes) (Recorded, bool, error) {
	var r Recorded
	now := s.now().UTC()
	at := in.At.UTC()
	if in.At.IsZero() {
		at = now
	}
	if at.After(now.Add(clockSkew)) {
		return r, false, okr.Invalid("at", "The time %s is in the future; record values that have happened.", at.Format(time.RFC3339))
	}
	// The API hands over any float JSON holds; chat and imports go through
	// okr.ParseNumber, which refuses the same.
	if math.IsNaN(in.Value) || math.IsInf(in.Value, 0) || math.Abs(in.Value) > okr.MaxNumber {
		return r, false, okr.Invalid("value", "value: %s is larger than okrbot tracks (up to a quadrillion).", strconv.FormatFloat(in.Value, 'g', -1, 64))
	}
	if err := validComment("comment", in.Comment); err != nil {
		return r, false, err
	}
	k, err := tx.KPIByID(ctx, in.WorkspaceID, in.KPIID)
	if err != nil {
		return r, false, err
	}
	if check != nil {
		if err := check(k); err != nil {
			return r, false, err
		}
	}
	if k.Archived {
		return r, false, refuse("KPI %s is archived; it takes no more values.", kpiName(k))
	}
	m := store.Measurement{WorkspaceID: in.WorkspaceID, KPIID: k.ID, Value: in.Value, At: at,
		AuthorID: in.AuthorID, Source: in.Source, Comment: strings.TrimSpace(in.Comment)}
	if err := tx.RecordMeasurement(ctx, &m); err != nil {
		return r, false, err
	}
	r.Measurement = m
	r.Latest = k.LastAt == nil || !m.At.Before(*k.LastAt)
	measurementChange(h, k, m, r.Latest, now)
	if r.Latest {
		k.LastValue, k.LastAt = &m.Value, &m.At
		if !replay {
			if r.CheckedIn, err = s.checkInDriven(ctx, tx, k, m, authorOf(k, in), h); err != nil {
				return r, false, err
			}
		}
	}
	r.KPI = k
	r.Health = k.HealthAt(s.now())
	if replay {
		return r, false, nil
	}
	alerted, err := s.reassess(ctx, tx, k)
	return r, alerted, err
}

// measurementChange notes a measurement of k (as it was before) in h: the
// value it replaces as the latest, if it does, and the day it is for when
// that is not today.
func measurementChange(h *store.Changes, k store.KPI, m store.Measurement, latest bool, now time.Time) {
	old, new := "", kpiValue(m.Value, k)
	if latest && k.LastValue != nil {
		old = kpiValue(*k.LastValue, k)
	}
	if now.Sub(m.At) > clockSkew {
		new += " for " + m.At.UTC().Format(time.DateOnly)
	}
	h.Add(store.SubjectKPI, k.ID, store.ActionMeasurement, fieldValue, old, new)
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
// archived KPI, as plain text.
func Refusal(err error) (string, bool) {
	var u *userError
	if errors.As(err, &u) {
		return u.text.String(), true
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
// new value and the confidence its health gives, and notes each in h. The
// key results of closed objectives, such as the originals of objectives
// carried over (whose copies follow the same KPI), are left as they were
// graded.
func (s *Service) checkInDriven(ctx context.Context, tx *store.Store, k store.KPI, m store.Measurement, author uint, h *store.Changes) ([]store.KeyResult, error) {
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
	var (
		done []store.KeyResult
		cs   []store.CheckIn
	)
	for _, kr := range driven[k.ID] {
		if objectives[kr.ObjectiveID].Status != okr.Active || kr.Kind != okr.Metric {
			continue
		}
		ci := store.CheckIn{WorkspaceID: k.WorkspaceID, KeyResultID: kr.ID, AuthorID: author, Value: m.Value,
			Confidence: conf, Comment: comment, CreatedAt: s.now().UTC()}
		checkInChange(h, kr, kr.Current, ci)
		kr.Current = m.Value
		done, cs = append(done, kr), append(cs, ci)
	}
	if err := tx.CheckIns(ctx, cs); err != nil {
		return nil, err
	}
	return done, nil
}

// reassess records k's health now and, when the change is worth an alert
// (none for an archived KPI), the alert to send; it reports whether it
// recorded one. The health moves only if no one else moved it first.
func (s *Service) reassess(ctx context.Context, tx *store.Store, k store.KPI) (bool, error) {
	if k.Archived {
		// Archived KPIs no longer alert, even when an edit moves them.
		return false, nil
	}
	to := k.HealthAt(s.now())
	if to == k.Health {
		return false, nil
	}
	moved, err := tx.SetKPIHealthIf(ctx, k.WorkspaceID, k.ID, k.Health, to)
	if err != nil || !moved {
		return false, err
	}
	if okr.AlertFor(k.Health, to) == okr.NoAlert {
		return false, nil
	}
	a := store.KPIAlert{WorkspaceID: k.WorkspaceID, KPIID: k.ID, From: k.Health, To: to, CreatedAt: s.now()}
	return true, tx.AddKPIAlert(ctx, &a)
}

// KPIAlert is an alert ready to send: its message and where it goes. A
// zero To means the KPI's team has no alert channel, nor the workspace.
func (s *Service) KPIAlert(ctx context.Context, a store.KPIAlert) (bot.Address, *bot.Message, error) {
	ws, err := s.store.WorkspaceByID(ctx, a.WorkspaceID)
	if err != nil {
		return bot.Address{}, nil, err
	}
	k, err := s.store.KPIByID(ctx, a.WorkspaceID, a.KPIID)
	if err != nil {
		return bot.Address{}, nil, err
	}
	channels, err := s.store.AlertChannels(ctx, a.WorkspaceID)
	if err != nil {
		return bot.Address{}, nil, err
	}
	channel := channels[0]
	if k.TeamID != nil && channels[*k.TeamID] != "" {
		channel = channels[*k.TeamID]
	}
	if channel == "" {
		return bot.Address{}, nil, nil
	}
	to, err := s.Address(ctx, ws, bot.Channel, channel)
	if err != nil {
		return to, nil, err
	}
	recent, err := s.store.RecentPoints(ctx, a.WorkspaceID, []uint{k.ID}, okr.SparkLength)
	if err != nil {
		return to, nil, err
	}
	spark := newKPIView(k, recent[k.ID], a.To).spark
	return to, alertMessage(k, a.From, a.To, spark), nil
}

// alertMessage is the message a team's alert channel gets when k went from
// one health to another.
func alertMessage(k store.KPI, from, to okr.Health, spark string) *bot.Message {
	var head bot.Text
	switch {
	case okr.AlertFor(from, to) == okr.Recovered:
		head = bot.Textf("%s %s is back on target: %s (target %s).", healthMarks[to], kpiName(k), valueText(k), targetText(k))
	case to == okr.HealthStale:
		since := "ever"
		if k.LastAt != nil {
			since = k.LastAt.UTC().Format("Jan 2")
		}
		head = bot.Textf("%s %s is stale: no value since %s, and it is measured %s.", healthMarks[to], kpiName(k), since, k.Cadence)
	default:
		threshold := k.Warn
		if to == okr.HealthOffTarget {
			threshold = k.Crit
		}
		head = bot.Textf("%s %s is %s: %s (target %s, %s at %s).", healthMarks[to], kpiName(k), to.Label(),
			valueText(k), targetText(k), to.Label(), kpiValue(threshold, k))
	}
	ctx := bot.Textf("Owner %s · was %s", ownerText(&k.Owner), from.Label())
	if k.Team != nil {
		ctx = append(ctx, bot.Plain(" · team "+k.Team.Name))
	}
	if spark != "" {
		ctx = append(ctx, bot.Plain(" · "+spark))
	}
	return &bot.Message{Summary: head.Unstyled(), Sections: []bot.Section{{
		Text: head, Context: ctx,
		Buttons: []bot.Button{{ActionID: ActionKPIShow, Label: "Show KPI", Value: fmt.Sprint(k.ID)}},
	}}}
}

// CheckStaleKPIs records an alert for each KPI of the workspaces given that
// has gone stale since the last look; the scheduler calls it every few
// minutes and sends the alerts. Each KPI is announced once, even with
// several replicas looking.
func (s *Service) CheckStaleKPIs(ctx context.Context, workspaceIDs []uint) (int, error) {
	now := s.now()
	// Nothing goes stale in under a day plus the grace day.
	ks, err := s.store.KPIsMeasuredBefore(ctx, workspaceIDs, now.AddDate(0, 0, -1-okr.GraceDays))
	if err != nil {
		return 0, err
	}
	alerts := 0
	for _, k := range ks {
		if k.HealthAt(now) != okr.HealthStale {
			continue
		}
		err := s.store.InTx(ctx, func(tx *store.Store) error {
			// A value may have arrived since the list was read: judge the
			// KPI as it is now, so a fresh value never reads as stale.
			fresh, err := tx.KPIByID(ctx, k.WorkspaceID, k.ID)
			if err != nil {
				return err
			}
			alerted, err := s.reassess(ctx, tx, fresh)
			if alerted {
				alerts++
			}
			return err
		})
		if err != nil {
			return alerts, err
		}
	}
	return alerts, nil
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
	in := MeasurementInput{WorkspaceID: c.ws.ID, KPIID: k.ID, Value: value, AuthorID: &c.user.ID, Comment: strings.Join(a.pos[2:], " "),
		Platform: c.ws.Platform}
	if text, ok := a.flags["at"]; ok {
		if in.At, err = s.parseDay("at", text, c.user.TZ); err != nil {
			return bot.Reply{}, err
		}
	}
	check := func(k store.KPI) error {
		if !c.mayChangeKPI(k) {
			return c.notAdmin(refuse("Only the owner of %s (%s) or an admin can record its values.", kpiName(k), ownerText(&k.Owner)))
		}
		return nil
	}
	r, err := s.recordMeasurement(ctx, in, check)
	if err != nil {
		return bot.Reply{}, err
	}
	msg := recordedMessage(r, k)
	if r.Latest {
		views, err := s.kpiViews(ctx, c.ws.ID, []store.KPI{r.KPI})
		if err != nil {
			return bot.Reply{}, err
		}
		msg.Sections[0].Context = bot.T(bot.Code(views[0].spark))
		if t := views[0].trend.String(k.Cadence); t != "" {
			msg.Sections[0].Context = append(msg.Sections[0].Context, bot.Plain(" · "+t))
		}
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
	var head bot.Text
	if !r.Latest {
		head = bot.Textf("✅ Recorded %s for %s on %s. A newer value (%s) stays the latest.",
			v, kpiName(k), r.Measurement.At.UTC().Format("Jan 2"), valueText(k))
	} else {
		head = bot.Textf("✅ Recorded %s for %s: %s (target %s).", v, kpiName(k), healthText(r.Health), targetText(k))
		if before.LastValue != nil {
			head = append(head, bot.Plain(fmt.Sprintf(" Was %s.", valueText(before))))
		}
	}
	sec := bot.Section{Text: head}
	for _, kr := range r.CheckedIn {
		sec.Items = append(sec.Items, bot.Textf("↳ Checked in key result #%d %s: %s", kr.Number, kr.Title, MeasureText(kr)))
	}
	return &bot.Message{Summary: head.Unstyled(), Sections: []bot.Section{sec}}
}
