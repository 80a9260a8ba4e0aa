package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// maxComment bounds a check-in comment, in characters.
const maxComment = 1000

// checkInDraft is one key result's new value, read and checked.
type checkInDraft struct {
	kr         store.KeyResult
	value      float64
	confidence okr.Confidence
	comment    string
}

// /okr checkin [KR VALUE [on-track|at-risk|off-track] [comment…]]
func (s *Service) checkIn(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 {
		return s.openCheckIn(ctx, c, "")
	}
	if len(words) < 2 {
		return bot.Reply{}, refuse("Usage: `/okr checkin KR VALUE [on-track|at-risk|off-track] [comment]`, like `/okr checkin 42.1 12 at-risk pipeline is slow`.")
	}
	kr, o, err := keyResultRef(ctx, s.store, c, words[0])
	if err != nil {
		return bot.Reply{}, err
	}
	d := checkInDraft{kr: kr}
	if d.value, err = parseValue(kr, "value", words[1]); err != nil {
		return bot.Reply{}, err
	}
	rest := words[2:]
	// The confidence may be written as one word or two ("on track").
	if len(rest) > 1 {
		if conf, ok := okr.ParseConfidence(rest[0] + " " + rest[1]); ok {
			d.confidence, rest = conf, rest[2:]
		}
	}
	if len(rest) > 0 && d.confidence == "" {
		if conf, ok := okr.ParseConfidence(rest[0]); ok {
			d.confidence, rest = conf, rest[1:]
		}
	}
	d.comment = strings.Join(rest, " ")
	if err := validComment("comment", d.comment); err != nil {
		return bot.Reply{}, err
	}
	done, objectives, err := s.recordCheckIns(ctx, c, []checkInDraft{d})
	if err != nil {
		return bot.Reply{}, err
	}
	if len(objectives) == 1 {
		o = objectives[0]
	}
	return bot.Reply{Message: checkInMessage(done, o)}, nil
}

// parseValue reads a key result's new value: a number, or done/not done for
// a milestone.
func parseValue(kr store.KeyResult, field, text string) (float64, error) {
	if kr.Kind == okr.Milestone {
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "done", "yes", "1", "true", "✓":
			return 1, nil
		case "not-done", "notdone", "no", "0", "false", "open":
			return 0, nil
		}
		return 0, okr.Invalid(field, "%q is not done or not-done, which is what milestone #%d takes.", text, kr.Number)
	}
	return okr.ParseNumber(field, text)
}

func validComment(field, comment string) error {
	if n := utf8.RuneCountInString(comment); n > maxComment {
		return okr.Invalid(field, "The comment is %d characters long; keep it under %d.", n, maxComment)
	}
	return nil
}

// checkedIn is a recorded check-in with the value it replaced.
type checkedIn struct {
	kr       store.KeyResult // after the check-in
	previous float64
	checkIn  store.CheckIn
}

