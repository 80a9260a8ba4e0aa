package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	// The container image carries no zoneinfo; people's time zones and
	// OKRBOT_DEFAULT_TZ must load all the same.
	_ "time/tzdata"

	"github.com/okrbot/okrbot/store"
)

// migrateCmd runs "okrbot migrate [--status]".
func (m *Main) migrateCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	status := fs.Bool("status", false, "list applied and pending migrations and change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: okrbot migrate [--status]")
	}
	if !*status {
		return m.migrate(ctx)
	}
	st, err := store.Open(ctx, m.cfg().DatabaseURL, m.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	for _, mig := range s.Migrations {
		if mig.AppliedAt != nil {
			fmt.Fprintf(w, "applied\t%s\t%s\n", mig.AppliedAt.UTC().Format("2006-01-02 15:04 MST"), mig.Name)
		} else {
			fmt.Fprintf(w, "pending\t\t%s\n", mig.Name)
		}
	}
	w.Flush()
	fmt.Fprintln(m.Stdout, schemaSummary(st.Dialect(), s))
	return nil
}

// schemaSummary says in a sentence where the database's schema stands.
func schemaSummary(dialect string, s store.SchemaStatus) string {
	switch {
	case s.Current > s.Latest:
		return fmt.Sprintf("The %s database is at schema version %d, from a newer okrbot; this one (version %d) works with it, because migrations only add.", dialect, s.Current, s.Latest)
	case s.Pending() == 0:
		return fmt.Sprintf("The %s database is at schema version %d, up to date.", dialect, s.Current)
	}
	return fmt.Sprintf("The %s database is at schema version %d; %d %s pending, applied by okrbot migrate or when okrbot serve starts.",
		dialect, s.Current, s.Pending(), plural(s.Pending(), "migration is", "migrations are"))
}

// backup runs "okrbot backup --out FILE".
func (m *Main) backup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	out := fs.String("out", "", "the archive to write; - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return errors.New("usage: okrbot backup --out FILE")
	}
	st, err := m.openStore(ctx, m.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	if *out == "-" {
		_, err := st.Backup(ctx, m.Stdout)
		return err
	}
	// The archive is written next to its name and renamed when complete,
	// so a failed backup never leaves a file that looks like one. It holds
	// everything the database does: only its owner may read it.
	dir := filepath.Dir(*out)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".okrbot-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	sum, err := st.Backup(ctx, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("back up to %s: %w", *out, err)
	}
	if err := os.Rename(f.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Wrote %s: %d rows in %d tables, from the %s database at schema version %d.\n",
		*out, sum.Rows(), len(sum.Tables), sum.Dialect, sum.SchemaVersion)
	m.printTables(sum.Tables)
	return nil
}

// restore runs "okrbot restore FILE".
func (m *Main) restore(ctx context.Context, args []string) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") && args[0] != "-" {
		return errors.New("usage: okrbot restore FILE (into a new, empty database named by DATABASE_URL)")
	}
	in := m.Stdin
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	st, err := m.openStore(ctx, m.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := st.Restore(ctx, in)
	if err != nil {
		return fmt.Errorf("restore %s: %w", args[0], err)
	}
	fmt.Fprintf(m.Stdout, "Restored %d rows in %d tables into the %s database, from a %s backup made %s at schema version %d.\n",
		sum.Rows(), len(sum.Tables), st.Dialect(), sum.Dialect, sum.CreatedAt.Format(time.RFC3339), sum.SchemaVersion)
	m.printTables(sum.Tables)
	return nil
}

// printTables lists row counts, so that the two ends of a move can be
// compared at a glance.
func (m *Main) printTables(tables []store.TableRows) {
	w := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	for _, t := range tables {
		fmt.Fprintf(w, "  %s\t%d\n", t.Table, t.Rows)
	}
	w.Flush()
}

// healthcheck runs "okrbot healthcheck": it asks the okrbot serving on
// OKRBOT_ADDR on this machine for /healthz. Container images have no curl;
// HEALTHCHECK runs this instead.
func (m *Main) healthcheck(ctx context.Context) error {
	addr := m.cfg().Addr
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("OKRBOT_ADDR %q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("okrbot does not answer at %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(m.Stdout, strings.TrimSpace(string(body)))
	return nil
}
