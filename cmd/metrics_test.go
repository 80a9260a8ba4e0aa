package cmd

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
)

// scrape reads the metrics okrbot serves at base.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics are not in the Prometheus text format: %v", err)
	}
	return fams
}

// sample is the value of the series of family name with the labels given
// (a histogram's count of observations), and whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && have[labels[i]] == labels[i+1]
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsMoveUnderRequestsAndTheScheduler runs okrbot with its
// metrics on their own listener, sends it signed slash commands (one
// refused, one whose reply Slack refuses) that make the scheduler send a
// KPI alert, and reads every family moving.
func TestMetricsMoveUnderRequestsAndTheScheduler(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", TZ: "Europe/Berlin", IsAdmin: true})
	s := serveIn(t, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
		"OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": "127.0.0.1:0", "DATABASE_URL": storetest.MigratedSQLiteURL(t),
		"OKRBOT_LOG_LEVEL": "error",
	}, io.Discard)
	if code, _ := do(t, must(http.NewRequest("GET", s.public+"/metrics", nil))); code == http.StatusOK {
		t.Error("the public listener serves the metrics")
	}
	before := scrape(t, s.metrics)
	events := s.public + "/slack/events"
	n := 0
	send := func(text string, held bool) {
		t.Helper()
		n++
		cmd := slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: "U1", UserName: "ada", ChannelID: "C1",
			Command: "/kpi", Text: text, ResponseURL: fake.ResponseURL("r" + strconv.Itoa(n))}
		if code, _ := do(t, fakeslack.SlashCommandRequest(events, slackSigningSecret, time.Now(), cmd)); code != http.StatusOK {
			t.Fatalf("/kpi %s: status %d", text, code)
		}
		if !held {
			fake.WaitCalls(fakeslack.ResponseURLMethod, n)
		}
	}

	// While Slack holds the reply, the work after the ack is under way.
	release := fake.Hold(fakeslack.ResponseURLMethod)
	send(`new "Churn rate" --unit % --target 2 --lower-is-better`, true)
	if depth, _ := sample(scrape(t, s.metrics), "okrbot_after_ack_queue_depth", "platform", "slack"); depth != 1 {
		t.Errorf("after-ack queue depth %v while a reply is held, want 1", depth)
	}
	release()
	fake.WaitCalls(fakeslack.ResponseURLMethod, 1)

	fake.FailMethod(fakeslack.ResponseURLMethod, fakeslack.Fault{Status: http.StatusInternalServerError, Times: 1})
	send("help", false)
	send("alerts <#CALERT|kpi-alerts>", false)
	send(`set "Churn rate" 1.9`, false)
	send(`set "Churn rate" 2.6`, false)
	forged := fakeslack.SlashCommandRequest(events, "0000000000000000000000000000beef", time.Now(),
		slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: "U1", Command: "/kpi", Text: "list"})
	if code, _ := do(t, forged); code != http.StatusUnauthorized {
		t.Fatalf("forged request = %d", code)
	}

	// The scheduler sends the KPI alert the last change recorded.
	after := waitMetrics(t, s.metrics, "okrbot_deliveries_total", "kind", "alert", "result", "sent")
	for _, c := range []struct {
		name   string
		labels []string
		least  float64 // how much it must have grown
	}{
		{"okrbot_requests_total", []string{"platform", "slack", "kind", "command", "outcome", "ok"}, 4},
		{"okrbot_requests_total", []string{"platform", "slack", "kind", "command", "outcome", "failed"}, 1},
		{"okrbot_requests_total", []string{"platform", "slack", "kind", "unknown", "outcome", "refused"}, 1},
		{"okrbot_ack_seconds", []string{"platform", "slack", "kind", "command"}, 5},
		{"okrbot_reply_seconds", []string{"platform", "slack", "kind", "command"}, 5},
		{"okrbot_deliveries_total", []string{"kind", "alert", "result", "sent"}, 1},
		{"okrbot_platform_api_calls_total", []string{"platform", "slack", "method", "response_url"}, 5},
		{"okrbot_platform_api_calls_total", []string{"platform", "slack", "method", "chat.postMessage"}, 1},
		{"okrbot_platform_api_errors_total", []string{"platform", "slack", "method", "response_url"}, 1},
		{"go_sql_max_open_connections", []string{"db_name", "okrbot"}, 0},
		{"okrbot_scheduler_lag_seconds", nil, 0},
		{"go_build_info", nil, 0},
	} {
		was, _ := sample(before, c.name, c.labels...)
		now, ok := sample(after, c.name, c.labels...)
		switch {
		case !ok:
			t.Errorf("no %s%v", c.name, c.labels)
		case now-was < c.least:
			t.Errorf("%s%v went from %v to %v, want at least %v more", c.name, c.labels, was, now, c.least)
		}
	}
	if v, _ := sample(after, "okrbot_platform_api_errors_total", "platform", "slack", "method", "chat.postMessage"); v != 0 {
		t.Errorf("%v errors of chat.postMessage counted, none failed", v)
	}
	if open, _ := sample(after, "go_sql_open_connections", "db_name", "okrbot"); open < 1 {
		t.Errorf("database pool: %v open connections", open)
	}
}

// waitMetrics scrapes the metrics at base until the series named has
// counted something, and returns a scrape made after that. It is for work
// okrbot does on its own, such as the scheduler's, which no answer to the
// test waits for. One scrape reads its families one after another, so the
// scrape that first sees the series may miss what happened just before it
// in another family; the next one cannot.
func waitMetrics(t *testing.T, base, name string, labels ...string) map[string]*dto.MetricFamily {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if v, _ := sample(scrape(t, base), name, labels...); v > 0 {
			return scrape(t, base)
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s%v stayed at 0", name, labels)
		}
	}
}
