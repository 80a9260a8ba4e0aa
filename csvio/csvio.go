package csvio

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// exportOnly are the columns an export writes that an import skips.
var exportOnly = []string{"id", "archived", "last_value", "last_at", "health"}

// ReadKPIs reads a KPI import file (see ReadSheet for the formats) into
// rows, as KPIRows does. A file that is not such a file is a
// *commands.ImportError naming the line.
func ReadKPIs(r io.Reader) ([]commands.KPIRow, error) {
	s, err := ReadSheet(r, "")
	if err != nil {
		return nil, &commands.ImportError{Problems: []string{err.Error()}}
	}
	return KPIRows(s)
}

// KPIRows reads the rows of a KPI sheet: a header row naming its columns
// (any of commands.ImportColumns; "name" is taken for "kpi", and the
// columns only an export writes are skipped), then one row per KPI or
// value.
func KPIRows(s commands.Sheet) ([]commands.KPIRow, error) {
	col := map[string]int{}
	var problems []string
	for i, h := range s.Header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case name == "name":
			name = "kpi"
		case slices.Contains(exportOnly, name):
			continue
		case !slices.Contains(commands.ImportColumns, name):
			problems = append(problems, fmt.Sprintf("line 1: unknown column %q; columns are %s", h, strings.Join(commands.ImportColumns, ", ")))
			continue
		}
		col[name] = i
	}
	if _, ok := col["kpi"]; !ok {
		problems = append(problems, "line 1: there is no kpi column naming the KPI of each row (nor an objective column, for OKRs)")
	}
	if len(problems) > 0 {
		return nil, &commands.ImportError{Problems: problems}
	}
	rows := []commands.KPIRow{}
	for _, rec := range s.Rows {
		row := commands.KPIRow{Line: rec.Line, Columns: map[string]string{}}
		for name, i := range col {
			if i < len(rec.Cells) {
				row.Columns[name] = fromCell(strings.TrimSpace(rec.Cells[i]))
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ImportKPIs reads a KPI import file into a workspace, all or nothing: with
// any bad row it returns a *commands.ImportError naming each bad line, and
// changes nothing.
func ImportKPIs(ctx context.Context, svc *commands.Service, workspaceID uint, r io.Reader) (commands.ImportReport, error) {
	rows, err := ReadKPIs(r)
	if err != nil {
		return commands.ImportReport{}, err
	}
	return svc.ImportKPIs(ctx, workspaceID, rows)
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// formulaStart are the first characters that make a spreadsheet read a
// cell as a formula, which runs when someone opens an export (OWASP's "CSV
// injection"): a KPI named =HYPERLINK(…) would be a link to anywhere.
const formulaStart = "=+-@\t\r"

// toCell is text as an export writes it: text that would start a formula
// gets an apostrophe first, which spreadsheets read as "this is text" and
// do not show. Numbers are left alone: -1.5 is no formula.
func toCell(s string) string {
	if s == "" || !strings.ContainsRune(formulaStart, rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// fromCell undoes toCell, so that an export imports as it was.
func fromCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStart, rune(s[1])) {
		return s[1:]
	}
	return s
}

// writer collects the first error of a CSV file's rows.
type writer struct {
	cw  *csv.Writer
	err error
}

func newWriter(w io.Writer, header ...string) *writer {
	cw := &writer{cw: csv.NewWriter(w)}
	cw.row(header...)
	return cw
}

// row writes one row, every cell made safe to open in a spreadsheet.
func (w *writer) row(fields ...string) {
	if w.err != nil {
		return
	}
	cells := make([]string, len(fields))
	for i, f := range fields {
		cells[i] = toCell(f)
	}
	w.err = w.cw.Write(cells)
}

func (w *writer) close() error {
	w.cw.Flush()
	if w.err != nil {
		return w.err
	}
	return w.cw.Error()
}

// ExportKPIs writes a workspace's KPIs as CSV, in the columns an import
// reads (and a few it skips), with their health at now.
func ExportKPIs(ctx context.Context, st *store.Store, workspaceID uint, now time.Time, w io.Writer) error {
	ks, err := st.KPIs(ctx, workspaceID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	cw := newWriter(w, "id", "kpi", "description", "team", "owner", "unit", "direction", "target", "warn", "crit", "cadence", "archived", "last_value", "last_at", "health")
	for _, k := range ks {
		team, last := "", ""
		if k.Team != nil {
			team = k.Team.Name
		}
		if k.LastValue != nil {
			last = formatFloat(*k.LastValue)
		}
		cw.row(strconv.FormatUint(uint64(k.ID), 10), k.Name, k.Description, team, k.Owner.PlatformID, k.Unit, string(k.Direction),
			formatFloat(k.Target), formatFloat(k.Warn), formatFloat(k.Crit), string(k.Cadence), strconv.FormatBool(k.Archived),
			last, formatTime(k.LastAt), string(k.HealthAt(now)))
	}
	return cw.close()
}

// ExportMeasurements writes every measurement of a workspace as CSV that
// ImportKPIs reads back.
func ExportMeasurements(ctx context.Context, st *store.Store, workspaceID uint, w io.Writer) error {
	ks, err := st.KPIs(ctx, workspaceID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	names := map[uint]string{}
	for _, k := range ks {
		names[k.ID] = k.Name
	}
	cw := newWriter(w, "kpi", "value", "at", "comment", "source")
	err = st.EachMeasurement(ctx, workspaceID, func(m store.Measurement) error {
		cw.row(names[m.KPIID], formatFloat(m.Value), formatTime(&m.At), m.Comment, m.Source)
		return cw.err
	})
	if err != nil {
		return err
	}
	return cw.close()
}

// OKRExportColumns are the columns of okrs.csv: those an OKR import reads,
// with the objective's score and each key result's progress, which it
// works out again.
var OKRExportColumns = []string{"period", "objective", "objective_title", "description", "team", "objective_owner", "objective_owner_email",
	"parent", "status", "score", "key_result", "key_result_title", "key_result_owner", "key_result_owner_email",
	"kind", "start", "target", "current", "unit", "weight", "progress"}

// ExportOKRs writes a workspace's objectives and key results as CSV, one row
// per key result (and one for an objective without any), which an OKR
// import reads back as it is. People are named by platform id, and by
// email where okrbot knows it; parents by number.
func ExportOKRs(ctx context.Context, st *store.Store, workspaceID uint, w io.Writer) error {
	os, err := st.Objectives(ctx, workspaceID, store.ObjectiveFilter{})
	if err != nil {
		return err
	}
	numbers := map[uint]int64{}
	for _, o := range os {
		numbers[o.ID] = o.Number
	}
	cw := newWriter(w, OKRExportColumns...)
	for _, o := range os {
		team, parent := "", ""
		if o.Team != nil {
			team = o.Team.Name
		}
		if o.ParentID != nil {
			parent = "#" + strconv.FormatInt(numbers[*o.ParentID], 10)
		}
		head := []string{o.Period.Name, "#" + strconv.FormatInt(o.Number, 10), o.Title, o.Description, team, o.Owner.PlatformID, o.Owner.Email,
			parent, string(o.Status), strconv.FormatFloat(okr.Round1(o.Score()), 'f', 1, 64)}
		if len(o.KeyResults) == 0 {
			cw.row(append(head, make([]string, len(OKRExportColumns)-len(head))...)...)
		}
		for _, kr := range o.KeyResults {
			owner, email := "", ""
			if kr.Owner != nil {
				owner, email = kr.Owner.PlatformID, kr.Owner.Email
			}
			cw.row(append(slices.Clone(head), o.Label(kr), kr.Title, owner, email, string(kr.Kind), formatFloat(kr.Start),
				formatFloat(kr.Target), formatFloat(kr.Current), kr.Unit, formatFloat(kr.Weight), strconv.FormatFloat(kr.Progress(), 'f', 2, 64))...)
		}
	}
	return cw.close()
}

// WriteOKRTemplate writes an OKR import file to fill in: the columns, and
// a company objective with a team objective aligned to it.
func WriteOKRTemplate(w io.Writer, period string) error {
	cw := newWriter(w, "period", "objective", "objective_title", "description", "team", "objective_owner", "parent",
		"key_result_title", "key_result_owner", "kind", "start", "target", "current", "unit", "weight")
	cw.row(period, "C1", "Create wildly loyal customers", "Our company objective", "", "ceo@example.com", "",
		"Raise NPS from 31 to 45", "", "metric", "31", "45", "31", "", "1")
	cw.row(period, "C1", "", "", "", "", "",
		"Cut churn from 4% to 2.5%", "cs-lead@example.com", "metric", "4%", "2.5%", "4%", "%", "1")
	cw.row(period, "S1", "Make onboarding effortless", "", "Support", "support-lead@example.com", "C1",
		"Ship the self-serve setup guide", "", "milestone", "", "", "", "", "1")
	return cw.close()
}

// ExportCheckIns writes every check-in of a workspace's key results as CSV.
func ExportCheckIns(ctx context.Context, st *store.Store, workspaceID uint, w io.Writer) error {
	os, err := st.Objectives(ctx, workspaceID, store.ObjectiveFilter{})
	if err != nil {
		return err
	}
	labels := map[uint]string{}
	var ids []uint
	for _, o := range os {
		for _, kr := range o.KeyResults {
			labels[kr.ID] = o.Label(kr)
			ids = append(ids, kr.ID)
		}
	}
	cs, err := st.CheckInsOf(ctx, workspaceID, ids)
	if err != nil {
		return err
	}
	authorIDs := make([]uint, 0, len(cs))
	for _, c := range cs {
		authorIDs = append(authorIDs, c.AuthorID)
	}
	authors, err := st.UsersByID(ctx, workspaceID, authorIDs)
	if err != nil {
		return err
	}
	cw := newWriter(w, "key_result", "at", "value", "confidence", "author", "comment")
	for _, c := range cs {
		cw.row(labels[c.KeyResultID], c.CreatedAt.UTC().Format(time.RFC3339), formatFloat(c.Value), string(c.Confidence),
			authors[c.AuthorID].PlatformID, c.Comment)
	}
	return cw.close()
}

// ExportHistory writes every change to a workspace's objectives, key
// results and KPIs as CSV, oldest first, reading the history one entry at
// a time. Subjects are named as people know them (#42, #42.1, a KPI's
// name), people by their platform id.
func ExportHistory(ctx context.Context, st *store.Store, workspaceID uint, w io.Writer) error {
	os, err := st.Objectives(ctx, workspaceID, store.ObjectiveFilter{})
	if err != nil {
		return err
	}
	ks, err := st.KPIs(ctx, workspaceID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	labels := map[store.Subject]string{}
	for _, o := range os {
		labels[store.Subject{Kind: store.SubjectObjective, ID: o.ID}] = "#" + strconv.FormatInt(o.Number, 10)
		for _, kr := range o.KeyResults {
			labels[store.Subject{Kind: store.SubjectKeyResult, ID: kr.ID}] = o.Label(kr)
		}
	}
	for _, k := range ks {
		labels[store.Subject{Kind: store.SubjectKPI, ID: k.ID}] = k.Name
	}
	// The history is read while it streams, so the people it names are
	// loaded first: SQLite has one connection, which the stream holds.
	people, err := st.Users(ctx, workspaceID)
	if err != nil {
		return err
	}
	platformIDs := make(map[uint]string, len(people))
	for _, u := range people {
		platformIDs[u.ID] = u.PlatformID
	}
	cw := newWriter(w, "at", "subject_kind", "subject", "action", "field", "old_value", "new_value", "actor", "platform")
	err = st.EachHistory(ctx, workspaceID, func(e store.HistoryEntry) error {
		who := ""
		if e.ActorID != nil {
			who = platformIDs[*e.ActorID]
		}
		cw.row(formatTime(&e.At), string(e.SubjectKind), labels[store.Subject{Kind: e.SubjectKind, ID: e.SubjectID}],
			string(e.Action), e.Field, e.OldValue, e.NewValue, who, e.Platform)
		return cw.err
	})
	if err != nil {
		return err
	}
	return cw.close()
}
