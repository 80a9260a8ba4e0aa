package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTeamsPackageCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "okrbot-teams.zip")
	var stdout, stderr bytes.Buffer
	env := map[string]string{"TEAMS_APP_ID": "6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00"}
	m := &Main{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}
	if err := m.teamsPackage(context.Background(), []string{"--out", out}); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) != 3 || z.File[0].Name != "manifest.json" {
		t.Fatalf("package holds %d files", len(z.File))
	}
	if !strings.Contains(stdout.String(), "Upload an app") {
		t.Errorf("stdout %q", stdout.String())
	}

	env["TEAMS_APP_ID"] = "okrbot"
	bad := out + ".bad"
	if err := m.teamsPackage(context.Background(), []string{"--out", bad}); err == nil || !strings.Contains(err.Error(), "GUID") {
		t.Fatalf("app id that is no GUID: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a broken package was left behind")
	}
	delete(env, "TEAMS_APP_ID")
	if err := m.teamsPackage(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "TEAMS_APP_ID") {
		t.Fatalf("without TEAMS_APP_ID: %v", err)
	}
}
