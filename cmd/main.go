// Package cmd is okrbot's program: Main reads the settings once, opens the
// store, builds the services, the chat adapters and the scheduler, and runs
// one subcommand (one file each: serve, console, check, import…). The
// end-to-end tests run the same Main in-process on port 0.
//
// It is the only package that imports every other one; main.go at the
// module's root only hands it os.Args, the environment and the signals.
package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/sources"
	"github.com/okrbot/okrbot/store"
)

// Main is the whole program, with its surroundings as fields so tests can
// run it in-process.
type Main struct {
	Args []string
	// Getenv is the environment; Run reads every setting from it once,
	// at its start (readSettings).
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// After waits on that clock, like time.After (the default); the
	// scheduler waits with it between its rounds and before retries.
	// Tests make it run a round when they say.
	After func(time.Duration) <-chan time.Time
	// Listening, when set, is told the addresses serve listens on once it
	// does, the public one and the metrics' ("" when off); tests use port
	// 0. serve is not ready yet then.
	Listening func(public, metrics string)
	// Ready, when set, is called once serve is ready: its migrations
	// applied and every platform answered.
	Ready func()

	// set is the settings read from Getenv when the command started.
	set *settings

	// timeouts replace the public listener's (publicTimeouts) when set,
	// so that tests need not wait seconds for a slow client to be cut off.
	timeouts serverTimeouts
}

const usage = `okrbot keeps OKRs where people talk.

Usage:
  okrbot serve              run the bot for Slack, Teams or both (the default)
  okrbot console [--as NAME] [--charts DIR | --no-charts]
                            type /okr commands in the terminal, no chat needed;
                            charts are saved in DIR (charts/ beside the database)
  okrbot migrate [--status] apply database migrations and exit; --status lists
                            applied and pending ones and changes nothing
  okrbot import FILE [--apply] [--update] [--sheet NAME] [--workspace TEAM_ID]
                            import OKRs (a dry run without --apply) or KPIs and
                            measurements from CSV or .xlsx, all or nothing
  okrbot import --template  print an OKR import file to fill in
  okrbot export [--dir DIR] [--workspace TEAM_ID]
                            write kpis.csv, measurements.csv, okrs.csv and check_ins.csv
  okrbot backup --out FILE  write every table to one archive
  okrbot restore FILE       restore an archive into a new, empty database
  okrbot check              check the settings, the database and each chat
                            platform; serve runs the same checks at start
  okrbot healthcheck        ask the running okrbot's /healthz (for containers)
  okrbot teams-package [--out okrbot-teams.zip]
                            write the Teams app package for TEAMS_APP_ID
  okrbot rotate-key         seal every stored Slack token again with the first
                            key of OKRBOT_SECRET_KEY
  okrbot purge --workspace TEAM_ID --yes
                            delete everything okrbot keeps about one workspace
  okrbot render-examples [--dir docs/img]
                            draw every kind of chart from made-up data as PNG files
  okrbot loadtest [--rate 100] [--duration 10s] [--database URL] [--baseline]
                            send signed Slack commands at a fixed rate to an
                            okrbot (started on --database, or --target URL)
                            and check every reply

Settings come from the environment; see README.md.
`

