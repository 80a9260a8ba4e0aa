package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Names of the grading form and buttons, shared with the adapters that
// route them.
const (
	CallbackGrade = "okr_grade"

	ActionGrade      = "okr_grade"
	ActionCarry      = "okr_carry"
	ActionGradeLater = "okr_grade_later"
)

// Field ids of the Grade form; a key result's final score is
// gradeScoreField of its number.
const (
	gradeFieldOutcome = "outcome"
	gradeFieldNote    = "retrospective"
	gradeFieldFinal   = "final"
)

func gradeScoreField(kr store.KeyResult) string { return fmt.Sprintf("score_%d", kr.Number) }

var gradeUsage = bot.Textf("Usage: `/okr grade ID` opens the Grade form; `/okr grade ID --outcome achieved|partly|missed [--note \"what we learned\"] [--score 42.1=0.7 …] [--final 0.7]` grades without it.")

// /okr grade ID [--outcome achieved|partly|missed] [--note "…"] [--score KR=0.7]… [--final 0.7]
func (s *Service) grade(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr grade", words, []string{"outcome", "note", "score", "final"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 {
		return bot.Reply{}, &userError{gradeUsage}
	}
	if len(a.flags) == 0 {
		return s.openGrade(ctx, c, a.pos[0])
	}
	o, err := s.gradable(ctx, s.store, c, a.pos[0])
	if err != nil {
		return bot.Reply{}, err
	}
	if !a.has("outcome") {
		return bot.Reply{}, okr.Invalid("outcome", "Say how objective #%d went: --outcome achieved, partly or missed.", o.Number)
	}
	g := store.Grade{ObjectiveID: o.ID, Retrospective: a.flags["note"], By: c.actor(), At: s.now()}
	if g.Outcome, err = okr.ParseOutcome(a.flags["outcome"]); err != nil {
		return bot.Reply{}, err
	}
	if g.KeyResultScores, err = scoresOf(o, a.all["score"]); err != nil {
		return bot.Reply{}, err
	}
	if v, ok := a.flags["final"]; ok {
		final, err := okr.ParseFinalScore("--final", v)
		if err != nil {
			return bot.Reply{}, err
		}
		g.Score = &final
	}
	o, err = s.gradeObjective(ctx, c, a.pos[0], g, !a.has("note"))
	if err != nil {
		return bot.Reply{}, err
	}
	return s.objectiveReply(ctx, o, gradedHead(o))
}

// scoresOf reads --score KR=SCORE options: a key result of o, as #42.1 or
// its own number, and its final score.
func scoresOf(o store.Objective, given []string) (map[uint]float64, error) {
	scores := map[uint]float64{}
	for _, text := range given {
		word, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, okr.Invalid("score", "--score takes a key result and its final score, like --score %d.1=0.7, not %q.", o.Number, text)
		}
		kr, err := keyResultOf(o, word)
		if err != nil {
			return nil, err
		}
		if scores[kr.ID], err = okr.ParseFinalScore("score", value); err != nil {
			return nil, okr.Invalid("score", "Key result %s: %s", keyResultLabel(o, kr), err)
		}
	}
	return scores, nil
}

// keyResultOf finds a key result of o named by word: #42.1, or its own
// number such as #57.
func keyResultOf(o store.Objective, word string) (store.KeyResult, error) {
	r, err := parseRef("score", word)
	if err != nil {
		return store.KeyResult{}, err
	}
	for _, kr := range o.KeyResults {
		if r.Position > 0 && r.Number == o.Number && kr.Position == r.Position || r.Position == 0 && kr.Number == r.Number {
			return kr, nil
		}
	}
	return store.KeyResult{}, okr.Invalid("score", "%s is not a key result of objective #%d; its key results are #%d.1 and on.", r, o.Number, o.Number)
}

