package teams_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"slices"
	"testing"

	"github.com/okrbot/okrbot/bot/teams"
)

func TestAppPackage(t *testing.T) {
	t.Parallel()
	const appID = "6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00"
	var buf bytes.Buffer
	if err := teams.WritePackage(&buf, appID, ""); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"manifest.json", "color.png", "outline.png"}) {
		t.Fatalf("package holds %v", names)
	}

	var m struct {
		ManifestVersion string `json:"manifestVersion"`
		ID              string `json:"id"`
		Icons           struct{ Color, Outline string }
		Bots            []struct {
			BotID        string   `json:"botId"`
			Scopes       []string `json:"scopes"`
			CommandLists []struct {
				Commands []struct{ Title, Description string }
			} `json:"commandLists"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != appID || len(m.Bots) != 1 || m.Bots[0].BotID != appID {
		t.Fatalf("manifest ids: app %q bots %+v", m.ID, m.Bots)
	}
	if !slices.Equal(m.Bots[0].Scopes, []string{"personal", "team", "groupChat"}) {
		t.Errorf("scopes %v", m.Bots[0].Scopes)
	}
	cmds := m.Bots[0].CommandLists[0].Commands
	if len(cmds) == 0 || len(cmds) > 10 {
		t.Errorf("%d commands in the menu; Teams takes 1 to 10", len(cmds))
	}
	for _, c := range cmds {
		if len(c.Title) > 32 || len(c.Description) > 128 {
			t.Errorf("command %q too long for Teams", c.Title)
		}
	}

	for name, size := range map[string]int{m.Icons.Color: 192, m.Icons.Outline: 32} {
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("%s is %v, want %d×%d", name, b, size, size)
		}
	}
	outline, _ := png.Decode(bytes.NewReader(files["outline.png"]))
	var opaque, clear int
	for y := range 32 {
		for x := range 32 {
			r, g, b, a := outline.At(x, y).RGBA()
			switch {
			case a == 0:
				clear++
			case r != a || g != a || b != a: // premultiplied: white means r=g=b=a
				t.Fatalf("outline pixel (%d,%d) is not white: %v", x, y, outline.At(x, y))
			default:
				opaque++
			}
		}
	}
	if opaque < 100 || clear < 300 {
		t.Errorf("outline has %d white and %d transparent pixels; want a visible shape on transparency", opaque, clear)
	}

	var again bytes.Buffer
	teams.WritePackage(&again, appID, "")
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("the package differs from one run to the next")
	}
	if err := teams.WritePackage(io.Discard, "okrbot", ""); err == nil {
		t.Error("an app id that is not a GUID was accepted")
	}
}

// TestAppPackageWithTheDashboardTab: with an https public address the app
// has the dashboard as its personal tab, signed in with Teams single
// sign-on for the app's own Application ID URI; an http one is refused,
// as Teams shows only https tabs.
func TestAppPackageWithTheDashboardTab(t *testing.T) {
	t.Parallel()
	const appID = "6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00"
	var buf bytes.Buffer
	if err := teams.WritePackage(&buf, appID, "https://okrbot.example.com/"); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	f, err := z.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		StaticTabs []struct {
			EntityID, Name, ContentURL, WebsiteURL string
			Scopes                                 []string
		} `json:"staticTabs"`
		ValidDomains       []string `json:"validDomains"`
		WebApplicationInfo struct{ ID, Resource string }
	}
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if len(m.StaticTabs) != 1 || m.StaticTabs[0].Name != "OKRs" || m.StaticTabs[0].ContentURL != "https://okrbot.example.com"+teams.TabPath ||
		!slices.Equal(m.StaticTabs[0].Scopes, []string{"personal"}) {
		t.Errorf("tabs: %+v", m.StaticTabs)
	}
	if !slices.Equal(m.ValidDomains, []string{"okrbot.example.com"}) || m.WebApplicationInfo.ID != appID ||
		m.WebApplicationInfo.Resource != "api://okrbot.example.com/"+appID {
		t.Errorf("domains %v, web application %+v", m.ValidDomains, m.WebApplicationInfo)
	}
	if err := teams.WritePackage(io.Discard, appID, "http://okrbot.example.com"); err == nil {
		t.Error("a tab at an http address was packaged")
	}
}
