package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// ActionHistoryMore shows the next, older page of a history.
const ActionHistoryMore = "history_more"

// Fields the history names. A change to an owner records the people's
// platform ids, which a history shows as mentions.
const (
	fieldOwnerHistory = "owner"
	fieldValue        = "value"
)

// actor is the caller as the history names who made a change.
func (c *caller) actor() store.Actor { return store.Actor{UserID: c.user.ID, Platform: c.ws.Platform} }

// changes starts the history of a change the caller makes now.
func (s *Service) changes(c *caller) *store.Changes {
	return &store.Changes{By: c.actor(), At: s.now()}
}

// valueOf is a key result's value as its history shows it: "12 deals",
// "done".
func valueOf(kr store.KeyResult, v float64) string {
	if kr.Kind == okr.Milestone {
		if v >= 1 {
			return "done"
		}
		return "not done"
	}
	return okr.FormatValue(v, kr.Unit)
}

// platformIDOf is a person's platform id, for the history of an owner.
func platformIDOf(u *store.User) string {
	if u == nil {
		return ""
	}
	return u.PlatformID
}

// historyPageOf returns page (from 1) of the history of subjects, or the
// page that starts after the entry cursor when it is set (a More button).
// A page past the end is empty.
func (s *Service) historyPageOf(ctx context.Context, c *caller, subjects []store.Subject, page int, cursor uint) (store.HistoryPage, error) {
	if cursor == 0 {
		// Skip the newer pages in as few reads as the store allows.
		for skip := (page - 1) * store.HistoryPageSize; skip > 0; {
			n := min(skip, store.MaxHistoryPage)
			p, err := s.store.History(ctx, c.ws.ID, subjects, cursor, n)
			if err != nil {
				return p, err
			}
			if len(p.Entries) < n {
				return store.HistoryPage{}, nil
			}
			cursor, skip = p.Entries[n-1].ID, skip-n
		}
	}
	return s.store.History(ctx, c.ws.ID, subjects, cursor, store.HistoryPageSize)
}

// parsePage reads --page, 1 when not given.
func parsePage(a args) (int, error) {
	text, ok := a.flags["page"]
	if !ok {
		return 1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 1 || n > 10000 {
		return 0, okr.Invalid("page", "--page is a page number like 2, not %q.", text)
	}
	return n, nil
}

// /okr history ID [--page N]
func (s *Service) okrHistory(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/okr history", words, []string{"page"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 {
		return bot.Reply{}, refuse("Usage: `/okr history ID [--page N]`, like `/okr history 42`.")
	}
	page, err := parsePage(a)
	if err != nil {
		return bot.Reply{}, err
	}
	o, err := objectiveRef(ctx, s.store, c, a.pos[0], true)
	if err != nil {
		return bot.Reply{}, err
	}
	return s.objectiveHistory(ctx, c, o, page, 0)
}

func (s *Service) objectiveHistory(ctx context.Context, c *caller, o store.Objective, page int, cursor uint) (bot.Reply, error) {
	h := historyView{
		title:    bot.Textf("📜 History of %s", objectiveTitle(o)),
		command:  fmt.Sprintf("/okr history %d", o.Number),
		more:     fmt.Sprintf("okr:%d", o.Number),
		subjects: []store.Subject{{Kind: store.SubjectObjective, ID: o.ID}},
		labels:   map[store.Subject]bot.Inline{{Kind: store.SubjectObjective, ID: o.ID}: bot.Code(fmt.Sprintf("#%d", o.Number))},
	}
	for _, kr := range o.KeyResults {
		sub := store.Subject{Kind: store.SubjectKeyResult, ID: kr.ID}
		h.subjects = append(h.subjects, sub)
		h.labels[sub] = bot.Code(keyResultLabel(o, kr))
	}
	return s.showHistory(ctx, c, h, page, cursor)
}

