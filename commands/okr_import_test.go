package commands_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// acme are the members of the company of testdata/import by email, as its
// chat platform would find them.
var acme = directory{
	"ceo@acme.example":         {ID: "U100", Name: "Dana Reyes"},
	"cro@acme.example":         {ID: "U101", Name: "Sam Okafor"},
	"cpo@acme.example":         {ID: "U102", Name: "Priya Nair"},
	"cto@acme.example":         {ID: "U103", Name: "Jonas Berg"},
	"vp-cs@acme.example":       {ID: "U104", Name: "Maya Cohen"},
	"cmo@acme.example":         {ID: "U105", Name: "Leo Martin"},
	"ae-lena@acme.example":     {ID: "U106", Name: "Lena Vogel"},
	"am-omar@acme.example":     {ID: "U107", Name: "Omar Haddad"},
	"pm-yuki@acme.example":     {ID: "U108", Name: "Yuki Sato"},
	"design-ines@acme.example": {ID: "U109", Name: "Inês Costa"},
	"dev-raj@acme.example":     {ID: "U110", Name: "Raj Patel"},
	"sre-kim@acme.example":     {ID: "U111", Name: "Kim Lee"},
	"cs-maria@acme.example":    {ID: "U112", Name: "Maria Rossi"},
	"cs-tom@acme.example":      {ID: "U113", Name: "Tom Walsh"},
	"mkt-zoe@acme.example":     {ID: "U114", Name: "Zoe Adams"},
	// People who have used okrbot, named by id in the file.
	"u1@acme.example": {ID: "U1", Name: "u1"},
	"u2@acme.example": {ID: "U2", Name: "u2"},
	"u3@acme.example": {ID: "U3", Name: "u3"},
}

// directory is a platform's members by email, for a Service's People.
type directory map[string]bot.User

func (d directory) PersonByEmail(_ context.Context, _ bot.Workspace, email string) (bot.User, error) {
	if u, ok := d[strings.ToLower(email)]; ok {
		return u, nil
	}
	return bot.User{}, bot.ErrNoPerson
}

func (d directory) Person(_ context.Context, _ bot.Workspace, id string) (bot.User, error) {
	for _, u := range d {
		if u.ID == id {
			return u, nil
		}
	}
	return bot.User{}, bot.ErrNoPerson
}

// RecentUser: the directory knows no one's rights, so what okrbot stored
// stands.
func (d directory) RecentUser(context.Context, bot.Workspace, string, time.Duration) (bot.User, error) {
	return bot.User{}, bot.ErrRolesUnknown
}

// eachWithPeople is each, with a Service that looks people up in people.
func eachWithPeople(t *testing.T, people bot.People, fn func(t *testing.T, h *harness)) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		h := &harness{t: t, st: st, now: midQ4, sent: &recorder{}}
		h.svc = commands.New(commands.Config{Store: st, Now: func() time.Time { return h.now }, Admins: []string{"UADMIN"},
			Sender: h.sent, People: people, Platforms: map[string]bot.Capabilities{slack.Platform: slack.Capabilities}})
		fn(t, h)
	})
}

