package csvio_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
)

func TestReadKPIs(t *testing.T) {
	rows, err := csvio.ReadKPIs(strings.NewReader("\ufeffName, Value ,at,id,health\n\"Churn, rate\",2.4,2026-11-20,7,at-risk\nNPS,41\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []commands.KPIRow{
		{Line: 2, Columns: map[string]string{"kpi": "Churn, rate", "value": "2.4", "at": "2026-11-20"}},
		{Line: 3, Columns: map[string]string{"kpi": "NPS", "value": "41"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %+v\nwant %+v", rows, want)
	}
}

func TestReadKPIsNamesWhatIsWrongWithTheFile(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"", "line 1: the file is empty"},
		{"kpi,vaule\n", `line 1: unknown column "vaule"`},
		{"value\n2\n", "line 1: there is no kpi column"},
		{"kpi,value\n\"NPS,2\n", "line 2:"},
	} {
		_, err := csvio.ReadKPIs(strings.NewReader(tc.file))
		var ie *commands.ImportError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want an ImportError with %q", tc.file, err, tc.want)
		}
	}
}

// TestReadKPIsTakesExportedCells: a cell that an export wrote with an
// apostrophe, so that no spreadsheet runs it as a formula, imports as the
// text it was.
func TestReadKPIsTakesExportedCells(t *testing.T) {
	rows, err := csvio.ReadKPIs(strings.NewReader("kpi,value,comment\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-1.5,'@ops\nNPS,2,'plain\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []commands.KPIRow{
		{Line: 2, Columns: map[string]string{"kpi": `=HYPERLINK("http://x","y")`, "value": "-1.5", "comment": "@ops"}},
		{Line: 3, Columns: map[string]string{"kpi": "NPS", "value": "2", "comment": "'plain"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %+v\nwant %+v", rows, want)
	}
}