// /kpi history NAME-OR-ID [--page N]
func (s *Service) kpiHistory(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi history", words, []string{"page"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) != 1 {
		return bot.Reply{}, refuse("Usage: `/kpi history NAME-OR-ID [--page N]`, like `/kpi history \"Churn rate\"`.")
	}
	page, err := parsePage(a)
	if err != nil {
		return bot.Reply{}, err
	}
	k, err := kpiRef(ctx, s.store, c, a.pos[0])
	if err != nil {
		return bot.Reply{}, err
	}
	return s.kpiHistoryPage(ctx, c, k, page, 0)
}

func (s *Service) kpiHistoryPage(ctx context.Context, c *caller, k store.KPI, page int, cursor uint) (bot.Reply, error) {
	sub := store.Subject{Kind: store.SubjectKPI, ID: k.ID}
	return s.showHistory(ctx, c, historyView{
		title:    bot.Textf("📜 History of KPI %s", kpiName(k)),
		command:  fmt.Sprintf("/kpi history %d", k.ID),
		more:     fmt.Sprintf("kpi:%d", k.ID),
		subjects: []store.Subject{sub},
		labels:   map[store.Subject]bot.Inline{sub: kpiName(k)},
	}, page, cursor)
}

// historyView is what a history shows and how it names its subjects.
type historyView struct {
	title bot.Text
	// command shows the history, for the hint to older pages.
	command string
	// more is the More button's value before the page and cursor.
	more     string
	subjects []store.Subject
	labels   map[store.Subject]bot.Inline
}

func (s *Service) showHistory(ctx context.Context, c *caller, h historyView, page int, cursor uint) (bot.Reply, error) {
	p, err := s.historyPageOf(ctx, c, h.subjects, page, cursor)
	if err != nil {
		return bot.Reply{}, err
	}
	msg := &bot.Message{Summary: h.title.Unstyled()}
	if len(p.Entries) == 0 {
		text := bot.T(bot.Italic("Nothing recorded yet."))
		if page > 1 {
			text = bot.T(bot.Italic(fmt.Sprintf("There is no page %d: the history is shorter.", page)))
		}
		msg.Sections = []bot.Section{{Text: h.title}, {Text: text}}
		return bot.Reply{Message: msg}, nil
	}
	people, err := s.historyPeople(ctx, c, p.Entries)
	if err != nil {
		return bot.Reply{}, err
	}
	loc, _ := okr.Location(c.user.TZ, s.ReminderDefaults().TZ)
	sec := bot.Section{Text: h.title}
	for _, e := range p.Entries {
		sec.Items = append(sec.Items, historyLine(e, h.labels, people, c.ws.Platform, loc, s.now()))
	}
	hint := bot.Textf("Newest first · page %d", page)
	if p.Next != 0 {
		hint = append(hint, bot.Textf(" · `%s --page %d` for older changes", h.command, page+1)...)
		sec.Buttons = []bot.Button{{ActionID: ActionHistoryMore, Label: "More", Value: fmt.Sprintf("%s:%d:%d", h.more, page+1, p.Next)}}
	}
	sec.Context = hint
	msg.Sections = []bot.Section{sec}
	return bot.Reply{Message: msg}, nil
}

// historyPeople are the people a page of history names: who made each
// change (by database id) and the owners it records (by platform id).
type historyPeople struct {
	byID       map[uint]store.User
	byPlatform map[string]store.User
}

// historyPeople loads the people a page of history names, in two queries.
func (s *Service) historyPeople(ctx context.Context, c *caller, es []store.HistoryEntry) (historyPeople, error) {
	var ids []uint
	var platformIDs []string
	for _, e := range es {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
		if e.Field == fieldOwnerHistory {
			platformIDs = append(platformIDs, e.OldValue, e.NewValue)
		}
	}
	var (
		p   historyPeople
		err error
	)
	if p.byID, err = s.store.UsersByID(ctx, c.ws.ID, ids); err != nil {
		return p, err
	}
	p.byPlatform, err = s.store.UsersByPlatformID(ctx, c.ws.ID, platformIDs)
	return p, err
}

// maxHistoryValue bounds a value in a history line, such as a long
// retrospective note: the line says what changed, `/okr show` the rest.
const maxHistoryValue = 200

