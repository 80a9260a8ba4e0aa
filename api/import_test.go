package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/api"
	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// members finds everyone an email names, as U + the part before the @.
type members struct{}

func (members) PersonByEmail(_ context.Context, _ bot.Workspace, email string) (bot.User, error) {
	if strings.HasPrefix(email, "nobody@") {
		return bot.User{}, bot.ErrNoPerson
	}
	local, _, _ := strings.Cut(email, "@")
	return bot.User{ID: "U-" + local, Name: local}, nil
}

func (members) Person(_ context.Context, _ bot.Workspace, id string) (bot.User, error) {
	return bot.User{ID: id, Name: strings.ToLower(id)}, nil
}

// RecentUser: no one's rights are known here, so what okrbot stored stands.
func (members) RecentUser(context.Context, bot.Workspace, string, time.Duration) (bot.User, error) {
	return bot.User{}, bot.ErrRolesUnknown
}

func eachImport(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return now }, Admins: []string{"UADMIN"}, People: members{},
			Platforms: map[string]bot.Capabilities{slack.Platform: slack.Capabilities}})
		server := httptest.NewServer(api.New(st, svc, func() time.Time { return now }, nil))
		t.Cleanup(server.Close)
		fn(t, &fixture{t: t, st: st, svc: svc, server: server})
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPostImport(t *testing.T) {
	t.Parallel()
	eachImport(t, func(t *testing.T, f *fixture) {
		token := f.token("T1")
		company := readFile(t, "../testdata/import/company_okrs.csv")
		ws, _ := f.st.Workspace(context.Background(), "slack", "T1")
		s, err := csvio.ReadSheet(strings.NewReader(company), "")
		if err != nil {
			t.Fatal(err)
		}
		direct, err := f.svc.ImportOKRs(context.Background(), ws.ID, s, commands.OKRImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(direct)

		code, body := f.post("/api/v1/import", token, company)
		if code != http.StatusOK || strings.TrimSpace(body) != string(want) {
			t.Fatalf("dry run: %d\n%s\nwant the report of okrbot import:\n%s", code, body, want)
		}
		if os, _ := f.st.Objectives(context.Background(), ws.ID, store.ObjectiveFilter{}); len(os) != 0 {
			t.Fatalf("a dry run wrote %d objectives", len(os))
		}

		code, body = f.post("/api/v1/import?apply=true", token, readFile(t, "../testdata/import/viva_goals.xlsx"))
		var r commands.OKRImportReport
		if err := json.Unmarshal([]byte(body), &r); err != nil || code != http.StatusOK {
			t.Fatalf("apply: %d %s", code, body)
		}
		if !r.Applied || r.Counts != (commands.ImportCounts{NewObjectives: 40, NewKeyResults: 53, Alignments: 36}) || r.Objectives[0].Number == 0 {
			t.Errorf("applied: %+v", r.Counts)
		}
		if os, _ := f.st.Objectives(context.Background(), ws.ID, store.ObjectiveFilter{}); len(os) != 40 {
			t.Errorf("%d objectives after the import", len(os))
		}

		code, body = f.post("/api/v1/import?apply=1", token, company)
		if code != http.StatusOK || !strings.Contains(body, `"counts":{"new_objectives":0,"new_key_results":0,"alignments":0,"updated":0,"unchanged":93}`) {
			t.Errorf("the same OKRs again: %d %s", code, body)
		}
	})
}

func TestPostImportRefusals(t *testing.T) {
	t.Parallel()
	eachImport(t, func(t *testing.T, f *fixture) {
		token := f.token("T1")
		bad := "Objective,Owner,Parent,Key result,Target\nGrow,nobody@acme.example,#A7,Grow ARR,twenty\n"
		for _, tt := range []struct {
			name, path, token, body string
			code                    int
			want                    []string
		}{
			{"no token", "/api/v1/import", "", bad, 401, []string{"a valid token is required"}},
			{"problems", "/api/v1/import?apply=true", token, bad, 422, []string{
				`{"line":2,"column":"objective_owner","message":"objective owner \"nobody@acme.example\" is not the email of anyone on Slack"}`,
				`{"line":2,"column":"target","message":"target \"twenty\" is not a number"}`,
				`{"line":2,"column":"parent","message":"parent #A7 is not in the file and not an objective of this workspace"}`,
				`"applied":false`}},
			{"bad flag", "/api/v1/import?apply=yes", token, bad, 400, []string{"?apply=yes is neither true nor false"}},
			{"KPIs", "/api/v1/import", token, "kpi,value\nNPS,41\n", 400, []string{"not OKRs"}},
			{"not a file", "/api/v1/import", token, "", 400, []string{"the file is empty"}},
			{"a sheet of CSV", "/api/v1/import?sheet=Goals", token, bad, 400, []string{"only an Excel workbook has sheets"}},
		} {
			code, body := f.post(tt.path, tt.token, tt.body)
			if code != tt.code {
				t.Errorf("%s: %d %s, want %d", tt.name, code, body, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: %s\nlacks %s", tt.name, body, w)
				}
			}
		}
		ws, _ := f.st.Workspace(context.Background(), "slack", "T1")
		if os, _ := f.st.Objectives(context.Background(), ws.ID, store.ObjectiveFilter{}); len(os) != 0 {
			t.Errorf("refused imports wrote %d objectives", len(os))
		}
	})
}

func TestGetImportTemplate(t *testing.T) {
	t.Parallel()
	eachImport(t, func(t *testing.T, f *fixture) {
		resp, err := f.server.Client().Get(f.server.URL + commands.TemplatePath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		s, err := csvio.ReadSheet(resp.Body, "")
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("template: %d %v", resp.StatusCode, err)
		}
		ws, _ := f.st.Workspace(context.Background(), "slack", "T1")
		r, err := f.svc.ImportOKRs(context.Background(), ws.ID, s, commands.OKRImportOptions{})
		if err != nil || len(r.Problems) > 0 || r.Counts.NewObjectives != 2 || r.Counts.NewKeyResults != 3 || r.Counts.Alignments != 1 || r.Objectives[0].Period != "2026-Q4" {
			t.Errorf("the template reads as %+v, %v", r, err)
		}
	})
}
