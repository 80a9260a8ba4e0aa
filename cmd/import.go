package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

const importUsage = "usage: okrbot import FILE [--apply] [--update] [--sheet NAME] [--workspace TEAM_ID], or okrbot import --template"

// importCmd runs "okrbot import FILE": OKRs (a dry run unless --apply) or
// KPIs and measurements, from CSV or an Excel workbook, as the file's
// header says.
func (m *Main) importCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	team := fs.String("workspace", "", "the team id of the workspace to import into")
	apply := fs.Bool("apply", false, "write the OKRs; without it, only say what would be written")
	update := fs.Bool("update", false, "change the objectives and key results okrbot has where the file differs")
	sheet := fs.String("sheet", "", "the sheet of an Excel workbook to read; the first when empty")
	template := fs.Bool("template", false, "print an OKR import file to fill in")
	var files []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if *template {
		if len(files) > 0 {
			return errors.New(importUsage)
		}
		return csvio.WriteOKRTemplate(m.Stdout, m.quarter().Name)
	}
	if len(files) != 1 {
		return errors.New(importUsage)
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := csvio.ReadSheet(f, *sheet)
	if err != nil {
		return fmt.Errorf("%s: nothing was imported: %w", files[0], err)
	}
	st, ws, svc, err := m.openWorkspace(ctx, *team)
	if err != nil {
		return err
	}
	defer st.Close()
	if !commands.IsOKRSheet(s.Header) {
		return m.importKPIs(ctx, svc, ws, files[0], s)
	}
	report, err := svc.ImportOKRs(ctx, ws.ID, s, commands.OKRImportOptions{Apply: *apply, Update: *update})
	if err != nil {
		return fmt.Errorf("%s: nothing was imported: %w", files[0], err)
	}
	writeImportReport(m.Stdout, report, *update)
	if n := len(report.Problems); n > 0 {
		return fmt.Errorf("%s: nothing was imported: %d %s", files[0], n, plural(n, "problem", "problems"))
	}
	return nil
}

