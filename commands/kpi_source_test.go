package commands_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/sources"
)

// withSources gives the harness's service source settings that let it reach
// the test's servers on loopback, a BI_TOKEN, a SQLite database called bi
// and a Prometheus.
func (h *harness) withSources(prometheus string) {
	h.t.Helper()
	hosts, err := sources.ParseHosts("127.0.0.1")
	if err != nil {
		h.t.Fatal(err)
	}
	path := filepath.Join(h.t.TempDir(), "bi.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE churn (week TEXT, rate REAL); INSERT INTO churn VALUES ('W48', 2.4)`); err != nil {
		h.t.Fatal(err)
	}
	db.Close()
	cfg := &sources.Config{Hosts: hosts, Secrets: map[string]string{"BI_TOKEN": "tok"}, PrometheusURL: prometheus,
		Database: func(name string) string {
			if name == "bi" {
				return "sqlite://" + path
			}
			return ""
		}}
	h.svc = commands.New(commands.Config{Store: h.st, Now: func() time.Time { return h.now }, Admins: []string{"UADMIN"}, Sender: h.sent, Sources: cfg})
}

func TestKPISourceCommands(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sheet.csv":
			fmt.Fprint(w, "Week,Churn\nW47,2.9\nW48,2.4\n")
		case "/api/v1/query":
			value := "0.5"
			if strings.Contains(r.FormValue("query"), `code=~"5.."`) {
				value = "0.7" // the query arrived with its double quotes
			}
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1765108800,"%s"]}]}}`, value)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	each(t, func(t *testing.T, h *harness) {
		h.withSources(srv.URL)
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)

		contains(t, h.kpiMust("U1", `help`), "`/kpi source")
		contains(t, h.kpiMust("U2", `source "Churn rate"`), "has no source: its values are typed with `/kpi set`")

		// Only the owner or an admin chooses a KPI's source.
		contains(t, h.kpi("U2", `source "Churn rate" csv `+srv.URL+`/sheet.csv --cell B3`), "Only", "(the owner) or an okrbot admin")
		contains(t, h.kpiMust("UADMIN", `source "Churn rate" csv `+srv.URL+`/sheet.csv --cell B3`), "now comes from csv 127.0.0.1:")
		contains(t, h.kpiMust("U1", `source "Churn rate" csv `+srv.URL+`/sheet.csv --cell "column=Churn row=last" --every 1d`),
			"now comes from csv "+strings.TrimPrefix(srv.URL, "http://")+" column=Churn row=last, fetched every day at midnight UTC")
		contains(t, h.kpiMust("U1", `source "Churn rate" test`), "is 2.4% now. Nothing was recorded")
		contains(t, h.kpiMust("U2", `source "Churn rate"`), "value from csv", "not fetched yet")
		contains(t, h.kpiMust("U1", `show "Churn rate"`), "value from csv", "No values yet")

		contains(t, h.kpiMust("U1", `source "Churn rate" csv `+srv.URL+`/sheet.csv --cell ‘B3’`), "now comes from csv 127.0.0.1:", " B3, fetched")
		contains(t, h.kpiMust("U1", `source "Churn rate" sql bi "SELECT rate FROM churn WHERE week = 'W48'" --every 6h`), "now comes from sql bi, fetched every 6h")
		contains(t, h.kpiMust("U1", `source "Churn rate" test`), "is 2.4% now")
		contains(t, h.kpiMust("U1", `source "Churn rate" prometheus "sum(rate(errors_total[5m]))" --every hourly`), "now comes from prometheus sum(rate(errors_total[5m])), fetched every hour")
		contains(t, h.kpiMust("U1", `source "Churn rate" test`), "is 0.5% now")
		// A double quote inside a quoted word is written \".
		contains(t, h.kpiMust("U1", `source "Churn rate" prometheus "sum(rate(errors_total{code=~\"5..\"}[5m]))"`),
			`now comes from prometheus sum(rate(errors_total{code=~"5.."}[5m]))`)
		contains(t, h.kpiMust("U1", `source "Churn rate" test`), "is 0.7% now")

		for line, want := range map[string]string{
			`source "Churn rate" http http://127.0.0.1/x --path '$.x' --header "Authorization: Bearer abc"`: "holds a credential",
			`source "Churn rate" http https://ada:pw@127.0.0.1/x --path '$.x'`:                              "user name or password",
			`source "Churn rate" http https://bi.example.com/x --path '$.x'`:                                "bi.example.com is not in OKRBOT_SOURCE_HOSTS",
			`source "Churn rate" http http://169.254.169.254/latest --path '$.x'`:                           "link-local",
			`source "Churn rate" http http://127.0.0.1/x --path '$.x' --header "Authorization: {env:HOME}"`: "HOME is not listed in OKRBOT_SOURCE_SECRETS",
			`source "Churn rate" http http://127.0.0.1/x`:                                                   "needs --path",
			`source "Churn rate" http http://127.0.0.1/x --path '$.x' --cell B7`:                            "--cell with csv",
			`source "Churn rate" csv http://127.0.0.1/x --cell 7B`:                                          `"7B" is not a cell`,
			`source "Churn rate" sql warehouse "SELECT 1"`:                                                  "OKRBOT_SOURCE_DB_WAREHOUSE is not set",
			`source "Churn rate" sql bi`:                                                                    "a database's name and a query",
			`source "Churn rate" ftp x`:                                                                     `"ftp" is not a kind of source`,
			`source "Churn rate" csv http://127.0.0.1/x --cell B7 --every 1m`:                               "not a cadence from 5m to 31d",
			`source Nope off`: `There is no KPI "Nope"`,
		} {
			contains(t, h.kpi("U1", line), want)
		}
		// What was refused changed nothing: the prometheus source stays.
		contains(t, h.kpiMust("U2", `source "Churn rate"`), "value from prometheus")

		contains(t, h.kpi("U2", `source "Churn rate" off`), "(the owner) or an okrbot admin")
		contains(t, h.kpiMust("U1", `source "Churn rate" off`), "no longer fetches its value")
		contains(t, h.kpiMust("U1", `source "Churn rate" off`), "has no source")
		contains(t, h.kpi("U1", `source "Churn rate" test`), "has no source to test")
	})
}

