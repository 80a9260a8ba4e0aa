package sources

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const token = "s3cr3t-bi-token-value"

// loopback is a Config that may reach the test's servers on 127.0.0.1,
// with one secret.
func loopback(t *testing.T) *Config {
	t.Helper()
	hosts, err := ParseHosts("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return &Config{Hosts: hosts, Secrets: map[string]string{"BI_TOKEN": token, "UNSET": ""}}
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, c *Config, s Spec) (float64, error) {
	t.Helper()
	f, err := c.Open(s)
	if err != nil {
		return 0, err
	}
	return f.Fetch(context.Background())
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error %q shows the secret", err)
	}
}

func TestHTTPSource(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keyed" {
			if r.URL.Query().Get("api_key") != token {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			fmt.Fprint(w, `{"n":7}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"bad token %s"}`, r.Header.Get("Authorization"))
			return
		}
		switch r.URL.Path {
		case "/kpis":
			fmt.Fprint(w, `{"data":{"churn":2.4,"label":"n/a","text":"3.5%"},"rows":[{"v":1},{"v":2}]}`)
		case "/big":
			w.Write([]byte(`{"x":"` + strings.Repeat("a", 2<<20) + `"}`))
		case "/html":
			fmt.Fprint(w, "<html>login</html>")
		}
	})
	c := loopback(t)
	auth := []string{"Authorization: Bearer {env:BI_TOKEN}"}
	for _, tc := range []struct {
		name, path, query string
		headers           []string
		want              float64
		err               []string
	}{
		{name: "number", path: "/kpis", query: "$.data.churn", headers: auth, want: 2.4},
		{name: "number in a string", path: "/kpis", query: "$.data.text", headers: auth, want: 3.5},
		{name: "secret in the query", path: "/keyed?api_key={env:BI_TOKEN}", query: "$.n", want: 7},
		{name: "403 names the query's secret", path: "/keyed?api_key={env:BI_TOKEN}x", query: "$.n", err: []string{"HTTP 403 from", "check BI_TOKEN"}},
		{name: "nothing matched", path: "/kpis", query: "$.data.nps", headers: auth, err: []string{"$.data.nps matched nothing in", `{"data":{"churn":2.4`}},
		{name: "not a number", path: "/kpis", query: "$.data.label", headers: auth, err: []string{`$.data.label is "n/a", not a number`}},
		{name: "many", path: "/kpis", query: "$.rows[*].v", headers: auth, err: []string{"matched 2 values, not one"}},
		{name: "401 names the secret", path: "/kpis", query: "$.data.churn", headers: []string{"Authorization: Bearer {env:BI_TOKEN}x"}, err: []string{"HTTP 401 from 127.0.0.1:", "check BI_TOKEN"}},
		{name: "401 without credentials", path: "/kpis", query: "$.data.churn", err: []string{"HTTP 401 from", "--header"}},
		{name: "too big", path: "/big", query: "$.x", headers: auth, err: []string{"larger than 1024 KiB"}},
		{name: "not JSON", path: "/html", query: "$.x", headers: auth, err: []string{"not JSON: <html>login</html>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := fetch(t, c, Spec{Kind: HTTP, URL: srv.URL + tc.path, Path: tc.query, Headers: tc.headers})
			if tc.err != nil {
				wantErr(t, err, tc.err...)
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("fetch = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestWhereOkrbotMayConnect(t *testing.T) {
	t.Parallel()
	var hits int
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits++
		switch r.URL.Path {
		case "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/elsewhere":
			http.Redirect(w, r, "http://10.1.2.3/x", http.StatusFound)
		case "/outside":
			http.Redirect(w, r, "https://example.org/x", http.StatusFound)
		}
	})
	open := &Config{} // any public host
	listed := loopback(t)
	for _, tc := range []struct {
		name string
		c    *Config
		spec Spec
		err  []string
	}{
		{"metadata address", listed, Spec{Kind: HTTP, URL: "http://169.254.169.254/latest/meta-data/", Path: "$.x"}, []string{"link-local", "never connects"}},
		{"metadata IPv6", open, Spec{Kind: HTTP, URL: "http://[fd00:ec2::254]/", Path: "$.x"}, []string{"cloud metadata address"}},
		{"metadata through NAT64", open, Spec{Kind: HTTP, URL: "http://[64:ff9b::a9fe:a9fe]/", Path: "$.x"}, []string{"64:ff9b::a9fe:a9fe is a link-local address (169.254.169.254)"}},
		{"Alibaba metadata", open, Spec{Kind: HTTP, URL: "http://100.100.100.200/", Path: "$.x"}, []string{"cloud metadata address"}},
		{"loopback unless listed", open, Spec{Kind: HTTP, URL: srv.URL + "/x", Path: "$.x"}, []string{"loopback or private address", "OKRBOT_SOURCE_HOSTS"}},
		{"private unless listed", listed, Spec{Kind: HTTP, URL: "http://10.1.2.3/x", Path: "$.x"}, []string{"10.1.2.3 is a loopback or private address"}},
		{"host outside the list", listed, Spec{Kind: HTTP, URL: "https://bi.example.com/x", Path: "$.x"}, []string{"bi.example.com is not in OKRBOT_SOURCE_HOSTS"}},
		{"password in the URL", listed, Spec{Kind: HTTP, URL: "https://ada:hunter2@bi.example.com/x", Path: "$.x"}, []string{"user name or password"}},
		{"typed credential", listed, Spec{Kind: HTTP, URL: srv.URL, Path: "$.x", Headers: []string{"Authorization: Bearer abc"}}, []string{"holds a credential", "{env:NAME}"}},
		{"key in the query", listed, Spec{Kind: HTTP, URL: srv.URL + "/x?api_key=abc", Path: "$.x"}, []string{"parameter api_key holds a credential"}},
		{"typed api key", listed, Spec{Kind: CSV, URL: srv.URL, Cell: "A1", Headers: []string{"X-Api-Key: abc"}}, []string{"holds a credential"}},
		{"secret not listed", listed, Spec{Kind: HTTP, URL: srv.URL, Path: "$.x", Headers: []string{"Authorization: Bearer {env:HOME}"}}, []string{"HOME is not listed in OKRBOT_SOURCE_SECRETS"}},
		{"secret not set", listed, Spec{Kind: HTTP, URL: srv.URL, Path: "$.x", Headers: []string{"Authorization: Bearer {env:UNSET}"}}, []string{"UNSET is listed in OKRBOT_SOURCE_SECRETS but not set"}},
		{"not http", listed, Spec{Kind: HTTP, URL: "file:///etc/passwd", Path: "$.x"}, []string{"not an http:// or https:// URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.c.Check(tc.spec); err != nil {
				wantErr(t, err, tc.err...)
				return
			}
			_, err := fetch(t, tc.c, tc.spec)
			wantErr(t, err, tc.err...)
		})
	}
	// Redirects are checked like the first URL: the server is listed, where
	// it sends okrbot is not.
	for path, want := range map[string]string{
		"/metadata":  "redirected to http://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address",
		"/elsewhere": "redirected to http://10.1.2.3/x: 10.1.2.3 is a loopback or private address",
		"/outside":   "redirected to https://example.org/x: example.org is not in OKRBOT_SOURCE_HOSTS",
	} {
		_, err := fetch(t, listed, Spec{Kind: HTTP, URL: srv.URL + path, Path: "$.x"})
		wantErr(t, err, want)
	}
	// A name that resolves to loopback is refused after resolution unless
	// the name is listed.
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	_, err := fetch(t, open, Spec{Kind: HTTP, URL: "http://localhost" + port + "/x", Path: "$.x"})
	wantErr(t, err, "localhost is a loopback or private address")
	byName, _ := ParseHosts("localhost")
	_, err = fetch(t, &Config{Hosts: byName}, Spec{Kind: HTTP, URL: "http://localhost" + port + "/x", Path: "$.x"})
	wantErr(t, err, "not JSON") // reached: the server answers an empty body
}

func TestParseHosts(t *testing.T) {
	t.Parallel()
	h, err := ParseHosts("*.example.com, bi.corp 10.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	for host, ok := range map[string]bool{"a.example.com": true, "example.com": false, "bi.corp": true, "evil.com": false, "10.2.3.4": true, "::1": true, "127.0.0.1": false} {
		if got := h.checkName(host) == nil; got != ok {
			t.Errorf("%s allowed = %v, want %v", host, got, ok)
		}
	}
	if err := NoHosts().checkName("example.com"); err == nil || NoHosts().Any() {
		t.Error("NoHosts lets okrbot connect")
	}
	if _, err := ParseHosts("http://x/"); err == nil {
		t.Error("a URL is taken as a host")
	}
}

func TestCSVSource(t *testing.T) {
	t.Parallel()
	const sheet = "Week,Churn,Note\n2026-W47,2.9,\n2026-W48,2.4,ok\n2026-W49,n/a,late\n,,\n"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, "\ufeff"+sheet)
	})
	c := loopback(t)
	for _, tc := range []struct {
		cell string
		want float64
		err  string
	}{
		{cell: "B3", want: 2.4},
		{cell: "b2", want: 2.9},
		{cell: "column=Churn row=2", want: 2.4},
		{cell: "column=Churn row=last", err: `cell column=Churn row=last is "n/a", not a number`},
		{cell: "B4", err: `cell B4 is "n/a", not a number`},
		{cell: "B9", err: "past the end: the CSV has 5 rows"},
		{cell: "column=NPS row=last", err: `no column "NPS"; its header is Week,Churn,Note`},
	} {
		got, err := fetch(t, c, Spec{Kind: CSV, URL: srv.URL, Cell: tc.cell})
		if tc.err != "" {
			wantErr(t, err, tc.err)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.cell, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "7B", "column=", "row=last", "B0"} {
		if err := c.Check(Spec{Kind: CSV, URL: srv.URL, Cell: bad}); err == nil {
			t.Errorf("cell %q accepted", bad)
		}
	}
}

