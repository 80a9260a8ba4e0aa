package api_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/api"
	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	st     *store.Store
	svc    *commands.Service
	server *httptest.Server
}

func (f *fixture) kpi(team, user, text string) string {
	f.t.Helper()
	r := f.svc.Command(context.Background(), bot.Request{Workspace: bot.Workspace{Platform: "slack", TeamID: team},
		User: bot.User{ID: user, Name: strings.ToLower(user), TZ: "UTC"}, Command: "/kpi", Text: text})
	if r.Message == nil {
		f.t.Fatalf("/kpi %s: no message", text)
	}
	out := console.Render(r)
	if strings.HasPrefix(out, "⚠️") {
		f.t.Fatalf("/kpi %s: %s", text, out)
	}
	return out
}

// token creates an API token in a workspace and returns it.
func (f *fixture) token(team string) string {
	f.t.Helper()
	out := f.kpi(team, "UADMIN", "token create CI")
	i := strings.Index(out, "`okrbot_")
	return out[i+1 : i+1+strings.Index(out[i+1:], "`")]
}

func (f *fixture) post(path, token, body string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.server.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.server.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// history is every measurement of every KPI, to show a refused call changed
// nothing.
func (f *fixture) history() string {
	f.t.Helper()
	var b strings.Builder
	for _, team := range []string{"T1", "T2"} {
		ws, _ := f.st.Workspace(context.Background(), "slack", team)
		ks, _ := f.st.KPIs(context.Background(), ws.ID, store.KPIFilter{IncludeArchived: true})
		for _, k := range ks {
			ms, _ := f.st.Measurements(context.Background(), ws.ID, k.ID, 100)
			for _, m := range ms {
				b.WriteString(k.Name + " " + m.At.String() + "\n")
			}
		}
	}
	return b.String()
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return now }, Admins: []string{"UADMIN"}})
		server := httptest.NewServer(api.New(st, svc, func() time.Time { return now }, nil))
		t.Cleanup(server.Close)
		fn(t, &fixture{t: t, st: st, svc: svc, server: server})
	})
}

func TestPostMeasurement(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.kpi("T1", "U1", `new "Churn rate" --unit % --target 2 --lower-is-better --warn 2.5 --crit 3`)
		token := f.token("T1")
		code, body := f.post("/api/v1/kpis/1/measurements", token, `{"value": 2.6, "comment": "from the warehouse"}`)
		if code != http.StatusCreated {
			t.Fatalf("status %d: %s", code, body)
		}
		var resp api.MeasurementResponse
		if err := json.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatal(err)
		}
		if resp.KPI.Name != "Churn rate" || *resp.KPI.Value != 2.6 || resp.KPI.Health != "at-risk" || !resp.Measurement.At.Equal(now) || !resp.Measurement.Latest {
			t.Errorf("response = %s", body)
		}
		code, body = f.post("/api/v1/kpis/1/measurements", token, `{"value": 1.9, "at": "2026-11-19T08:00:00Z"}`)
		if code != http.StatusCreated || !strings.Contains(body, `"latest":false`) {
			t.Errorf("back-dated: %d %s", code, body)
		}
		show := f.kpi("T1", "U1", "show 1")
		for _, want := range []string{"2.6% · 🟡 at risk", "Nov 20, 2026  2.6% · API: CI · “from the warehouse”", "Nov 19, 2026  1.9% · API: CI"} {
			if !strings.Contains(show, want) {
				t.Errorf("show lacks %q:\n%s", want, show)
			}
		}
		if list := f.kpi("T1", "UADMIN", "token list"); !strings.Contains(list, "last used Nov 20, 2026") {
			t.Errorf("token list:\n%s", list)
		}
	})
}

