package cmd

import (
	"bytes"
	"image/png"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestTeamsChartLinksWorkOnAnyReplica runs two okrbot serve on one
// database behind one public address, as replicas behind a load balancer:
// the chart that one of them links to from a Teams card, the other serves,
// byte for byte, without having drawn it.
func TestTeamsChartLinksWorkOnAnyReplica(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.URLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, dbURL)
			env["OKRBOT_PUBLIC_URL"] = "https://okrbot.example.com"
			one, other := start(t, c, maps.Clone(env)), start(t, c, maps.Clone(env))
			ada := newTeamsUser(t, fake, one.base, teamsAda)
			dm := fake.Personal(teamsAda)
			ask := func(text string) string { return ada.ask(dm, dm.ConversationID, text) }
			mustHave(t, "kpi new", ask(`kpi new "Churn rate" --unit % --target 2 --lower-is-better`), "Created KPI **Churn rate**")
			for _, v := range []string{"2.9", "2.7", "3.1", "2.6", "2.4", "2.8", "2.2"} {
				mustHave(t, "kpi set", ask(`kpi set "Churn rate" `+v), "Churn rate")
				c.Advance(24 * time.Hour)
			}
			ada.say(dm, `kpi show "Churn rate"`)
			images := ada.next(dm.ConversationID).Card().Elements("Image")
			if len(images) != 1 {
				t.Fatalf("kpi show has %d pictures, want its chart", len(images))
			}
			link, err := url.Parse(images[0]["url"].(string))
			if err != nil || link.Host != "okrbot.example.com" || !strings.HasPrefix(link.Path, teams.ChartPath) {
				t.Fatalf("the chart is not linked under the public address: %.80s (%v)", images[0]["url"], err)
			}
			get := func(base string) []byte {
				t.Helper()
				resp, err := http.Get(base + link.RequestURI())
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var b bytes.Buffer
				_, _ = b.ReadFrom(resp.Body)
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
					t.Fatalf("%s answers the chart's link with %d %s: %s", base, resp.StatusCode, resp.Header.Get("Content-Type"), b.String())
				}
				return b.Bytes()
			}
			served := get(other.base)
			if _, err := png.DecodeConfig(bytes.NewReader(served)); err != nil {
				t.Errorf("the other replica's answer is no PNG: %v", err)
			}
			if drawn := get(one.base); !bytes.Equal(drawn, served) {
				t.Errorf("the replicas serve different pictures at one link: %d and %d bytes", len(drawn), len(served))
			}
		})
	}
}
