package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/chart"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// dueAfter is how long a key result may go without a check-in before Home
// lists it as one to check in on: the weekly rhythm of check-ins.
const dueAfter = 7 * 24 * time.Hour

// period is the period a page asks for by name (?period=), or the current
// quarter; found is false when the workspace has no such period yet.
func (d *Dashboard) period(ctx context.Context, v *viewer, name string) (store.Period, []store.Period, bool, error) {
	periods, err := d.store.Periods(ctx, v.ws.ID)
	if err != nil {
		return store.Period{}, nil, false, err
	}
	if name == "" {
		name = okr.QuarterOf(d.now()).Name
	}
	for _, p := range periods {
		if strings.EqualFold(p.Name, name) {
			return p, periods, true, nil
		}
	}
	return store.Period{Name: name}, periods, false, nil
}

func periodOptions(periods []store.Period, current store.Period) []option {
	var out []option
	for _, p := range periods {
		out = append(out, option{Value: p.Name, Label: p.Name, Selected: p.ID == current.ID})
	}
	return out
}

// team is the team a page is filtered by (?team=NAME), if any.
func (d *Dashboard) team(ctx context.Context, v *viewer, name string) (store.Team, []option, error) {
	teams, err := d.store.Teams(ctx, v.ws.ID)
	if err != nil {
		return store.Team{}, nil, err
	}
	var (
		picked store.Team
		out    []option
	)
	for _, t := range teams {
		sel := name != "" && strings.EqualFold(t.Name, name)
		if sel {
			picked = t
		}
		out = append(out, option{Value: t.Name, Label: t.Name, Selected: sel})
	}
	return picked, out, nil
}

func keyResultIDs(os []store.Objective) []uint {
	var ids []uint
	for _, o := range os {
		for _, kr := range o.KeyResults {
			ids = append(ids, kr.ID)
		}
	}
	return ids
}

type glance struct {
	Average     score
	Objectives  int
	OnTrack     int
	Behind      int
	CheckInRate string
}

type homeData struct {
	Period   string
	Mine     []objectiveRow
	CheckIns []keyResultRow
	KPIs     []kpiRow
	Glance   *glance
}

