package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// ImportColumns are the columns a KPI import reads. A row names a KPI (by
// name or id); with a value it records a measurement, and for a KPI the
// workspace does not have yet the definition columns create it (target and
// owner are required then).
var ImportColumns = []string{"kpi", "value", "at", "comment", "source",
	"description", "team", "owner", "unit", "direction", "target", "warn", "crit", "cadence"}

// KPIRow is one row of a KPI import: its line in the file and its columns
// (of ImportColumns) by name.
type KPIRow struct {
	Line    int
	Columns map[string]string
}

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

// ImportKPIs imports rows of KPIs and measurements into a workspace, all or
// nothing: with any bad row it returns an *ImportError naming each bad
// line, and changes nothing. KPIs whose health the import changed are
// announced once, from where their health was to where it ends.
func (s *Service) ImportKPIs(ctx context.Context, workspaceID uint, in []KPIRow) (ImportReport, error) {
	var report ImportReport
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
	var (
		rows     []importRow
		problems []string
	)
	defined := map[string]bool{}
	for _, r := range in {
		get := func(name string) string { return strings.TrimSpace(r.Columns[name]) }
		row, err := s.readImportRow(r.Line, get, known, defined, now)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %s", r.Line, err))
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

	alerted := false
	latest := map[uint]store.Measurement{}
	touched := map[uint]bool{}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		report = ImportReport{}
		// An import is made by no one in particular: the history says it
		// came from an import, and records it in one go at the end.
		h := &store.Changes{By: store.Actor{Platform: "import"}, At: now}
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
				h.Add(store.SubjectKPI, k.ID, store.ActionCreated, "name", "", k.Name)
			}
			if row.value == nil {
				continue
			}
			in := MeasurementInput{WorkspaceID: workspaceID, KPIID: ids[row.key], Value: *row.value, At: row.at,
				Source: row.src, Comment: row.note, Platform: "import"}
			rec, _, err := s.recordIn(ctx, tx, in, nil, true, h)
			if err != nil {
				var invalid *okr.ValidationError
				if errors.As(err, &invalid) {
					return &ImportError{[]string{fmt.Sprintf("line %d: %s", row.line, invalid.Msg)}}
				}
				if msg, ok := Refusal(err); ok {
					return &ImportError{[]string{fmt.Sprintf("line %d: %s", row.line, msg)}}
				}
				return err
			}
			report.Measurements++
			touched[rec.KPI.ID] = true
			if rec.Latest {
				latest[rec.KPI.ID] = rec.Measurement
			}
		}
		// Key results follow the newest value of their KPI, once.
		for id, m := range latest {
			k, err := tx.KPIByID(ctx, workspaceID, id)
			if err != nil {
				return err
			}
			if _, err := s.checkInDriven(ctx, tx, k, m, k.OwnerID, h); err != nil {
				return err
			}
		}
		if err := tx.RecordHistory(ctx, workspaceID, h.Entries...); err != nil {
			return err
		}
		// Replaying history moves health many times; only where it ends,
		// against where it was, is news.
		for id := range touched {
			k, err := tx.KPIByID(ctx, workspaceID, id)
			if err != nil {
				return err
			}
			a, err := s.reassess(ctx, tx, k)
			if err != nil {
				return err
			}
			alerted = alerted || a
		}
		return nil
	})
	if err != nil {
		return ImportReport{}, err
	}
	if alerted {
		s.wake()
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
		d := okr.KPIDraft{Name: name, Unit: get("unit"), Target: get("target"), Warn: get("warn"), Crit: get("crit"), Cadence: get("cadence"),
			Labels: map[string]string{kpiFieldTarget: "target", kpiFieldWarn: "warn", kpiFieldCrit: "crit", kpiFieldCadence: "cadence"}}
		switch dir := strings.ToLower(get("direction")); {
		case dir == "" || strings.HasPrefix(dir, "higher"):
			d.Direction = okr.HigherIsBetter
		case strings.HasPrefix(dir, "lower"):
			d.Direction = okr.LowerIsBetter
		default:
			return row, fmt.Errorf("direction %q is not higher or lower", get("direction"))
		}
		def, err := d.Apply(kpiDefinition(k), true)
		if err != nil {
			return row, err
		}
		setKPIDefinition(&k, def)
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