// gradable finds the objective a person wants to grade or carry over, and
// refuses those they may not change and archived ones.
func (s *Service) gradable(ctx context.Context, st *store.Store, c *caller, word string) (store.Objective, error) {
	o, err := objectiveRef(ctx, st, c, word, false)
	if err != nil {
		return o, err
	}
	if !c.mayChange(o) {
		return o, c.notAdmin(refuse("Only the owner of objective #%d (%s) or an admin can grade it or carry it over.", o.Number, ownerText(&o.Owner)))
	}
	if o.Status == okr.Archived {
		return o, refuse("Objective #%d is archived; it cannot be graded or carried over.", o.Number)
	}
	return o, nil
}

// gradeObjective grades the objective named by word, read again in the
// transaction that grades it, and returns it as graded. keepNote keeps the
// note of an earlier grade (a regrade that gave none).
func (s *Service) gradeObjective(ctx context.Context, c *caller, word string, g store.Grade, keepNote bool) (store.Objective, error) {
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		o, err := s.gradable(ctx, tx, c, word)
		if err != nil {
			return err
		}
		if keepNote {
			g.Retrospective = o.Retrospective
		}
		if len(o.KeyResults) == 0 && g.Score == nil {
			// Nothing to average: it keeps the score it was closed with.
			v := o.Score()
			g.Score = &v
		}
		g.ObjectiveID = o.ID
		_, err = tx.GradeObjective(ctx, c.ws.ID, g)
		return err
	})
	if err != nil {
		return store.Objective{}, err
	}
	s.wake() // its grading messages are redrawn as graded
	// It is saved: a deadline now must not report it as not done.
	return s.store.ObjectiveByID(context.WithoutCancel(ctx), c.ws.ID, g.ObjectiveID)
}

func gradedHead(o store.Objective) bot.Text {
	return bot.Textf("🏁 Graded objective #%d: final score %.1f, %s.", o.Number, okr.Round1(o.Score()), o.Outcome.Label())
}

// openGrade opens the Grade form, each key result's final score filled in
// with its grade so far or its current score.
func (s *Service) openGrade(ctx context.Context, c *caller, word string) (bot.Reply, error) {
	o, err := s.gradable(ctx, s.store, c, word)
	if err != nil {
		return bot.Reply{}, err
	}
	form := &bot.Form{CallbackID: CallbackGrade, Title: fmt.Sprintf("Grade #%d", o.Number), SubmitText: "Grade",
		State:    strconv.FormatInt(o.Number, 10),
		Fallback: bot.Textf("In a chat window, grade with `/okr grade %d --outcome achieved|partly|missed [--note \"what we learned\"] [--score %d.1=0.7 …]`; a key result without --score keeps its current score.", o.Number, o.Number)}
	form.Fields = append(form.Fields, bot.Field{ID: "about", Kind: bot.Note,
		Note: bot.Textf("%s · %s · now %.1f. Give each key result its final score from 0.0 to 1.0; 0.7 is a good result for a stretch goal.", objectiveTitle(o), o.Period.Name, okr.Round1(o.Score()))})
	for _, kr := range o.KeyResults {
		v := kr.Progress()
		if kr.FinalScore != nil {
			v = *kr.FinalScore
		}
		form.Fields = append(form.Fields, bot.Field{ID: gradeScoreField(kr), Kind: bot.TextInput,
			Label: fmt.Sprintf("%s %s", keyResultLabel(o, kr), kr.Title), Initial: okr.FormatNumber(v),
			Hint: fmt.Sprintf("Now %s.", MeasureText(kr))})
	}
	if len(o.KeyResults) == 0 {
		form.Fields = append(form.Fields, bot.Field{ID: gradeFieldFinal, Label: "Final score", Kind: bot.TextInput,
			Initial: okr.FormatNumber(o.Score()), Hint: "From 0.0 to 1.0."})
	}
	outcomes := make([]bot.Option, len(okr.Outcomes))
	for i, oc := range okr.Outcomes {
		outcomes[i] = bot.Option{Value: string(oc), Label: strings.ToUpper(oc.Label()[:1]) + oc.Label()[1:]}
	}
	form.Fields = append(form.Fields,
		bot.Field{ID: gradeFieldOutcome, Label: "Outcome", Kind: bot.Select, Options: outcomes, Initial: string(o.Outcome)},
		bot.Field{ID: gradeFieldNote, Label: "What did we learn?", Kind: bot.LongText, Optional: true, Initial: o.Retrospective,
			Placeholder: "What worked, what did not, what to do differently next time"})
	return bot.Reply{Form: form}, nil
}

