package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
	"github.com/okrbot/okrbot/store"
)

// workspace picks the workspace an import or export is for: the one named by
// --workspace (a team id, like Slack's T0123), or the only one there is.
func workspace(ctx context.Context, st *store.Store, teamID string) (store.Workspace, error) {
	ws, err := st.Workspaces(ctx)
	if err != nil {
		return store.Workspace{}, err
	}
	var ids []string
	for _, w := range ws {
		if teamID != "" && w.TeamID == teamID {
			return w, nil
		}
		ids = append(ids, w.TeamID)
	}
	switch {
	case len(ws) == 0:
		return store.Workspace{}, errors.New("there is no workspace yet: use okrbot once in Slack (or okrbot console) first")
	case teamID != "":
		return store.Workspace{}, fmt.Errorf("there is no workspace %q; there are: %s", teamID, strings.Join(ids, ", "))
	case len(ws) > 1:
		return store.Workspace{}, fmt.Errorf("there are several workspaces; choose one with --workspace: %s", strings.Join(ids, ", "))
	}
	return ws[0], nil
}

// openWorkspace opens the store and finds the workspace an import or export
// is for (see workspace), with a Service to run it. The caller closes st.
func (m *Main) openWorkspace(ctx context.Context, teamID string) (st *store.Store, ws store.Workspace, svc *commands.Service, err error) {
	log := m.logger()
	if st, err = m.openStore(ctx, log); err != nil {
		return nil, ws, nil, err
	}
	if ws, err = workspace(ctx, st, teamID); err != nil {
		st.Close()
		return nil, ws, nil, err
	}
	people, err := m.cliPeople(ctx, st, ws, log)
	if err != nil {
		st.Close()
		return nil, ws, nil, err
	}
	return st, ws, m.service(st, log, commands.ReminderDefaults{}, nil, people, nil, nil, m.cfg().PublicURL), nil
}

// export runs "okrbot export [--dir DIR] [--workspace TEAM_ID]".
func (m *Main) export(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	team := fs.String("workspace", "", "the team id of the workspace to export")
	dir := fs.String("dir", ".", "the directory to write the CSV files to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, ws, _, err := m.openWorkspace(ctx, *team)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"kpis.csv", func(w io.Writer) error { return csvio.ExportKPIs(ctx, st, ws.ID, now(), w) }},
		{"measurements.csv", func(w io.Writer) error { return csvio.ExportMeasurements(ctx, st, ws.ID, w) }},
		{"okrs.csv", func(w io.Writer) error { return csvio.ExportOKRs(ctx, st, ws.ID, w) }},
		{"check_ins.csv", func(w io.Writer) error { return csvio.ExportCheckIns(ctx, st, ws.ID, w) }},
		{"history.csv", func(w io.Writer) error { return csvio.ExportHistory(ctx, st, ws.ID, w) }},
	}
	for _, file := range files {
		path := filepath.Join(*dir, file.name)
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		err = file.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("export %s: %w", path, err)
		}
		fmt.Fprintln(m.Stdout, "Wrote", path)
	}
	return nil
}
