package commands

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// objectiveDraft is a new objective as a person described it, from a
// command line or the form; names are resolved when it is created.
type objectiveDraft struct {
	title, description string
	period             string
	team               string
	owner              string // a mention; the caller when empty
	ownerID            string // or a person a form's picker chose
	parent             string // an objective number; none when empty
	keyResults         []keyResultDraft
}

// keyResultDraft is a new key result with its numbers already read.
type keyResultDraft struct {
	title   string
	measure okr.Measure
	owner   string // a mention; none when empty
	weight  float64
}

// draftFields names the fields of an objective draft, which differ between
// the command line (--team) and the form (team).
type draftFields struct{ title, description, period, team, owner, parent string }

var (
	flagFields = draftFields{title: "title", description: "--description", period: "--period", team: "--team", owner: "--owner", parent: "--parent"}
	formFields = draftFields{title: fieldTitle, description: fieldDescription, period: fieldPeriod, team: fieldTeam, owner: fieldOwner, parent: fieldParent}
)

// Limits on what people type, in characters: long enough for real use,
// short enough to show in a list.
const (
	maxDescription = 2000
	maxTeamName    = 80
	maxUnit        = 20
	maxWeight      = 1000
)

// onlyOwner is the refusal for someone who may not change o.
func onlyOwner(o store.Objective, verb string) error {
	return refuse("Only the owner of objective #%d (%s) or an admin can %s it.", o.Number, ownerText(&o.Owner), verb)
}

func validDescription(field, text string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(text)); n > maxDescription {
		return okr.Invalid(field, "The description is %d characters long; keep it to %d or fewer.", n, maxDescription)
	}
	return nil
}

// teamName reads a team as people write it: Sales, #sales, or a channel
// the platform resolved (what #sales becomes when Slack escapes it).
func (c *caller) teamName(field, text string) (string, error) {
	name := strings.TrimSpace(text)
	if ch, ok := c.channel(name); ok && ch.Name != "" {
		name = ch.Name
	}
	name = strings.TrimSpace(strings.TrimPrefix(name, "#"))
	if n := utf8.RuneCountInString(name); n > maxTeamName {
		return "", okr.Invalid(field, "The team name is %d characters long; keep it to %d or fewer.", n, maxTeamName)
	}
	return name, nil
}

// parseUnit reads the unit a key result's values are shown with.
func parseUnit(text string) (string, error) {
	unit := strings.TrimSpace(text)
	if n := utf8.RuneCountInString(unit); n > maxUnit {
		return "", okr.Invalid("unit", "The unit %q is %d characters long; keep it to %d or fewer.", unit, n, maxUnit)
	}
	return unit, nil
}

// parseWeight reads a key result's weight in its objective's score.
func parseWeight(text string) (float64, error) {
	w, err := okr.ParseNumber("--weight", text)
	if err != nil {
		return 0, err
	}
	if w <= 0 || w > maxWeight {
		return 0, okr.Invalid("weight", "--weight is a number above 0 and up to %d, not %q.", maxWeight, text)
	}
	return w, nil
}

