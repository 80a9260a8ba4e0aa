package commands

import (
	"context"
	"errors"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// person resolves someone named in a command: a person the platform
// resolved, or a plain @name of someone okrbot has met (anyone, in the
// console).
func person(ctx context.Context, st *store.Store, c *caller, field, word string) (store.User, error) {
	m, ok := c.mention(word)
	if !ok {
		return store.User{}, okr.Invalid(field, "%q is not a person: name them with @, like @ada.", word)
	}
	if m.ID != "" {
		return st.MentionUser(ctx, c.ws.ID, m.ID, m.Name)
	}
	if c.req.NamesArePeople {
		return st.MentionUser(ctx, c.ws.ID, m.Name, m.Name)
	}
	u, err := st.UserByName(ctx, c.ws.ID, m.Name)
	if errors.Is(err, okr.ErrNotFound) {
		return u, okr.Invalid(field, "I don't know @%s yet. Pick them from the @ menu so okrbot is told who they are.", m.Name)
	}
	return u, err
}

// ownerOf resolves a new owner: the person a form's picker chose (by
// platform id), or else the person a command named.
func ownerOf(ctx context.Context, st *store.Store, c *caller, field, word, pickedID string) (store.User, error) {
	if pickedID != "" {
		return st.MentionUser(ctx, c.ws.ID, pickedID, "")
	}
	return person(ctx, st, c, field, word)
}

// objectiveRef finds an objective by its number. A key result's number
// leads to its objective when viaKeyResult is set, which is what people
// expect of /okr show.
func objectiveRef(ctx context.Context, st *store.Store, c *caller, word string, viaKeyResult bool) (store.Objective, error) {
	r, err := parseRef("id", word)
	if err != nil {
		return store.Objective{}, err
	}
	if r.Position > 0 {
		if !viaKeyResult {
			return store.Objective{}, refuse("%s is a key result; use the objective's number, #%d.", r, r.Number)
		}
		_, o, err := keyResultRef(ctx, st, c, word)
		return o, err
	}
	o, err := st.Objective(ctx, c.ws.ID, r.Number)
	if errors.Is(err, okr.ErrNotFound) {
		kr, krErr := st.KeyResult(ctx, c.ws.ID, r.Number)
		switch {
		case krErr == nil && viaKeyResult:
			if o, err = st.ObjectiveByID(ctx, c.ws.ID, kr.ObjectiveID); err == nil && c.guest && !c.ownsObjective(o) {
				return store.Objective{}, refuse("There is no objective %s of yours. `/okr list` shows them.", r)
			}
			return o, err
		case krErr == nil:
			return o, refuse("%s is a key result, not an objective.", r)
		}
		return o, refuse("There is no objective %s. `/okr list all` shows them.", r)
	}
	if err == nil && c.guest && !c.ownsObjective(o) {
		return store.Objective{}, refuse("There is no objective %s of yours. `/okr list` shows them.", r)
	}
	return o, err
}

// keyResultRef finds a key result by its own number (#57) or its place in
// its objective (#42.1), with the objective.
func keyResultRef(ctx context.Context, st *store.Store, c *caller, word string) (store.KeyResult, store.Objective, error) {
	r, err := parseRef("id", word)
	if err != nil {
		return store.KeyResult{}, store.Objective{}, err
	}
	var o store.Objective
	if r.Position > 0 {
		o, err = st.Objective(ctx, c.ws.ID, r.Number)
		if errors.Is(err, okr.ErrNotFound) {
			return store.KeyResult{}, o, refuse("There is no objective #%d.", r.Number)
		}
		if err != nil {
			return store.KeyResult{}, o, err
		}
		if c.guest && !c.ownsObjective(o) {
			return store.KeyResult{}, store.Objective{}, refuse("There is no objective #%d of yours. `/okr list` shows them.", r.Number)
		}
		for _, kr := range o.KeyResults {
			if kr.Position == r.Position {
				return kr, o, nil
			}
		}
		return store.KeyResult{}, o, refuse("Objective #%d has no key result %s.", r.Number, r)
	}
	kr, err := st.KeyResult(ctx, c.ws.ID, r.Number)
	if errors.Is(err, okr.ErrNotFound) {
		if _, objErr := st.Objective(ctx, c.ws.ID, r.Number); objErr == nil {
			return kr, o, refuse("%s is an objective; its key results are #%d.1, #%d.2 and so on.", r, r.Number, r.Number)
		}
		return kr, o, refuse("There is no key result %s.", r)
	}
	if err != nil {
		return kr, o, err
	}
	o, err = st.ObjectiveByID(ctx, c.ws.ID, kr.ObjectiveID)
	if err == nil && c.guest && !c.ownsObjective(o) {
		return store.KeyResult{}, store.Objective{}, refuse("There is no key result %s of yours. `/okr list` shows them.", r)
	}
	return kr, o, err
}

// mayChange reports whether the caller may edit, close or archive o.
func (c *caller) mayChange(o store.Objective) bool { return c.admin || o.OwnerID == c.user.ID }

// mayCheckIn reports whether the caller may check in on kr of o: its owner
// or the objective's owner.
func (c *caller) mayCheckIn(o store.Objective, kr store.KeyResult) bool {
	return o.OwnerID == c.user.ID || (kr.OwnerID != nil && *kr.OwnerID == c.user.ID)
}

// mayChangeKeyResult reports whether the caller may edit kr of o.
func (c *caller) mayChangeKeyResult(o store.Objective, kr store.KeyResult) bool {
	return c.mayChange(o) || (kr.OwnerID != nil && *kr.OwnerID == c.user.ID)
}

func (s *Service) quarter() okr.Period { return okr.QuarterOf(s.now()) }
