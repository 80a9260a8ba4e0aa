package cmd

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store/storetest"
)

var apiToken = regexp.MustCompile(`okrbot_[A-Za-z0-9_-]+`)

// TestLogsJoinUpAndKeepSecrets logs everything okrbot does, as JSON at
// debug level, while a bot token and a signing secret are in use, an API
// token is made in Slack and used on the API: none of them, nor the
// token's hash, is in any line, and every line written for a request
// carries that request's id, from the adapter through the store to the
// reply.
func TestLogsJoinUpAndKeepSecrets(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			const botToken = "xoxb-1111-2222-LogsMustNotShowThis"
			fake := fakeslack.New(t)
			fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", TZ: "Europe/Berlin", IsAdmin: true})
			var logs logBuffer
			in := startIn(t, map[string]string{
				"SLACK_BOT_TOKEN": botToken, "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
				"OKRBOT_ADDR": "127.0.0.1:0", "OKRBOT_METRICS_ADDR": "off", "DATABASE_URL": dbURL,
				"OKRBOT_LOG_LEVEL": "debug", "OKRBOT_LOG_FORMAT": "json", "OKRBOT_REMINDERS": "off",
			}, &logs)
			in.waitReady(t)
			events := in.public + "/slack/events"
			slash := slashCommands(t, fake, events, time.Now)
			kpi := func(text string) string { return blocksText(slash("/kpi", text)) }
			kpi(`new "Churn rate" --unit % --target 2 --lower-is-better`)
			token := apiToken.FindString(kpi(`token create "BI export"`))
			if token == "" {
				t.Fatal("no API token in the reply to /kpi token create")
			}
			post := must(http.NewRequest("POST", in.public+"/api/v1/kpis/1/measurements", strings.NewReader(`{"value": 2.2}`)))
			post.Header.Set("Authorization", "Bearer "+token)
			if code, body := do(t, post); code != http.StatusCreated {
				t.Fatalf("API: %d %s", code, body)
			}
			in.stop()

			lines := logs.lines(t)
			all := logs.String()
			for what, secret := range map[string]string{"bot token": botToken, "signing secret": slackSigningSecret,
				"API token": token, "API token's hash": commands.HashToken(token)} {
				if strings.Contains(all, secret) {
					t.Errorf("the %s is in the log", what)
				}
			}
			// Every line from ready to the end of the last request belongs
			// to a request, and each request's lines run from the adapter
			// through the store to its reply.
			byRequest := map[string][]map[string]any{}
			started := false
			for _, l := range lines {
				msg, _ := l["msg"].(string)
				switch {
				case msg == "ready":
					started = true
				case msg == "stopped" || !started:
				default:
					id, _ := l["req"].(string)
					if id == "" {
						t.Errorf("a line after ready has no request id: %v", l)
					}
					byRequest[id] = append(byRequest[id], l)
				}
			}
			if len(byRequest) != 3 {
				t.Errorf("%d request ids, want 3 (two slash commands, one API call): %v", len(byRequest), keys(byRequest))
			}
			for id, ls := range byRequest {
				has := map[string]bool{}
				for _, l := range ls {
					has[l["msg"].(string)] = true
					if l["method"] == "response_url" {
						has["reply"] = true
					}
				}
				if !has["SQL executed"] {
					t.Errorf("request %s logged no query", id)
				}
				if has["slash command"] && !has["reply"] {
					t.Errorf("slash command %s logged no reply: %v", id, ls)
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
