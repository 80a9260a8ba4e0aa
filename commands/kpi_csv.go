package commands

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Columns an import reads. A row names a KPI (by name or id); with a value it
// records a measurement, and for a KPI the workspace does not have yet the
// definition columns create it (target and owner are required then).
var (
	importColumns = []string{"kpi", "value", "at", "comment", "source",
		"description", "team", "owner", "unit", "direction", "target", "warn", "crit", "cadence"}
	// exportOnly are the columns an export writes that an import skips.
	exportOnly = []string{"id", "archived", "last_value", "last_at", "health"}
)

// ImportError lists every problem of a CSV file; nothing was imported.
type ImportError struct{ Problems []string }

func (e *ImportError) Error() string {
	return "nothing was imported:\n" + strings.Join(e.Problems, "\n")
}

// ImportReport says what an import did.
type ImportReport struct {
	Created      []string // names of new KPIs
	Measurements int
}

// importRow is one CSV row, read and checked.
type importRow struct {
	line  int
	key   string // the KPI's name key, or "#id"
	fresh *store.KPI
	team  string
	owner string
	value *float64
	at    time.Time
	note  string
	src   string
}

// maxImportProblems stops a report from listing every line of a file in the
// wrong format.
const maxImportProblems = 20

// ImportCSV reads KPIs and measurements from a CSV file into a workspace, all
// or nothing: with any bad row it returns an *ImportError naming each bad
// line, and changes nothing.
func (s *Service) ImportCSV(ctx context.Context, workspaceID uint, r io.Reader) (ImportReport, error) {
	var report ImportReport
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return report, &ImportError{[]string{fmt.Sprintf("line 1: no header row (%v); the first row names the columns, like kpi,value,at,comment", err)}}
	}
	col := map[string]int{}
	var problems []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case name == "name":
			name = "kpi"
		case slices.Contains(exportOnly, name):
			continue
		case !slices.Contains(importColumns, name):
			problems = append(problems, fmt.Sprintf("line 1: unknown column %q; columns are %s", h, strings.Join(importColumns, ", ")))
			continue
		}
		col[name] = i
	}
	if _, ok := col["kpi"]; !ok {
		problems = append(problems, "line 1: there is no kpi column naming the KPI of each row")
	}
	if len(problems) > 0 {
		return report, &ImportError{problems}
	}

	existing, err := s.store.KPIs(ctx, workspaceID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		return report, err
	}
	known := map[string]store.KPI{}
	for _, k := range existing {
		known[k.NameKey] = k
		known["#"+strconv.FormatUint(uint64(k.ID), 10)] = k
	}
	now := s.now()
	var rows []importRow
	defined := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				err = fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
			}
			problems = append(problems, err.Error())
			break
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row, err := s.readImportRow(line, get, known, defined, now)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %s", line, err))
			if len(problems) == maxImportProblems {
				problems = append(problems, "…and perhaps more; fix these first.")
				break
			}
			continue
		}
		rows = append(rows, row)
	}
	if len(problems) > 0 {
		return report, &ImportError{problems}
	}

	latest := map[uint]store.Measurement{}
	alerts := map[uint]*kpiAlert{}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		report = ImportReport{}
		ids := map[string]uint{}
		for k, v := range known {
			ids[k] = v.ID
		}
		for _, row := range rows {
			if row.fresh != nil {
				k := *row.fresh
				k.WorkspaceID = workspaceID
				owner, err := importOwner(ctx, tx, workspaceID, row.owner)
				if err != nil {
					return &ImportError{[]string{fmt.Sprintf("line %d: %s", row.line, err)}}
				}
				k.OwnerID = owner.ID
				if row.team != "" {
					t, _, err := tx.EnsureTeam(ctx, workspaceID, strings.TrimPrefix(row.team, "#"))
					if err != nil {
						return err
					}
					k.TeamID = &t.ID
				}
				if err := tx.CreateKPI(ctx, &k); err != nil {
					var invalid *okr.ValidationError
					if errors.As(err, &invalid) {
						return &ImportError{[]string{fmt.Sprintf("line %d: %s", row.line, invalid.Msg)}}
					}
					return err
				}
				ids[row.key] = k.ID
				report.Created = append(report.Created, k.Name)
			}
			if row.value == nil {
				continue
			}
			in := MeasurementInput{WorkspaceID: workspaceID, KPIID: ids[row.key], Value: *row.value, At: row.at,
				Source: row.src, Comment: row.note}
			rec, alert, err := s.recordIn(ctx, tx, in, nil, false)
			if err != nil {
				var invalid *okr.ValidationError
				if errors.As(err, &invalid) {
					return &ImportError{[]string{fmt.Sprintf("line %d: %s", row.line, invalid.Msg)}}
				}
				if msg, ok := Refusal(err); ok {
					return &ImportError{[]string{fmt.Sprintf("line %d: %s", row.line, bot.Unescape(strings.ReplaceAll(msg, "*", "")))}}
				}
				return err
			}
			report.Measurements++
			if rec.Latest {
				latest[rec.KPI.ID] = rec.Measurement
			}
			// Replaying history moves health many times; only where it
			// ends is news.
			if alert != nil {
				alerts[rec.KPI.ID] = alert
			} else if rec.Latest {
				delete(alerts, rec.KPI.ID)
			}
		}
		// Key results follow the newest value of their KPI, once.
		for id, m := range latest {
			k, err := tx.KPIByID(ctx, workspaceID, id)
			if err != nil {
				return err
			}
			if _, err := s.checkInDriven(ctx, tx, k, m, k.OwnerID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportReport{}, err
	}
	for _, a := range alerts {
		s.sendAlerts(ctx, workspaceID, a)
	}
	return report, nil
}

