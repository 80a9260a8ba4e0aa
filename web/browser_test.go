package web_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/okrbot/okrbot/store/storetest"
)

// TestDashboardInABrowser drives the dashboard in a real headless Chromium
// (testdata/browsercheck): sign-in by link, every page read at 375 px
// wide without sideways scrolling and with no serious or critical axe-core
// violation, the charts loaded, the period switcher, sign-out, a reused
// link, no other workspace's titles and no request to another host. It
// needs node and OKRBOT_DASHBOARD_NPM, a node_modules holding the versions
// in testdata/browsercheck/package.json (.ci/run installs them). With
// OKRBOT_SCREENSHOTS=DIR it saves the README's screenshots there.
func TestDashboardInABrowser(t *testing.T) {
	t.Parallel()
	modules := os.Getenv("OKRBOT_DASHBOARD_NPM")
	if modules == "" {
		t.Skip("OKRBOT_DASHBOARD_NPM is not set: see testdata/browsercheck")
	}
	s := startSite(t, storetest.OpenURL(t, storetest.SQLiteURL(t)), false)
	s.fill()
	s.say("T1", "U1", "Ada", `/okr new "Last quarter's goal" --period 2026-Q3`)
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
			{Path: "/scorecard", Shows: []string{"Churn rate", "off target"}, Shot: "scorecard"},
			{Path: "/k/1", Shows: []string{"Churn rate", "Thresholds"}, Images: 1, Shot: "kpi"},
			{Path: "/review", Shows: []string{"Review of 2026-Q4"}, Shot: "review"},
			{Path: "/review?period=2026-Q3", Shows: []string{"Last quarter's goal"}},
		},
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