func TestPostMeasurementRefusals(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.kpi("T1", "U1", `new "Churn rate" --target 2 --lower-is-better`)
		f.kpi("T2", "U9", `new "Other" --target 2`) // KPI 2, of another workspace
		token := f.token("T1")
		revoked := f.token("T1")
		f.kpi("T1", "UADMIN", "token revoke 2")
		f.kpi("T1", "UADMIN", `archive "Churn rate"`)
		f.kpi("T1", "U1", `new "NPS" --target 50`) // KPI 3
		f.kpi("T1", "U1", `new "R&D <spend>" --target 5`)
		f.kpi("T1", "UADMIN", `archive 4`)
		before := f.history()
		tests := []struct {
			name, path, token, body string
			code                    int
			want                    string
		}{
			{"no token", "/api/v1/kpis/3/measurements", "", `{"value": 1}`, 401, "a valid token is required"},
			{"wrong token", "/api/v1/kpis/3/measurements", "okrbot_nope", `{"value": 1}`, 401, "a valid token is required"},
			{"revoked token", "/api/v1/kpis/3/measurements", revoked, `{"value": 1}`, 401, "a valid token is required"},
			{"KPI of another workspace", "/api/v1/kpis/2/measurements", token, `{"value": 1}`, 404, "there is no KPI 2"},
			{"no such KPI", "/api/v1/kpis/99/measurements", token, `{"value": 1}`, 404, "there is no KPI 99"},
			{"not a number id", "/api/v1/kpis/churn/measurements", token, `{"value": 1}`, 404, `there is no KPI \"churn\"`},
			{"not JSON", "/api/v1/kpis/3/measurements", token, `value=1`, 400, "the body is not a JSON object"},
			{"value is text", "/api/v1/kpis/3/measurements", token, `{"value": "high"}`, 400, "cannot unmarshal string"},
			{"no value", "/api/v1/kpis/3/measurements", token, `{"comment": "x"}`, 400, `the body has no \"value\"`},
			{"unknown field", "/api/v1/kpis/3/measurements", token, `{"value": 1, "when": "now"}`, 400, `unknown field \"when\"`},
			{"bad time", "/api/v1/kpis/3/measurements", token, `{"value": 1, "at": "yesterday"}`, 400, `\"at\" is \"yesterday\"`},
			{"future time", "/api/v1/kpis/3/measurements", token, `{"value": 1, "at": "2026-11-21T12:00:00Z"}`, 400, "is in the future"},
			{"archived KPI", "/api/v1/kpis/1/measurements", token, `{"value": 1}`, 409, "KPI Churn rate is archived"},
			{"archived KPI with markup in its name", "/api/v1/kpis/4/measurements", token, `{"value": 1}`, 409, `KPI R\u0026D \u003cspend\u003e is archived`},
			{"two objects", "/api/v1/kpis/3/measurements", token, `{"value": 1} {"value": 2}`, 400, "one JSON object"},
			{"trailing text", "/api/v1/kpis/3/measurements", token, `{"value": 1} and more`, 400, "one JSON object"},
			{"huge value", "/api/v1/kpis/3/measurements", token, `{"value": 1e300}`, 400, "larger than okrbot tracks"},
			{"huge negative value", "/api/v1/kpis/3/measurements", token, `{"value": -1e308}`, 400, "larger than okrbot tracks"},
		}
		for _, tt := range tests {
			code, body := f.post(tt.path, tt.token, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s: %d %s, want %d with %q", tt.name, code, body, tt.code, tt.want)
			}
		}
		if after := f.history(); after != before {
			t.Errorf("refused calls changed the history:\n%s\nthen\n%s", before, after)
		}
	})
}

// TestTokenScopeExpiryAndWorkspace: a token for one KPI knows no other, an
// expired token and a token of a workspace okrbot was uninstalled from are
// refused, and a reinstall brings the workspace's tokens back.
func TestTokenScopeExpiryAndWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := now
		tick := func() time.Time { return clock }
		key := make([]byte, secret.KeySize)
		rand.Read(key)
		box, err := secret.ParseKeys(base64.StdEncoding.EncodeToString(key))
		if err != nil {
			t.Fatal(err)
		}
		st.SetSealer(box)
		if err := st.SaveInstallation(ctx, store.Installation{TeamID: "T1", BotToken: "xoxb-t1", InstalledAt: now}); err != nil {
			t.Fatal(err)
		}
		svc := commands.New(commands.Config{Store: st, Now: tick, Admins: []string{"UADMIN"}})
		server := httptest.NewServer(api.New(st, svc, tick, nil))
		t.Cleanup(server.Close)
		f := &fixture{t: t, st: st, svc: svc, server: server}
		f.kpi("T1", "U1", `new "Churn rate" --target 2 --lower-is-better`) // 1
		f.kpi("T1", "U1", `new "NPS" --target 50`)                         // 2
		tokenOf := func(out string) string {
			i := strings.Index(out, "`okrbot_")
			return out[i+1 : i+1+strings.Index(out[i+1:], "`")]
		}
		churn := tokenOf(f.kpi("T1", "UADMIN", `token create Warehouse --kpi "Churn rate"`))
		week := tokenOf(f.kpi("T1", "UADMIN", `token create Trial --expires 7d`))
		all := tokenOf(f.kpi("T1", "UADMIN", `token create CI`))

		check := func(what, path, token string, code int, want string) {
			t.Helper()
			got, body := f.post(path, token, `{"value": 1}`)
			if got != code || !strings.Contains(body, want) {
				t.Errorf("%s: %d %s, want %d with %q", what, got, body, code, want)
			}
		}
		check("scoped token, its KPI", "/api/v1/kpis/1/measurements", churn, 201, `"name":"Churn rate"`)
		check("scoped token, another KPI", "/api/v1/kpis/2/measurements", churn, 404, "there is no KPI")
		check("week token, day one", "/api/v1/kpis/2/measurements", week, 201, `"name":"NPS"`)
		clock = now.Add(7 * 24 * time.Hour)
		check("week token, a week on", "/api/v1/kpis/2/measurements", week, 401, "the token expired on 2026-11-27")
		check("workspace token", "/api/v1/kpis/2/measurements", all, 201, `"name":"NPS"`)

		if err := st.RevokeInstallation(ctx, "", "T1", clock, "app_uninstalled"); err != nil {
			t.Fatal(err)
		}
		for _, token := range []string{churn, all} {
			check("after the uninstall", "/api/v1/kpis/1/measurements", token, 401, "okrbot is no longer installed in the token's workspace")
		}
		if err := st.SaveInstallation(ctx, store.Installation{TeamID: "T1", BotToken: "xoxb-t1-again", InstalledAt: clock}); err != nil {
			t.Fatal(err)
		}
		check("installed again", "/api/v1/kpis/1/measurements", churn, 201, `"name":"Churn rate"`)
		list := f.kpi("T1", "UADMIN", "token list")
		for _, want := range []string{"*Warehouse* `okrbot_", "KPI *Churn rate*", "⌛ expired Nov 27, 2026", "last used Nov 27, 2026 12:00 UTC"} {
			if !strings.Contains(list, want) {
				t.Errorf("token list lacks %q:\n%s", want, list)
			}
		}
	})
}
