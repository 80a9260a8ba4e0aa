package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Field ids of the objective forms.
const (
	fieldTitle       = "title"
	fieldDescription = "description"
	fieldPeriod      = "period"
	fieldTeam        = "team"
	fieldOwner       = "owner"
	fieldParent      = "parent"
)

// Key-result rows of the New objective form: three to start with, up to
// seven with "Add key result".
const (
	startRows = 3
	maxRows   = 7
)

func rowField(row int, part string) string { return fmt.Sprintf("kr%d_%s", row, part) }

var newObjectiveFallback = bot.Textf("In a chat window, use `/okr new \"Title\" [--period 2026-Q4] [--team Sales] [--parent ID] [--owner @user]`, then `/okr kr ID \"Key result\" --target 100` for each key result.")

// newObjectiveForm builds the New objective form with rows key-result rows,
// filled with values when it is rebuilt after "Add key result".
func (s *Service) newObjectiveForm(ctx context.Context, c *caller, rows int, values map[string]string) (bot.Reply, error) {
	if values == nil {
		values = map[string]string{fieldOwner: c.user.PlatformID, fieldPeriod: s.quarter().Name}
	}
	form := &bot.Form{CallbackID: CallbackNewObjective, Title: "New objective", SubmitText: "Create",
		State: strconv.Itoa(rows), Fallback: newObjectiveFallback}
	form.Fields = []bot.Field{
		{ID: fieldTitle, Label: "Objective", Kind: bot.TextInput, Initial: values[fieldTitle],
			Placeholder: "Create wildly loyal customers", Hint: "Qualitative and inspiring; the key results make it measurable."},
		{ID: fieldDescription, Label: "Description", Kind: bot.LongText, Optional: true, Initial: values[fieldDescription]},
		{ID: fieldPeriod, Label: "Period", Kind: bot.Select, Options: periodOptions(s.quarter()), Initial: values[fieldPeriod]},
		{ID: fieldTeam, Label: "Team", Kind: bot.TextInput, Optional: true, Initial: values[fieldTeam],
			Hint: "A name okrbot has not seen yet creates the team."},
		{ID: fieldOwner, Label: "Owner", Kind: bot.UserSelect, Initial: values[fieldOwner]},
	}
	parents, err := s.parentOptions(ctx, c)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(parents) > 0 {
		form.Fields = append(form.Fields, bot.Field{ID: fieldParent, Label: "Aligned to (parent objective)", Kind: bot.Select,
			Optional: true, Options: parents, Initial: values[fieldParent]})
	}
	for row := 1; row <= rows; row++ {
		form.Fields = append(form.Fields,
			bot.Field{ID: rowField(row, "title"), Label: fmt.Sprintf("Key result %d", row), Kind: bot.TextInput, Optional: true,
				Initial: values[rowField(row, "title")], Placeholder: "Raise NPS"},
			bot.Field{ID: rowField(row, "start"), Label: "Start", Kind: bot.TextInput, Optional: true,
				Initial: values[rowField(row, "start")], Placeholder: "0"},
			bot.Field{ID: rowField(row, "target"), Label: "Target", Kind: bot.TextInput, Optional: true,
				Initial: values[rowField(row, "target")], Placeholder: "40"},
			bot.Field{ID: rowField(row, "unit"), Label: "Unit", Kind: bot.TextInput, Optional: true,
				Initial: values[rowField(row, "unit")], Placeholder: "%, $, customers"},
		)
	}
	if rows < maxRows {
		form.Fields = append(form.Fields, bot.Field{ID: "add_key_result", Label: "Add key result", Kind: bot.ActionButton, ActionID: ActionAddKeyResult})
	}
	return bot.Reply{Form: form}, nil
}

// periodOptions are this quarter and the next three.
func periodOptions(now okr.Period) []bot.Option {
	opts := make([]bot.Option, 4)
	for i, p := 0, now; i < len(opts); i, p = i+1, p.Next() {
		opts[i] = bot.Option{Value: p.Name, Label: p.Name}
	}
	return opts
}

// parentOptions offers the workspace's active objectives to align to; a
// select holds at most 100, so the newest 100.
func (s *Service) parentOptions(ctx context.Context, c *caller) ([]bot.Option, error) {
	os, err := s.store.Objectives(ctx, c.ws.ID, store.ObjectiveFilter{Statuses: []okr.Status{okr.Active}})
	if err != nil {
		return nil, err
	}
	if len(os) > 100 {
		os = os[len(os)-100:]
	}
	opts := make([]bot.Option, len(os))
	for i, o := range os {
		opts[i] = bot.Option{Value: strconv.FormatInt(o.Number, 10), Label: fmt.Sprintf("#%d %s", o.Number, o.Title)}
	}
	return opts, nil
}

// addKeyResultRow rebuilds the New objective form with one more row,
// keeping what was typed.
func (s *Service) addKeyResultRow(ctx context.Context, c *caller, act bot.Action) (bot.Reply, error) {
	if act.Form == nil {
		return bot.Reply{}, fmt.Errorf("add key result outside a form")
	}
	rows, _ := strconv.Atoi(act.Form.State)
	rows = min(max(rows, startRows)+1, maxRows)
	return s.newObjectiveForm(ctx, c, rows, act.Form.Values)
}

func (s *Service) submitNewObjective(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	v := sub.Values
	d := objectiveDraft{title: v[fieldTitle], description: v[fieldDescription], period: v[fieldPeriod],
		team: v[fieldTeam], parent: v[fieldParent]}
	d.ownerID = v[fieldOwner]
	errs := map[string]string{}
	if err := okr.ValidateTitle("objective", d.title); err != nil {
		errs[fieldTitle] = err.Error()
	}
	rows, _ := strconv.Atoi(sub.State)
	for row := 1; row <= min(rows, maxRows); row++ {
		title, start, target, unit := v[rowField(row, "title")], v[rowField(row, "start")], v[rowField(row, "target")], v[rowField(row, "unit")]
		if strings.TrimSpace(title+start+target+unit) == "" {
			continue
		}
		if err := okr.ValidateTitle("key result", title); err != nil {
			errs[rowField(row, "title")] = err.Error()
			continue
		}
		m, err := parseMeasure("Start", start, "Target", target, unit)
		if err != nil {
			field := rowField(row, "target")
			if ve, ok := err.(*okr.ValidationError); ok && ve.Field == "Start" {
				field = rowField(row, "start")
			} else if ok && ve.Field == "unit" {
				field = rowField(row, "unit")
			}
			errs[field] = err.Error()
			continue
		}
		d.keyResults = append(d.keyResults, keyResultDraft{title: title, measure: m, weight: 1})
	}
	if len(errs) > 0 {
		return bot.SubmitResult{Errors: errs}, nil
	}
	o, notes, err := s.createObjective(ctx, c, d, formFields)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	msg, err := s.objectiveMessage(context.WithoutCancel(ctx), o, bot.Textf("✅ Created objective #%d.", o.Number), notes...)
	return bot.SubmitResult{Message: msg}, err
}
