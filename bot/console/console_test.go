package console_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
)

// pictures answers every command with a message holding a picture, and
// remembers whether the request said pictures can be shown.
type pictures struct {
	shows []bool
	can   []bot.Capabilities
}

var chartPNG = []byte("\x89PNG\r\n\x1a\n fake chart bytes")

func (p *pictures) Command(_ context.Context, req bot.Request) bot.Reply {
	p.shows = append(p.shows, req.ShowsImages)
	p.can = append(p.can, req.Capabilities)
	return bot.Reply{Message: &bot.Message{Summary: bot.T("Churn rate"), Sections: []bot.Section{
		{Text: bot.T("Churn rate 3.4%")},
		{Image: &bot.Image{PNG: chartPNG, Alt: "Churn rate: 3.4% on Nov 16, target 2%.", Name: "kpi-1"}},
		{Image: &bot.Image{PNG: chartPNG, Alt: "Sneaky", Name: "../../escape"}},
	}}}
}

func (p *pictures) Submit(context.Context, bot.Request, bot.Submission) bot.SubmitResult {
	return bot.SubmitResult{}
}

func (p *pictures) Act(context.Context, bot.Request, bot.Action) bot.Reply { return bot.Reply{} }

func TestPicturesAreSavedAndTheirPathsPrinted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	h := &pictures{}
	var out bytes.Buffer
	c := &console.Console{Handler: h, In: strings.NewReader("/kpi show 1\n"), Out: &out, User: bot.User{ID: "ada"}, ImageDir: dir}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kpi-1.png")
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, chartPNG) {
		t.Errorf("%s holds %q, %v", path, got, err)
	}
	if want := "Churn rate 3.4%\n📈 " + path + "\n    Churn rate: 3.4% on Nov 16, target 2%.\n"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("printed:\n%s\nwant it to start with:\n%s", out.String(), want)
	}
	// A name is a file name in the directory, never a path out of it.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "..-..-escape.png kpi-1.png" {
		t.Errorf("files in %s: %v", dir, names)
	}
	if len(h.shows) != 1 || !h.shows[0] {
		t.Errorf("requests said pictures show: %v", h.shows)
	}
	// In the console a name is a person, and nothing arrives but answers.
	if len(h.can) != 1 || h.can[0] != (bot.Capabilities{PlatformName: "the console", NamesArePeople: true}) {
		t.Errorf("requests said the console can: %+v", h.can)
	}
}

func TestWithoutADirectoryNoPictures(t *testing.T) {
	h := &pictures{}
	var out bytes.Buffer
	c := &console.Console{Handler: h, In: strings.NewReader("/kpi show 1\n"), Out: &out, User: bot.User{ID: "ada"}}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(h.shows) != 1 || h.shows[0] {
		t.Errorf("requests said pictures show: %v", h.shows)
	}
	if !strings.Contains(out.String(), "📈 Churn rate: 3.4% on Nov 16, target 2%.\n") {
		t.Errorf("printed:\n%s", out.String())
	}
}
