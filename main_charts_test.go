package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/chart"
)

// TestRenderExamples: the command writes the README's pictures, each a
// PNG at twice its logical size, and says what it wrote.
func TestRenderExamples(t *testing.T) {
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
	if runtime.GOARCH != "amd64" {
		t.Skip("the pictures are made on amd64; other processors round a few pixels differently")
	}
	examples, err := chart.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		path := filepath.Join("docs", "img", e.Name+".png")
		data, err := os.ReadFile(path)
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
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