func historyValue(v string) string {
	if utf8.RuneCountInString(v) <= maxHistoryValue {
		return v
	}
	return string([]rune(v)[:maxHistoryValue-1]) + "…"
}

var historyVerbs = map[store.HistoryAction]string{
	store.ActionCreated: "created", store.ActionEdited: "edited", store.ActionOwnerChanged: "changed owner",
	store.ActionTargetChanged: "changed target", store.ActionArchived: "archived", store.ActionClosed: "closed",
	store.ActionGraded: "graded", store.ActionCarried: "carried over", store.ActionCheckIn: "checked in",
	store.ActionMeasurement: "recorded a value",
}

// historyLine is one change as people read it: when, who, what and how.
func historyLine(e store.HistoryEntry, labels map[store.Subject]bot.Inline, people historyPeople, platform string, loc *time.Location, now time.Time) bot.Text {
	layout := "Jan 2, 15:04"
	if e.At.In(loc).Year() != now.In(loc).Year() {
		layout = "Jan 2 2006, 15:04"
	}
	line := bot.T("• "+e.At.In(loc).Format(layout)+" · ", who(e, people), " · ")
	if label, ok := labels[store.Subject{Kind: e.SubjectKind, ID: e.SubjectID}]; ok {
		line = append(line, label, bot.Plain(" "))
	}
	line = append(line, bot.Plain(historyVerbs[e.Action]))
	if e.Field != "" {
		old, new := historyPart(e.Field, e.OldValue, people), historyPart(e.Field, e.NewValue, people)
		line = append(line, bot.Plain(" — "+e.Field+": "))
		switch {
		case e.OldValue == "":
			line = append(line, new...)
		case e.NewValue == "":
			line = append(line, old...)
			line = append(line, bot.Plain(" → none"))
		default:
			line = append(line, old...)
			line = append(line, bot.Plain(" → "))
			line = append(line, new...)
		}
	}
	if e.ActorID != nil && e.Platform != platform {
		line = append(line, bot.Plain(" · via "+e.Platform))
	}
	return line
}

// who names the person behind a change, or the script that made it.
func who(e store.HistoryEntry, people historyPeople) bot.Inline {
	if e.ActorID != nil {
		if u, ok := people.byID[*e.ActorID]; ok {
			return ownerText(&u)
		}
		return bot.Plain("someone")
	}
	switch e.Platform {
	case "api":
		return bot.Plain("the API")
	case "import":
		return bot.Plain("an import")
	case "source":
		return bot.Plain("its source")
	}
	return bot.Plain("okrbot")
}

// historyPart is one value of a change: a person as a mention, anything
// else as plain text.
func historyPart(field, v string, people historyPeople) bot.Text {
	if field == fieldOwnerHistory {
		if u, ok := people.byPlatform[v]; ok {
			return bot.T(ownerText(&u))
		}
	}
	return bot.T(historyValue(v))
}

// historyMore answers a history's More button: "okr:NUMBER:PAGE:CURSOR" or
// "kpi:ID:PAGE:CURSOR".
func (s *Service) historyMore(ctx context.Context, c *caller, value string) (bot.Reply, error) {
	parts := strings.Split(value, ":")
	if len(parts) != 4 {
		return bot.Reply{}, fmt.Errorf("history: bad button value %q", value)
	}
	page, err1 := strconv.Atoi(parts[2])
	cursor, err2 := strconv.ParseUint(parts[3], 10, 64)
	if err1 != nil || err2 != nil || page < 1 || cursor == 0 {
		return bot.Reply{}, fmt.Errorf("history: bad button value %q", value)
	}
	switch parts[0] {
	case "okr":
		o, err := objectiveRef(ctx, s.store, c, parts[1], false)
		if err != nil {
			return bot.Reply{}, err
		}
		return s.objectiveHistory(ctx, c, o, page, uint(cursor))
	case "kpi":
		k, err := kpiRef(ctx, s.store, c, parts[1])
		if err != nil {
			return bot.Reply{}, err
		}
		return s.kpiHistoryPage(ctx, c, k, page, uint(cursor))
	}
	return bot.Reply{}, fmt.Errorf("history: bad button value %q", value)
}
