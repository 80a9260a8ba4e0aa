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

// Field ids of the New KPI form; validation errors name the same ids.
const (
	kpiFieldName        = "name"
	kpiFieldDescription = "description"
	kpiFieldUnit        = "unit"
	kpiFieldDirection   = "direction"
	kpiFieldTarget      = "target"
	kpiFieldWarn        = "warn"
	kpiFieldCrit        = "crit"
	kpiFieldCadence     = "cadence"
	kpiFieldTeam        = "team"
	kpiFieldOwner       = "owner"
)

// kpiDraft is a KPI as a person described it, on a command line or in the
// form. Empty strings were not given.
type kpiDraft struct {
	name, description, unit string
	direction               okr.Direction
	target, warn, crit      string
	cadence, team, owner    string
	// ownerID is the person a form's picker chose, by platform id.
	ownerID string
}

// labels name the inputs in messages: "--target" on a command line,
// "Target" in a form.
type kpiLabels map[string]string

var (
	kpiFlagLabels = kpiLabels{kpiFieldTarget: "--target", kpiFieldWarn: "--warn", kpiFieldCrit: "--crit", kpiFieldCadence: "--cadence"}
	kpiFormLabels = kpiLabels{kpiFieldTarget: "Target", kpiFieldWarn: "At risk at", kpiFieldCrit: "Off target at", kpiFieldCadence: "Cadence"}
)

// number reads a number typed into the input id; the error names the input
// as people know it and is filed under id.
func (l kpiLabels) number(id, text string) (float64, error) {
	v, err := okr.ParseNumber(l[id], text)
	return v, relabel(err, id)
}

func (l kpiLabels) optional(id, text string) (*float64, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	v, err := l.number(id, text)
	return &v, err
}

// applyKPIDraft validates d and sets what it gives on k. It is used for new
// KPIs and for edits: an edit that changes the target or direction
// re-derives the thresholds it does not give.
func applyKPIDraft(ctx context.Context, tx *store.Store, c *caller, k *store.KPI, d kpiDraft, l kpiLabels) error {
	if d.name != "" || k.ID == 0 {
		if err := okr.ValidateKPIName(kpiFieldName, d.name); err != nil {
			return err
		}
		k.Name = strings.TrimSpace(d.name)
	}
	if d.description != "" {
		k.Description = strings.TrimSpace(d.description)
	}
	if d.unit != "" {
		if n := utf8.RuneCountInString(strings.TrimSpace(d.unit)); n > 20 {
			return okr.Invalid(kpiFieldUnit, "The unit is %d characters long; keep it to 20 or fewer.", n)
		}
		k.Unit = strings.TrimSpace(d.unit)
	}
	reshaped := k.ID == 0
	if d.direction != "" && d.direction != k.Direction {
		k.Direction, reshaped = d.direction, true
	}
	if k.Direction == "" {
		k.Direction = okr.HigherIsBetter
	}
	if d.target != "" {
		v, err := l.number(kpiFieldTarget, d.target)
		if err != nil {
			return err
		}
		if k.Unit == "" && strings.HasSuffix(strings.TrimSpace(d.target), "%") {
			k.Unit = "%"
		}
		if v != k.Target {
			k.Target, reshaped = v, true
		}
	} else if k.ID == 0 {
		return okr.Invalid(kpiFieldTarget, "A KPI needs a target: --target N.")
	}
	warn, err := l.optional(kpiFieldWarn, d.warn)
	if err != nil {
		return err
	}
	crit, err := l.optional(kpiFieldCrit, d.crit)
	if err != nil {
		return err
	}
	if !reshaped {
		// Keep the thresholds not given, unless they no longer fit.
		if warn == nil && crit != nil {
			w := k.Warn
			warn = &w
		}
		if crit == nil && warn != nil {
			cr := k.Crit
			crit = &cr
		}
	}
	if reshaped || warn != nil || crit != nil {
		t, err := okr.ResolveThresholds(k.Direction, k.Target, warn, crit)
		if err != nil {
			return err
		}
		k.Warn, k.Crit = t.Warn, t.Crit
	}
	if d.cadence != "" || k.ID == 0 {
		cad, err := okr.ParseCadence(kpiFieldCadence, d.cadence)
		if err != nil {
			return err
		}
		k.Cadence = cad
	}
	if d.owner != "" || d.ownerID != "" {
		u, err := ownerOf(ctx, tx, c, kpiFieldOwner, d.owner, d.ownerID)
		if err != nil {
			return err
		}
		k.OwnerID, k.Owner = u.ID, u
	}
	if d.team != "" {
		t, _, err := tx.EnsureTeam(ctx, c.ws.ID, strings.TrimSpace(strings.TrimPrefix(d.team, "#")))
		if err != nil {
			return err
		}
		k.TeamID, k.Team = &t.ID, &t
	}
	return nil
}

