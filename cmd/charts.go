package cmd

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/okrbot/okrbot/bot/console"
	"github.com/okrbot/okrbot/chart"
)

// renderExamples runs "okrbot render-examples [--dir DIR]": it draws every
// kind of chart from made-up data into DIR, the pictures the README shows.
func (m *Main) renderExamples(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("render-examples", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	dir := fs.String("dir", "docs/img", "the directory to write the PNG files to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("usage: okrbot render-examples [--dir DIR], not %q", fs.Arg(0))
	}
	examples, err := chart.Examples()
	if err != nil {
		return err
	}
	for _, e := range examples {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(*dir, e.Name+".png")
		if err := console.WriteFile(path, e.Image.PNG); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintf(m.Stdout, "Wrote %s (%d×%d): %s\n", path, e.Image.Width, e.Image.Height, e.Image.Alt)
	}
	return nil
}
