package web_test

import (
	"html"
	"net/http"
	"regexp"
	"testing"

	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

var chartSrc = regexp.MustCompile(`<img src="(/[^"]+\.png[^"]*)"`)

// TestAnyReplicaServesAnyChart runs two dashboards on one database, as two
// replicas behind a load balancer: every chart a page of one links to, the
// other draws the same, byte for byte and with the same ETag, without
// having drawn it before, and answers the first one's ETag with 304.
func TestAnyReplicaServesAnyChart(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		one, other := newSite(t, st), newSite(t, st)
		one.fill()
		ada := one.browser()
		ada.signIn(one.link("T1", "U1", "Ada"))
		// The same browser, its session cookie and all, sent to the other
		// replica (cookies are kept by host, not port).
		adaThere := &browser{t: t, c: ada.c, s: other}
		// A key result's own burn-up is linked from objectives of many key
		// results; #2 has two.
		charts := []string{"/o/2/chart.png?kr=1"}
		for _, path := range []string{"/o/2", "/k/1"} {
			for _, m := range chartSrc.FindAllStringSubmatch(ada.get(path).body, -1) {
				charts = append(charts, html.UnescapeString(m[1]))
			}
		}
		if len(charts) != 3 {
			t.Fatalf("charts: %v, want a key result's, and the objective's and the KPI's from their pages", charts)
		}
		for _, path := range charts {
			drawn, served := ada.get(path), adaThere.get(path)
			if drawn.status != http.StatusOK || served.status != http.StatusOK || served.header.Get("Content-Type") != "image/png" {
				t.Errorf("%s: %d here, %d %s on the other replica", path, drawn.status, served.status, served.header.Get("Content-Type"))
				continue
			}
			etag := drawn.header.Get("ETag")
			if served.body != drawn.body || etag == "" || served.header.Get("ETag") != etag {
				t.Errorf("%s: the other replica drew %d bytes (ETag %s), this one %d (ETag %s)", path, len(served.body),
					served.header.Get("ETag"), len(drawn.body), etag)
			}
			if again := adaThere.do(http.MethodGet, path, nil, "If-None-Match", etag); again.status != http.StatusNotModified || again.body != "" {
				t.Errorf("%s with the ETag of the first replica: %d, %d bytes; want 304 and none", path, again.status, len(again.body))
			}
		}
	})
}