// Run runs the subcommand in m.Args until it is done or ctx ends.
func (m *Main) Run(ctx context.Context) error {
	m.set = readSettings(m.Getenv)
	sub, args := "serve", m.Args
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "serve":
		return m.serve(ctx)
	case "console":
		return m.console(ctx, args)
	case "import":
		return m.importCmd(ctx, args)
	case "export":
		return m.export(ctx, args)
	case "migrate":
		return m.migrateCmd(ctx, args)
	case "backup":
		return m.backup(ctx, args)
	case "restore":
		return m.restore(ctx, args)
	case "check":
		return m.check(ctx)
	case "healthcheck":
		return m.healthcheck(ctx)
	case "teams-package":
		return m.teamsPackage(ctx, args)
	case "rotate-key":
		return m.rotateKey(ctx, args)
	case "purge":
		return m.purge(ctx, args)
	case "render-examples":
		return m.renderExamples(ctx, args)
	case "loadtest":
		return m.loadtest(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	return fmt.Errorf("unknown command %q", sub)
}

// logger writes okrbot's log to Stderr at OKRBOT_LOG_LEVEL, as text or
// JSON lines (OKRBOT_LOG_FORMAT). Every line written within a request
// carries the request's id (req). Settings check finds wrong fall back to
// info and text.
func (m *Main) logger() *slog.Logger {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(m.cfg().LogLevel)); err != nil || m.cfg().LogLevel == "" {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(m.Stderr, opts)
	if m.cfg().LogFormat == "json" {
		h = slog.NewJSONHandler(m.Stderr, opts)
	}
	return slog.New(requestIDs{Handler: h})
}

// requestIDs adds to each line the id of the request its context belongs
// to (see bot.RequestID), unless the logger was given one already.
type requestIDs struct {
	slog.Handler
	tagged bool
}

func (h requestIDs) Handle(ctx context.Context, r slog.Record) error {
	if id := bot.RequestID(ctx); id != "" && !h.tagged {
		r = r.Clone()
		r.AddAttrs(slog.String("req", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDs) WithAttrs(as []slog.Attr) slog.Handler {
	tagged := h.tagged || slices.ContainsFunc(as, func(a slog.Attr) bool { return a.Key == "req" })
	return requestIDs{Handler: h.Handler.WithAttrs(as), tagged: tagged}
}

func (h requestIDs) WithGroup(name string) slog.Handler {
	return requestIDs{Handler: h.Handler.WithGroup(name), tagged: h.tagged}
}

// openStore opens and migrates the database named by DATABASE_URL.
func (m *Main) openStore(ctx context.Context, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, m.cfg().DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("applied migration", "migration", name)
	}
	return st, nil
}

// service is the commands service, sending through sender (nil when no
// platform is connected), looking people up and reading their rights with
// people (nil when no platform is connected), waking the scheduler with
// wake and handing out sign-in links to the dashboard at the address
// dashboard gives (none when nil); messages link to the dashboard's pages
// at publicURL.
func (m *Main) service(st *store.Store, log *slog.Logger, rd commands.ReminderDefaults, sender bot.Sender, people bot.People, wake func(),
	dashboard func(context.Context) (string, error), publicURL string) *commands.Service {
	// serve and check refuse settings that do not read (roleSettings);
	// the commands that run without a platform have no guests or admins
	// to ask about, and go with the defaults.
	guests, ttl, _ := m.roleSettings()
	src, err := m.sourceSettings()
	if err != nil {
		// serve refuses such settings; elsewhere sources reach nothing
		// rather than any public host.
		src = &sources.Config{Hosts: sources.NoHosts()}
	}
	return commands.New(commands.Config{Store: st, Now: m.Now, Admins: splitList(m.cfg().Admins), Logger: log,
		Reminders: rd, Sender: sender, Wake: wake, People: people, Guests: guests, RoleTTL: ttl,
		ManyWorkspaces: m.manyWorkspaces(), Platforms: platforms, DashboardURL: dashboard, PublicURL: publicURL, Sources: src})
}

// manyWorkspaces are the platforms okrbot serves for more than one
// workspace, where a plain user id in OKRBOT_ADMINS names nobody: Slack
// installed from /slack/install. A Teams bot answers its own tenant only.
// platforms are what each adapter's platform can do, for the commands
// that act on a workspace with no request from it (imports).
var platforms = map[string]bot.Capabilities{slackbot.Platform: slackbot.Capabilities,
	teams.Platform: teams.Capabilities, bot.ConsolePlatform: console.Capabilities}

func (m *Main) manyWorkspaces() map[string]bool {
	return map[string]bool{slackbot.Platform: m.cfg().SlackClientID != ""}
}

func (m *Main) migrate(ctx context.Context) error {
	log := m.logger()
	st, err := m.openStore(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(m.Stdout, "The %s database is up to date.\n", st.Dialect())
	return nil
}

func (m *Main) console(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	as := fs.String("as", defaultName(m.cfg().User), "who you are in the console")
	charts := fs.String("charts", chartDir(m.cfg().DatabaseURL), "the directory charts are saved in")
	noCharts := fs.Bool("no-charts", false, "draw no charts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *noCharts {
		*charts = ""
	}
	// The console is for people at a keyboard: only warnings reach them.
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := m.openStore(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	name := strings.TrimPrefix(*as, "@")
	rd, _, _, err := m.reminderSettings()
	if err != nil {
		return err
	}
	dash := &consoleDashboard{st: st, log: log, now: m.Now}
	defer dash.close()
	c := &console.Console{Handler: m.service(st, log, rd, nil, nil, nil, dash.url, ""), In: m.Stdin, Out: m.Stdout,
		User: bot.User{ID: name, Name: name, TZ: time.Local.String()}, ImageDir: *charts}
	if f, ok := m.Stdin.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(m.Stdout, "okrbot console, as @%s. Type /okr help, or exit.\n", name)
			c.Prompt = "> "
		}
	}
	return c.Run(ctx)
}

// chartDir is where the console saves charts: a charts directory beside
// the SQLite database, or in the working directory with Postgres.
func chartDir(databaseURL string) string {
	path := store.FilePath(databaseURL)
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return filepath.Join(filepath.Dir(path), "charts")
}

func defaultName(user string) string {
	if user == "" {
		return "me"
	}
	return user
}
