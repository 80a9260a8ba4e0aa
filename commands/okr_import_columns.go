package commands

import (
	"fmt"
	"slices"
	"strings"
)

// Sheet is a table read from a spreadsheet: its header row and the rows
// under it, each with the line of the file it was on.
type Sheet struct {
	Header []string
	Rows   []SheetRow
}

// SheetRow is one row of a Sheet.
type SheetRow struct {
	Line  int
	Cells []string
}

// OKRColumns are the columns an OKR import reads, as `okrbot export` and
// the template name them. A file may name them in its own words (see
// okrColumnNames).
var OKRColumns = []string{"period", "objective", "objective_title", "description", "team",
	"objective_owner", "objective_owner_email", "parent", "status",
	"key_result", "key_result_title", "key_result_owner", "key_result_owner_email",
	"kind", "start", "target", "current", "unit", "weight"}

// okrColumnNames are the other names spreadsheets give the columns, as
// headerKey writes them. Viva Goals, Google Sheets templates and hand-made
// files differ mostly in these.
var okrColumnNames = map[string][]string{
	"period":                 {"quarter", "time period", "timeframe", "time frame", "cycle", "okr period", "okr cycle"},
	"objective":              {"objective id", "objective ref", "objective reference", "objective number", "objective no", "objective #", "goal id", "goal ref", "goal #"},
	"objective_title":        {"objective name", "objective text", "goal", "goal title", "goal name"},
	"description":            {"objective description", "goal description", "details"},
	"team":                   {"team name", "department", "group", "owning team"},
	"objective_owner":        {"owner", "owner id", "goal owner", "objective owner id", "owner name", "owners"},
	"objective_owner_email":  {"owner email", "owner e mail", "goal owner email", "objective owner e mail"},
	"parent":                 {"parent objective", "parent goal", "parent id", "parent objective id", "aligned to", "aligns to", "aligned with", "alignment"},
	"status":                 {"objective status", "goal status", "state"},
	"key_result":             {"kr", "key result id", "kr id", "key result ref", "key result #", "kr #"},
	"key_result_title":       {"key result name", "kr title", "kr name", "key result text"},
	"key_result_owner":       {"kr owner", "key result owner id", "kr owner id"},
	"key_result_owner_email": {"kr owner email", "key result owner e mail"},
	"kind":                   {"type", "kr type", "key result type", "kr kind", "metric type", "measure type"},
	"start":                  {"start value", "starting value", "baseline", "initial value", "from"},
	"target":                 {"target value", "goal value", "to"},
	"current":                {"current value", "actual", "actual value", "latest value"},
	"unit":                   {"units", "metric unit", "unit of measure", "kr unit"},
	"weight":                 {"kr weight", "key result weight"},
}

// okrExportOnly are columns `okrbot export` writes that an import skips:
// they are worked out from the others.
var okrExportOnly = []string{"score", "progress", "health"}

// headerKey is a column name without case, padding, underscores, dashes or
// dots, so that "Key_Result Owner" and "key-result owner" are one name.
func headerKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	h = strings.NewReplacer("_", " ", "-", " ", ".", " ", ":", " ").Replace(h)
	return strings.Join(strings.Fields(h), " ")
}

// okrColumn is the column a header names, or "".
func okrColumn(h string) string {
	k := headerKey(h)
	for _, c := range OKRColumns {
		if k == headerKey(c) || slices.Contains(okrColumnNames[c], k) {
			return c
		}
	}
	return ""
}

// IsOKRSheet reports whether a file's header is that of OKRs rather than
// KPIs: it names an objective or a key result.
func IsOKRSheet(header []string) bool {
	for _, h := range header {
		switch okrColumn(h) {
		case "objective", "objective_title", "key_result", "key_result_title":
			return true
		}
	}
	return false
}

// okrHeader is a file's header read: where each column is, and the
// columns it has that an import does not read.
type okrHeader struct {
	at      map[string]int
	ignored []string
	// titled is true when a lone "Objective" column is taken for the
	// title; a "#12" in it still names objective #12.
	titled bool
}

// readOKRHeader maps a header's columns to OKRColumns. When a file has an
// "Objective" column but no title column, "Objective" is the title (as
// people name the column of their objectives); with both, it is the
// objective's reference, as in okrs.csv. So with key results.
func readOKRHeader(header []string) (okrHeader, []ImportProblem) {
	h := okrHeader{at: map[string]int{}}
	var problems []ImportProblem
	for i, name := range header {
		c := okrColumn(name)
		switch {
		case strings.TrimSpace(name) == "":
			continue
		case c == "":
			if !slices.Contains(okrExportOnly, headerKey(name)) {
				h.ignored = append(h.ignored, strings.TrimSpace(name))
			}
			continue
		}
		if j, dup := h.at[c]; dup {
			problems = append(problems, ImportProblem{Line: 1, Column: c,
				Message: fmt.Sprintf("columns %q and %q both give the %s; keep one", header[j], name, columnLabel(c))})
			continue
		}
		h.at[c] = i
	}
	for _, pair := range [][2]string{{"objective", "objective_title"}, {"key_result", "key_result_title"}} {
		ref, title := pair[0], pair[1]
		if i, ok := h.at[ref]; ok {
			if _, titled := h.at[title]; !titled && slices.Contains([]string{"objective", "key result", "kr"}, headerKey(header[i])) {
				h.at[title] = i
				delete(h.at, ref)
				h.titled = h.titled || ref == "objective"
			}
		}
	}
	if _, ok := h.at["objective_title"]; !ok {
		if _, ok := h.at["objective"]; !ok {
			problems = append(problems, ImportProblem{Line: 1, Column: "objective_title",
				Message: "there is no objective column; name it Objective (or Goal, or objective_title)"})
		}
	}
	return h, problems
}

// columnLabel is a column in words, as problems name it: "key result owner".
func columnLabel(c string) string { return strings.ReplaceAll(c, "_", " ") }