func TestPrometheusSource(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query" {
			http.NotFound(w, r)
			return
		}
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch r.Form.Get("query") {
		case `sum(rate(http_requests_total{code=~"5.."}[5m]))`:
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1765108800.123,"0.0125"]}]}}`)
		case "up":
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1765108800,"1"]},{"metric":{"__name__":"up","job":"b"},"value":[1765108800,"1"]}]}}`)
		case "absent_metric":
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
		case "scalar(1)":
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"scalar","result":[1765108800,"1"]}}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}`)
		}
	})
	c := &Config{PrometheusURL: srv.URL}
	for q, want := range map[string]any{
		`sum(rate(http_requests_total{code=~"5.."}[5m]))`: 0.0125,
		"scalar(1)":     1.0,
		"up":            "returned 2 series, not one",
		"absent_metric": "returned no sample",
		"sum(":          "bad_data: invalid parameter",
	} {
		got, err := fetch(t, c, Spec{Kind: Prometheus, Query: q})
		if s, ok := want.(string); ok {
			wantErr(t, err, s)
			continue
		}
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", q, got, err, want)
		}
	}
	if err := (&Config{}).Check(Spec{Kind: Prometheus, Query: "up"}); err == nil || !strings.Contains(err.Error(), "OKRBOT_SOURCE_PROMETHEUS_URL is not set") {
		t.Errorf("no Prometheus: %v", err)
	}
}

func TestSQLSourceSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bi.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE churn (week TEXT, rate REAL); INSERT INTO churn VALUES ('W47', 2.9), ('W48', 2.4)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c := &Config{Database: func(name string) string {
		if name == "bi" {
			return "sqlite://" + path
		}
		return ""
	}}
	testSQL(t, c, "bi", "INSERT INTO churn VALUES ('W49', 9)")
	if err := c.Check(Spec{Kind: SQL, Database: "warehouse", Query: "SELECT 1"}); err == nil || !strings.Contains(err.Error(), "OKRBOT_SOURCE_DB_WAREHOUSE is not set") {
		t.Errorf("unknown database: %v", err)
	}
}

func TestSQLSourcePostgres(t *testing.T) {
	t.Parallel()
	url := os.Getenv("OKRBOT_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("OKRBOT_TEST_DATABASE_URL is not set")
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := fmt.Sprintf("churn_%d", os.Getpid())
	if _, err := db.Exec(fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s; CREATE TABLE %[1]s (week TEXT, rate NUMERIC); INSERT INTO %[1]s VALUES ('W47', 2.9), ('W48', 2.4)`, table)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	c := &Config{Database: func(string) string { return url }}
	testSQL(t, c, "warehouse", "INSERT INTO churn VALUES ('W49', 9)", table)
}