// readImportRow checks one row without writing anything.
func (s *Service) readImportRow(line int, get func(string) string, known map[string]store.KPI, defined map[string]bool, now time.Time) (importRow, error) {
	row := importRow{line: line, note: get("comment"), src: get("source"), team: get("team"), owner: get("owner")}
	name := get("kpi")
	if name == "" {
		return row, errors.New("the kpi column is empty")
	}
	// An id ("12" or "#12") names the KPI with that id, as in /kpi set;
	// anything else is a name, even one that starts with "#".
	row.key = store.KPINameKey(name)
	if id := strings.TrimPrefix(name, "#"); id != "" && strings.Trim(id, "0123456789") == "" {
		if _, ok := known["#"+id]; ok {
			row.key = "#" + id
		}
	}
	_, exists := known[row.key]
	if !exists && !defined[row.key] {
		if get("target") == "" {
			return row, fmt.Errorf("there is no KPI %q; to create it, give its target and owner", name)
		}
		if row.owner == "" {
			return row, fmt.Errorf("the new KPI %q needs an owner (a person's name or Slack id)", name)
		}
		k := store.KPI{Name: name, Description: get("description")}
		d := kpiDraft{name: name, unit: get("unit"), target: get("target"), warn: get("warn"), crit: get("crit"), cadence: get("cadence")}
		switch dir := strings.ToLower(get("direction")); {
		case dir == "" || strings.HasPrefix(dir, "higher"):
			d.direction = okr.HigherIsBetter
		case strings.HasPrefix(dir, "lower"):
			d.direction = okr.LowerIsBetter
		default:
			return row, fmt.Errorf("direction %q is not higher or lower", get("direction"))
		}
		labels := kpiLabels{kpiFieldTarget: "target", kpiFieldWarn: "warn", kpiFieldCrit: "crit", kpiFieldCadence: "cadence"}
		if err := applyKPIDraft(context.Background(), nil, nil, &k, d, labels); err != nil {
			return row, err
		}
		row.fresh = &k
		defined[row.key] = true
	}
	if v := get("value"); v != "" {
		value, err := okr.ParseNumber("value", v)
		if err != nil {
			return row, err
		}
		row.value = &value
		if at := get("at"); at != "" {
			t, err := parseImportTime(at)
			if err != nil {
				return row, err
			}
			if t.After(now.Add(clockSkew)) {
				return row, fmt.Errorf("at %s is in the future", at)
			}
			row.at = t
		}
	} else if row.fresh == nil {
		return row, fmt.Errorf("the value is empty")
	}
	return row, nil
}

// parseImportTime reads the times spreadsheets write: 2026-11-20,
// 2026-11-20 09:30, or RFC 3339. Times without a zone are UTC; a date alone
// is its noon, like /kpi set --at.
func parseImportTime(text string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse("2006-01-02", text); err == nil {
		return t.Add(12 * time.Hour), nil
	}
	return time.Time{}, fmt.Errorf("at %q is not a time like 2026-11-20 or 2026-11-20T09:30:00Z", text)
}

