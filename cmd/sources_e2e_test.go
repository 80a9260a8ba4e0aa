package cmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestTeamsKPIFromASource: okrbot serve, set up by its settings alone
// (OKRBOT_SOURCE_HOSTS lets it reach the test's BI tool on loopback,
// OKRBOT_SOURCE_SECRETS names its token), fetches a KPI's value on the
// hour with no one typing it, and shows where it came from.
func TestTeamsKPIFromASource(t *testing.T) {
	t.Parallel()
	const token = "e2e-bi-token"
	bi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"churn": 2.4}`)
	}))
	t.Cleanup(bi.Close)
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_SOURCE_HOSTS"] = "127.0.0.1"
			env["OKRBOT_SOURCE_SECRETS"] = "BI_TOKEN"
			env["BI_TOKEN"] = token
			p := start(t, c, env)
			ada := newTeamsUser(t, fake, p.base, teamsAda)
			dm := fake.Personal(teamsAda)
			ask := func(text string) string { return ada.ask(dm, dm.ConversationID, text) }

			mustHave(t, "kpi new", ask(`kpi new "Churn rate" --unit % --target 2 --lower-is-better`), "Created KPI **Churn rate**")
			mustHave(t, "kpi source", ask(`kpi source "Churn rate" http `+bi.URL+` --path '$.churn' --header "Authorization: Bearer {env:BI_TOKEN}" --every 1h`),
				"now comes from http "+strings.TrimPrefix(bi.URL, "http://")+" $.churn, fetched every hour")
			c.Set(wednesday.Add(time.Minute))
			round(t, p)
			show := ask(`kpi show "Churn rate"`)
			mustHave(t, "kpi show", show, "2.4%", "value from http", "last fetched Nov 25 12:01 UTC")
			if strings.Contains(show, token) {
				t.Errorf("kpi show shows the token:\n%s", show)
			}
		})
	}
}
