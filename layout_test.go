package main

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/okrbot/okrbot/"

// allowedImports is the one direction of imports DESIGN.md draws: okr at
// the bottom, then store, the neutral chat model, the use cases, and the
// adapters and the scheduler on top; cmd wires them all, and the root's
// main.go only starts cmd. A package not listed here fails the test until
// it is placed.
var allowedImports = map[string][]string{
	".": {"cmd"},
	"cmd": {"okr", "chart", "store", "bot", "bot/console", "bot/slack", "bot/slack/install", "bot/teams",
		"secret", "sources", "commands", "csvio", "reminders", "api", "web", "metrics", "internal/loadtest"},
	"okr":                {},
	"chart":              {"okr"},
	"store":              {"okr"},
	"store/storetest":    {"store"},
	"bot":                {},
	"bot/console":        {"bot"},
	"bot/slack":          {"bot", "bot/slack/install"},
	"bot/slack/install":  {},
	"bot/teams":          {"bot"},
	"secret":             {},
	"sources":            {},
	"commands":           {"okr", "chart", "store", "bot", "sources"},
	"csvio":              {"commands", "store", "okr"},
	"reminders":          {"commands", "store", "bot", "okr"},
	"api":                {"commands", "csvio", "store", "okr"},
	"web":                {"commands", "store", "okr", "chart"},
	"metrics":            {"bot", "reminders"},
	"internal/fakecalls": {},
	"internal/fakeclock": {},
	"internal/fakeslack": {"internal/fakecalls"},
	"internal/faketeams": {"internal/fakecalls"},
	"internal/loadtest":  {"okr", "store", "commands", "internal/fakeslack"},
}

// TestPackagesImportInOneDirection fails when a package imports one of
// okrbot's packages against the direction of DESIGN.md, such as commands
// importing an adapter or the store importing commands. Tests may import
// more (a test of commands may render through the Slack adapter).
func TestPackagesImportInOneDirection(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.ToSlash(path)
		allowed, known := allowedImports[name]
		if !known {
			t.Errorf("package %s is not placed in allowedImports: say what it may import", name)
			return nil
		}
		for _, imp := range pkg.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if ours && !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s, against the direction of DESIGN.md (it may import %v)", name, dep, allowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMainIsOnlyTheDoor: the root holds main.go alone, a few dozen lines
// that hand the process to cmd.Main, so the program's wiring is a package
// that tests and layout checks can reach like any other.
func TestMainIsOnlyTheDoor(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pkg.GoFiles, []string{"main.go"}) {
		t.Errorf("the root's Go files are %v; the program belongs in cmd, only main.go stays", pkg.GoFiles)
	}
	data, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines >= 60 {
		t.Errorf("main.go has %d lines; it only starts cmd.Main (under 60)", lines)
	}
}
