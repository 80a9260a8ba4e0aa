package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

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

// editObjective applies option changes to an objective in one transaction.
func (s *Service) editObjective(ctx context.Context, c *caller, o store.Objective, flags map[string]string) (bot.Reply, error) {
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if !c.mayChange(o) {
			return refuse("Only the owner of objective #%d (%s) or an admin can edit it.", o.Number, bot.Mention(o.Owner.PlatformID))
		}
		return applyObjectiveChanges(ctx, tx, c, &o, flags, flagFields)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if o, err = s.store.ObjectiveByID(ctx, c.ws.ID, o.ID); err != nil {
		return bot.Reply{}, err
	}
	return s.objectiveReply(ctx, o, fmt.Sprintf("✏️ Updated objective #%d.", o.Number))
}

// applyObjectiveChanges sets the fields present in changes (keys are the
// option names) and saves the objective.
func applyObjectiveChanges(ctx context.Context, tx *store.Store, c *caller, o *store.Objective, changes map[string]string, f draftFields) error {
	if v, ok := changes["title"]; ok {
		if err := okr.ValidateTitle(f.title, v); err != nil {
			return err
		}
		o.Title = strings.TrimSpace(v)
	}
	if v, ok := changes["description"]; ok {
		o.Description = strings.TrimSpace(v)
	}
	if v, ok := changes["period"]; ok {
		p, err := period(ctx, tx, c, v, okr.QuarterOf(o.Period.StartsAt))
		if err != nil {
			return relabel(err, f.period)
		}
		o.PeriodID = p.ID
	}
	if v, ok := changes["team"]; ok {
		o.TeamID = nil
		if name := strings.TrimSpace(strings.TrimPrefix(v, "#")); name != "" && !strings.EqualFold(name, "none") {
			t, _, err := tx.EnsureTeam(ctx, c.ws.ID, name)
			if err != nil {
				return err
			}
			o.TeamID = &t.ID
		}
	}
	if v, ok := changes["owner"]; ok {
		u, err := person(ctx, tx, c, f.owner, v)
		if err != nil {
			return err
		}
		o.OwnerID = u.ID
	}
	if v, ok := changes["parent"]; ok {
		o.ParentID = nil
		if v = strings.TrimSpace(v); v != "" && !strings.EqualFold(v, "none") {
			parent, err := objectiveRef(ctx, tx, c, v, false)
			if err != nil {
				return relabel(err, f.parent)
			}
			if err := checkNoLoop(ctx, tx, *o, parent); err != nil {
				return relabel(err, f.parent)
			}
			o.ParentID = &parent.ID
		}
	}
	return tx.UpdateObjective(ctx, o)
}

