package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
)

// acmeMembers are the people of testdata/import as the Slack workspace has
// them, with the emails the company file names them by.
var acmeMembers = []fakeslack.User{
	{ID: "U100", Name: "dana", RealName: "Dana Reyes", Email: "ceo@acme.example"},
	{ID: "U101", Name: "sam", RealName: "Sam Okafor", Email: "cro@acme.example"},
	{ID: "U102", Name: "priya", RealName: "Priya Nair", Email: "cpo@acme.example"},
	{ID: "U103", Name: "jonas", RealName: "Jonas Berg", Email: "cto@acme.example"},
	{ID: "U104", Name: "maya", RealName: "Maya Cohen", Email: "vp-cs@acme.example"},
	{ID: "U105", Name: "leo", RealName: "Leo Martin", Email: "cmo@acme.example"},
	{ID: "U106", Name: "lena", RealName: "Lena Vogel", Email: "ae-lena@acme.example"},
	{ID: "U107", Name: "omar", RealName: "Omar Haddad", Email: "am-omar@acme.example"},
	{ID: "U108", Name: "yuki", RealName: "Yuki Sato", Email: "pm-yuki@acme.example"},
	{ID: "U109", Name: "ines", RealName: "Inês Costa", Email: "design-ines@acme.example"},
	{ID: "U110", Name: "raj", RealName: "Raj Patel", Email: "dev-raj@acme.example"},
	{ID: "U111", Name: "kim", RealName: "Kim Lee", Email: "sre-kim@acme.example"},
	{ID: "U112", Name: "maria", RealName: "Maria Rossi", Email: "cs-maria@acme.example"},
	{ID: "U113", Name: "tom", RealName: "Tom Walsh", Email: "cs-tom@acme.example"},
	{ID: "U114", Name: "zoe", RealName: "Zoe Adams", Email: "mkt-zoe@acme.example"},
	{ID: "U1", Name: "u1", RealName: "Uma One"},
	{ID: "U2", Name: "u2", RealName: "Udo Two"},
	{ID: "U3", Name: "u3", RealName: "u3"},
	{ID: "U9", Name: "left", RealName: "Left Us", Email: "left@acme.example", Deleted: true},
}

// slackWorkspace makes the database of dbURL know the fake's workspace and
// the people who have used okrbot in it, as a first use in Slack would.
func slackWorkspace(t *testing.T, dbURL string, people ...string) {
	t.Helper()
	st := storetest.OpenURL(t, dbURL)
	defer st.Close()
	ws, err := st.Workspace(context.Background(), "slack", fakeslack.TeamID)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range people {
		if _, err := st.MentionUser(context.Background(), ws.ID, id, strings.ToLower(id)); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportOKRsEndToEnd imports a company's OKRs with okrbot import, as an
// admin would on the server: a dry run, then --apply, then again; owners by
// email are looked up on Slack. What it imported exports, imports into a
// fresh database and exports again the same, and its Excel layout imports
// the same as its CSV.
func TestImportOKRsEndToEnd(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		name := "postgres"
		if strings.HasPrefix(dbURL, "sqlite:") {
			name = "sqlite"
		}
		t.Run(name, func(t *testing.T) {
			fake := fakeslack.New(t)
			for _, u := range acmeMembers {
				fake.AddUser(u)
			}
			slackWorkspace(t, dbURL, "U1", "U2", "U3")
			env := map[string]string{"DATABASE_URL": dbURL, "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_API_URL": fake.APIURL()}
			company := filepath.Join("..", "testdata", "import", "company_okrs.csv")

			out, err := run(t, env, "", "import", company)
			if err != nil {
				t.Fatalf("dry run: %v\n%s", err, out)
			}
			for _, want := range []string{
				`line 2: new objective "Land the first five banks" (2026-Q4, Lena Vogel (U106)), aligned to S1`,
				`  line 2: new key result "Sign 5 bank logos": 0 logos → 5 logos, now 2 logos (Lena Vogel (U106))`,
				`line 46: new objective "Create wildly loyal customers" (2026-Q4, Dana Reyes (U100))` + "\n",
				`  line 47: new key result "Cut monthly churn from 4% to 2.5%": 4% → 2.5%, now 3.4% (Maya Cohen (U104))`,
				"  ceo@acme.example is Dana Reyes (U100) (found by email on Slack)",
				"  @u3 is u3 (U3) (known to okrbot)",
				"Dry run, nothing was written: 40 new objectives, 53 new key results, 36 alignments, 0 updated, 0 unchanged. Run again with --apply to import.",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("dry run lacks %q:\n%s", want, out)
				}
			}
			if n := len(fake.Calls("users.lookupByEmail")); n != 15 {
				t.Errorf("%d users.lookupByEmail calls, want one for each of the 15 emails", n)
			}
			if out, err = run(t, env, "", "import", company, "--apply"); err != nil || !strings.Contains(out, "Imported: 40 new objectives, 53 new key results, 36 alignments, 0 updated, 0 unchanged.") {
				t.Fatalf("--apply: %v\n%s", err, out)
			}
			if out, err = run(t, env, "", "import", "--apply", company); err != nil || !strings.Contains(out, "Imported: 0 new objectives, 0 new key results, 0 alignments, 0 updated, 93 unchanged.") {
				t.Fatalf("again: %v\n%s", err, out)
			}
			// The emails found are remembered: the second import asked no one.
			if n := len(fake.Calls("users.lookupByEmail")); n != 30 {
				t.Errorf("%d users.lookupByEmail calls after three imports, want 30 (the dry run remembers nothing)", n)
			}

			dir := t.TempDir()
			first := export(t, dbURL, filepath.Join(dir, "first"))["okrs.csv"]
			for _, want := range []string{
				"period,objective,objective_title,description,team,objective_owner,objective_owner_email,parent,status,score,key_result,key_result_title,key_result_owner,key_result_owner_email,kind,start,target,current,unit,weight,progress\n",
				",Create wildly loyal customers,\"Customers who stay, grow and tell others\",,U100,ceo@acme.example,,active,",
				",Cut monthly churn from 4% to 2.5%,U104,vp-cs@acme.example,metric,4,2.5,3.4,%,1,0.40\n",
			} {
				if !strings.Contains(first, want) {
					t.Errorf("okrs.csv lacks %q:\n%s", want, first)
				}
			}

			fresh := storetest.MigratedSQLiteURL(t)
			slackWorkspace(t, fresh)
			freshEnv := map[string]string{"DATABASE_URL": fresh, "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_API_URL": fake.APIURL()}
			if out, err := run(t, freshEnv, "", "import", filepath.Join(dir, "first", "okrs.csv"), "--apply"); err != nil {
				t.Fatalf("import of the export: %v\n%s", err, out)
			}
			if again := export(t, fresh, filepath.Join(dir, "again"))["okrs.csv"]; again != first {
				t.Errorf("export, import, export differs:\n%s\n---\n%s", first, again)
			}

			excel := storetest.MigratedSQLiteURL(t)
			slackWorkspace(t, excel, "U1", "U2", "U3")
			excelEnv := map[string]string{"DATABASE_URL": excel, "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_API_URL": fake.APIURL()}
			out, err = run(t, excelEnv, "", "import", filepath.Join("..", "testdata", "import", "viva_goals.xlsx"), "--sheet", "Goals", "--apply")
			if err != nil || !strings.Contains(out, "Columns not read: Last Updated\n") {
				t.Fatalf("Excel: %v\n%s", err, out)
			}
			if fromExcel := export(t, excel, filepath.Join(dir, "excel"))["okrs.csv"]; fromExcel != first {
				t.Errorf("the Excel layout imports otherwise than the CSV:\n%s\n---\n%s", first, fromExcel)
			}
		})
	}
}

