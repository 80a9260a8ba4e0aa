package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// ownerIDChange is the change of an objective's owner to a person a form's
// picker chose, by their platform id.
const ownerIDChange = "owner_id"

var (
	objectiveEditFlags = []string{"title", "description", "team", "owner", "parent", "period"}
	keyResultEditFlags = []string{"title", "target", "start", "unit", "owner", "weight"}
)

// /okr edit ID [--title …] …: with no options opens the Edit form; an
// objective's or a key result's options change it directly.
func (s *Service) edit(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 {
		return bot.Reply{}, refuse("Usage: `/okr edit ID`, or with options: `/okr edit 42 --title \"New title\"`, `/okr edit 42.1 --target 30`.")
	}
	target, err := s.editTarget(ctx, c, words[0])
	if err != nil {
		return bot.Reply{}, err
	}
	if target.kr == nil {
		a, err := parseArgs("/okr edit", words[1:], objectiveEditFlags, nil)
		if err != nil {
			return bot.Reply{}, err
		}
		if len(a.flags) == 0 {
			return s.openEdit(ctx, c, words[0])
		}
		return s.editObjective(ctx, c, target.objective, a.flags)
	}
	a, err := parseArgs("/okr edit", words[1:], keyResultEditFlags, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.flags) == 0 {
		return bot.Reply{}, refuse("What should change? Like `/okr edit %s --target 30`. Options: --%s.", keyResultLabel(target.objective, *target.kr), strings.Join(keyResultEditFlags, ", --"))
	}
	return s.editKeyResult(ctx, c, target.objective, *target.kr, a.flags)
}

type editTarget struct {
	objective store.Objective
	kr        *store.KeyResult
}

// editTarget finds what a number refers to: an objective, or a key result.
func (s *Service) editTarget(ctx context.Context, c *caller, word string) (editTarget, error) {
	r, err := parseRef("id", word)
	if err != nil {
		return editTarget{}, err
	}
	if r.Position == 0 {
		o, err := s.store.Objective(ctx, c.ws.ID, r.Number)
		if err == nil {
			return editTarget{objective: o}, nil
		}
		if !errors.Is(err, okr.ErrNotFound) {
			return editTarget{}, err
		}
	}
	kr, o, err := keyResultRef(ctx, s.store, c, word)
	return editTarget{objective: o, kr: &kr}, err
}

// editObjective applies option changes to an objective.
func (s *Service) editObjective(ctx context.Context, c *caller, o store.Objective, flags map[string]string) (bot.Reply, error) {
	o, err := s.updateObjective(ctx, c, strconv.FormatInt(o.Number, 10), flags, flagFields)
	if err != nil {
		return bot.Reply{}, err
	}
	return s.objectiveReply(ctx, o, bot.Textf("✏️ Updated objective #%d.", o.Number))
}