// home is a person's own page: their objectives, what to check in on, the
// KPIs they own, and the period at a glance.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx, now := r.Context(), d.now()
	p, _, found, err := d.period(ctx, v, "")
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := homeData{Period: p.Name}
	if found {
		g, mine, err := d.glance(ctx, v, p, now)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		data.Glance, data.Mine = g, mine
	}
	krs, err := d.store.CheckInKeyResults(ctx, v.ws.ID, v.user.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	ids := make([]uint, len(krs))
	for i, kr := range krs {
		ids[i] = kr.ID
	}
	last, err := d.store.LastCheckIns(ctx, v.ws.ID, ids)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	objectives, err := d.store.ObjectivesByIDs(ctx, v.ws.ID, objectiveIDs(krs))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	for _, kr := range krs {
		o := objectives[kr.ObjectiveID]
		row := keyResultRow{Label: o.Label(kr), Objective: o.Number, Title: kr.Title, Measure: commands.MeasureText(kr), Score: scoreOf(kr.Progress()), Due: true,
			LastCheckIn: "no check-in yet"}
		if c, ok := last[kr.ID]; ok {
			row.LastCheckIn = "last check-in " + c.CreatedAt.UTC().Format("Jan 2") + ", " + c.Confidence.Label()
			row.Due = !c.CreatedAt.After(now.Add(-dueAfter))
		}
		data.CheckIns = append(data.CheckIns, row)
	}
	slices.SortStableFunc(data.CheckIns, func(a, b keyResultRow) int {
		if a.Due != b.Due {
			if a.Due {
				return -1
			}
			return 1
		}
		return 0
	})
	mine, err := d.store.KPIs(ctx, v.ws.ID, store.KPIFilter{OwnerID: v.user.ID})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rows, err := d.kpiRows(ctx, v, mine, now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data.KPIs = rows
	d.render(w, r, http.StatusOK, "home", v, page{Title: "Home", Nav: "home", Data: data})
}

// glance is the period at a glance, and the person's active objectives in
// it with their forecasts. The period's objectives are read as lines (a
// period can hold thousands), how many key results were checked in on in
// the last week is counted by the database, and check-ins are read for
// the person's own key results only, for their forecasts.
func (d *Dashboard) glance(ctx context.Context, v *viewer, p store.Period, now time.Time) (*glance, []objectiveRow, error) {
	filter := store.ObjectiveFilter{PeriodID: p.ID, Statuses: []okr.Status{okr.Active, okr.Closed}}
	all, err := d.store.ObjectiveLines(ctx, v.ws.ID, filter, store.WithIDs)
	if err != nil {
		return nil, nil, err
	}
	period, elapsed := p.Domain(), p.Domain().Elapsed(now)
	g := &glance{Objectives: len(all)}
	parts := make([]okr.Weighted, 0, len(all))
	var (
		mine   []store.ObjectiveLine
		krIDs  []uint
		active int
	)
	for _, o := range all {
		parts = append(parts, okr.Weighted{Value: o.Score(), Weight: 1})
		if o.Status == okr.Active && behindPace(o.KeyResults, elapsed) > 0 {
			g.Behind++
		} else {
			g.OnTrack++
		}
		if o.Status == okr.Active {
			active += len(o.KeyResults)
			if o.OwnerID == v.user.ID {
				mine = append(mine, o)
				for _, kr := range o.KeyResults {
					krIDs = append(krIDs, kr.ID)
				}
			}
		}
	}
	g.Average = scoreOf(okr.Score(parts))
	if active > 0 {
		filter.Statuses = []okr.Status{okr.Active}
		checked, err := d.store.CheckedIn(ctx, v.ws.ID, filter, now.Add(-dueAfter), p.StartsAt)
		if err != nil {
			return nil, nil, err
		}
		g.CheckInRate = fmt.Sprintf("%d%% of %d key results checked in on in the last 7 days", checked*100/active, active)
	}
	points, err := d.store.CheckInPoints(ctx, v.ws.ID, krIDs, p.StartsAt)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]objectiveRow, len(mine))
	for i, o := range mine {
		fs := make([]okr.WeightedForecast, len(o.KeyResults))
		for j, kr := range o.KeyResults {
			fs[j] = okr.WeightedForecast{Forecast: okr.ForecastKeyResult(kr.Measure, points[kr.ID], period, now), Weight: kr.Weight}
		}
		rows[i] = objectiveRow{Number: o.Number, Title: o.Title, Score: scoreOf(o.Score()), Owner: o.Owner(), Team: o.Team, Period: p.Name,
			Behind: behindPace(o.KeyResults, elapsed), Forecast: okr.ForecastObjective(fs).String()}
	}
	return g, rows, nil
}

func objectiveIDs(krs []store.KeyResult) []uint {
	ids := make([]uint, len(krs))
	for i, kr := range krs {
		ids[i] = kr.ObjectiveID
	}
	return ids
}