func sheetOf(t *testing.T, path, sheet string) commands.Sheet {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := csvio.ReadSheet(f, sheet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (h *harness) workspaceID(team string) uint {
	h.t.Helper()
	ws, err := h.st.Workspace(context.Background(), "slack", team)
	if err != nil {
		h.t.Fatal(err)
	}
	return ws.ID
}

func (h *harness) importOKRs(team string, s commands.Sheet, opts commands.OKRImportOptions) commands.OKRImportReport {
	h.t.Helper()
	r, err := h.svc.ImportOKRs(context.Background(), h.workspaceID(team), s, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) export(team string) string {
	h.t.Helper()
	var b bytes.Buffer
	if err := csvio.ExportOKRs(context.Background(), h.st, h.workspaceID(team), &b); err != nil {
		h.t.Fatal(err)
	}
	return b.String()
}

const companyFile = "../testdata/import/company_okrs.csv"

func TestImportOKRsOfACompany(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, acme, func(t *testing.T, h *harness) {
		for _, u := range []string{"U1", "U2", "U3"} {
			h.must(u, "list")
		}
		s := sheetOf(t, companyFile, "")
		dry := h.importOKRs("T1", s, commands.OKRImportOptions{})
		if len(dry.Problems) > 0 || dry.Applied {
			t.Fatalf("dry run: problems %v, applied %v", dry.Problems, dry.Applied)
		}
		want := commands.ImportCounts{NewObjectives: 40, NewKeyResults: 53, Alignments: 36}
		if dry.Counts != want {
			t.Errorf("counts = %+v, want %+v", dry.Counts, want)
		}
		if len(dry.People) != 18 {
			t.Errorf("people = %+v, want the 15 found by email and U1, U2, @u3", dry.People)
		}
		contains(t, h.say("list all"), "_None yet._")

		r := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true})
		if !r.Applied || r.Counts != want {
			t.Fatalf("apply: %+v", r)
		}
		tree := h.say("tree")
		// Three levels, each under its parent, though the file lists
		// children before their parents.
		depth := map[string]int{}
		var order []string
		for _, line := range strings.Split(tree, "\n") {
			if _, rest, ok := strings.Cut(line, "• *#"); ok {
				_, title, _ := strings.Cut(rest, " ")
				title, _, _ = strings.Cut(title, "*")
				depth[title] = (len(line) - len(strings.TrimLeft(line, " "))) / 4
				order = append(order, title)
			}
		}
		for title, want := range map[string]int{"Create wildly loyal customers": 0, "Prevent churn before it happens": 1, "Spot at-risk accounts early": 2,
			"Grow revenue to a new level": 0, "Win the enterprise market": 1, "Land the first five banks": 2} {
			if got, ok := depth[title]; !ok || got != want {
				t.Errorf("%q is at depth %d (shown %v), want %d:\n%s", title, got, ok, want, tree)
			}
		}
		if len(order) != 40 || slices.Index(order, "Prevent churn before it happens") > slices.Index(order, "Spot at-risk accounts early") {
			t.Errorf("tree of %d objectives:\n%s", len(order), tree)
		}
		os, _ := h.st.Objectives(context.Background(), h.workspaceID("T1"), store.ObjectiveFilter{})
		byTitle := map[string]store.KeyResult{}
		for _, o := range os {
			for _, kr := range o.KeyResults {
				if kr.OwnerID == nil || kr.Owner == nil {
					t.Errorf("%s has no owner", kr.Title)
				}
				byTitle[kr.Title] = kr
			}
		}
		churn := byTitle["Cut first response time from 24 to 4 hours"]
		if churn.Start != 24 || churn.Target != 4 || churn.Current != 10 || !churn.Decreasing() || churn.Owner.PlatformID != "U104" {
			t.Errorf("a decreasing key result: %+v", churn)
		}
		if m := byTitle["Ship the mobile app"]; m.Kind != okr.Milestone || m.Progress() != 1 {
			t.Errorf("a milestone done: %+v", m)
		}
		if m := byTitle["Launch the new brand"]; m.Kind != okr.Milestone || m.Progress() != 0 {
			t.Errorf("a milestone not done: %+v", m)
		}
		if arr := byTitle["Grow ARR from $12M to $18M"]; arr.Weight != 2 || arr.Unit != "$M" || arr.Owner.PlatformID != "U101" {
			t.Errorf("ARR: %+v", arr)
		}
		if nps := byTitle["Raise NPS from 31 to 45"]; nps.Owner.PlatformID != "U100" {
			t.Errorf("a key result without an owner belongs to its objective's: %+v", nps.Owner)
		}
		// Emails found on the platform are remembered.
		if u, err := h.st.UserByEmail(context.Background(), h.workspaceID("T1"), "CTO@acme.example"); err != nil || u.PlatformID != "U103" || u.Name != "Jonas Berg" {
			t.Errorf("cto = %+v, %v", u, err)
		}

		again := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true})
		if again.Counts != (commands.ImportCounts{Unchanged: 93}) {
			t.Errorf("the same file again: %+v", again.Counts)
		}
		if after, _ := h.st.Objectives(context.Background(), h.workspaceID("T1"), store.ObjectiveFilter{}); len(after) != 40 {
			t.Errorf("%d objectives after the second import", len(after))
		}
	})
}

