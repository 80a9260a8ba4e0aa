package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

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
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for _, e := range examples {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(*dir, e.Name+".png")
		if err := writeFile(path, e.Image.PNG); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Wrote %s (%d×%d): %s\n", path, e.Image.Width, e.Image.Height, e.Image.Alt)
	}
	return nil
}

// writeFile replaces path with data whole: a reader never sees half a
// picture, and a failure leaves the old one.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