// TestSQLSourceMySQL runs the same queries against a real MySQL or
// MariaDB, named by OKRBOT_TEST_MYSQL_URL (mysql://user:password@host/db),
// through both forms of connection string okrbot reads.
func TestSQLSourceMySQL(t *testing.T) {
	t.Parallel()
	url := os.Getenv("OKRBOT_TEST_MYSQL_URL")
	if url == "" {
		t.Skip("OKRBOT_TEST_MYSQL_URL is not set")
	}
	db, err := openDB(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := fmt.Sprintf("churn_%d", os.Getpid())
	for _, stmt := range []string{"DROP TABLE IF EXISTS " + table, "CREATE TABLE " + table + " (week TEXT, rate DECIMAL(5,2))",
		"INSERT INTO " + table + " VALUES ('W47', 2.9), ('W48', 2.4)"} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	cfg, err := mysqlConfig(strings.TrimPrefix(url, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	for form, dsn := range map[string]string{"URL": url, "driver's own": "mysql://" + cfg.FormatDSN()} {
		t.Run(form, func(t *testing.T) {
			c := &Config{Database: func(string) string { return dsn }}
			testSQL(t, c, "warehouse", "INSERT INTO churn VALUES ('W49', 9)", table)
		})
	}
}

// testSQL runs the same queries against any database with a churn table
// (named table, when given).
func testSQL(t *testing.T, c *Config, name, write string, table ...string) {
	t.Helper()
	q := func(s string) string {
		if len(table) > 0 {
			return strings.ReplaceAll(s, "churn", table[0])
		}
		return s
	}
	for query, want := range map[string]any{
		"SELECT rate FROM churn WHERE week = 'W48'": 2.4,
		"SELECT count(*) FROM churn":                2.0,
		"SELECT week FROM churn WHERE week = 'W48'": `returned "W48", not a number`,
		"SELECT rate FROM churn":                    "more than one row",
		"SELECT rate FROM churn WHERE week = 'W1'":  "returned no row",
		"SELECT week, rate FROM churn":              "returned 2 columns (week, rate)",
		"SELECT max(rate) FROM churn WHERE 1 = 0":   "returned NULL",
		write: "",
	} {
		got, err := fetch(t, c, Spec{Kind: SQL, Database: name, Query: q(query)})
		if s, ok := want.(string); ok {
			wantErr(t, err, s) // a write fails in its own words, in each database
			continue
		}
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", query, got, err, want)
		}
	}
	got, err := fetch(t, c, Spec{Kind: SQL, Database: name, Query: q("SELECT count(*) FROM churn")})
	if err != nil || got != 2 {
		t.Errorf("after the write: %v rows, %v; the write went through", got, err)
	}
}