// updateObjective reads the objective named by word again inside one
// transaction, checks who is asking, applies the changes (keys are option
// names) and returns it as saved.
func (s *Service) updateObjective(ctx context.Context, c *caller, word string, changes map[string]string, f draftFields) (store.Objective, error) {
	o, err := s.changeObjective(ctx, c, word, "edit", func(tx *store.Store, o *store.Objective) error {
		h := s.changes(c)
		if err := s.applyObjectiveChanges(ctx, tx, c, o, changes, f, h); err != nil {
			return err
		}
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	if err != nil {
		return o, err
	}
	// It is saved: a deadline now must not report it as not done.
	return s.store.ObjectiveByID(context.WithoutCancel(ctx), c.ws.ID, o.ID)
}

// applyObjectiveChanges sets the fields present in changes, saves just
// those columns, and notes each change in h.
func (s *Service) applyObjectiveChanges(ctx context.Context, tx *store.Store, c *caller, o *store.Objective, changes map[string]string, f draftFields, h *store.Changes) error {
	var fields []store.ObjectiveField
	edited := func(field, old, new string) { h.Add(store.SubjectObjective, o.ID, store.ActionEdited, field, old, new) }
	if v, ok := changes["title"]; ok {
		if err := okr.ValidateTitle(f.title, v); err != nil {
			return err
		}
		edited("title", o.Title, strings.TrimSpace(v))
		o.Title, fields = strings.TrimSpace(v), append(fields, store.ObjectiveTitle)
	}
	if v, ok := changes["description"]; ok {
		if err := validDescription(f.description, v); err != nil {
			return err
		}
		edited("description", o.Description, strings.TrimSpace(v))
		o.Description, fields = strings.TrimSpace(v), append(fields, store.ObjectiveDescription)
	}
	if v, ok := changes["period"]; ok {
		p, err := s.period(ctx, tx, c, v, okr.QuarterOf(o.Period.StartsAt))
		if err != nil {
			return relabel(err, f.period)
		}
		edited("period", o.Period.Name, p.Name)
		o.PeriodID, fields = p.ID, append(fields, store.ObjectivePeriod)
	}
	if v, ok := changes["team"]; ok {
		old := ""
		if o.Team != nil {
			old = o.Team.Name
		}
		o.TeamID, fields = nil, append(fields, store.ObjectiveTeam)
		name, err := c.teamName(f.team, v)
		if err != nil {
			return err
		}
		if name != "" && !strings.EqualFold(name, "none") {
			t, _, err := tx.EnsureTeam(ctx, c.ws.ID, name)
			if err != nil {
				return err
			}
			o.TeamID, name = &t.ID, t.Name
		} else {
			name = ""
		}
		edited("team", old, name)
	}
	word, named := changes["owner"]
	picked, chosen := changes[ownerIDChange]
	if named || chosen {
		u, err := ownerOf(ctx, tx, c, f.owner, word, picked)
		if err != nil {
			return err
		}
		h.Add(store.SubjectObjective, o.ID, store.ActionOwnerChanged, fieldOwnerHistory, o.Owner.PlatformID, u.PlatformID)
		o.OwnerID, fields = u.ID, append(fields, store.ObjectiveOwner)
	}
	if v, ok := changes["parent"]; ok {
		old, err := parentLabel(ctx, tx, *o)
		if err != nil {
			return err
		}
		if err := setParent(ctx, tx, c, o, strings.TrimSpace(v), f.parent); err != nil {
			return err
		}
		new, err := parentLabel(ctx, tx, *o)
		if err != nil {
			return err
		}
		edited("parent", old, new)
		fields = append(fields, store.ObjectiveParent)
	}
	return tx.UpdateObjective(ctx, o, fields...)
}

// parentLabel is the objective o aligns to, as its history names it:
// "#12", or "" for none.
func parentLabel(ctx context.Context, tx *store.Store, o store.Objective) (string, error) {
	if o.ParentID == nil {
		return "", nil
	}
	p, err := tx.ObjectivesByIDs(ctx, o.WorkspaceID, []uint{*o.ParentID})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("#%d", p[*o.ParentID].Number), nil
}

// setParent aligns o to the objective numbered word, or to none for "" and
// "none". Naming the current parent again changes nothing, even when it is
// no longer active (and so not offered in the form).
func setParent(ctx context.Context, tx *store.Store, c *caller, o *store.Objective, word, field string) error {
	if word == "" || strings.EqualFold(word, "none") {
		o.ParentID = nil
		return nil
	}
	parent, err := objectiveRef(ctx, tx, c, word, false)
	if err != nil {
		return relabel(err, field)
	}
	if o.ParentID != nil && *o.ParentID == parent.ID {
		return nil
	}
	if err := checkNoLoop(ctx, tx, *o, parent); err != nil {
		return relabel(err, field)
	}
	o.ParentID = &parent.ID
	return nil
}

// checkNoLoop refuses to align an objective to itself or to one of the
// objectives aligned under it.
func checkNoLoop(ctx context.Context, tx *store.Store, o, parent store.Objective) error {
	if parent.ID == o.ID {
		return okr.Invalid("parent", "Objective #%d cannot align to itself.", o.Number)
	}
	for p, depth := parent, 0; depth < 100; depth++ {
		if p.ID == o.ID {
			return okr.Invalid("parent", "Objective #%d cannot align to #%d: #%d is aligned under it.", o.Number, parent.Number, parent.Number)
		}
		if p.ParentID == nil {
			return nil
		}
		next, err := tx.ObjectiveByID(ctx, o.WorkspaceID, *p.ParentID)
		if err != nil {
			return err
		}
		p = next
	}
	return nil
}

// editKeyResult applies option changes to a key result, read again inside
// the transaction. A closed or archived objective keeps its key results'
// measures: its final score was taken from them.
func (s *Service) editKeyResult(ctx context.Context, c *caller, o store.Objective, kr store.KeyResult, flags map[string]string) (bot.Reply, error) {
	label := keyResultLabel(o, kr)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if kr, o, err = keyResultRef(ctx, tx, c, strconv.FormatInt(kr.Number, 10)); err != nil {
			return err
		}
		if !c.mayChangeKeyResult(o, kr) {
			return c.notAdmin(refuse("Only the owner of key result %s, of its objective, or an admin can edit it.", label))
		}
		before := kr
		var fields []store.KeyResultField
		if v, ok := flags["title"]; ok {
			if err := okr.ValidateTitle("title", v); err != nil {
				return err
			}
			kr.Title, fields = strings.TrimSpace(v), append(fields, store.KeyResultTitle)
		}
		measure := map[string]store.KeyResultField{"start": store.KeyResultStart, "target": store.KeyResultTarget,
			"unit": store.KeyResultUnit, "weight": store.KeyResultWeight}
		for flag, field := range measure {
			if _, ok := flags[flag]; ok {
				if o.Status != okr.Active {
					return refuse("Objective #%d is %s: the measures of its key results stay as they were scored.", o.Number, o.Status)
				}
				fields = append(fields, field)
			}
		}
		if err := applyMeasureChanges(&kr, label, flags); err != nil {
			return err
		}
		if v, ok := flags["owner"]; ok {
			kr.OwnerID, kr.Owner, fields = nil, nil, append(fields, store.KeyResultOwner)
			if !strings.EqualFold(strings.TrimSpace(v), "none") {
				u, err := person(ctx, tx, c, "--owner", v)
				if err != nil {
					return err
				}
				kr.OwnerID, kr.Owner = &u.ID, &u
			}
		}
		if err := tx.UpdateKeyResult(ctx, &kr, fields...); err != nil {
			return err
		}
		h := s.changes(c)
		keyResultChanges(h, before, kr)
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if o, err = s.store.ObjectiveByID(ctx, c.ws.ID, o.ID); err != nil {
		return bot.Reply{}, err
	}
	return s.objectiveReply(ctx, o, bot.Textf("✏️ Updated key result %s.", label))
}

// keyResultChanges notes in h what changed from before to after.
func keyResultChanges(h *store.Changes, before, after store.KeyResult) {
	edited := func(action store.HistoryAction, field, old, new string) {
		h.Add(store.SubjectKeyResult, after.ID, action, field, old, new)
	}
	edited(store.ActionEdited, "title", before.Title, after.Title)
	// A new unit alone does not move the start or the target.
	if before.Start != after.Start {
		edited(store.ActionEdited, "start", okr.FormatValue(before.Start, before.Unit), okr.FormatValue(after.Start, after.Unit))
	}
	if before.Target != after.Target {
		edited(store.ActionTargetChanged, "target", okr.FormatValue(before.Target, before.Unit), okr.FormatValue(after.Target, after.Unit))
	}
	edited(store.ActionEdited, "unit", before.Unit, after.Unit)
	edited(store.ActionEdited, "weight", okr.FormatNumber(before.Weight), okr.FormatNumber(after.Weight))
	edited(store.ActionOwnerChanged, fieldOwnerHistory, platformIDOf(before.Owner), platformIDOf(after.Owner))
}

// applyMeasureChanges sets the start, target, unit and weight given in
// flags, keeping the stored values of the others exactly.
func applyMeasureChanges(kr *store.KeyResult, label string, flags map[string]string) error {
	_, start := flags["start"]
	_, target := flags["target"]
	_, unit := flags["unit"]
	if (start || target || unit) && kr.Kind == okr.Milestone {
		return refuse("Key result %s is a milestone (done or not done): it has no start, target or unit.", label)
	}
	var err error
	if start {
		if kr.Start, err = okr.ParseNumber("--start", flags["start"]); err != nil {
			return err
		}
	}
	if target {
		if kr.Target, err = okr.ParseNumber("--target", flags["target"]); err != nil {
			return err
		}
	}
	if unit {
		if kr.Unit, err = parseUnit(flags["unit"]); err != nil {
			return err
		}
	}
	if v, ok := flags["weight"]; ok {
		if kr.Weight, err = parseWeight(v); err != nil {
			return err
		}
	}
	return nil
}

// openEdit opens the Edit objective form.
func (s *Service) openEdit(ctx context.Context, c *caller, word string) (bot.Reply, error) {
	o, err := objectiveRef(ctx, s.store, c, word, false)
	if err != nil {
		return bot.Reply{}, err
	}
	if !c.mayChange(o) {
		return bot.Reply{}, c.notAdmin(onlyOwner(o, "edit"))
	}
	parents, err := s.parentOptions(ctx, c)
	if err != nil {
		return bot.Reply{}, err
	}
	team, parent := "", ""
	if o.Team != nil {
		team = o.Team.Name
	}
	if o.ParentID != nil {
		p, err := s.store.ObjectiveByID(ctx, c.ws.ID, *o.ParentID)
		if err != nil {
			return bot.Reply{}, err
		}
		parent = strconv.FormatInt(p.Number, 10)
		// Offer the current parent even when it is closed or not among the
		// newest, so that saving the form keeps the alignment.
		if !slices.ContainsFunc(parents, func(opt bot.Option) bool { return opt.Value == parent }) {
			parents = append(parents, bot.Option{Value: parent, Label: fmt.Sprintf("#%d %s", p.Number, p.Title)})
		}
	}
	own := strconv.FormatInt(o.Number, 10)
	for i, p := range parents {
		if p.Value == own {
			parents = append(parents[:i], parents[i+1:]...)
			break
		}
	}
	form := &bot.Form{CallbackID: CallbackEditObjective, Title: fmt.Sprintf("Edit #%d", o.Number), SubmitText: "Save", State: own,
		Fallback: bot.Textf("In a chat window, edit with options: `/okr edit %d --title \"New title\" --description \"…\" --team NAME --owner @user --parent ID`; key results with `/okr edit %d.1 --target N`.", o.Number, o.Number)}
	form.Fields = []bot.Field{
		{ID: fieldTitle, Label: "Objective", Kind: bot.TextInput, Initial: o.Title},
		{ID: fieldDescription, Label: "Description", Kind: bot.LongText, Optional: true, Initial: o.Description},
		{ID: fieldTeam, Label: "Team", Kind: bot.TextInput, Optional: true, Initial: team, Hint: "A name okrbot has not seen yet creates the team."},
		{ID: fieldOwner, Label: "Owner", Kind: bot.UserSelect, Initial: o.Owner.PlatformID},
	}
	if len(parents) > 0 {
		form.Fields = append(form.Fields, bot.Field{ID: fieldParent, Label: "Aligned to (parent objective)", Kind: bot.Select, Optional: true, Options: parents, Initial: parent})
	}
	form.Fields = append(form.Fields, bot.Field{ID: "kr_note", Kind: bot.Note,
		Note: bot.Textf("Key results change with `/okr edit %d.1 --target N` and friends.", o.Number)})
	return bot.Reply{Form: form}, nil
}

func (s *Service) submitEditObjective(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	v := sub.Values
	changes := map[string]string{"title": v[fieldTitle], "description": v[fieldDescription], "team": v[fieldTeam], "parent": v[fieldParent]}
	if id := v[fieldOwner]; id != "" {
		changes[ownerIDChange] = id
	}
	o, err := s.updateObjective(ctx, c, sub.State, changes, formFields)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	msg, err := s.objectiveMessage(context.WithoutCancel(ctx), o, bot.Textf("✏️ Updated objective #%d.", o.Number))
	return bot.SubmitResult{Message: msg}, err
}