func (s *Service) submitGrade(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	o, err := s.gradable(ctx, s.store, c, sub.State)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	errs := map[string]string{}
	g := store.Grade{KeyResultScores: map[uint]float64{}, By: c.actor(), At: s.now()}
	for _, kr := range o.KeyResults {
		field := gradeScoreField(kr)
		text, ok := sub.Values[field]
		if !ok {
			// Added since the form opened: it keeps its current score.
			continue
		}
		v, err := okr.ParseFinalScore("Final score", text)
		if err != nil {
			errs[field] = err.Error()
			continue
		}
		g.KeyResultScores[kr.ID] = v
	}
	if text, ok := sub.Values[gradeFieldFinal]; ok {
		v, err := okr.ParseFinalScore("Final score", text)
		if err != nil {
			errs[gradeFieldFinal] = err.Error()
		}
		g.Score = &v
	}
	if g.Outcome, err = okr.ParseOutcome(sub.Values[gradeFieldOutcome]); err != nil {
		errs[gradeFieldOutcome] = err.Error()
	}
	if g.Retrospective, err = okr.CleanNote("note", sub.Values[gradeFieldNote]); err != nil {
		errs[gradeFieldNote] = err.Error()
	}
	if len(errs) > 0 {
		return bot.SubmitResult{Errors: errs}, nil
	}
	o, err = s.gradeObjective(ctx, c, sub.State, g, false)
	var invalid *okr.ValidationError
	if errors.As(err, &invalid) {
		// The objective changed since the form opened (say, archived):
		// no field of the form is to blame.
		return bot.SubmitResult{}, refuse("%s", invalid.Msg)
	}
	if err != nil {
		return bot.SubmitResult{}, err
	}
	msg, err := s.objectiveMessage(context.WithoutCancel(ctx), o, gradedHead(o))
	return bot.SubmitResult{Message: msg}, err
}

// /okr carry ID [--to PERIOD]
func (s *Service) carry(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr carry", words, []string{"to"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 {
		return bot.Reply{}, refuse("Usage: `/okr carry ID [--to 2027-Q1]`, like `/okr carry 42`; the next period is the default.")
	}
	var done store.Carried
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		o, err := s.gradable(ctx, tx, c, a.pos[0])
		if err != nil {
			return err
		}
		to, err := s.carryTarget(ctx, tx, c, o, a)
		if err != nil {
			return err
		}
		done, err = tx.Carry(ctx, c.ws.ID, store.CarryOver{ObjectiveID: o.ID, ToPeriodID: to.ID, By: c.actor(), At: s.now()})
		return err
	})
	if err != nil {
		return bot.Reply{}, err
	}
	s.wake() // its grading messages are redrawn as carried over
	// It is saved: a deadline now must not report it as not done.
	ctx = context.WithoutCancel(ctx)
	to, err := s.store.ObjectiveByID(ctx, c.ws.ID, done.To.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	from := done.From
	head := bot.Textf("↪️ Carried objective #%d over to %s as #%d, with %d unfinished key result%s starting where %s stood. #%d is closed with a final score of %.1f.",
		from.Number, to.Period.Name, to.Number, len(to.KeyResults), plural(len(to.KeyResults)), pronoun(len(to.KeyResults)), from.Number, okr.Round1(from.Score()))
	var notes []bot.Text
	switch done.Alignment {
	case store.ParentKept:
		notes = append(notes, bot.Textf("It stays aligned: #%d now aligns to #%d, the copy of its parent.", to.Number, done.Parent.Number))
	case store.ParentFlagged:
		notes = append(notes, bot.Textf("⚠️ #%d was aligned to #%d %s, which was not carried over: #%d is not aligned to anything yet. When #%d is carried over, #%d aligns to its copy; or align it now with `/okr edit %d --parent ID`.",
			from.Number, done.Parent.Number, done.Parent.Title, to.Number, done.Parent.Number, to.Number, to.Number))
	}
	for _, r := range done.Realigned {
		notes = append(notes, bot.Textf("#%d %s, carried over before, now aligns to #%d.", r.Number, r.Title, to.Number))
	}
	return s.objectiveReply(ctx, to, head, notes...)
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "they"
}

