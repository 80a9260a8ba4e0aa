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