// recordCheckIns appends check-ins for several key results in one
// transaction: all are recorded, or none. A check-in without a confidence
// keeps the last one (on track for the first). It returns them with the
// objectives of their key results as they are now, and takes the same few
// queries however many there are.
func (s *Service) recordCheckIns(ctx context.Context, c *caller, drafts []checkInDraft) ([]checkedIn, []store.Objective, error) {
	var (
		done       []checkedIn
		objectives []store.Objective
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		done = done[:0]
		ids := make([]uint, len(drafts))
		for i, d := range drafts {
			ids[i] = d.kr.ID
		}
		var err error
		// Read again in the transaction: who may check in, and whether the
		// objective is still active, is decided on what is there now.
		if objectives, err = tx.ObjectivesOfKeyResults(ctx, c.ws.ID, ids); err != nil {
			return err
		}
		last, err := tx.LastCheckIns(ctx, c.ws.ID, ids)
		if err != nil {
			return err
		}
		h := s.changes(c)
		cis := make([]store.CheckIn, 0, len(drafts))
		for _, d := range drafts {
			o, kr, ok := findKeyResult(objectives, d.kr.ID)
			if !ok {
				return refuse("There is no key result #%d.", d.kr.Number)
			}
			if !c.mayCheckIn(*o, *kr) {
				return refuse("Only the owner of key result %s or of its objective can check in on it.", keyResultLabel(*o, *kr))
			}
			if o.Status != okr.Active {
				return refuse("Objective #%d is %s; its key results take no more check-ins.", o.Number, o.Status)
			}
			conf := d.confidence
			if conf == "" {
				conf = okr.OnTrack
				if prev, ok := last[kr.ID]; ok {
					conf = prev.Confidence
				}
			}
			ci := store.CheckIn{WorkspaceID: c.ws.ID, KeyResultID: kr.ID, AuthorID: c.user.ID, Value: d.value,
				Confidence: conf, Comment: strings.TrimSpace(d.comment), CreatedAt: s.now().UTC()}
			previous := kr.Current
			kr.Current = d.value
			cis = append(cis, ci)
			done = append(done, checkedIn{kr: *kr, previous: previous, checkIn: ci})
		}
		if err := tx.CheckIns(ctx, cis); err != nil {
			return err
		}
		for i := range done {
			done[i].checkIn.ID = cis[i].ID
			checkInChange(h, done[i].kr, done[i].previous, done[i].checkIn)
		}
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	if err == nil {
		s.answeredPrompt(ctx, c)
	}
	return done, objectives, err
}

// findKeyResult finds a key result by id among objectives, with its
// objective.
func findKeyResult(objectives []store.Objective, id uint) (*store.Objective, *store.KeyResult, bool) {
	for i := range objectives {
		o := &objectives[i]
		for j := range o.KeyResults {
			if o.KeyResults[j].ID == id {
				return o, &o.KeyResults[j], true
			}
		}
	}
	return nil, nil, false
}

// checkInChange notes a check-in in h: the key result's value before and
// after, with the confidence.
func checkInChange(h *store.Changes, kr store.KeyResult, previous float64, ci store.CheckIn) {
	h.Add(store.SubjectKeyResult, kr.ID, store.ActionCheckIn, fieldValue, valueOf(kr, previous), valueOf(kr, ci.Value)+" ("+ci.Confidence.Label()+")")
}

// checkInMessage confirms check-ins and shows where the objective now stands.
func checkInMessage(done []checkedIn, o store.Objective) *bot.Message {
	var sec bot.Section
	for _, d := range done {
		for i := range o.KeyResults {
			if o.KeyResults[i].ID == d.kr.ID {
				o.KeyResults[i] = d.kr
			}
		}
		was := d.kr
		was.Current = d.previous
		label := fmt.Sprintf("#%d", d.kr.Number)
		if o.ID == d.kr.ObjectiveID {
			label = keyResultLabel(o, d.kr)
		}
		sec.Items = append(sec.Items, bot.Textf("✅ Checked in `%s` %s: %s → %s · %s · %s",
			label, d.kr.Title, MeasureText(was), MeasureText(d.kr), scoreText(d.kr.Progress()), d.checkIn.Confidence.Label()))
	}
	if o.ID != 0 {
		sec.Items = append(sec.Items, bot.Textf("Objective #%d %s is now %s.", o.Number, o.Title, scoreText(o.Score())))
	}
	return &bot.Message{Summary: bot.Textf("Checked in on %d key result%s.", len(done), plural(len(done))),
		Sections: []bot.Section{sec}}
}

// maxCheckInRows keeps the check-in form within a modal's 100 blocks (a note
// and three inputs a key result).
const maxCheckInRows = 20

func checkInField(number int64, part string) string { return fmt.Sprintf("kr_%d_%s", number, part) }

// openCheckIn opens the Check-in form for the key results the caller may
// check in on: of one objective when objective is set, else all of theirs.
func (s *Service) openCheckIn(ctx context.Context, c *caller, objective string) (bot.Reply, error) {
	var krs []store.KeyResult
	if objective != "" {
		o, err := objectiveRef(ctx, s.store, c, objective, false)
		if err != nil {
			return bot.Reply{}, err
		}
		for _, kr := range o.KeyResults {
			if c.mayCheckIn(o, kr) {
				krs = append(krs, kr)
			}
		}
		if len(krs) == 0 {
			return bot.Reply{}, refuse("Only the owners of objective #%d and its key results can check in on them.", o.Number)
		}
	} else {
		var err error
		if krs, err = s.store.CheckInKeyResults(ctx, c.ws.ID, c.user.ID); err != nil {
			return bot.Reply{}, err
		}
		if len(krs) == 0 {
			return bot.Say(bot.Textf("You own no key results of active objectives, so there is nothing to check in on. `/okr list all` shows everyone's.")), nil
		}
	}
	return s.checkInForm(ctx, c.ws.ID, krs)
}

func (s *Service) checkInForm(ctx context.Context, workspaceID uint, krs []store.KeyResult) (bot.Reply, error) {
	ids := make([]uint, len(krs))
	for i, kr := range krs {
		ids[i] = kr.ID
	}
	last, err := s.store.LastCheckIns(ctx, workspaceID, ids)
	if err != nil {
		return bot.Reply{}, err
	}
	form := &bot.Form{CallbackID: CallbackCheckIn, Title: "Check in", SubmitText: "Check in",
		Fallback: bot.Textf("In a chat window, check in with `/okr checkin KR VALUE [on-track|at-risk|off-track] [comment]`, one key result at a time:")}
	var numbers []string
	for i, kr := range krs {
		if i == maxCheckInRows {
			form.Fields = append(form.Fields, bot.Field{Kind: bot.Note, ID: "more",
				Note: bot.T(bot.Italic(bot.Textf("%d more key results: check in on them one at a time with `/okr checkin KR VALUE`.", len(krs)-i)))})
			break
		}
		n := kr.Number
		numbers = append(numbers, strconv.FormatInt(n, 10))
		conf := okr.OnTrack
		if prev, ok := last[kr.ID]; ok {
			conf = prev.Confidence
		}
		form.Fallback = append(form.Fallback, bot.Textf("\n• `/okr checkin %d VALUE` for %s (now %s)", n, kr.Title, MeasureText(kr))...)
		value := bot.Field{ID: checkInField(n, "value"), Kind: bot.TextInput, Optional: true,
			Label: fmt.Sprintf("#%d %s", n, kr.Title), Placeholder: okr.FormatNumber(kr.Current),
			Hint: fmt.Sprintf("Now %s. Leave empty to skip.", MeasureText(kr))}
		if kr.Kind == okr.Milestone {
			value.Kind, value.Placeholder = bot.Select, ""
			value.Options = []bot.Option{{Value: "done", Label: "Done"}, {Value: "not-done", Label: "Not done"}}
		}
		form.Fields = append(form.Fields, value,
			bot.Field{ID: checkInField(n, "confidence"), Label: "Confidence", Kind: bot.Select, Initial: string(conf),
				Options: []bot.Option{{Value: string(okr.OnTrack), Label: "On track"}, {Value: string(okr.AtRisk), Label: "At risk"}, {Value: string(okr.OffTrack), Label: "Off track"}}},
			bot.Field{ID: checkInField(n, "comment"), Label: "Comment", Kind: bot.TextInput, Optional: true},
		)
	}
	form.State = strings.Join(numbers, ",")
	return bot.Reply{Form: form}, nil
}

func (s *Service) submitCheckIn(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	type entry struct {
		number int64
		text   string
	}
	var (
		entries []entry
		numbers []int64
		first   string
	)
	for _, word := range strings.Split(sub.State, ",") {
		n, err := strconv.ParseInt(word, 10, 64)
		if err != nil {
			continue
		}
		valueField := checkInField(n, "value")
		if first == "" {
			first = valueField
		}
		if text := strings.TrimSpace(sub.Values[valueField]); text != "" {
			entries = append(entries, entry{n, text})
			numbers = append(numbers, n)
		}
	}
	if len(entries) == 0 {
		if first == "" {
			return bot.SubmitResult{}, fmt.Errorf("check-in form without key results")
		}
		return bot.SubmitResult{Errors: map[string]string{first: "Enter a new value for at least one key result."}}, nil
	}
	krs, err := s.store.KeyResultsByNumber(ctx, c.ws.ID, numbers)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	errs := map[string]string{}
	var drafts []checkInDraft
	for _, e := range entries {
		kr, ok := krs[e.number]
		if !ok {
			return bot.SubmitResult{}, fmt.Errorf("check-in form: key result #%d: %w", e.number, okr.ErrNotFound)
		}
		d := checkInDraft{kr: kr, comment: sub.Values[checkInField(e.number, "comment")]}
		if d.value, err = parseValue(kr, "Value", e.text); err != nil {
			errs[checkInField(e.number, "value")] = err.Error()
			continue
		}
		if err := validComment("Comment", d.comment); err != nil {
			errs[checkInField(e.number, "comment")] = err.Error()
			continue
		}
		d.confidence, _ = okr.ParseConfidence(sub.Values[checkInField(e.number, "confidence")])
		drafts = append(drafts, d)
	}
	if len(errs) > 0 {
		return bot.SubmitResult{Errors: errs}, nil
	}
	done, objectives, err := s.recordCheckIns(ctx, c, drafts)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	// With key results of one objective, the objective's new score is
	// shown too.
	var o store.Objective
	if len(objectives) == 1 {
		o = objectives[0]
	}
	return bot.SubmitResult{Message: checkInMessage(done, o)}, nil
}