func TestImportOKRsUpdateChangesWhatDiffers(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, acme, func(t *testing.T, h *harness) {
		for _, u := range []string{"U1", "U2", "U3"} {
			h.must(u, "list")
		}
		s := sheetOf(t, companyFile, "")
		h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true})
		for i, row := range s.Rows {
			if row.Cells[7] == "Sign 12 enterprise logos" {
				s.Rows[i].Cells[11], s.Rows[i].Cells[12] = "15", "5"
			}
		}
		differs := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true})
		if differs.Counts.Updated != 0 || differs.Counts.Unchanged != 93 {
			t.Errorf("without --update: %+v", differs.Counts)
		}
		r := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true, Update: true})
		if r.Counts != (commands.ImportCounts{Updated: 1, Unchanged: 92}) {
			t.Errorf("--update: %+v", r.Counts)
		}
		var number int64
		for _, o := range r.Objectives {
			for _, kr := range o.KeyResults {
				if kr.Title == "Sign 12 enterprise logos" {
					number = o.Number
					if strings.Join(kr.Changes, "; ") != "target: 12 logos → 15 logos; current: 4 logos → 5 logos" {
						t.Errorf("changes = %q", kr.Changes)
					}
				}
			}
		}
		contains(t, h.must("U1", "show "+itoa(number)), "Sign 12 enterprise logos — 5 / 15 logos")
		contains(t, h.must("U1", "history "+itoa(number)), "target", "12 logos", "15 logos", "5 logos")

		// A closed objective keeps the key results it was scored on.
		h.must("UADMIN", "close "+itoa(number))
		for i, row := range s.Rows {
			if row.Cells[7] == "Sign 12 enterprise logos" {
				s.Rows[i].Cells[11] = "16"
			}
		}
		closed := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true, Update: true})
		if len(closed.Problems) != 1 || !strings.Contains(closed.Problems[0].String(), "is closed: its key results stay as they were scored") || closed.Applied {
			t.Errorf("update of a closed objective: %v", closed.Problems)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestImportOKRsNamesEveryProblemAndWritesNothing(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, acme, func(t *testing.T, h *harness) {
		h.must("U1", "list")
		file := "Period;Objective;Objective title;Owner;Parent;Key result;Target\n" +
			"2026-Q4;#1;Grow revenue;ceo@acme.example;;Grow ARR;18\n" +
			"2026-Q4;#3;Win enterprise;cro@acme.example;#5;Sign logos;twenty\n" +
			"2026-Q4;#5;Open DACH;nobody@acme.example;#3;Book pipeline;1\n" +
			"2026-Q4;#6;Make support fast;vp-cs@acme.example;#A7;Answer fast;4\n"
		s, err := csvio.ReadSheet(strings.NewReader(file), "")
		if err != nil {
			t.Fatal(err)
		}
		r := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true})
		var got []string
		for _, p := range r.Problems {
			got = append(got, p.String())
		}
		want := []string{
			`line 3: target "twenty" is not a number`,
			`line 4: objective owner "nobody@acme.example" is not the email of anyone on Slack`,
			`line 5: parent #A7 is not in the file and not an objective of this workspace`,
			`line 3: loop: #3 → #5 → #3`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if r.Applied {
			t.Error("applied with problems")
		}
		contains(t, h.say("list all"), "_None yet._")
		if _, err := h.st.UserByEmail(context.Background(), h.workspaceID("T1"), "ceo@acme.example"); err == nil {
			t.Error("a person was remembered by an import that wrote nothing")
		}
	})
}

func TestImportOKRsFromExcelAsFromCSV(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, acme, func(t *testing.T, h *harness) {
		for _, team := range []string{"T1", "T2"} {
			for _, u := range []string{"U1", "U2", "U3"} {
				h.svc.Command(context.Background(), request(team, u, "list"))
			}
		}
		csvReport := h.importOKRs("T1", sheetOf(t, companyFile, ""), commands.OKRImportOptions{Apply: true})
		xlsx := sheetOf(t, "../testdata/import/viva_goals.xlsx", "")
		if named := sheetOf(t, "../testdata/import/viva_goals.xlsx", "goals"); len(named.Rows) != len(xlsx.Rows) {
			t.Errorf("--sheet goals read %d rows, the first sheet %d", len(named.Rows), len(xlsx.Rows))
		}
		xlsxReport := h.importOKRs("T2", xlsx, commands.OKRImportOptions{Apply: true})
		if len(xlsxReport.Problems) > 0 || xlsxReport.Counts != csvReport.Counts {
			t.Fatalf("xlsx: %+v %v, csv: %+v", xlsxReport.Counts, xlsxReport.Problems, csvReport.Counts)
		}
		if strings.Join(xlsxReport.Ignored, ",") != "Last Updated" {
			t.Errorf("ignored columns: %v", xlsxReport.Ignored)
		}
		if a, b := h.export("T1"), h.export("T2"); a != b {
			t.Errorf("the Excel file imports otherwise than the CSV:\n%s\n---\n%s", a, b)
		}
	})
}

func TestImportOKRsReadsItsOwnExportBack(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, acme, func(t *testing.T, h *harness) {
		for _, u := range []string{"U1", "U2", "U3"} {
			h.must(u, "list")
		}
		h.importOKRs("T1", sheetOf(t, companyFile, ""), commands.OKRImportOptions{Apply: true})
		h.must("U1", `new "Personal growth" --description "Read, write, share"`)
		exported := h.export("T1")
		contains(t, exported, "description", "parent", "objective_owner_email", "key_result_owner_email",
			",Personal growth,\"Read, write, share\",,U1,,,active,")
		s, err := csvio.ReadSheet(strings.NewReader(exported), "")
		if err != nil {
			t.Fatal(err)
		}
		// Read back where it came from, it matches what is there by number.
		if back := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true}); back.Counts != (commands.ImportCounts{Unchanged: 94}) || len(back.Problems) > 0 {
			t.Errorf("okrs.csv into its own workspace: %+v %v", back.Counts, back.Problems)
		}
		// Another workspace has none of these people yet: they are found
		// by their email, or by their id on the platform.
		h.svc.Command(context.Background(), request("T2", "UADMIN", "list"))
		r := h.importOKRs("T2", s, commands.OKRImportOptions{Apply: true})
		if len(r.Problems) > 0 {
			t.Fatalf("problems: %v", r.Problems)
		}
		if again := h.export("T2"); again != exported {
			t.Errorf("export, import, export differs:\n%s\n---\n%s", exported, again)
		}
	})
}