func kpiDraftFromFlags(a args) (kpiDraft, error) {
	d := kpiDraft{description: a.flags["description"], unit: a.flags["unit"], target: a.flags["target"],
		warn: a.flags["warn"], crit: a.flags["crit"], cadence: a.flags["cadence"], team: a.flags["team"],
		owner: a.flags["owner"], name: a.flags["name"]}
	switch {
	case a.has("lower-is-better") && a.has("higher-is-better"):
		return d, okr.Invalid(kpiFieldDirection, "A KPI is either --lower-is-better or --higher-is-better, not both.")
	case a.has("lower-is-better"):
		d.direction = okr.LowerIsBetter
	case a.has("higher-is-better"):
		d.direction = okr.HigherIsBetter
	}
	for _, f := range []string{"target", "warn", "crit", "cadence", "unit", "team", "owner", "name", "description"} {
		if v, ok := a.flags[f]; ok && strings.TrimSpace(v) == "" {
			return d, okr.Invalid(f, "--%s needs a value.", f)
		}
	}
	return d, nil
}

var (
	kpiValued   = []string{"unit", "target", "warn", "crit", "team", "cadence", "owner", "description"}
	kpiSwitches = []string{"lower-is-better", "higher-is-better"}
)

// /kpi new ["Name" --target N …]
func (s *Service) newKPI(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) == 0 {
		return bot.Reply{Form: s.newKPIForm(c)}, nil
	}
	a, err := parseArgs("/kpi new", words, kpiValued, kpiSwitches)
	if err != nil {
		return bot.Reply{}, err
	}
	d, err := kpiDraftFromFlags(a)
	if err != nil {
		return bot.Reply{}, err
	}
	d.name = strings.Join(a.pos, " ")
	k, err := s.createKPI(ctx, c, d, kpiFlagLabels)
	if err != nil {
		return bot.Reply{}, err
	}
	return s.kpiReply(ctx, c, k, bot.Textf("✅ Created KPI %s (id %d). Record values with `/kpi set %d VALUE`.", kpiName(k), k.ID, k.ID))
}

func (s *Service) createKPI(ctx context.Context, c *caller, d kpiDraft, l kpiLabels) (store.KPI, error) {
	k := store.KPI{WorkspaceID: c.ws.ID, OwnerID: c.user.ID, Owner: c.user}
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := applyKPIDraft(ctx, tx, c, &k, d, l); err != nil {
			return err
		}
		// Lists no longer show an archived KPI, so say which one holds
		// the name.
		if old, err := tx.KPIByName(ctx, c.ws.ID, k.Name); err == nil && old.Archived {
			return okr.Invalid(kpiFieldName, "The archived KPI %q has that name; free it with /kpi edit %d --name \"%s (old)\".", old.Name, old.ID, old.Name)
		} else if err != nil && !errors.Is(err, okr.ErrNotFound) {
			return err
		}
		if err := tx.CreateKPI(ctx, &k); err != nil {
			return err
		}
		h := s.changes(c)
		h.Add(store.SubjectKPI, k.ID, store.ActionCreated, "name", "", k.Name)
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	return k, err
}