// importKPIs imports a KPI sheet, as okrbot always has: at once.
func (m *Main) importKPIs(ctx context.Context, svc *commands.Service, ws store.Workspace, name string, s commands.Sheet) error {
	rows, err := csvio.KPIRows(s)
	if err == nil {
		var report commands.ImportReport
		if report, err = svc.ImportKPIs(ctx, ws.ID, rows); err == nil {
			fmt.Fprintf(m.Stdout, "Imported %d measurements", report.Measurements)
			if len(report.Created) > 0 {
				fmt.Fprintf(m.Stdout, " and created %d KPIs (%s)", len(report.Created), strings.Join(report.Created, ", "))
			}
			fmt.Fprintln(m.Stdout, ".")
			return nil
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// quarter is the quarter of now, by m's clock.
func (m *Main) quarter() okr.Period {
	if m.Now != nil {
		return okr.QuarterOf(m.Now())
	}
	return okr.QuarterOf(time.Now())
}

// writeImportReport prints what an OKR import did or would do, then every
// problem with its line.
func writeImportReport(w io.Writer, r commands.OKRImportReport, update bool) {
	for _, o := range r.Objectives {
		fmt.Fprintf(w, "line %d: %s objective %s%q (%s, %s)", o.Line, importVerb(o.Action, r.Applied), numbered(o.Number), o.Title, o.Period, o.Owner)
		if o.Parent != "" {
			fmt.Fprintf(w, ", aligned to %s", o.Parent)
		}
		fmt.Fprintln(w)
		for _, c := range o.Changes {
			fmt.Fprintf(w, "    %s\n", c)
		}
		for _, kr := range o.KeyResults {
			fmt.Fprintf(w, "  line %d: %s key result %q: %s (%s)\n", kr.Line, importVerb(kr.Action, r.Applied), kr.Title, kr.Measure, kr.Owner)
			for _, c := range kr.Changes {
				fmt.Fprintf(w, "      %s\n", c)
			}
		}
	}
	if len(r.People) > 0 {
		fmt.Fprintln(w, "People:")
		for _, p := range r.People {
			fmt.Fprintf(w, "  %s is %s (%s)\n", p.Given, personLabel(p), p.How)
		}
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(w, "Columns not read: %s\n", strings.Join(r.Ignored, ", "))
	}
	c := r.Counts
	summary := fmt.Sprintf("%d new %s, %d new key %s, %d %s, %d updated, %d unchanged",
		c.NewObjectives, plural(c.NewObjectives, "objective", "objectives"), c.NewKeyResults, plural(c.NewKeyResults, "result", "results"),
		c.Alignments, plural(c.Alignments, "alignment", "alignments"), c.Updated, c.Unchanged)
	switch {
	case len(r.Problems) > 0:
		fmt.Fprintf(w, "Nothing was imported. Fix %s and import again:\n", plural(len(r.Problems), "this problem", "these problems"))
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	case r.Applied:
		fmt.Fprintf(w, "Imported: %s.\n", summary)
	default:
		fmt.Fprintf(w, "Dry run, nothing was written: %s. Run again with --apply to import.\n", summary)
		if differ := differing(r); differ > 0 && !update {
			fmt.Fprintf(w, "%d %s the file differs from %s left as %s; --update changes them.\n", differ,
				plural(differ, "objective or key result", "objectives or key results"), plural(differ, "is", "are"), plural(differ, "it is", "they are"))
		}
	}
}

func differing(r commands.OKRImportReport) int {
	n := 0
	for _, o := range r.Objectives {
		if o.Action == commands.ImportDiffers {
			n++
		}
		for _, kr := range o.KeyResults {
			if kr.Action == commands.ImportDiffers {
				n++
			}
		}
	}
	return n
}

func importVerb(action string, applied bool) string {
	switch {
	case action == commands.ImportCreate && applied:
		return "created"
	case action == commands.ImportCreate:
		return "new"
	case action == commands.ImportUpdate && applied:
		return "updated"
	case action == commands.ImportUpdate:
		return "to update"
	case action == commands.ImportDiffers:
		return "differs, left as it is:"
	}
	return "unchanged"
}

func numbered(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("#%d ", n)
}

func personLabel(p commands.ImportedPerson) string {
	if p.Name == "" || p.Name == p.PlatformID {
		return p.PlatformID
	}
	return p.Name + " (" + p.PlatformID + ")"
}

// cliPeople looks people up on the workspace's platform for an import run
// from the command line: Slack with SLACK_BOT_TOKEN, or the workspace's
// installation with SLACK_CLIENT_ID. Teams learns where to ask from the
// messages it receives, which a command line has none of: import through
// the API of the okrbot that serves Teams instead. Nil when there is no
// way.
func (m *Main) cliPeople(ctx context.Context, st *store.Store, ws store.Workspace, log *slog.Logger) (bot.People, error) {
	botToken, clientID := m.cfg().SlackBotToken, m.cfg().SlackClientID
	if ws.Platform != slackbot.Platform || botToken == "" && clientID == "" {
		return nil, nil
	}
	cfg := slackbot.Config{BotToken: botToken, APIURL: m.cfg().SlackAPIURL, Logger: log, Now: m.Now}
	if botToken == "" {
		box, err := m.secretBox()
		if err != nil {
			return nil, err
		}
		st.SetSealer(box)
		installer, err := m.slackInstaller(st, log)
		if err != nil {
			return nil, err
		}
		if err := installer.Load(ctx); err != nil {
			return nil, err
		}
		cfg.Installations = installer
	}
	adapter := slackbot.New(cfg, nil)
	if botToken != "" {
		// The adapter learns which workspace the token serves from
		// auth.test, as serve does at start.
		resp, err := adapter.AuthTest(ctx)
		c := &checker{m: m}
		if c.slackAuth(m.slackAPIURL(), resp, err); err != nil {
			return nil, c.err()
		}
	}
	return adapter, nil
}