// TestImportOKRsEndToEndRefusesABadFile names every problem of a file by
// line and writes nothing.
func TestImportOKRsEndToEndRefusesABadFile(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	for _, u := range acmeMembers {
		fake.AddUser(u)
	}
	dbURL := storetest.MigratedSQLiteURL(t)
	slackWorkspace(t, dbURL, "U1")
	env := map[string]string{"DATABASE_URL": dbURL, "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_API_URL": fake.APIURL()}
	file := writeFile(t, "okrs.csv", "\ufeffperiod\tobjective\tobjective_title\towner\tparent\tkey_result\tkind\ttarget\n"+
		"2026-Q4\t#1\tGrow revenue\tceo@acme.example\t\tGrow ARR\tmetric\t18\n"+
		"2026-Q4\t#3\tWin enterprise\tcro@acme.example\t#5\tSign logos\tmetric\ttwenty\n"+
		"2026-Q4\t#5\tOpen DACH\tleft@acme.example\t#3\tBook pipeline\tmetric\t1\n"+
		"2026-Q4\t#6\tMake support fast\tvp-cs@acme.example\t#A7\tAnswer fast\tmilestone\t\n")
	out, err := run(t, env, "", "import", file, "--apply")
	if err == nil || err.Error() != file+": nothing was imported: 4 problems" {
		t.Errorf("err = %v", err)
	}
	want := "Nothing was imported. Fix these problems and import again:\n" +
		"  line 3: target \"twenty\" is not a number\n" +
		"  line 4: objective owner \"left@acme.example\" is not the email of anyone on Slack\n" +
		"  line 5: parent #A7 is not in the file and not an objective of this workspace\n" +
		"  line 3: loop: #3 → #5 → #3\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("output:\n%s\nwant it to end with\n%s", out, want)
	}
	if okrs := export(t, dbURL, t.TempDir())["okrs.csv"]; strings.Count(okrs, "\n") != 1 {
		t.Errorf("a refused import wrote:\n%s", okrs)
	}

	// A file of KPIs is imported as KPIs, as it always was.
	kpis := writeFile(t, "kpis.csv", "kpi;value;target;owner\nNPS;41;50;U1\n")
	if out, err := run(t, env, "", "import", kpis); err != nil || out != "Imported 1 measurements and created 1 KPIs (NPS).\n" {
		t.Errorf("KPIs: %v %q", err, out)
	}
	if out, err := run(t, env, "", "import", "--template"); err != nil || !strings.HasPrefix(out, "period,objective,objective_title,") || !strings.Contains(out, "2026-Q4,S1,Make onboarding effortless") {
		t.Errorf("--template: %v\n%s", err, out)
	}
}

// TestImportOKRsEndToEndReadsAConsoleExport moves the OKRs people made in
// the console to a fresh database through okrs.csv.
func TestImportOKRsEndToEndReadsAConsoleExport(t *testing.T) {
	t.Parallel()
	src, dst := storetest.MigratedSQLiteURL(t), storetest.SQLiteURL(t)
	seedConsole(t, src)
	dir := t.TempDir()
	before := export(t, src, filepath.Join(dir, "before"))["okrs.csv"]
	if out, err := run(t, map[string]string{"DATABASE_URL": dst}, "/okr list\n", "console", "--as", "ada"); err != nil {
		t.Fatalf("console: %v\n%s", err, out)
	}
	if out, err := run(t, map[string]string{"DATABASE_URL": dst}, "", "import", filepath.Join(dir, "before", "okrs.csv"), "--apply"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if after := export(t, dst, filepath.Join(dir, "after"))["okrs.csv"]; after != before {
		t.Errorf("okrs.csv differs in the fresh database:\n%s\n---\n%s", before, after)
	}
}
