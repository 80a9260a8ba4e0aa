package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Field ids of the New KPI form; validation errors name the same ids.
const (
	kpiFieldName        = okr.KPIFieldName
	kpiFieldDescription = "description"
	kpiFieldUnit        = okr.KPIFieldUnit
	kpiFieldDirection   = "direction"
	kpiFieldTarget      = okr.KPIFieldTarget
	kpiFieldWarn        = okr.KPIFieldWarn
	kpiFieldCrit        = okr.KPIFieldCrit
	kpiFieldCadence     = okr.KPIFieldCadence
	kpiFieldTeam        = "team"
	kpiFieldOwner       = "owner"
)

// kpiDraft is a KPI as a person described it, on a command line or in the
// form: its definition, which okr validates, and who owns it and in which
// team, which need the store. Empty strings were not given.
type kpiDraft struct {
	okr.KPIDraft
	team, owner string
	// ownerID is the person a form's picker chose, by platform id.
	ownerID string
}

// Labels name the inputs in messages: "--target" on a command line,
// "Target" in a form.
var (
	kpiFlagLabels = map[string]string{kpiFieldTarget: "--target", kpiFieldWarn: "--warn", kpiFieldCrit: "--crit", kpiFieldCadence: "--cadence"}
	kpiFormLabels = map[string]string{kpiFieldTarget: "Target", kpiFieldWarn: "At risk at", kpiFieldCrit: "Off target at", kpiFieldCadence: "Cadence"}
)

// kpiDefinition is the part of k that okr's rules decide.
func kpiDefinition(k store.KPI) okr.KPIDefinition {
	return okr.KPIDefinition{Name: k.Name, Description: k.Description, Unit: k.Unit, Direction: k.Direction,
		Target: k.Target, Warn: k.Warn, Crit: k.Crit, Cadence: k.Cadence}
}

// setKPIDefinition sets on k the definition okr's rules decided.
func setKPIDefinition(k *store.KPI, d okr.KPIDefinition) {
	k.Name, k.Description, k.Unit, k.Direction = d.Name, d.Description, d.Unit, d.Direction
	k.Target, k.Warn, k.Crit, k.Cadence = d.Target, d.Warn, d.Crit, d.Cadence
}

// applyKPIDraft validates d and sets what it gives on k. It is used for new
// KPIs and for edits; okr decides what the definition becomes.
func applyKPIDraft(ctx context.Context, tx *store.Store, c *caller, k *store.KPI, d kpiDraft) error {
	def, err := d.Apply(kpiDefinition(*k), k.ID == 0)
	if err != nil {
		return err
	}
	setKPIDefinition(k, def)
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
	d := kpiDraft{KPIDraft: okr.KPIDraft{Description: a.flags["description"], Unit: a.flags["unit"], Target: a.flags["target"],
		Warn: a.flags["warn"], Crit: a.flags["crit"], Cadence: a.flags["cadence"], Name: a.flags["name"], Labels: kpiFlagLabels},
		team: a.flags["team"], owner: a.flags["owner"]}
	switch {
	case a.has("lower-is-better") && a.has("higher-is-better"):
		return d, okr.Invalid(kpiFieldDirection, "A KPI is either --lower-is-better or --higher-is-better, not both.")
	case a.has("lower-is-better"):
		d.Direction = okr.LowerIsBetter
	case a.has("higher-is-better"):
		d.Direction = okr.HigherIsBetter
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
	d.Name = strings.Join(a.pos, " ")
	k, err := s.createKPI(ctx, c, d)
	if err != nil {
		return bot.Reply{}, err
	}
	return s.kpiReply(ctx, c, k, bot.Textf("✅ Created KPI %s (id %d). Record values with `/kpi set %d VALUE`.", kpiName(k), k.ID, k.ID))
}

func (s *Service) createKPI(ctx context.Context, c *caller, d kpiDraft) (store.KPI, error) {
	k := store.KPI{WorkspaceID: c.ws.ID, OwnerID: c.user.ID, Owner: c.user}
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := applyKPIDraft(ctx, tx, c, &k, d); err != nil {
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
	d := kpiDraft{KPIDraft: okr.KPIDraft{Name: v[kpiFieldName], Description: v[kpiFieldDescription], Unit: v[kpiFieldUnit],
		Direction: okr.Direction(v[kpiFieldDirection]), Target: v[kpiFieldTarget], Warn: v[kpiFieldWarn],
		Crit: v[kpiFieldCrit], Cadence: v[kpiFieldCadence], Labels: kpiFormLabels}, team: v[kpiFieldTeam]}
	if d.Direction != okr.LowerIsBetter {
		d.Direction = okr.HigherIsBetter
	}
	d.ownerID = v[kpiFieldOwner]
	if strings.TrimSpace(d.Target) == "" {
		return bot.SubmitResult{Errors: map[string]string{kpiFieldTarget: "A KPI needs a target."}}, nil
	}
	k, err := s.createKPI(ctx, c, d)
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
		if err := applyKPIDraft(ctx, tx, c, &k, d); err != nil {
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