// kpiRows are KPIs with their recent values, worst health first, from one
// query for the values.
func (d *Dashboard) kpiRows(ctx context.Context, v *viewer, ks []store.KPI, now time.Time) ([]kpiRow, error) {
	if len(ks) == 0 {
		return nil, nil
	}
	ids := make([]uint, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	recent, err := d.store.RecentPoints(ctx, v.ws.ID, ids, store.RecentDepth)
	if err != nil {
		return nil, err
	}
	srcs, err := d.store.KPISources(ctx, v.ws.ID, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]kpiRow, len(ks))
	for i, k := range ks {
		rows[i] = newKPIRow(k, recent[k.ID], now)
		if src, ok := srcs[k.ID]; ok {
			rows[i].Source = commands.SourceText(src)
			if src.FailingSince != nil {
				rows[i].SourceFailing = commands.SourceFailing(*src.FailingSince)
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b kpiRow) int { return cmp.Compare(b.severity, a.severity) })
	return rows, nil
}

type treeData struct {
	periodFilter
	// Lines are the tree's items, nested: see treeLines.
	Lines template.HTML
}

// periodFilter is what a page of one period and team shows in its
// switcher: the period asked for (Found false when it does not exist) and
// the team, with the choices of each.
type periodFilter struct {
	Period  string
	Found   bool
	Periods []option
	Teams   []option
	Team    string
}

// filterOf reads the period and team a page asks for, and returns their
// rows: p.ID and team.ID are zero when the page asked for none.
func (d *Dashboard) filterOf(r *http.Request, v *viewer) (f periodFilter, p store.Period, team store.Team, err error) {
	p, periods, found, err := d.period(r.Context(), v, r.FormValue("period"))
	if err != nil {
		return f, p, team, err
	}
	team, teams, err := d.team(r.Context(), v, r.FormValue("team"))
	if err != nil {
		return f, p, team, err
	}
	return periodFilter{Period: p.Name, Found: found, Periods: periodOptions(periods, p), Teams: teams, Team: team.Name}, p, team, nil
}

// tree is the period's alignment: company objectives, and the team and
// personal objectives aligned to them, nested.
func (d *Dashboard) tree(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx, now := r.Context(), d.now()
	filter, p, team, err := d.filterOf(r, v)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := treeData{periodFilter: filter}
	if filter.Found {
		os, err := d.store.ObjectiveLines(ctx, v.ws.ID, store.ObjectiveFilter{PeriodID: p.ID, TeamID: team.ID, Statuses: []okr.Status{okr.Active, okr.Closed}}, 0)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		data.Lines = treeLines(os, p.Domain().Elapsed(now))
	}
	d.render(w, r, http.StatusOK, "tree", v, page{Title: "Tree " + p.Name, Nav: "tree", Data: data})
}

// treeLines writes the tree's items: objectives under the objectives they
// align to; those whose parent is not among them are roots, company
// objectives (no team) first, as commands.Alignment orders them. Each is
//
//	<li><a href="/o/12">#12 Title</a> <b class="green">0.7 green</b> Owner, Team, <em>2 behind pace</em>, closed<ul>…</ul></li>
//
// A period can hold thousands of objectives: html/template took about 9
// µs a line, more than the rest of the page, so the lines are written
// here, each text escaped as html/template escapes it. elapsed is the
// share of the period gone, for the pace of active objectives.
func treeLines(os []store.ObjectiveLine, elapsed float64) template.HTML {
	in := make(map[uint]bool, len(os))
	for _, o := range os {
		in[o.ID] = true
	}
	var roots []*store.ObjectiveLine
	children := map[uint][]*store.ObjectiveLine{}
	for i := range os {
		o := &os[i]
		if o.ParentID != nil && in[*o.ParentID] && *o.ParentID != o.ID {
			children[*o.ParentID] = append(children[*o.ParentID], o)
		} else {
			roots = append(roots, o)
		}
	}
	slices.SortStableFunc(roots, func(a, b *store.ObjectiveLine) int { return cmp.Compare(a.Team, b.Team) })
	var b strings.Builder
	b.Grow(150 * len(os))
	seen := make(map[uint]bool, len(os))
	var walk func(o *store.ObjectiveLine)
	walk = func(o *store.ObjectiveLine) {
		seen[o.ID] = true
		writeLineHead(&b, o)
		b.WriteString(textEscaper.Replace(o.Owner()))
		if o.Team != "" {
			b.WriteString(", ")
			b.WriteString(textEscaper.Replace(o.Team))
		}
		if o.Status != okr.Active {
			b.WriteString(", ")
			b.WriteString(textEscaper.Replace(string(o.Status)))
		} else if behind := behindPace(o.KeyResults, elapsed); behind > 0 {
			b.WriteString(", <em>")
			b.WriteString(strconv.Itoa(behind))
			b.WriteString(" behind pace</em>")
		}
		first := true
		for _, c := range children[o.ID] {
			if seen[c.ID] {
				continue
			}
			if first {
				b.WriteString("<ul>")
				first = false
			}
			walk(c)
		}
		if !first {
			b.WriteString("</ul>")
		}
		b.WriteString("</li>")
	}
	for _, o := range roots {
		walk(o)
	}
	return template.HTML(b.String())
}

// textEscaper escapes text as html/template does in text and in quoted
// attributes.
var textEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// behindPace counts the key results behind the pace of elapsed.
func behindPace(krs []store.KeyResultMeasure, elapsed float64) int {
	n := 0
	for _, kr := range krs {
		if okr.BehindPace(kr.Progress(), elapsed) {
			n++
		}
	}
	return n
}

type checkInRow struct {
	At         time.Time
	KeyResult  string
	Value      string
	Confidence string
	Comment    string
	Author     string
}

type historyRow struct {
	At   time.Time
	Who  string
	What string
}

type objectiveData struct {
	Objective   objectiveRow
	Description string
	Period      string
	Parent      *link
	Continues   *link
	Outcome     string
	Retro       string
	KeyResults  []keyResultRow
	Charts      []link
	CheckIns    []checkInRow
	History     []historyRow
	Children    []objectiveRow
}

func (d *Dashboard) objectiveOf(w http.ResponseWriter, r *http.Request, v *viewer) (store.Objective, bool) {
	return pageOf(d, w, r, v, "number", "Objectives have numbers, like /o/12.", "There is no objective #%d in your workspace.",
		func(ctx context.Context, n uint64) (store.Objective, error) {
			return d.store.Objective(ctx, v.ws.ID, int64(n))
		})
}

// pageOf finds what a page is about by the number in its path (param),
// answering 404 with what was wrong (bad says how numbers look, missing
// names the number nobody has) when nothing of the workspace has it.
func pageOf[T any](d *Dashboard, w http.ResponseWriter, r *http.Request, v *viewer, param, bad, missing string,
	find func(context.Context, uint64) (T, error)) (T, bool) {
	var none T
	n, err := strconv.ParseUint(strings.TrimPrefix(r.PathValue(param), "#"), 10, 63)
	if err != nil || n == 0 {
		d.notFound(w, r, v, bad)
		return none, false
	}
	found, err := find(r.Context(), n)
	if errors.Is(err, okr.ErrNotFound) {
		d.notFound(w, r, v, fmt.Sprintf(missing, n))
		return none, false
	}
	if err != nil {
		d.fail(w, r, err)
		return none, false
	}
	return found, true
}

// objective shows an objective: its key results with progress and
// forecast, its chart, its check-ins, its history, its parent and
// children.
func (d *Dashboard) objective(w http.ResponseWriter, r *http.Request, v *viewer) {
	o, ok := d.objectiveOf(w, r, v)
	if !ok {
		return
	}
	ctx, now := r.Context(), d.now()
	ids := keyResultIDs([]store.Objective{o})
	checkIns, err := d.store.CheckInsOf(ctx, v.ws.ID, ids)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	points := map[uint][]okr.Point{}
	last := map[uint]store.CheckIn{}
	people := []uint{}
	for _, c := range checkIns {
		if !c.CreatedAt.Before(o.Period.StartsAt) {
			points[c.KeyResultID] = append(points[c.KeyResultID], okr.Point{At: c.CreatedAt, Value: c.Value})
		}
		last[c.KeyResultID] = c
		people = append(people, c.AuthorID)
	}
	fo, fkr := forecasts([]store.Objective{o}, points, now)
	data := objectiveData{Objective: newObjectiveRow(o, now), Description: o.Description, Period: o.Period.Name,
		Outcome: o.Outcome.Label(), Retro: o.Retrospective}
	if o.Outcome == "" {
		data.Outcome = ""
	}
	if o.Status == okr.Active {
		data.Objective.Forecast = fo[o.ID].String()
	}
	var kpiIDs, related []uint
	if o.ParentID != nil {
		related = append(related, *o.ParentID)
	}
	if o.ContinuesID != nil {
		related = append(related, *o.ContinuesID)
	}
	for _, kr := range o.KeyResults {
		if kr.KPIID != nil {
			kpiIDs = append(kpiIDs, *kr.KPIID)
		}
	}
	kpis := map[uint]store.KPI{}
	if len(kpiIDs) > 0 {
		ks, err := d.store.KPIs(ctx, v.ws.ID, store.KPIFilter{IDs: kpiIDs, IncludeArchived: true})
		if err != nil {
			d.fail(w, r, err)
			return
		}
		for _, k := range ks {
			kpis[k.ID] = k
		}
	}
	for _, kr := range o.KeyResults {
		row := keyResultRow{Label: o.Label(kr), Objective: o.Number, Title: kr.Title, Measure: commands.MeasureText(kr), Score: scoreOf(kr.Progress()),
			Owner: ownerName(kr.Owner), LastCheckIn: "no check-in yet"}
		if kr.Weight != 1 {
			row.Weight = okr.FormatNumber(kr.Weight)
		}
		if o.Status == okr.Active {
			row.Behind = okr.BehindPace(kr.Progress(), o.Period.Domain().Elapsed(now))
			row.Forecast = fkr[kr.ID].String()
		}
		if c, ok := last[kr.ID]; ok {
			row.LastCheckIn = "last check-in " + c.CreatedAt.UTC().Format("Jan 2")
			row.Confidence = c.Confidence.Label()
		}
		if kr.KPIID != nil {
			if k, ok := kpis[*kr.KPIID]; ok {
				row.KPI = &link{Href: fmt.Sprintf("/k/%d", k.ID), Label: k.Name}
			}
		}
		if kr.FinalScore != nil {
			row.Final = fmt.Sprintf("%.1f", okr.Round1(*kr.FinalScore))
		}
		data.KeyResults = append(data.KeyResults, row)
	}
	switch n := len(o.KeyResults); {
	case n == 0:
	case n <= chart.MaxCombined:
		data.Charts = []link{{Href: fmt.Sprintf("/o/%d/chart.png", o.Number), Label: fmt.Sprintf("Burn-up of the key results of #%d over %s; their numbers are listed above.", o.Number, o.Period.Name)}}
	default:
		for _, kr := range o.KeyResults {
			data.Charts = append(data.Charts, link{Href: fmt.Sprintf("/o/%d/chart.png?kr=%d", o.Number, kr.Position),
				Label: fmt.Sprintf("Burn-up of %s over %s; its numbers are listed above.", o.Label(kr), o.Period.Name)})
		}
	}
	history, err := d.store.History(ctx, v.ws.ID, subjectsOf(o), 0, 0)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	for _, e := range history.Entries {
		if e.ActorID != nil {
			people = append(people, *e.ActorID)
		}
	}
	users, err := d.store.UsersByID(ctx, v.ws.ID, people)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	labels := map[uint]string{}
	for _, kr := range o.KeyResults {
		labels[kr.ID] = o.Label(kr)
	}
	for i := len(checkIns) - 1; i >= 0; i-- {
		c := checkIns[i]
		kr := findKR(o, c.KeyResultID)
		u := users[c.AuthorID]
		data.CheckIns = append(data.CheckIns, checkInRow{At: c.CreatedAt, KeyResult: labels[c.KeyResultID], Value: valueText(kr, c.Value),
			Confidence: c.Confidence.Label(), Comment: c.Comment, Author: ownerName(&u)})
	}
	for _, e := range history.Entries {
		who := "okrbot"
		if e.ActorID != nil {
			u := users[*e.ActorID]
			who = ownerName(&u)
		} else if e.Platform == "api" || e.Platform == "import" {
			who = "the " + e.Platform
		}
		data.History = append(data.History, historyRow{At: e.At, Who: who, What: historyText(e, labels, o)})
	}
	if len(related) > 0 {
		rel, err := d.store.ObjectivesByIDs(ctx, v.ws.ID, related)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		if o.ParentID != nil {
			if p, ok := rel[*o.ParentID]; ok {
				data.Parent = &link{Href: fmt.Sprintf("/o/%d", p.Number), Label: fmt.Sprintf("#%d %s", p.Number, p.Title)}
			}
		}
		if o.ContinuesID != nil {
			if p, ok := rel[*o.ContinuesID]; ok {
				data.Continues = &link{Href: fmt.Sprintf("/o/%d", p.Number), Label: fmt.Sprintf("#%d %s", p.Number, p.Title)}
			}
		}
	}
	children, err := d.store.Objectives(ctx, v.ws.ID, store.ObjectiveFilter{ParentID: o.ID, Statuses: []okr.Status{okr.Active, okr.Closed}})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	for _, c := range children {
		data.Children = append(data.Children, newObjectiveRow(c, now))
	}
	d.render(w, r, http.StatusOK, "objective", v, page{Title: fmt.Sprintf("#%d %s", o.Number, o.Title), Nav: "tree", Data: data})
}

func findKR(o store.Objective, id uint) store.KeyResult {
	for _, kr := range o.KeyResults {
		if kr.ID == id {
			return kr
		}
	}
	return store.KeyResult{}
}

func valueText(kr store.KeyResult, v float64) string {
	if kr.Kind == okr.Milestone {
		if v >= 1 {
			return "done"
		}
		return "not done"
	}
	return okr.FormatValue(v, kr.Unit)
}

func subjectsOf(o store.Objective) []store.Subject {
	subjects := []store.Subject{{Kind: store.SubjectObjective, ID: o.ID}}
	for _, kr := range o.KeyResults {
		subjects = append(subjects, store.Subject{Kind: store.SubjectKeyResult, ID: kr.ID})
	}
	return subjects
}

// historyText says what a history entry changed, in words.
func historyText(e store.HistoryEntry, labels map[uint]string, o store.Objective) string {
	subject := fmt.Sprintf("#%d", o.Number)
	if e.SubjectKind == store.SubjectKeyResult {
		subject = labels[e.SubjectID]
	}
	what := strings.ReplaceAll(string(e.Action), "-", " ")
	if e.Field != "" {
		what += " " + strings.ReplaceAll(e.Field, "_", " ")
	}
	text := subject + ": " + what
	switch {
	case e.OldValue != "" && e.NewValue != "":
		text += fmt.Sprintf(" from %s to %s", e.OldValue, e.NewValue)
	case e.NewValue != "":
		text += " " + e.NewValue
	}
	return text
}

// chartTime is the moment charts are drawn at, as in chat: now rounded up
// to the hour within its day, so that a chart asked for again within the
// hour is the same picture and browsers keep it by its ETag.
func chartTime(now time.Time) time.Time {
	t := now.UTC()
	up := t.Truncate(time.Hour)
	if up.Before(t) {
		up = up.Add(time.Hour)
	}
	y, m, dd := t.Date()
	if end := time.Date(y, m, dd, 23, 59, 59, 0, time.UTC); up.After(end) {
		up = end
	}
	return up
}

// png answers a chart, identified by its content.
func (d *Dashboard) png(w http.ResponseWriter, r *http.Request, img chart.Image, err error) {
	if err != nil {
		d.fail(w, r, err)
		return
	}
	sum := sha256.Sum256(img.PNG)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, max-age=300")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(img.PNG)
}

// objectiveChart draws an objective's key results over its period, or one
// key result's burn-up (?kr=POSITION).
func (d *Dashboard) objectiveChart(w http.ResponseWriter, r *http.Request, v *viewer) {
	o, ok := d.objectiveOf(w, r, v)
	if !ok {
		return
	}
	checkIns, err := d.store.CheckInsOf(r.Context(), v.ws.ID, keyResultIDs([]store.Objective{o}))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	now := chartTime(d.now())
	byKR := map[uint][]store.CheckIn{}
	for _, c := range checkIns {
		byKR[c.KeyResultID] = append(byKR[c.KeyResultID], c)
	}
	p := o.Period.Domain()
	krs := make([]chart.KeyResult, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		ckr := chart.KeyResult{Title: kr.Title, Kind: kr.Kind, Start: kr.Start, Target: kr.Target, Unit: kr.Unit, Weight: kr.Weight}
		var points []okr.Point
		for _, c := range byKR[kr.ID] {
			ckr.CheckIns = append(ckr.CheckIns, chart.CheckIn{At: c.CreatedAt, Value: c.Value, Confidence: c.Confidence})
			points = append(points, okr.Point{At: c.CreatedAt, Value: c.Value})
		}
		if f := okr.ForecastKeyResult(kr.Measure, points, p, now); f.Kind == okr.Projected && kr.Kind != okr.Milestone {
			ckr.Forecast = &f.Value
		}
		krs[i] = ckr
	}
	if pos := r.FormValue("kr"); pos != "" {
		for i, kr := range o.KeyResults {
			if strconv.Itoa(kr.Position) == pos {
				img, err := chart.BurnUp(krs[i], p, now)
				d.png(w, r, img, err)
				return
			}
		}
		d.notFound(w, r, v, fmt.Sprintf("Objective #%d has no key result %s.", o.Number, pos))
		return
	}
	if len(krs) == 0 || len(krs) > chart.MaxCombined {
		d.notFound(w, r, v, fmt.Sprintf("Objective #%d has no chart of all its key results.", o.Number))
		return
	}
	img, err := chart.ObjectiveChart(chart.Objective{Title: o.Title, Period: p, KeyResults: krs}, now)
	d.png(w, r, img, err)
}

type teamKPIs struct {
	Team string
	KPIs []kpiRow
}

type scorecardData struct {
	Periods []option // none: KPIs have no period
	Teams   []option
	Team    string
	Groups  []teamKPIs
}

// scorecard lists every KPI by team, worst health first.
func (d *Dashboard) scorecard(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	team, teams, err := d.team(ctx, v, r.FormValue("team"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	ks, err := d.store.KPIs(ctx, v.ws.ID, store.KPIFilter{TeamID: team.ID})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rows, err := d.kpiRows(ctx, v, ks, d.now())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	groups := map[string][]kpiRow{}
	for _, row := range rows {
		groups[row.Team] = append(groups[row.Team], row)
	}
	data := scorecardData{Teams: teams, Team: team.Name}
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == "") != (b == "") {
			return cmp.Compare(b, a) // no team last
		}
		return cmp.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	for _, name := range names {
		label := name
		if label == "" {
			label = "No team"
		}
		data.Groups = append(data.Groups, teamKPIs{Team: label, KPIs: groups[name]})
	}
	d.render(w, r, http.StatusOK, "scorecard", v, page{Title: "Scorecard", Nav: "scorecard", Data: data})
}

type measurementRow struct {
	At      time.Time
	Value   string
	Comment string
	By      string
}

type kpiData struct {
	KPI          kpiRow
	Description  string
	Direction    string
	Warn, Crit   string
	Cadence      string
	Measurements []measurementRow
	Drives       []link
}

func (d *Dashboard) kpiOf(w http.ResponseWriter, r *http.Request, v *viewer) (store.KPI, bool) {
	return pageOf(d, w, r, v, "id", "KPIs have numbers, like /k/3.", "There is no KPI %d in your workspace.",
		func(ctx context.Context, n uint64) (store.KPI, error) { return d.store.KPIByID(ctx, v.ws.ID, uint(n)) })
}

// kpi shows a KPI: its trend chart, thresholds, measurements and the key
// results it drives.
func (d *Dashboard) kpi(w http.ResponseWriter, r *http.Request, v *viewer) {
	k, ok := d.kpiOf(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	rows, err := d.kpiRows(ctx, v, []store.KPI{k}, d.now())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := kpiData{KPI: rows[0], Description: k.Description, Direction: k.Direction.Label(), Cadence: string(k.Cadence),
		Warn: okr.FormatValue(k.Warn, k.Unit), Crit: okr.FormatValue(k.Crit, k.Unit)}
	ms, err := d.store.Measurements(ctx, v.ws.ID, k.ID, 50)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	var authors []uint
	for _, m := range ms {
		if m.AuthorID != nil {
			authors = append(authors, *m.AuthorID)
		}
	}
	users, err := d.store.UsersByID(ctx, v.ws.ID, authors)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	for _, m := range ms {
		by := m.Source
		if m.AuthorID != nil {
			u := users[*m.AuthorID]
			by = ownerName(&u)
		}
		data.Measurements = append(data.Measurements, measurementRow{At: m.At, Value: okr.FormatValue(m.Value, k.Unit), Comment: m.Comment, By: by})
	}
	driven, err := d.store.KeyResultsDrivenBy(ctx, v.ws.ID, []uint{k.ID})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	os, err := d.store.ObjectivesByIDs(ctx, v.ws.ID, objectiveIDs(driven[k.ID]))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	for _, kr := range driven[k.ID] {
		o := os[kr.ObjectiveID]
		data.Drives = append(data.Drives, link{Href: fmt.Sprintf("/o/%d", o.Number), Label: o.Label(kr) + " " + kr.Title})
	}
	d.render(w, r, http.StatusOK, "kpi", v, page{Title: k.Name, Nav: "scorecard", Data: data})
}

// kpiChart draws a KPI's trend against its target and thresholds.
func (d *Dashboard) kpiChart(w http.ResponseWriter, r *http.Request, v *viewer) {
	k, ok := d.kpiOf(w, r, v)
	if !ok {
		return
	}
	now := chartTime(d.now())
	var last time.Time
	if k.LastAt != nil {
		last = *k.LastAt
	}
	points, err := d.store.PointsSince(r.Context(), v.ws.ID, map[uint]time.Time{k.ID: chart.TrendFrom(k.Cadence, last, now)}, store.TrendDepth)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	img, err := chart.KPITrend(chart.KPI{Name: k.Name, Unit: k.Unit, Standing: k.Standing(), Points: points[k.ID]}, now)
	d.png(w, r, img, err)
}

type teamScoreRow struct {
	Team       string
	Objectives int
	Average    score
}

type carriedRow struct {
	From, To link
	Period   string
}

type reviewData struct {
	periodFilter
	// Rows are the objectives' items: see reviewLines.
	Rows    template.HTML
	Scores  []teamScoreRow
	Carried []carriedRow
}

// review is a period's retrospective: grades, outcomes, what was learned,
// the average per team and what was carried over.
func (d *Dashboard) review(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	filter, p, team, err := d.filterOf(r, v)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := reviewData{periodFilter: filter}
	if filter.Found {
		os, err := d.store.ObjectiveLines(ctx, v.ws.ID, store.ObjectiveFilter{PeriodID: p.ID, TeamID: team.ID, Statuses: []okr.Status{okr.Active, okr.Closed}},
			store.WithGrades)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		data.Rows = reviewLines(os)
		data.Scores = teamScores(os)
		carried, err := d.store.CarriedOver(ctx, v.ws.ID, p.ID, team.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		for _, c := range carried {
			data.Carried = append(data.Carried, carriedRow{
				From:   link{Href: fmt.Sprintf("/o/%d", c.From.Number), Label: fmt.Sprintf("#%d %s", c.From.Number, c.From.Title)},
				To:     link{Href: fmt.Sprintf("/o/%d", c.To.Number), Label: fmt.Sprintf("#%d", c.To.Number)},
				Period: c.To.Period.Name})
		}
	}
	d.render(w, r, http.StatusOK, "review", v, page{Title: "Review " + p.Name, Nav: "review", Data: data})
}

// reviewLines writes the review's items, one an objective:
//
//	<li><a href="/o/12">#12 Title</a> <b class="green">0.7 green</b> <small>Owner · Team · Achieved · not closed yet</small><br>What we learned: <i>…</i></li>
//
// A period can hold thousands of objectives, and html/template took more
// time for them than reading them, so they are written here, each text
// escaped as html/template escapes it, as treeLines does.
func reviewLines(os []store.ObjectiveLine) template.HTML {
	var b strings.Builder
	b.Grow(160 * len(os))
	for _, o := range os {
		writeLineHead(&b, &o)
		b.WriteString(`<small>`)
		b.WriteString(textEscaper.Replace(o.Owner()))
		if o.Team != "" {
			b.WriteString(" · ")
			b.WriteString(textEscaper.Replace(o.Team))
		}
		if o.Outcome != "" {
			b.WriteString(" · ")
			b.WriteString(textEscaper.Replace(o.Outcome.Label()))
		}
		if o.Status == okr.Active {
			b.WriteString(" · not closed yet")
		}
		b.WriteString("</small>")
		if o.Retrospective != "" {
			b.WriteString("<br>What we learned: <i>")
			b.WriteString(textEscaper.Replace(o.Retrospective))
			b.WriteString("</i>")
		}
		b.WriteString("</li>")
	}
	return template.HTML(b.String())
}

// writeLineHead writes the start of an objective's item in the tree and
// the review, its link and score, each text escaped as html/template
// escapes it:
//
//	<li><a href="/o/12">#12 Title</a> <b class="green">0.7 green</b>
func writeLineHead(b *strings.Builder, o *store.ObjectiveLine) {
	n := strconv.FormatInt(o.Number, 10)
	sc := scoreOf(o.Score())
	b.WriteString(`<li><a href="/o/`)
	b.WriteString(n)
	b.WriteString(`">#`)
	b.WriteString(n)
	b.WriteByte(' ')
	b.WriteString(textEscaper.Replace(o.Title))
	b.WriteString(`</a> <b class="`)
	b.WriteString(textEscaper.Replace(string(sc.Band)))
	b.WriteString(`">`)
	b.WriteString(textEscaper.Replace(sc.Text))
	b.WriteByte(' ')
	b.WriteString(textEscaper.Replace(sc.Word))
	b.WriteString(`</b> `)
}

// teamScores are the average scores of the objectives per team, by team
// name, those without a team last, as store.PeriodReview.TeamScores has
// them: a team's name is unique in its workspace.
func teamScores(os []store.ObjectiveLine) []teamScoreRow {
	parts := map[string][]okr.Weighted{}
	for _, o := range os {
		parts[o.Team] = append(parts[o.Team], okr.Weighted{Value: o.Score(), Weight: 1})
	}
	names := slices.SortedFunc(maps.Keys(parts), func(a, b string) int {
		switch {
		case a == "":
			return 1
		case b == "":
			return -1
		}
		return strings.Compare(a, b)
	})
	out := make([]teamScoreRow, len(names))
	for i, name := range names {
		label := name
		if label == "" {
			label = "No team"
		}
		out[i] = teamScoreRow{Team: label, Objectives: len(parts[name]), Average: scoreOf(okr.Score(parts[name]))}
	}
	return out
}