// carryTarget is the period an objective is carried over to: the one
// --to names, else the one after its own.
func (s *Service) carryTarget(ctx context.Context, tx *store.Store, c *caller, o store.Objective, a args) (store.Period, error) {
	if name, ok := a.flags["to"]; ok {
		p, err := s.period(ctx, tx, c, name, s.quarter())
		return p, relabel(err, "to")
	}
	next, err := nextPeriod(ctx, tx, o)
	if err != nil {
		return store.Period{}, err
	}
	return tx.EnsurePeriod(ctx, c.ws.ID, next)
}

// nextPeriod is the period after o's, where carrying it over takes it.
func nextPeriod(ctx context.Context, st *store.Store, o store.Objective) (okr.Period, error) {
	periods, err := st.Periods(ctx, o.WorkspaceID)
	if err != nil {
		return okr.Period{}, err
	}
	known := make([]okr.Period, len(periods))
	for i, p := range periods {
		known[i] = p.Domain()
	}
	return okr.NextPeriod(o.Period.Domain(), known), nil
}

// gradeLater answers Not now on a grading prompt. The person's own prompt
// about the objective is redrawn so, without its buttons.
func (s *Service) gradeLater(ctx context.Context, c *caller, word string) (bot.Reply, error) {
	o, err := objectiveRef(ctx, s.store, c, word, false)
	if err != nil {
		return bot.Reply{}, err
	}
	deferred, err := s.store.DeferGrading(ctx, c.ws.ID, o.ID, c.user.ID, s.now())
	if err != nil {
		return bot.Reply{}, err
	}
	if deferred {
		s.wake()
	}
	return bot.Say(bot.Textf("👍 Not now, then. If #%d is still open when %s has ended, I'll remind you once; `/okr grade %d` works any time.",
		o.Number, o.Period.Name, o.Number)), nil
}

// GradingMessage is the direct message a grading delivery sends its
// objective's owner: the objective with its score and forecast, and the
// buttons to grade it, carry it over or wait. It is nil when the objective
// is no longer open (graded, carried over, closed or archived meanwhile).
func (s *Service) GradingMessage(ctx context.Context, d store.GradingDelivery) (*bot.Message, store.User, error) {
	u, err := s.store.UserByID(ctx, d.WorkspaceID, d.UserID)
	if err != nil {
		return nil, u, err
	}
	o, err := s.store.ObjectiveByID(ctx, d.WorkspaceID, d.ObjectiveID)
	if errors.Is(err, okr.ErrNotFound) || err == nil && o.Status != okr.Active {
		return nil, u, nil
	}
	if err != nil {
		return nil, u, err
	}
	points, err := s.checkInPoints(ctx, d.WorkspaceID, []store.Objective{o})
	if err != nil {
		return nil, u, err
	}
	next, err := nextPeriod(ctx, s.store, o)
	if err != nil {
		return nil, u, err
	}
	now := s.now()
	f, _ := forecastAt(o, points, now)
	last := o.Period.EndsAt.AddDate(0, 0, -1).Format("Monday, January 2")
	var head bot.Text
	if d.Step == okr.GradingReminder {
		head = bot.Textf("⏰ %s ended on %s, and your objective #%d is still open. Grade it, or carry its unfinished key results over to %s.",
			o.Period.Name, last, o.Number, next.Name)
	} else {
		head = bot.Textf("🏁 %s ends on %s. Time to grade your objective #%d: give each key result its final score, say how it went and what you learned, or carry it over to %s.",
			o.Period.Name, last, o.Number, next.Name)
	}
	sec := bot.Section{Text: bot.Textf("%s  %s\n%s", objectiveTitle(o), scoreText(o.Score()), forecastText(f))}
	for _, kr := range o.KeyResults {
		sec.Items = append(sec.Items, keyResultLine(o, kr, now))
	}
	number := strconv.FormatInt(o.Number, 10)
	buttons := []bot.Button{
		{ActionID: ActionGrade, Label: "Grade", Value: number, Style: bot.Primary},
		{ActionID: ActionCarry, Label: "Carry over", Value: number,
			Confirm: fmt.Sprintf("Close #%d with its score of %.1f and continue its unfinished key results in %s?", o.Number, okr.Round1(o.Score()), next.Name)},
	}
	if d.Step == okr.GradingPrompt {
		buttons = append(buttons, bot.Button{ActionID: ActionGradeLater, Label: "Not now", Value: number})
	}
	return &bot.Message{Summary: head.Unstyled(), Sections: []bot.Section{{Text: head}, sec, {Buttons: buttons}}}, u, nil
}

