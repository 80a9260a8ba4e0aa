package commands_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
)

func TestImportCSV(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		h.must("U1", `new "Delight customers"`)
		h.must("U1", `kr 1 "Cut churn" --start 5% --target 2% --kpi "Churn rate"`)
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")

		file := "kpi,value,at,comment,target,owner,unit,direction,team\n" +
			"Churn rate,2.6,2026-11-01,,,,,,\n" +
			"churn rate,2.2,2026-11-08T09:00:00Z,after the fix,,,,,\n" +
			"Churn rate,2.4,2026-11-03,,,,,,\n" +
			"NPS,41,2026-11-02,,50,U1,,higher,Support\n" +
			"NPS,47,2026-11-09,,,,,,\n" +
			`"Tickets, open",,,,100,u1,tickets,lower,` + "\n"
		report, err := csvio.ImportKPIs(context.Background(), h.svc, ws.ID, strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if report.Measurements != 5 || strings.Join(report.Created, "|") != "NPS|Tickets, open" {
			t.Errorf("report = %+v", report)
		}
		contains(t, h.kpiMust("U1", "show 1"), "*Churn rate*  2.2% · 🔴 off target", "Nov 8, 2026  2.2% · “after the fix”", "Nov 3, 2026  2.4%")
		contains(t, h.kpiMust("U1", "show NPS"), "*NPS*  47 · 🟡 at risk", "team Support", "owner <@U1>")
		contains(t, h.kpiMust("U1", `show "tickets, open"`), "no value yet", "Target ≤ 100 tickets")
		// The linked key result follows the newest value, with one check-in.
		out := h.must("U1", "show 1")
		contains(t, out, "`#1.1` Cut churn — 2.2% / 2%", "“From KPI Churn rate: after the fix”")

		var buf bytes.Buffer
		if err := csvio.ExportMeasurements(context.Background(), h.st, ws.ID, &buf); err != nil {
			t.Fatal(err)
		}
		want := "kpi,value,at,comment,source\nChurn rate,2.6,2026-11-01T12:00:00Z,,\nChurn rate,2.4,2026-11-03T12:00:00Z,,\n" +
			"Churn rate,2.2,2026-11-08T09:00:00Z,after the fix,\nNPS,41,2026-11-02T12:00:00Z,,\nNPS,47,2026-11-09T12:00:00Z,,\n"
		if buf.String() != want {
			t.Errorf("export =\n%s\nwant\n%s", buf.String(), want)
		}
		buf.Reset()
		if err := csvio.ExportKPIs(context.Background(), h.st, ws.ID, h.now, &buf); err != nil {
			t.Fatal(err)
		}
		contains(t, buf.String(), "id,kpi,description,team,owner,unit,direction,target,warn,crit,cadence,archived,last_value,last_at,health\n",
			"1,Churn rate,,,U1,%,lower,2,2.1,2.2,weekly,false,2.2,2026-11-08T09:00:00Z,off-target\n")
		buf.Reset()
		if err := csvio.ExportOKRs(context.Background(), h.st, ws.ID, &buf); err != nil {
			t.Fatal(err)
		}
		contains(t, buf.String(), "2026-Q4,#1,Delight customers,,,U1,,,active,0.9,#1.1,Cut churn,U1,,metric,5,2,2.2,%,1,0.93\n")
		buf.Reset()
		if err := csvio.ExportCheckIns(context.Background(), h.st, ws.ID, &buf); err != nil {
			t.Fatal(err)
		}
		contains(t, buf.String(), "#1.1,2026-11-15T12:00:00Z,2.2,off-track,U1,From KPI Churn rate: after the fix\n")
	})
}

func TestImportCSVWithABadRowImportsNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		before := h.kpiSnapshot()
		tests := []struct {
			name, file string
			want       []string
		}{
			{"bad value", "kpi,value,at\nChurn rate,2.1,2026-11-01\nChurn rate,lots,2026-11-02\nChurn rate,2.3,2026-11-03\n",
				[]string{`line 3: value: "lots" is not a number`}},
			{"several problems", "kpi,value,at\nChurn rate,2.1,2026-11-01\nChrun rate,2,2026-11-02\n,3,\nChurn rate,2,2026-12-24\nChurn rate,2,24.11.2026\n",
				[]string{`line 3: there is no KPI "Chrun rate"; to create it, give its target and owner`, "line 4: the kpi column is empty",
					"line 5: at 2026-12-24 is in the future", `line 6: at "24.11.2026" is not a time`}},
			{"warn on the wrong side", "kpi,target,warn,direction,owner\nNPS,50,60,higher,U1\n",
				[]string{"line 2: The at-risk threshold 60 is on the good side of the target 50"}},
			{"unknown owner", "kpi,value,target,owner\nNPS,40,50,ghost\n",
				[]string{`line 2: okrbot does not know the owner "ghost"`}},
			{"unknown column", "kpi,vaule\nChurn rate,2\n", []string{`line 1: unknown column "vaule"`}},
			{"no kpi column", "value\n2\n", []string{"line 1: there is no kpi column"}},
			{"empty file", "", []string{"line 1: the file is empty"}},
			{"ragged quote", "kpi,value\n\"Churn rate,2\n", []string{"line 2:"}},
		}
		for _, tt := range tests {
			_, err := csvio.ImportKPIs(context.Background(), h.svc, ws.ID, strings.NewReader(tt.file))
			var ie *commands.ImportError
			if !errors.As(err, &ie) {
				t.Errorf("%s: err = %v, want an ImportError", tt.name, err)
				continue
			}
			contains(t, err.Error(), append([]string{"nothing was imported"}, tt.want...)...)
		}
		if after := h.kpiSnapshot(); after != before {
			t.Errorf("a refused import changed the database:\n%s\nthen\n%s", before, after)
		}
	})
}

// TestImportCSVNamesKPIsByNameOrID shows that a row names a KPI by its name
// in any case, even one that starts with "#", or by its id with or without
// "#", so an export imports back as it is.
func TestImportCSVNamesKPIsByNameOrID(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "#1 priority" --target 5`) // id 1
		h.kpiMust("U1", `new "NPS" --target 50`)        // id 2
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		tests := []struct {
			ref, show string
		}{
			{"#1 priority", "show 1"},
			{"#1 PRIORITY", "show 1"},
			{"#2", "show 2"},
			{"2", "show 2"},
		}
		for i, tt := range tests {
			value := strconv.Itoa(10 + i)
			file := "kpi,value,at\n\"" + tt.ref + "\"," + value + ",2026-11-0" + strconv.Itoa(i+1) + "\n"
			if _, err := csvio.ImportKPIs(context.Background(), h.svc, ws.ID, strings.NewReader(file)); err != nil {
				t.Errorf("kpi %q: %v", tt.ref, err)
				continue
			}
			contains(t, h.kpiMust("U1", tt.show), "Nov "+strconv.Itoa(i+1)+", 2026  "+value)
		}

		var buf bytes.Buffer
		if err := csvio.ExportMeasurements(context.Background(), h.st, ws.ID, &buf); err != nil {
			t.Fatal(err)
		}
		before := h.kpiSnapshot()
		report, err := csvio.ImportKPIs(context.Background(), h.svc, ws.ID, &buf)
		if err != nil || report.Measurements != len(tests) {
			t.Errorf("export imported back: %+v, %v", report, err)
		}
		if h.kpiSnapshot() == before {
			t.Error("importing the export changed nothing")
		}
	})
}

// TestImportCSVRefusalIsPlainText shows that a refused row reads as plain
// text on the terminal, not as chat markup.
func TestImportCSVRefusalIsPlainText(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.kpiMust("U1", `new "R&amp;D &lt;spend&gt;" --target 5`)
		h.kpiMust("U1", "archive 1")
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		_, err := csvio.ImportKPIs(context.Background(), h.svc, ws.ID, strings.NewReader("kpi,value\n1,3\n"))
		contains(t, fmt.Sprint(err), "line 2: KPI R&D <spend> is archived")
	})
}

// TestKPIUnitLength shows that a unit is measured in characters, the same
// way from chat and from an import.
func TestKPIUnitLength(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		ws, _ := h.st.Workspace(context.Background(), "slack", "T1")
		h.kpiMust("U1", "help") // makes U1 known, to own imported KPIs
		long := strings.Repeat("x", 21)
		tests := []struct {
			name, unit string
			ok         bool
		}{
			{"short", "customers", true},
			{"twenty characters, more bytes", strings.Repeat("€", 20), true},
			{"too long", long, false},
		}
		for i, tt := range tests {
			chat := h.kpi("U1", fmt.Sprintf(`new "Chat %d" --target 5 --unit %s`, i, tt.unit))
			if ok := !strings.HasPrefix(chat, "⚠️"); ok != tt.ok {
				t.Errorf("%s: /kpi new accepted=%v, want %v:\n%s", tt.name, ok, tt.ok, chat)
			}
			file := fmt.Sprintf("kpi,target,owner,unit\nImported %d,5,U1,%s\n", i, tt.unit)
			_, err := csvio.ImportKPIs(context.Background(), h.svc, ws.ID, strings.NewReader(file))
			if ok := err == nil; ok != tt.ok {
				t.Errorf("%s: import accepted=%v, want %v: %v", tt.name, ok, tt.ok, err)
			}
		}
	})
}
