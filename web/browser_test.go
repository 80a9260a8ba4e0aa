package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// TestDashboardInABrowser drives the dashboard in a real headless Chromium
// (testdata/browsercheck): sign-in by link, every page read at 375 px
// wide without sideways scrolling and with no serious or critical axe-core
// violation, the charts loaded, the period switcher, sign-out, a reused
// link, no other workspace's titles and no request to another host. In
// the same Chromium, the Teams tab as Teams shows it: framed by a fake
// Teams web client (testdata/browsercheck/teamshost.html) at
// https://teams.microsoft.com, which Chromium is told to find on this
// machine, answering the Teams JavaScript library's messages with a
// single sign-on token of the fake Entra ID. It needs node and
// OKRBOT_DASHBOARD_NPM, a node_modules holding the versions in
// testdata/browsercheck/package.json (.ci/run installs them). With
// OKRBOT_SCREENSHOTS=DIR it saves the README's screenshots there. It takes
// seconds, not one: a real browser, with its flows (the dashboard, each
// opening of the tab) run at the same time, each in a context of its own.
func TestDashboardInABrowser(t *testing.T) {
	t.Parallel()
	modules := os.Getenv("OKRBOT_DASHBOARD_NPM")
	if modules == "" {
		t.Skip("OKRBOT_DASHBOARD_NPM is not set: see testdata/browsercheck")
	}
	st := storetest.OpenURL(t, storetest.SQLiteURL(t))
	s := startSite(t, st, false)
	s.fill()
	s.say("T1", "U1", "Ada", `/okr new "Last quarter's goal" --period 2026-Q3`)
	// A KPI whose source fails: its page and the scorecard say so, and
	// must still read at 375 px.
	s.say("T1", "U1", "Ada", `/kpi source "Churn rate" http https://bi.example.com/reports/churn.json --path $.data.monthly_churn_rate --every 1h`)
	ws, err := st.Workspace(context.Background(), "slack", "T1")
	if err != nil {
		t.Fatal(err)
	}
	due, err := st.ClaimDueSources(context.Background(), []uint{ws.ID}, s.now, time.Minute, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("claimed %v, %v; want the KPI's source", due, err)
	}
	if _, err := st.SourceFailed(context.Background(), due[0], s.now, "HTTP 401 from bi.example.com: check the token BI_TOKEN names"); err != nil {
		t.Fatal(err)
	}
	type pageCheck struct {
		Path   string   `json:"path"`
		Shows  []string `json:"shows,omitempty"`
		Images int      `json:"images,omitempty"`
		Shot   string   `json:"shot,omitempty"`
	}
	shots, _ := filepath.Abs(os.Getenv("OKRBOT_SCREENSHOTS"))
	if os.Getenv("OKRBOT_SCREENSHOTS") == "" {
		shots = ""
	}
	cfg := map[string]any{
		"base": s.srv.URL, "signIn": s.link("T1", "U1", "Ada"), "name": "Ada", "otherPeriod": "2026-Q3",
		"forbidden": []string{"Secret plan", "Hidden number", "Secret metric"}, "screenshots": shots,
		"pages": []pageCheck{
			{Path: "/", Shows: []string{"Your objectives in 2026-Q4", "Grow revenue <fast>", "Churn rate"}, Shot: "home"},
			{Path: "/tree", Shows: []string{"Alignment in 2026-Q4", "#1 Delight customers", "#2 Grow revenue"}, Shot: "tree"},
			{Path: "/o/2", Shows: []string{"#2.1 Close deals", "slow month"}, Images: 1, Shot: "objective"},
			{Path: "/o/1", Shows: []string{"Aligned objectives"}},
			{Path: "/scorecard", Shows: []string{"Churn rate", "off target", "source failing since"}, Shot: "scorecard"},
			{Path: "/k/1", Shows: []string{"Churn rate", "Thresholds", "Value from http bi.example.com"}, Images: 1, Shot: "kpi"},
			{Path: "/review", Shows: []string{"Review of 2026-Q4"}, Shot: "review"},
			{Path: "/review?period=2026-Q3", Shows: []string{"Last quarter's goal"}},
		},
		"teams": teamsInABrowser(t, st),
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("testdata", "browsercheck", "check.cjs"), file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the dashboard in Chromium (%v):\n%s", err, out)
	}
	t.Logf("%s", out)
}

