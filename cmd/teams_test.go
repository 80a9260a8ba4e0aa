package cmd

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTeamsPackageCommand runs okrbot teams-package as an operator does and
// opens the zip as Teams would: a manifest naming TEAMS_APP_ID as the app
// and its bot, and the two icons it names, at the sizes Teams requires.
func TestTeamsPackageCommand(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "okrbot-teams.zip")
	var stdout, stderr bytes.Buffer
	const appID = "6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00"
	env := map[string]string{"TEAMS_APP_ID": appID}
	m := &Main{Args: []string{"teams-package", "--out", out}, Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	files := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) != 3 {
		t.Fatalf("package holds %d files", len(files))
	}
	var manifest struct {
		ID    string `json:"id"`
		Icons struct {
			Color   string `json:"color"`
			Outline string `json:"outline"`
		} `json:"icons"`
		Bots []struct {
			BotID string `json:"botId"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if manifest.ID != appID || len(manifest.Bots) != 1 || manifest.Bots[0].BotID != appID {
		t.Errorf("manifest names app %q and bots %+v, want %s", manifest.ID, manifest.Bots, appID)
	}
	for name, size := range map[string]int{manifest.Icons.Color: 192, manifest.Icons.Outline: 32} {
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Errorf("icon %q: %v", name, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("icon %q is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), size, size)
		}
	}
	if !strings.Contains(stdout.String(), "Upload an app") {
		t.Errorf("stdout %q", stdout.String())
	}

	env["TEAMS_APP_ID"] = "okrbot"
	bad := out + ".bad"
	m.Args = []string{"teams-package", "--out", bad}
	if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "GUID") {
		t.Fatalf("app id that is no GUID: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a broken package was left behind")
	}
	delete(env, "TEAMS_APP_ID")
	m.Args = []string{"teams-package"}
	if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "TEAMS_APP_ID") {
		t.Fatalf("without TEAMS_APP_ID: %v", err)
	}
}
