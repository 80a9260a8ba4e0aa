package csvio_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
)

func TestReadSheetSeparators(t *testing.T) {
	want := commands.Sheet{Header: []string{"Objective", "Owner", "Target"},
		Rows: []commands.SheetRow{{Line: 2, Cells: []string{"Grow, then keep", "ada", "1,200"}}, {Line: 4, Cells: []string{"Delight", "", "40%"}}}}
	for name, file := range map[string]string{
		"comma":           "Objective,Owner,Target\n\"Grow, then keep\",ada,\"1,200\"\n\nDelight,,40%\n",
		"semicolon":       "Objective;Owner;Target\r\n\"Grow, then keep\";ada;1,200\r\n\r\nDelight;;40%\r\n",
		"tab":             "Objective\tOwner\tTarget\n\"Grow, then keep\"\tada\t1,200\n\nDelight\t\t40%\n",
		"byte order mark": "\ufeffObjective,Owner,Target\n\"Grow, then keep\", ada,\"1,200\"\n\nDelight,,40%\n",
	} {
		s, err := csvio.ReadSheet(strings.NewReader(file), "")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for i := range s.Rows {
			for j := range s.Rows[i].Cells {
				s.Rows[i].Cells[j] = strings.TrimSpace(s.Rows[i].Cells[j])
			}
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("%s: %+v\nwant %+v", name, s, want)
		}
	}
}

func TestReadSheetNamesWhatIsWrong(t *testing.T) {
	workbook, err := os.ReadFile("../testdata/import/viva_goals.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file, sheet, want string }{
		{"empty", "", "", "line 1: the file is empty"},
		{"not UTF-8", "Objective\nCr\xe9er\n", "", "not UTF-8 text"},
		{"a bad quote", "Objective,Owner\n\"Grow,ada\n", "", "line 2:"},
		{"a sheet of a CSV", "Objective\nGrow\n", "Goals", "only an Excel workbook has sheets"},
		{"no such sheet", string(workbook), "Plans", `the workbook has no sheet "Plans"; it has Goals, Check-ins`},
		{"a broken workbook", string(workbook[:200]), "", "not an Excel workbook okrbot can read"},
	} {
		if _, err := csvio.ReadSheet(strings.NewReader(tc.file), tc.sheet); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	s, err := csvio.ReadSheet(strings.NewReader(string(workbook)), "check-ins")
	if err != nil || s.Header[0] != "Goal ID" || len(s.Rows) != 0 {
		t.Errorf("the second sheet by name: %+v, %v", s, err)
	}
}