// TestKPISourceTestShowsWhatCameBack: a test of a source that answers
// something else than a number says what it was, and records nothing.
func TestKPISourceTestShowsWhatCameBack(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Week,Churn\nW48,n/a\n")
	}))
	t.Cleanup(srv.Close)
	each(t, func(t *testing.T, h *harness) {
		h.withSources("")
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		h.kpiMust("U1", `source "Churn rate" csv `+srv.URL+` --cell B2`)
		contains(t, h.kpiMust("U1", `source "Churn rate" test`), `❌`, `cell B2 is "n/a", not a number`, "Nothing was recorded")
		contains(t, h.kpi("U1", `source "Churn rate" prometheus "up"`), "OKRBOT_SOURCE_PROMETHEUS_URL is not set")
	})
}

// TestKPISourceForm: the owner's /kpi source NAME opens a form (Slack
// and Teams draw it) that starts from the source the KPI has, and whose
// errors are shown at the field they are about.
func TestKPISourceForm(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.withSources("")
		h.kpiMust("U1", `new "Churn rate" --unit % --target 2 --lower-is-better`)
		req := request("T1", "U1", `source "Churn rate"`)
		req.Command = "/kpi"
		r := h.svc.Command(context.Background(), req)
		if r.Form == nil || r.Form.CallbackID != commands.CallbackKPISource {
			t.Fatalf("/kpi source NAME by the owner: %s, want the form", render(r))
		}
		submit := func(values map[string]string) bot.SubmitResult {
			return h.svc.Submit(context.Background(), request("T1", "U1", ""), bot.Submission{CallbackID: r.Form.CallbackID, State: r.Form.State, Values: values})
		}
		for field, values := range map[string]map[string]string{
			"headers": {"kind": "http", "url": "http://127.0.0.1/x", "path": "$.x", "headers": "Authorization: Bearer abc", "every": "1h"},
			"url":     {"kind": "csv", "url": "https://bi.example.com/x.csv", "cell": "B7", "every": "1h"},
			"cell":    {"kind": "csv", "url": "http://127.0.0.1/x.csv", "cell": "7B", "every": "1h"},
			"every":   {"kind": "csv", "url": "http://127.0.0.1/x.csv", "cell": "B7", "every": "1s"},
			"query":   {"kind": "sql", "database": "bi", "every": "1d"},
		} {
			if res := submit(values); res.Errors[field] == "" {
				t.Errorf("%v: errors %v, want one at %s", values, res.Errors, field)
			}
		}
		res := submit(map[string]string{"kind": "http", "url": "http://127.0.0.1:9/kpis", "path": "$.churn",
			"headers": "Authorization: Bearer {env:BI_TOKEN}\n", "every": "90m"})
		if len(res.Errors) > 0 || res.Message == nil || !strings.Contains(renderMessage(*res.Message), "now comes from http 127.0.0.1:9 $.churn, fetched every 1h30m") {
			t.Fatalf("saving the form: %+v", res)
		}
		r = h.svc.Command(context.Background(), req)
		initial := map[string]string{}
		for _, f := range r.Form.Fields {
			initial[f.ID] = f.Initial
		}
		if initial["url"] != "http://127.0.0.1:9/kpis" || initial["headers"] != "Authorization: Bearer {env:BI_TOKEN}" || initial["every"] != "1h30m" {
			t.Errorf("the form again starts from %v", initial)
		}
		contains(t, h.kpiMust("U2", `source "Churn rate"`), "value from http 127.0.0.1:9 $.churn, fetched every 1h30m")
	})
}
