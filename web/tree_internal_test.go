package web

import (
	"html/template"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// TestTreeEscapesAsTemplatesDo writes a tree of text that HTML must escape
// and finds each text as html/template would have written it.
func TestTreeEscapesAsTemplatesDo(t *testing.T) {
	t.Parallel()
	nasty := "<script>alert('x')</script> & \"1+1\" \x00 é"
	parent := uint(1)
	html := string(treeLines([]store.ObjectiveLine{
		{ID: 1, Number: 7, Title: nasty, Status: okr.Active, OwnerPlatformID: nasty, Team: nasty},
		{ID: 2, Number: 8, Title: "Child", ParentID: &parent, Status: okr.Closed, OwnerName: "Ada"},
	}, 0.5))
	var want strings.Builder
	if err := template.Must(template.New("").Parse("{{.}}")).Execute(&want, nasty); err != nil {
		t.Fatal(err)
	}
	escaped := want.String()
	for _, part := range []string{`<li><a href="/o/7">#7 ` + escaped + `</a> <b class="red">0.0 red</b> ` + escaped + ", " + escaped,
		`<ul><li><a href="/o/8">#8 Child</a> <b class="red">0.0 red</b> Ada, closed</li></ul></li>`} {
		if !strings.Contains(html, part) {
			t.Errorf("the tree has no %s in\n%s", part, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("the tree shows a title unescaped: %s", html)
	}
}

// TestReviewEscapesAsTemplatesDo writes the review's items of text that
// HTML must escape and finds them byte for byte as html/template writes
// them from the item the review's template had.
func TestReviewEscapesAsTemplatesDo(t *testing.T) {
	t.Parallel()
	nasty := "<script>alert('x')</script> & \"1+1\" \x00 é"
	final := 0.7
	lines := []store.ObjectiveLine{
		{ID: 1, Number: 7, Title: nasty, Status: okr.Active, OwnerPlatformID: nasty, Team: nasty, Retrospective: nasty,
			KeyResults: []store.KeyResultMeasure{{Measure: okr.Measure{Kind: okr.Metric, Target: 10, Current: 4}, Weight: 1}}},
		{ID: 2, Number: 8, Title: "Child", Status: okr.Closed, FinalScore: &final, OwnerName: "Ada", Outcome: okr.Partly},
	}
	item := template.Must(template.New("").Parse(`{{define "score"}}<b class="{{.Band}}">{{.Text}} {{.Word}}</b>{{end}}` +
		`{{range .}}<li><a href="/o/{{.Number}}">#{{.Number}} {{.Title}}</a> {{template "score" .Score}} <small>{{.Owner}}` +
		`{{if .Team}} · {{.Team}}{{end}}{{if .Outcome}} · {{.Outcome}}{{end}}{{if .Status}} · {{.Status}}{{end}}</small>` +
		`{{if .Retro}}<br>What we learned: <i>{{.Retro}}</i>{{end}}</li>{{end}}`))
	type row struct {
		Number                              int64
		Title                               string
		Score                               score
		Team, Owner, Outcome, Retro, Status string
	}
	rows := []row{
		{Number: 7, Title: nasty, Score: scoreOf(0.4), Team: nasty, Owner: nasty, Retro: nasty, Status: "not closed yet"},
		{Number: 8, Title: "Child", Score: scoreOf(0.7), Owner: "Ada", Outcome: "partly achieved"},
	}
	var want strings.Builder
	if err := item.Execute(&want, rows); err != nil {
		t.Fatal(err)
	}
	if got := string(reviewLines(lines)); got != want.String() {
		t.Errorf("the review's items are\n%s\nwant\n%s", got, want.String())
	}
}