// tabCase is one opening of the Teams tab in the fake Teams client:
// okrbot should answer the tab's sign-ins with SignIns, the frame should
// end at Path showing Shows, and the client should have been asked Asked,
// in order. With Again the person then signs out in the tab, and back in
// with Teams.
type tabCase struct {
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	SignIns []int    `json:"signIns"`
	Path    string   `json:"path"`
	Shows   []string `json:"shows"`
	Asked   []string `json:"asked"`
	Again   bool     `json:"again,omitempty"`
	Shot    string   `json:"shot,omitempty"`
}

// teamsHost is the fake Teams web client's address: Chromium is told that
// teams.microsoft.com is the test's server (--host-resolver-rules), so the
// tab's page is framed by the origin Teams frames it from, which its
// Content-Security-Policy allows, and the Teams library's own list of
// Teams hosts accepts its messages. Nothing in okrbot knows of the test.
const teamsHost = "teams.microsoft.com"

// teamsInABrowser serves the dashboard with its Teams tab over https,
// with a fake Entra ID, and the fake Teams client, and returns what
// check.cjs needs to open the tab in it.
func teamsInABrowser(t *testing.T, st *store.Store) map[string]any {
	s, fake := tabSite(t, st)
	ada := faketeams.User{ID: "29:ada", AADObjectID: "aad-ada", Name: "Ada Lovelace", Email: "ada@example.com"}
	s.sayInTeams(ada, `/okr new "Delight customers" --period 2026-Q4`)
	s.sayInTeams(ada, `/okr kr 1 "Happy customers" --target 90 --unit %`)
	s.sayInTeams(ada, `/okr checkin 1.1 72 on-track "survey is in"`)
	tabURL := s.srv.URL + web.TeamsTabPath
	appURI := "api://" + strings.TrimPrefix(s.srv.URL, "https://") + "/" + tabAppID
	const otherTenant = "0e0e0000-0000-4000-8000-000000000bad"
	hosts := map[string]map[string]string{
		"/ada":          {"token": fake.TabToken(ada, "", appURI), "tenant": faketeams.TenantID},
		"/no-sso":       {"ssoError": "resourceRequiresConsent", "tenant": faketeams.TenantID},
		"/other-tenant": {"token": fake.TabToken(ada, otherTenant, appURI), "tenant": otherTenant},
		"/other-app":    {"token": fake.TabToken(ada, "", "api://"+strings.TrimPrefix(s.srv.URL, "https://")+"/00000000-0000-0000-0000-0000000000ff"), "tenant": faketeams.TenantID},
	}
	page, err := os.ReadFile(filepath.Join("testdata", "browsercheck", "teamshost.html"))
	if err != nil {
		t.Fatal(err)
	}
	host := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := hosts[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		cfg := map[string]string{"tab": tabURL, "user": ada.AADObjectID, "loginHint": ada.Email}
		for k, v := range c {
			cfg[k] = v
		}
		b, err := json.Marshal(cfg) // escapes <, > and &: safe inside <script>
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(bytes.Replace(page, []byte("/*HOST_CONFIG*/null"), b, 1))
	}))
	host.StartTLS()
	t.Cleanup(host.Close)
	hostAddr := strings.TrimPrefix(host.URL, "https://")
	at := func(path string) string { return (&url.URL{Scheme: "https", Host: teamsHost, Path: path}).String() }
	signedIn := []string{"initialize", "authentication.getAuthToken"}
	return map[string]any{
		"hostResolverRules": "MAP " + teamsHost + " " + hostAddr,
		"tab":               s.srv.URL,
		"cases": []tabCase{
			{Name: "signed in with Teams", URL: at("/ada"), SignIns: []int{http.StatusNoContent, http.StatusNoContent}, Path: "/",
				Shows: []string{"Ada Lovelace", "Your objectives in 2026-Q4", "#1 Delight customers", "Happy customers"},
				Asked: append(signedIn, signedIn...), Again: true, Shot: "teams-tab"},
			{Name: "single sign-on refused", URL: at("/no-sso"), SignIns: []int{}, Path: web.TeamsTabPath, Asked: signedIn,
				Shows: []string{"Teams could not sign you in here", "okr dashboard"}},
			{Name: "a token for another app", URL: at("/other-app"), SignIns: []int{http.StatusUnauthorized}, Path: web.TeamsTabPath, Asked: signedIn,
				Shows: []string{"Teams could not sign you in here", "okr dashboard"}},
			{Name: "another organization", URL: at("/other-tenant"), SignIns: []int{http.StatusForbidden}, Path: web.TeamsTabPath, Asked: signedIn,
				Shows: []string{"okrbot does not serve your Microsoft 365 organization."}},
		},
	}
}