// checkNoLoop refuses to align an objective to itself or to one of the
// objectives aligned under it.
func checkNoLoop(ctx context.Context, tx *store.Store, o, parent store.Objective) error {
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

// editKeyResult applies option changes to a key result.
func (s *Service) editKeyResult(ctx context.Context, c *caller, o store.Objective, kr store.KeyResult, flags map[string]string) (bot.Reply, error) {
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if !c.mayChangeKeyResult(o, kr) {
			return refuse("Only the owner of key result %s, of its objective, or an admin can edit it.", keyResultLabel(o, kr))
		}
		if v, ok := flags["title"]; ok {
			if err := okr.ValidateTitle("title", v); err != nil {
				return err
			}
			kr.Title = strings.TrimSpace(v)
		}
		_, target := flags["target"]
		_, start := flags["start"]
		_, unit := flags["unit"]
		if target || start || unit {
			if kr.Kind == okr.Milestone {
				return refuse("Key result %s is a milestone (done or not done): it has no start, target or unit.", keyResultLabel(o, kr))
			}
			start, target, unit := orDefault(flags, "start", okr.FormatNumber(kr.Start)), orDefault(flags, "target", okr.FormatNumber(kr.Target)), orDefault(flags, "unit", kr.Unit)
			m, err := parseMeasure("--start", start, "--target", target, unit)
			if err != nil {
				return err
			}
			kr.Start, kr.Target, kr.Unit = m.Start, m.Target, m.Unit
		}
		if v, ok := flags["weight"]; ok {
			w, err := okr.ParseNumber("--weight", v)
			if err != nil {
				return err
			}
			if w <= 0 {
				return okr.Invalid("weight", "--weight must be above 0, not %q.", v)
			}
			kr.Weight = w
		}
		if v, ok := flags["owner"]; ok {
			kr.OwnerID = nil
			if !strings.EqualFold(strings.TrimSpace(v), "none") {
				u, err := person(ctx, tx, c, "--owner", v)
				if err != nil {
					return err
				}
				kr.OwnerID = &u.ID
			}
		}
		return tx.UpdateKeyResult(ctx, &kr)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if o, err = s.store.ObjectiveByID(ctx, c.ws.ID, o.ID); err != nil {
		return bot.Reply{}, err
	}
	return s.objectiveReply(ctx, o, fmt.Sprintf("✏️ Updated key result %s.", keyResultLabel(o, kr)))
}

func orDefault(flags map[string]string, key, def string) string {
	if v, ok := flags[key]; ok {
		return v
	}
	return def
}

// openEdit opens the Edit objective form.
func (s *Service) openEdit(ctx context.Context, c *caller, word string) (bot.Reply, error) {
	o, err := objectiveRef(ctx, s.store, c, word, false)
	if err != nil {
		return bot.Reply{}, err
	}
	if !c.mayChange(o) {
		return bot.Reply{}, refuse("Only the owner of objective #%d (%s) or an admin can edit it.", o.Number, bot.Mention(o.Owner.PlatformID))
	}
	team, parent := "", ""
	if o.Team != nil {
		team = o.Team.Name
	}
	if o.ParentID != nil {
		if p, err := s.store.ObjectiveByID(ctx, c.ws.ID, *o.ParentID); err == nil {
			parent = strconv.FormatInt(p.Number, 10)
		}
	}
	parents, err := s.parentOptions(ctx, c)
	if err != nil {
		return bot.Reply{}, err
	}
	own := strconv.FormatInt(o.Number, 10)
	for i, p := range parents {
		if p.Value == own {
			parents = append(parents[:i], parents[i+1:]...)
			break
		}
	}
	form := &bot.Form{CallbackID: CallbackEditObjective, Title: fmt.Sprintf("Edit #%d", o.Number), SubmitText: "Save", State: own,
		Fallback: fmt.Sprintf("In a chat window, edit with options: `/okr edit %d --title \"New title\" --description \"…\" --team NAME --owner @user --parent ID`; key results with `/okr edit %d.1 --target N`.", o.Number, o.Number)}
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
		Label: fmt.Sprintf("Key results change with `/okr edit %d.1 --target N` and friends.", o.Number)})
	return bot.Reply{Form: form}, nil
}

func (s *Service) submitEditObjective(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	o, err := objectiveRef(ctx, s.store, c, sub.State, false)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	v := sub.Values
	changes := map[string]string{"title": v[fieldTitle], "description": v[fieldDescription], "team": v[fieldTeam], "parent": v[fieldParent]}
	if id := v[fieldOwner]; id != "" {
		changes["owner"] = "<@" + id + ">"
	}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if !c.mayChange(o) {
			return refuse("Only the owner of objective #%d or an admin can edit it.", o.Number)
		}
		return applyObjectiveChanges(ctx, tx, c, &o, changes, formFields)
	})
	if err != nil {
		return bot.SubmitResult{}, err
	}
	if o, err = s.store.ObjectiveByID(ctx, c.ws.ID, o.ID); err != nil {
		return bot.SubmitResult{}, err
	}
	msg, err := s.objectiveMessage(ctx, o, fmt.Sprintf("✏️ Updated objective #%d.", o.Number))
	return bot.SubmitResult{Message: msg}, err
}