// importOwner finds a KPI's owner by platform id or name.
func importOwner(ctx context.Context, tx *store.Store, workspaceID uint, who string) (store.User, error) {
	who = strings.TrimPrefix(who, "@")
	u, err := tx.UserByPlatformID(ctx, workspaceID, who)
	if errors.Is(err, okr.ErrNotFound) {
		u, err = tx.UserByName(ctx, workspaceID, who)
	}
	if errors.Is(err, okr.ErrNotFound) {
		return u, fmt.Errorf("okrbot does not know the owner %q; they need to use okrbot once first", who)
	}
	return u, err
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ExportKPIs writes the workspace's KPIs as CSV, in the columns an import
// reads (and a few it skips).
func (s *Service) ExportKPIs(ctx context.Context, workspaceID uint, w io.Writer) error {
	ks, err := s.store.KPIs(ctx, workspaceID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "kpi", "description", "team", "owner", "unit", "direction", "target", "warn", "crit", "cadence", "archived", "last_value", "last_at", "health"})
	now := s.now()
	for _, k := range ks {
		team, last := "", ""
		if k.Team != nil {
			team = k.Team.Name
		}
		if k.LastValue != nil {
			last = formatFloat(*k.LastValue)
		}
		cw.Write([]string{strconv.FormatUint(uint64(k.ID), 10), k.Name, k.Description, team, k.Owner.PlatformID, k.Unit, string(k.Direction),
			formatFloat(k.Target), formatFloat(k.Warn), formatFloat(k.Crit), string(k.Cadence), strconv.FormatBool(k.Archived),
			last, formatTime(k.LastAt), string(k.HealthAt(now))})
	}
	cw.Flush()
	return cw.Error()
}

// ExportMeasurements writes every measurement of the workspace as CSV that
// ImportCSV reads back.
func (s *Service) ExportMeasurements(ctx context.Context, workspaceID uint, w io.Writer) error {
	ks, err := s.store.KPIs(ctx, workspaceID, store.KPIFilter{IncludeArchived: true})
	if err != nil {
		return err
	}
	names := map[uint]string{}
	for _, k := range ks {
		names[k.ID] = k.Name
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"kpi", "value", "at", "comment", "source"})
	err = s.store.EachMeasurement(ctx, workspaceID, func(m store.Measurement) error {
		return cw.Write([]string{names[m.KPIID], formatFloat(m.Value), formatTime(&m.At), m.Comment, m.Source})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// ExportOKRs writes the workspace's objectives and key results as CSV, one
// row per key result (and one for an objective without any).
func (s *Service) ExportOKRs(ctx context.Context, workspaceID uint, w io.Writer) error {
	os, err := s.store.Objectives(ctx, workspaceID, store.ObjectiveFilter{})
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"period", "objective", "objective_title", "team", "objective_owner", "status", "score",
		"key_result", "key_result_title", "key_result_owner", "kind", "start", "target", "current", "unit", "weight", "progress"})
	for _, o := range os {
		team := ""
		if o.Team != nil {
			team = o.Team.Name
		}
		head := []string{o.Period.Name, "#" + strconv.FormatInt(o.Number, 10), o.Title, team, o.Owner.PlatformID, string(o.Status),
			strconv.FormatFloat(okr.Round1(score(o)), 'f', 1, 64)}
		if len(o.KeyResults) == 0 {
			cw.Write(append(head, make([]string, 10)...))
		}
		for _, kr := range o.KeyResults {
			owner := ""
			if kr.Owner != nil {
				owner = kr.Owner.PlatformID
			}
			cw.Write(append(slices.Clone(head), keyResultLabel(o, kr), kr.Title, owner, string(kr.Kind), formatFloat(kr.Start),
				formatFloat(kr.Target), formatFloat(kr.Current), kr.Unit, formatFloat(kr.Weight), strconv.FormatFloat(kr.Progress(), 'f', 2, 64)))
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportCheckIns writes every check-in of the workspace's key results as CSV.
func (s *Service) ExportCheckIns(ctx context.Context, workspaceID uint, w io.Writer) error {
	os, err := s.store.Objectives(ctx, workspaceID, store.ObjectiveFilter{})
	if err != nil {
		return err
	}
	labels := map[uint]string{}
	var ids []uint
	for _, o := range os {
		for _, kr := range o.KeyResults {
			labels[kr.ID] = keyResultLabel(o, kr)
			ids = append(ids, kr.ID)
		}
	}
	cs, err := s.store.CheckInsOf(ctx, workspaceID, ids)
	if err != nil {
		return err
	}
	authorIDs := make([]uint, 0, len(cs))
	for _, c := range cs {
		authorIDs = append(authorIDs, c.AuthorID)
	}
	authors, err := s.store.UsersByID(ctx, workspaceID, authorIDs)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"key_result", "at", "value", "confidence", "author", "comment"})
	for _, c := range cs {
		cw.Write([]string{labels[c.KeyResultID], c.CreatedAt.UTC().Format(time.RFC3339), formatFloat(c.Value), string(c.Confidence),
			authors[c.AuthorID].PlatformID, c.Comment})
	}
	cw.Flush()
	return cw.Error()
}