// kpiChanges notes in h what changed in a KPI's definition from before to
// after.
func kpiChanges(h *store.Changes, before, after store.KPI) {
	edited := func(action store.HistoryAction, field, old, new string) {
		h.Add(store.SubjectKPI, after.ID, action, field, old, new)
	}
	team := func(k store.KPI) string {
		if k.Team == nil {
			return ""
		}
		return k.Team.Name
	}
	edited(store.ActionEdited, "name", before.Name, after.Name)
	edited(store.ActionEdited, "description", before.Description, after.Description)
	edited(store.ActionEdited, "unit", before.Unit, after.Unit)
	edited(store.ActionEdited, "direction", before.Direction.Label(), after.Direction.Label())
	if before.Target != after.Target {
		edited(store.ActionTargetChanged, "target", kpiValue(before.Target, before), kpiValue(after.Target, after))
	}
	if before.Warn != after.Warn {
		edited(store.ActionEdited, "at risk at", kpiValue(before.Warn, before), kpiValue(after.Warn, after))
	}
	if before.Crit != after.Crit {
		edited(store.ActionEdited, "off target at", kpiValue(before.Crit, before), kpiValue(after.Crit, after))
	}
	edited(store.ActionEdited, "cadence", string(before.Cadence), string(after.Cadence))
	edited(store.ActionEdited, "team", team(before), team(after))
	edited(store.ActionOwnerChanged, fieldOwnerHistory, before.Owner.PlatformID, after.Owner.PlatformID)
}

var newKPIFallback = bot.Textf("In a chat window, use `/kpi new \"Churn rate\" --unit %% --target 2 --lower-is-better [--warn 2.5 --crit 3] [--team Support] [--cadence weekly] [--owner @user]`.")

func (s *Service) newKPIForm(c *caller) *bot.Form {
	return &bot.Form{CallbackID: CallbackNewKPI, Title: "New KPI", SubmitText: "Create", Fallback: newKPIFallback,
		Fields: []bot.Field{
			{ID: kpiFieldName, Label: "Name", Kind: bot.TextInput, Placeholder: "Churn rate"},
			{ID: kpiFieldDescription, Label: "Description", Kind: bot.LongText, Optional: true},
			{ID: kpiFieldDirection, Label: "Direction", Kind: bot.Select, Initial: string(okr.HigherIsBetter),
				Options: []bot.Option{{Value: string(okr.HigherIsBetter), Label: "Higher is better"}, {Value: string(okr.LowerIsBetter), Label: "Lower is better"}}},
			{ID: kpiFieldTarget, Label: "Target", Kind: bot.TextInput, Placeholder: "2"},
			{ID: kpiFieldUnit, Label: "Unit", Kind: bot.TextInput, Optional: true, Placeholder: "%, $, customers"},
			{ID: kpiFieldWarn, Label: "At risk at", Kind: bot.TextInput, Optional: true, Hint: "Default: 5% of the target on its wrong side."},
			{ID: kpiFieldCrit, Label: "Off target at", Kind: bot.TextInput, Optional: true, Hint: "Default: 10% of the target on its wrong side."},
			{ID: kpiFieldCadence, Label: "Cadence", Kind: bot.Select, Initial: string(okr.Weekly),
				Options: []bot.Option{{Value: string(okr.Daily), Label: "Daily"}, {Value: string(okr.Weekly), Label: "Weekly"}, {Value: string(okr.Monthly), Label: "Monthly"}}},
			{ID: kpiFieldTeam, Label: "Team", Kind: bot.TextInput, Optional: true, Hint: "A name okrbot has not seen yet creates the team."},
			{ID: kpiFieldOwner, Label: "Owner", Kind: bot.UserSelect, Initial: c.user.PlatformID},
		}}
}