func TestOKRImportInChatSaysHowAndWhere(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		out := h.must("U1", "import")
		contains(t, out, "*Bring your OKRs*", "`okrbot import --template &gt; okrs.csv`", "`okrbot import okrs.csv`", "`--apply`",
			"`POST /api/v1/import`", "`/kpi token create`", "Importing needs an okrbot admin.")
		lacks(t, h.must("UADMIN", "import"), "Importing needs an okrbot admin.")
		contains(t, h.say("help"), "/okr import")
	})
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return midQ4 }, PublicURL: "https://okrbot.acme.example/"})
		out := render(svc.Command(context.Background(), request("T1", "U1", "import")))
		contains(t, out, "<https://okrbot.acme.example/api/v1/import/template.csv|okrs.csv>")
	})
}

func TestImportOKRsAddsToAnObjectiveByNumber(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, acme, func(t *testing.T, h *harness) {
		h.must("U1", `new "Grow revenue" --team Sales`)
		h.must("U1", `new "Win enterprise"`)
		file := "objective,parent,key_result,target,key_result_owner\n" +
			"#1,,Close 20 deals,20,cro@acme.example\n" +
			"#2,#1,,,\n"
		s, err := csvio.ReadSheet(strings.NewReader(file), "")
		if err != nil {
			t.Fatal(err)
		}
		dry := h.importOKRs("T1", s, commands.OKRImportOptions{})
		if dry.Counts != (commands.ImportCounts{NewKeyResults: 1, Unchanged: 2}) || len(dry.Problems) > 0 {
			t.Errorf("dry run: %+v %v", dry.Counts, dry.Problems)
		}
		r := h.importOKRs("T1", s, commands.OKRImportOptions{Apply: true, Update: true})
		if r.Counts != (commands.ImportCounts{NewKeyResults: 1, Alignments: 1, Updated: 1, Unchanged: 1}) || len(r.Problems) > 0 {
			t.Errorf("apply: %+v %v", r.Counts, r.Problems)
		}
		contains(t, h.must("U1", "show 1"), "Close 20 deals — 0 / 20", "<@U101>")
		contains(t, h.must("U1", "show 2"), "#1")
		contains(t, h.must("U1", "history 2"), "parent")
	})
}

// TestImportOKRsFindsOwnersInTeamRosters: an owner given by email whom
// okrbot never met is found in the stored roster of a team okrbot is in,
// with no platform to ask (okrbot import on the command line, for Teams).
func TestImportOKRsFindsOwnersInTeamRosters(t *testing.T) {
	t.Parallel()
	eachWithPeople(t, nil, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ws, err := h.st.Workspace(ctx, "teams", "tenant-1")
		if err != nil {
			t.Fatal(err)
		}
		carol := store.RosterMember{PlatformID: "aad-carol", MemberID: "29:carol", Name: "Carol Jones", Email: "carol@contoso.example"}
		if err := h.st.ReplaceRoster(ctx, ws.ID, "19:team", []store.RosterMember{carol}, h.now); err != nil {
			t.Fatal(err)
		}
		file := "Period,Objective,Owner,Key result,Target\n" +
			"2026-Q4,Ship the help center,CAROL@contoso.example,Answer tickets in a day,90\n" +
			"2026-Q4,Open DACH,dan@contoso.example,Book pipeline,1\n"
		s, err := csvio.ReadSheet(strings.NewReader(file), "")
		if err != nil {
			t.Fatal(err)
		}
		r, err := h.svc.ImportOKRs(ctx, ws.ID, s, commands.OKRImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var problems []string
		for _, p := range r.Problems {
			problems = append(problems, p.String())
		}
		if len(problems) != 1 || !strings.Contains(problems[0], "line 3") || !strings.Contains(problems[0], "dan@contoso.example") {
			t.Errorf("problems: %q, want only Dan's, who is in no roster", problems)
		}
		if strings.Contains(strings.Join(problems, "\n"), "carol") {
			t.Errorf("Carol, in a team's roster, was not found: %q", problems)
		}
	})
}
