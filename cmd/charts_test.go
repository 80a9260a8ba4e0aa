package cmd

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/chart"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestRenderExamples: the command writes the README's pictures, each a
// PNG at twice its logical size, and says what it wrote.
func TestRenderExamples(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "img")
	var out, errOut bytes.Buffer
	m := &Main{Args: []string{"render-examples", "--dir", dir}, Getenv: func(string) string { return "" },
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("render-examples: %v\n%s", err, errOut.String())
	}
	for _, name := range []string{"kpi-trend", "kpi-trend-stale", "kr-burnup", "kr-burnup-lower", "kr-milestone", "objective", "digest"} {
		path := filepath.Join(dir, name+".png")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 1280 {
			t.Errorf("%s: %v, %d pixels wide, want a PNG 1280 wide", path, err, cfg.Width)
		}
		if !strings.Contains(out.String(), "Wrote "+path+" (1280×") {
			t.Errorf("output does not name %s:\n%s", path, out.String())
		}
	}
	if !strings.Contains(out.String(), "Churn rate: 2.4% on Nov 20, target 2% (lower is better), at risk") {
		t.Errorf("output does not carry the alt text:\n%s", out.String())
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	m.Args = []string{"render-examples", "extra"}
	if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "usage: okrbot render-examples") {
		t.Errorf("a stray argument: %v", err)
	}
}

// TestREADMEPictures: the README shows what okrbot draws today.
func TestREADMEPictures(t *testing.T) {
	t.Parallel()
	if runtime.GOARCH != "amd64" {
		t.Skip("the pictures are made on amd64; other processors round a few pixels differently")
	}
	examples, err := chart.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		path := filepath.Join("docs", "img", e.Name+".png")
		data, err := os.ReadFile(filepath.Join("..", path))
		if err != nil || !bytes.Equal(data, e.Image.PNG) {
			t.Errorf("%s is not what okrbot draws now (%v): run okrbot render-examples --dir docs/img", path, err)
		}
		if !strings.Contains(readme(t), "]("+filepath.ToSlash(path)+")") {
			t.Errorf("README.md does not show %s", path)
		}
	}
}

func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestKPIShowChartThroughSlack runs /kpi show through okrbot serve in Slack
// HTTP mode: the reply carries the KPI's trend as an image block naming the
// PNG okrbot uploaded, with the chart's numbers as alt text.
func TestKPIShowChartThroughSlack(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			fake.AddUser(fakeslack.User{ID: "U1", Name: "ada", TZ: "Europe/Berlin"})
			events := server(t, fake, dbURL) + "/slack/events"
			slash := slashCommands(t, fake, events, time.Now)
			slash("/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)
			slash("/kpi", `set "Churn rate" 2.6`)
			reply := slash("/kpi", `show "Churn rate"`)
			if reply.Error != "" {
				t.Fatalf("reply refused: %s", reply.Error)
			}
			var images []*slack.ImageBlock
			for _, b := range reply.Blocks {
				if img, ok := b.(*slack.ImageBlock); ok {
					images = append(images, img)
				}
			}
			files := fake.Files()
			if len(images) != 1 || len(files) != 1 || images[0].SlackFile == nil || images[0].SlackFile.ID != files[0].ID {
				t.Fatalf("image blocks %+v, files %+v: want one showing the uploaded chart\n%s", images, files, blocksText(reply))
			}
			if cfg, err := png.DecodeConfig(bytes.NewReader(files[0].Content)); err != nil || cfg.Width != chart.Width*chart.Scale {
				t.Errorf("the upload is not the chart: %v, %d pixels wide", err, cfg.Width)
			}
			if alt := images[0].AltText; !strings.HasPrefix(alt, "Churn rate: 2.6% on ") || !strings.Contains(alt, "target 2% (lower is better), off target") {
				t.Errorf("alt text %q", alt)
			}
			if !strings.Contains(blocksText(reply), "*Churn rate*  2.6%") {
				t.Errorf("the text is gone:\n%s", blocksText(reply))
			}
		})
	}
}

// TestTeamsChartLinksAreServed runs okrbot serve for Teams with a public
// URL: the charts' path is served, and refuses a link okrbot did not sign.
// Without a public URL nothing is served there.
func TestTeamsChartLinksAreServed(t *testing.T) {
	t.Parallel()
	for _, public := range []string{"https://okrbot.example.com", ""} {
		fake := faketeams.New(t)
		base := serve(t, map[string]string{
			"TEAMS_APP_ID": faketeams.AppID, "TEAMS_APP_PASSWORD": faketeams.AppPassword, "TEAMS_TENANT_ID": faketeams.TenantID,
			"TEAMS_TOKEN_URL": fake.TokenURL(), "TEAMS_OPENID_METADATA_URL": fake.OpenIDMetadataURL(), "TEAMS_SERVICE_URL_HOSTS": "127.0.0.1",
			"OKRBOT_PUBLIC_URL": public, "DATABASE_URL": storetest.MigratedSQLiteURL(t), "OKRBOT_ADDR": "127.0.0.1:0",
		})
		link := base + teams.ChartPath + strings.Repeat("a", 32) + ".png?exp=" + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + "&sig=forged"
		code, _ := do(t, must(http.NewRequest(http.MethodGet, link, nil)))
		if want := map[bool]int{true: http.StatusForbidden, false: http.StatusNotFound}[public != ""]; code != want {
			t.Errorf("with OKRBOT_PUBLIC_URL %q, a forged link answers %d, want %d", public, code, want)
		}
	}
}
