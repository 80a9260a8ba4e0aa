package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// importComment is the comment of the check-ins an import records.
const importComment = "From an import"

// apply writes a checked import in one transaction: people okrbot meets
// and the emails it learnt, then objectives in the file's order (so their
// numbers follow it), then alignments, which may point at an objective
// further down the file. Each change lands in the history.
func (im *okrImport) apply(ctx context.Context, objectives []*importObjective) error {
	s, c := im.s, im.c
	return s.store.InTx(ctx, func(tx *store.Store) error {
		h := &store.Changes{By: store.Actor{Platform: "import"}, At: s.now()}
		for _, f := range im.people {
			p := f.person
			if p == nil {
				continue
			}
			if p.user.ID == 0 {
				u, err := tx.MentionUser(ctx, c.ws.ID, p.user.PlatformID, p.user.Name)
				if err != nil {
					return err
				}
				p.user.ID = u.ID
			}
			if p.email != "" && !strings.EqualFold(p.user.Email, p.email) {
				if err := tx.SetUserEmail(ctx, c.ws.ID, p.user.ID, p.email); err != nil {
					return err
				}
				p.user.Email = strings.ToLower(p.email)
			}
		}
		for _, o := range objectives {
			if err := im.applyObjective(ctx, tx, o, h); err != nil {
				return err
			}
		}
		for _, o := range objectives {
			var parent *uint
			switch {
			case o.parentFile != nil:
				parent = &o.parentFile.created.ID
			case o.parentStored != nil:
				parent = &o.parentStored.ID
			default:
				continue
			}
			if o.existing != nil && !(im.opts.Update && im.parentChanges(o)) {
				continue
			}
			old, err := parentLabel(ctx, tx, o.created)
			if err != nil {
				return err
			}
			o.created.ParentID = parent
			if err := tx.UpdateObjective(ctx, &o.created, store.ObjectiveParent); err != nil {
				return err
			}
			if o.existing != nil {
				new, err := parentLabel(ctx, tx, o.created)
				if err != nil {
					return err
				}
				h.Add(store.SubjectObjective, o.created.ID, store.ActionEdited, "parent", old, new)
			}
		}
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
}

// applyObjective creates an objective of the file, or adds to and (with
// --update) changes the one the workspace has.
func (im *okrImport) applyObjective(ctx context.Context, tx *store.Store, o *importObjective, h *store.Changes) error {
	s, c := im.s, im.c
	p, err := s.period(ctx, tx, c, o.period, s.quarter())
	if err != nil {
		return fmt.Errorf("line %d: period %s: %w", o.line, o.period, err)
	}
	var team *store.Team
	if o.team != "" {
		t, _, err := tx.EnsureTeam(ctx, c.ws.ID, o.team)
		if err != nil {
			return err
		}
		team = &t
	}
	if o.existing == nil {
		obj := store.Objective{WorkspaceID: c.ws.ID, Title: o.title, Description: o.description, OwnerID: o.owner.user.ID,
			PeriodID: p.ID, Status: o.status}
		if team != nil {
			obj.TeamID = &team.ID
		}
		for _, kr := range o.keyResults {
			obj.KeyResults = append(obj.KeyResults, im.newKeyResult(o, kr))
		}
		if err := tx.CreateObjective(ctx, &obj); err != nil {
			return err
		}
		h.Add(store.SubjectObjective, obj.ID, store.ActionCreated, "title", "", obj.Title)
		for _, kr := range obj.KeyResults {
			h.Add(store.SubjectKeyResult, kr.ID, store.ActionCreated, "title", "", kr.Title)
		}
		o.created, o.report.Number = obj, obj.Number
		return nil
	}
	o.created = *o.existing
	if im.opts.Update {
		if err := im.updateObjective(ctx, tx, o, team, h); err != nil {
			return err
		}
	}
	for _, kr := range o.keyResults {
		switch {
		case kr.existing == nil:
			k := im.newKeyResult(o, kr)
			k.ObjectiveID = o.created.ID
			if err := tx.AddKeyResult(ctx, &k); err != nil {
				return err
			}
			h.Add(store.SubjectKeyResult, k.ID, store.ActionCreated, "title", "", k.Title)
		case im.opts.Update && kr.report.Action == ImportUpdate:
			if err := im.updateKeyResult(ctx, tx, o, kr, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// newKeyResult is a key result of the file to create, owned by the
// objective's owner unless the file names someone else.
func (im *okrImport) newKeyResult(o *importObjective, kr *importKeyResult) store.KeyResult {
	owner := o.owner
	if kr.owner != nil {
		owner = kr.owner
	}
	return store.KeyResult{WorkspaceID: im.c.ws.ID, Title: kr.title, Measure: kr.measure, Weight: kr.weight, OwnerID: &owner.user.ID}
}

// updateObjective changes an objective where the file differs from it, in
// the columns the file gives.
func (im *okrImport) updateObjective(ctx context.Context, tx *store.Store, o *importObjective, team *store.Team, h *store.Changes) error {
	obj := &o.created
	var fields []store.ObjectiveField
	edited := func(field, old, new string) {
		h.Add(store.SubjectObjective, obj.ID, store.ActionEdited, field, old, new)
	}
	if obj.Title != o.title {
		edited("title", obj.Title, o.title)
		obj.Title, fields = o.title, append(fields, store.ObjectiveTitle)
	}
	if _, given := im.header.at["description"]; given && obj.Description != o.description {
		edited("description", obj.Description, o.description)
		obj.Description, fields = o.description, append(fields, store.ObjectiveDescription)
	}
	if _, given := im.header.at["team"]; given {
		old, new := "", ""
		if obj.Team != nil {
			old = obj.Team.Name
		}
		if team != nil {
			new = team.Name
		}
		if !strings.EqualFold(old, new) {
			edited("team", old, new)
			obj.TeamID, fields = nil, append(fields, store.ObjectiveTeam)
			if team != nil {
				obj.TeamID = &team.ID
			}
		}
	}
	if o.owner.user.ID != obj.OwnerID {
		h.Add(store.SubjectObjective, obj.ID, store.ActionOwnerChanged, fieldOwnerHistory, obj.Owner.PlatformID, o.owner.user.PlatformID)
		obj.OwnerID, fields = o.owner.user.ID, append(fields, store.ObjectiveOwner)
	}
	if len(fields) == 0 {
		return nil
	}
	return tx.UpdateObjective(ctx, obj, fields...)
}

// updateKeyResult changes a key result where the file differs from it; a
// new current value is a check-in, as in chat, keeping the confidence of
// the last one.
func (im *okrImport) updateKeyResult(ctx context.Context, tx *store.Store, o *importObjective, kr *importKeyResult, h *store.Changes) error {
	before := *kr.existing
	after := before
	owner := o.owner
	if kr.owner != nil {
		owner = kr.owner
	}
	after.Title, after.Weight = kr.title, kr.weight
	if before.Kind == okr.Metric && kr.measure.Kind == okr.Metric {
		after.Start, after.Target, after.Unit = kr.measure.Start, kr.measure.Target, kr.measure.Unit
	}
	after.OwnerID, after.Owner = &owner.user.ID, &owner.user
	err := tx.UpdateKeyResult(ctx, &after, store.KeyResultTitle, store.KeyResultStart, store.KeyResultTarget, store.KeyResultUnit,
		store.KeyResultWeight, store.KeyResultOwner)
	if err != nil {
		return err
	}
	keyResultChanges(h, before, after)
	if kr.measure.Current == before.Current {
		return nil
	}
	last, err := tx.LastCheckIns(ctx, im.c.ws.ID, []uint{before.ID})
	if err != nil {
		return err
	}
	conf := okr.OnTrack
	if l, ok := last[before.ID]; ok {
		conf = l.Confidence
	}
	ci := store.CheckIn{WorkspaceID: im.c.ws.ID, KeyResultID: before.ID, AuthorID: owner.user.ID, Value: kr.measure.Current,
		Confidence: conf, Comment: importComment, CreatedAt: im.s.now().UTC()}
	checkInChange(h, after, before.Current, ci)
	return tx.CheckIns(ctx, []store.CheckIn{ci})
}