// shortNote is the longest first line of a retrospective, in characters,
// that a redrawn grading message quotes.
const shortNote = 100

// GradingAnswered is a sent grading message redrawn as answered, without
// its buttons: graded, carried over, or put off with Not now. It is nil
// when there is nothing to redraw it as: the objective is gone, or open
// and its owner did not say Not now.
func (s *Service) GradingAnswered(ctx context.Context, d store.GradingDelivery) (*bot.Message, store.User, error) {
	u, err := s.store.UserByID(ctx, d.WorkspaceID, d.UserID)
	if err != nil {
		return nil, u, err
	}
	o, err := s.store.ObjectiveByID(ctx, d.WorkspaceID, d.ObjectiveID)
	if errors.Is(err, okr.ErrNotFound) {
		return nil, u, nil
	}
	if err != nil {
		return nil, u, err
	}
	copied, err := s.store.CopyOf(ctx, d.WorkspaceID, o.ID)
	carried := err == nil
	if err != nil && !errors.Is(err, okr.ErrNotFound) {
		return nil, u, err
	}
	sec := bot.Section{Items: []bot.Text{bot.Textf("%s · %s", objectiveTitle(o), o.Period.Name)}}
	switch {
	case carried:
		to, err := s.store.ObjectiveByID(ctx, d.WorkspaceID, copied.ID)
		if err != nil {
			return nil, u, err
		}
		sec.Text = bot.Textf("Carried over to %s as #%d", to.Period.Name, to.Number)
		sec.Context = bot.Textf("#%d closed with a final score of %.1f.", o.Number, okr.Round1(o.Score()))
	case o.GradedAt != nil:
		sec.Text = bot.Textf("Graded ✓ %.1f · %s", okr.Round1(o.Score()), o.Outcome.Label())
		if line, _, _ := strings.Cut(o.Retrospective, "\n"); line != "" && utf8.RuneCountInString(line) <= shortNote {
			sec.Context = bot.Textf("“%s”", strings.TrimSpace(line))
		}
	case o.Status == okr.Closed:
		sec.Text = bot.Textf("Closed with a final score of %.1f", okr.Round1(o.Score()))
	case o.Status == okr.Archived:
		sec.Text = bot.T("Archived")
	case d.DeferredAt != nil && d.DeferredAt.Before(o.Period.EndsAt):
		sec.Text = bot.Textf("Not now — I'll remind you once if #%d is still open when %s has ended", o.Number, o.Period.Name)
		sec.Context = bot.T(bot.Code(fmt.Sprintf("/okr grade %d", o.Number)), " works any time.")
	case d.DeferredAt != nil:
		sec.Text = bot.T("Not now")
		sec.Context = bot.T(bot.Code(fmt.Sprintf("/okr grade %d", o.Number)), " or ", bot.Code(fmt.Sprintf("/okr carry %d", o.Number)), " works any time.")
	default:
		return nil, u, nil
	}
	return &bot.Message{Summary: sec.Text.Unstyled(), Sections: []bot.Section{sec}}, u, nil
}