func (s *Service) submitNewKPI(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	v := sub.Values
	d := kpiDraft{name: v[kpiFieldName], description: v[kpiFieldDescription], unit: v[kpiFieldUnit],
		direction: okr.Direction(v[kpiFieldDirection]), target: v[kpiFieldTarget], warn: v[kpiFieldWarn],
		crit: v[kpiFieldCrit], cadence: v[kpiFieldCadence], team: v[kpiFieldTeam]}
	if d.direction != okr.LowerIsBetter {
		d.direction = okr.HigherIsBetter
	}
	d.ownerID = v[kpiFieldOwner]
	if strings.TrimSpace(d.target) == "" {
		return bot.SubmitResult{Errors: map[string]string{kpiFieldTarget: "A KPI needs a target."}}, nil
	}
	k, err := s.createKPI(ctx, c, d, kpiFormLabels)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	msg, err := s.kpiMessage(ctx, c, k, bot.Textf("✅ Created KPI %s (id %d).", kpiName(k), k.ID))
	return bot.SubmitResult{Message: msg}, err
}

// /kpi edit NAME-OR-ID --flag value…
func (s *Service) editKPI(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi edit", words, append([]string{"name"}, kpiValued...), kpiSwitches)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 || len(a.flags) == 0 {
		return bot.Reply{}, refuse("Usage: `%s`.", kpiCommands["edit"].usage)
	}
	d, err := kpiDraftFromFlags(a)
	if err != nil {
		return bot.Reply{}, err
	}
	var (
		k       store.KPI
		alerted bool
	)
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if k, err = kpiRef(ctx, tx, c, a.pos[0]); err != nil {
			return err
		}
		if !c.mayChangeKPI(k) {
			return c.notAdmin(refuse("Only the owner of %s (%s) or an admin can change it.", kpiName(k), ownerText(&k.Owner)))
		}
		before := k
		if err := applyKPIDraft(ctx, tx, c, &k, d, kpiFlagLabels); err != nil {
			return err
		}
		if err := tx.UpdateKPI(ctx, &k); err != nil {
			return err
		}
		h := s.changes(c)
		kpiChanges(h, before, k)
		if err := tx.RecordHistory(ctx, c.ws.ID, h.Entries...); err != nil {
			return err
		}
		alerted, err = s.reassess(ctx, tx, k)
		return err
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if alerted {
		s.wake()
	}
	return s.kpiReply(ctx, c, k, bot.Textf("✏️ Changed KPI %s.", kpiName(k)))
}

// /kpi archive NAME-OR-ID
func (s *Service) archiveKPI(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) != 1 {
		return bot.Reply{}, refuse("Usage: `/kpi archive NAME-OR-ID`, like `/kpi archive \"Churn rate\"`.")
	}
	var k store.KPI
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if k, err = kpiRef(ctx, tx, c, words[0]); err != nil {
			return err
		}
		if !c.mayChangeKPI(k) {
			return c.notAdmin(refuse("Only the owner of %s (%s) or an admin can archive it.", kpiName(k), ownerText(&k.Owner)))
		}
		if k.Archived {
			return refuse("KPI %s is already archived.", kpiName(k))
		}
		k.Archived = true
		if err := tx.UpdateKPI(ctx, &k); err != nil {
			return err
		}
		h := s.changes(c)
		h.Add(store.SubjectKPI, k.ID, store.ActionArchived, "", "", "")
		return tx.RecordHistory(ctx, c.ws.ID, h.Entries...)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Say(bot.Textf("🗄️ Archived KPI %s. It no longer shows in lists, scorecards or digests.", kpiName(k))), nil
}

// linkKPI makes the KPI named by word drive kr (`/okr kr … --kpi NAME`):
// recording the KPI then checks in on kr.
func linkKPI(ctx context.Context, tx *store.Store, c *caller, kr *store.KeyResult, word string) error {
	if kr.Kind != okr.Metric {
		return okr.Invalid("kpi", "A milestone is done or not done; only a key result with a --target can follow a KPI.")
	}
	k, err := kpiRef(ctx, tx, c, word)
	if err != nil {
		return err
	}
	if k.Archived {
		return refuse("KPI %s is archived; it cannot drive a key result.", kpiName(k))
	}
	kr.KPIID = &k.ID
	// The key result starts where its KPI stands, so its first score is
	// already true.
	if k.LastValue != nil {
		kr.Current = *k.LastValue
	}
	return nil
}