// createObjective creates an objective with its key results in one
// transaction, and returns it with notes for the confirmation.
func (s *Service) createObjective(ctx context.Context, c *caller, d objectiveDraft, f draftFields) (store.Objective, []bot.Text, error) {
	if err := okr.ValidateTitle(f.title, d.title); err != nil {
		return store.Objective{}, nil, err
	}
	if err := validDescription(f.description, d.description); err != nil {
		return store.Objective{}, nil, err
	}
	var (
		o     store.Objective
		notes []bot.Text
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		p, err := s.period(ctx, tx, c, d.period, s.quarter())
		if err != nil {
			return relabel(err, f.period)
		}
		owner := c.user
		if d.owner != "" || d.ownerID != "" {
			if owner, err = ownerOf(ctx, tx, c, f.owner, d.owner, d.ownerID); err != nil {
				return err
			}
		}
		o = store.Objective{WorkspaceID: c.ws.ID, Title: strings.TrimSpace(d.title), Description: strings.TrimSpace(d.description),
			OwnerID: owner.ID, PeriodID: p.ID, Status: okr.Active}
		name, err := c.teamName(f.team, d.team)
		if err != nil {
			return err
		}
		if name != "" {
			t, created, err := tx.EnsureTeam(ctx, c.ws.ID, name)
			if err != nil {
				return err
			}
			if created {
				notes = append(notes, bot.T("New team ", bot.Bold(t.Name), " was created."))
			}
			o.TeamID = &t.ID
		}
		if d.parent != "" {
			parent, err := objectiveRef(ctx, tx, c, d.parent, false)
			if err != nil {
				return relabel(err, f.parent)
			}
			o.ParentID = &parent.ID
		}
		for _, kd := range d.keyResults {
			kr, err := keyResult(ctx, tx, c, kd, owner.ID)
			if err != nil {
				return err
			}
			o.KeyResults = append(o.KeyResults, kr)
		}
		if err := tx.CreateObjective(ctx, &o); err != nil {
			return err
		}
		h := s.changes(c)
		h.Add(store.SubjectObjective, o.ID, store.ActionCreated, "title", "", o.Title)
		for _, kr := range o.KeyResults {
			h.Add(store.SubjectKeyResult, kr.ID, store.ActionCreated, "title", "", kr.Title)
		}
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	if err != nil {
		return o, nil, err
	}
	// It is saved: a deadline now must not report it as not done.
	o, err = s.store.ObjectiveByID(context.WithoutCancel(ctx), c.ws.ID, o.ID)
	return o, notes, err
}

// keyResult makes a key result from a draft. It belongs to the objective's
// owner unless the draft names someone else.
func keyResult(ctx context.Context, tx *store.Store, c *caller, d keyResultDraft, objectiveOwner uint) (store.KeyResult, error) {
	kr := store.KeyResult{WorkspaceID: c.ws.ID, Title: strings.TrimSpace(d.title), Measure: d.measure, Weight: d.weight, OwnerID: &objectiveOwner}
	if kr.Kind == okr.Metric {
		kr.Current = kr.Start
	}
	if d.owner != "" {
		u, err := person(ctx, tx, c, "--owner", d.owner)
		if err != nil {
			return kr, err
		}
		kr.OwnerID = &u.ID
	}
	return kr, nil
}

// relabel puts a validation error or a refusal on a field, keeping its
// message, so that a form shows it next to that field.
func relabel(err error, field string) error {
	var (
		invalid *okr.ValidationError
		refused *userError
	)
	switch {
	case errors.As(err, &invalid):
		return &okr.ValidationError{Field: field, Msg: invalid.Msg}
	case errors.As(err, &refused):
		return &okr.ValidationError{Field: field, Msg: refused.text.String()}
	}
	return err
}

// coaching is the advice about an objective and its key results.
func (s *Service) coaching(ctx context.Context, o store.Objective) ([]string, error) {
	active, err := s.store.CountActiveObjectives(ctx, o.WorkspaceID, o.OwnerID, o.PeriodID)
	if err != nil {
		return nil, err
	}
	advice := okr.CoachObjective(len(o.KeyResults), active)
	for _, kr := range o.KeyResults {
		advice = append(advice, okr.CoachKeyResult(keyResultLabel(o, kr), kr.Measure, kr.OwnerID != nil)...)
	}
	return advice, nil
}

// /okr new
func (s *Service) newObjective(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 {
		return s.newObjectiveForm(ctx, c, 3, nil)
	}
	a, err := parseArgs("/okr new", words, []string{"period", "team", "parent", "owner", "description"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	d := objectiveDraft{title: strings.Join(a.pos, " "), description: a.flags["description"], period: a.flags["period"],
		team: a.flags["team"], owner: a.flags["owner"], parent: a.flags["parent"]}
	o, notes, err := s.createObjective(ctx, c, d, flagFields)
	if err != nil {
		return bot.Reply{}, err
	}
	notes = append(notes, bot.Textf("Add key results with `/okr kr %d \"Title\" --target 100`.", o.Number))
	return s.objectiveReply(ctx, o, bot.Textf("✅ Created objective #%d.", o.Number), notes...)
}

// /okr kr OBJECTIVE "Title" --target N [--start N] [--unit U] [--owner @u] [--weight N] | --milestone
func (s *Service) addKeyResult(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr kr", words, []string{"target", "start", "unit", "owner", "weight", "kpi"}, []string{"milestone"})
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) < 2 {
		return bot.Reply{}, refuse("Usage: `/okr kr OBJECTIVE \"Title\" --target N [--start N] [--unit %%] [--owner @user] [--weight N]`, or `--milestone` instead of `--target`.")
	}
	d, err := parseKeyResultFlags(strings.Join(a.pos[1:], " "), a)
	if err != nil {
		return bot.Reply{}, err
	}
	var kr store.KeyResult
	o, err := s.changeObjective(ctx, c, a.pos[0], "add key results to", func(tx *store.Store, o *store.Objective) error {
		var err error
		if o.Status != okr.Active {
			return refuse("Objective #%d is %s; reopen work in a new objective.", o.Number, o.Status)
		}
		if kr, err = keyResult(ctx, tx, c, d, o.OwnerID); err != nil {
			return err
		}
		if name, ok := a.flags["kpi"]; ok {
			if err := linkKPI(ctx, tx, c, &kr, name); err != nil {
				return err
			}
		}
		kr.ObjectiveID = o.ID
		if err := tx.AddKeyResult(ctx, &kr); err != nil {
			return err
		}
		h := s.changes(c)
		h.Add(store.SubjectKeyResult, kr.ID, store.ActionCreated, "title", "", kr.Title)
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if o, err = s.store.ObjectiveByID(ctx, c.ws.ID, o.ID); err != nil {
		return bot.Reply{}, err
	}
	head := bot.Textf("✅ Added key result #%d.%d (#%d) to objective #%d.", o.Number, kr.Position, kr.Number, o.Number)
	return s.objectiveReply(ctx, o, head)
}

// parseKeyResultFlags reads a key result's measure from its flags.
func parseKeyResultFlags(title string, a args) (keyResultDraft, error) {
	d := keyResultDraft{title: title, owner: a.flags["owner"], weight: 1}
	if err := okr.ValidateTitle("title", title); err != nil {
		return d, err
	}
	if v, ok := a.flags["weight"]; ok {
		w, err := parseWeight(v)
		if err != nil {
			return d, err
		}
		d.weight = w
	}
	if a.has("milestone") {
		if a.has("target") || a.has("start") {
			return d, okr.Invalid("target", "A --milestone is done or not done; it takes no --target or --start.")
		}
		d.measure = okr.Measure{Kind: okr.Milestone, Target: 1}
		return d, nil
	}
	if !a.has("target") {
		return d, okr.Invalid("target", "A key result needs --target N (or --milestone for done/not done).")
	}
	m, err := parseMeasure("--start", a.flags["start"], "--target", a.flags["target"], a.flags["unit"])
	d.measure = m
	return d, err
}

// parseMeasure reads a metric's start and target. A percent sign on either
// sets the unit when none was given.
func parseMeasure(startField, start, targetField, target, unit string) (okr.Measure, error) {
	m := okr.Measure{Kind: okr.Metric}
	var err error
	if m.Unit, err = parseUnit(unit); err != nil {
		return m, err
	}
	if m.Target, err = okr.ParseNumber(targetField, target); err != nil {
		return m, err
	}
	if strings.TrimSpace(start) != "" {
		if m.Start, err = okr.ParseNumber(startField, start); err != nil {
			return m, err
		}
	}
	if m.Unit == "" && (strings.HasSuffix(strings.TrimSpace(target), "%") || strings.HasSuffix(strings.TrimSpace(start), "%")) {
		m.Unit = "%"
	}
	return m, nil
}

// /okr close ID [final score]
func (s *Service) closeObjective(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 || len(words) > 2 {
		return bot.Reply{}, refuse("Usage: `/okr close ID [final score]`, like `/okr close 42 0.7`.")
	}
	var final *float64
	if len(words) == 2 {
		v, err := okr.ParseNumber("final score", words[1])
		if err != nil {
			return bot.Reply{}, err
		}
		if v < 0 || v > 1 {
			return bot.Reply{}, okr.Invalid("score", "A final score is between 0.0 and 1.0, not %q.", words[1])
		}
		final = &v
	}
	o, err := s.changeStatus(ctx, c, words[0], okr.Closed, final)
	if err != nil {
		return bot.Reply{}, err
	}
	s.wake() // its grading messages are redrawn as closed
	head := bot.Textf("🏁 Closed objective #%d with a final score of %.1f.", o.Number, okr.Round1(*o.FinalScore))
	return s.objectiveReply(ctx, o, head)
}

// /okr archive ID
func (s *Service) archiveObjective(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) != 1 {
		return bot.Reply{}, refuse("Usage: `/okr archive ID`, like `/okr archive 42`.")
	}
	o, err := s.changeStatus(ctx, c, words[0], okr.Archived, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	s.wake() // its grading messages are redrawn as archived
	return bot.Say(bot.Textf("🗄️ Archived objective #%d %s. It no longer shows in lists.", o.Number, o.Title)), nil
}

// changeStatus closes or archives an objective. Closing keeps the score it
// had (or the one given) as its final score.
func (s *Service) changeStatus(ctx context.Context, c *caller, word string, to okr.Status, final *float64) (store.Objective, error) {
	return s.changeObjective(ctx, c, word, verb(to), func(tx *store.Store, o *store.Objective) error {
		if o.Status == to {
			return refuse("Objective #%d is already %s.", o.Number, to)
		}
		h := s.changes(c)
		if to == okr.Closed {
			if o.Status == okr.Archived {
				return refuse("Objective #%d is archived; it cannot be closed.", o.Number)
			}
			if final == nil {
				v := okr.Round1(o.Score())
				final = &v
			}
			o.FinalScore = final
			h.Add(store.SubjectObjective, o.ID, store.ActionClosed, "status", string(o.Status), string(to))
			h.Add(store.SubjectObjective, o.ID, store.ActionClosed, "score", "", okr.FormatNumber(*final))
		} else {
			h.Add(store.SubjectObjective, o.ID, store.ActionArchived, "status", string(o.Status), string(to))
		}
		o.Status = to
		if err := tx.UpdateObjective(ctx, o, store.ObjectiveStatus, store.ObjectiveFinalScore); err != nil {
			return err
		}
		// Its grading messages no longer ask for a grade.
		if err := tx.AskGradingRedraw(ctx, c.ws.ID, o.ID, s.now()); err != nil {
			return err
		}
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
}

// changeObjective reads the objective named by word inside a transaction,
// lets only its owner or an admin (verb says to do what) go on to change
// it with fn, and returns it as changed.
func (s *Service) changeObjective(ctx context.Context, c *caller, word, verb string, fn func(tx *store.Store, o *store.Objective) error) (store.Objective, error) {
	var o store.Objective
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if o, err = objectiveRef(ctx, tx, c, word, false); err != nil {
			return err
		}
		if !c.mayChange(o) {
			return c.notAdmin(onlyOwner(o, verb))
		}
		return fn(tx, &o)
	})
	return o, err
}

func verb(s okr.Status) string {
	if s == okr.Closed {
		return "close"
	}
	return "archive"
}
