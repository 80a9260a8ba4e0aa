// Command okrbot is a self-hosted OKR bot for Slack. It runs as a server
// ("okrbot serve"), as a terminal chat ("okrbot console"), or applies
// database migrations ("okrbot migrate").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/okrbot/okrbot/api"
	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/console"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "okrbot:", err)
		os.Exit(1)
	}
}

// Main is the whole program, with its surroundings as fields so tests can
// run it in-process.
type Main struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Listening, when set, is told the HTTP server's address once it
	// listens (tests use port 0).
	Listening func(addr string)
}

const usage = `okrbot keeps OKRs where people talk.

Usage:
  okrbot serve              run the Slack bot (the default)
  okrbot console [--as NAME] type /okr commands in the terminal, no Slack needed
  okrbot migrate            apply database migrations and exit
  okrbot import FILE.csv [--workspace TEAM_ID]
                            import KPIs and measurements, all or nothing
  okrbot export [--dir DIR] [--workspace TEAM_ID]
                            write kpis.csv, measurements.csv, okrs.csv and check_ins.csv
  okrbot render-examples [--dir docs/img]
                            draw every kind of chart from made-up data as PNG files

Settings come from the environment; see README.md.
`

// Run runs the subcommand in m.Args until it is done or ctx ends.
func (m *Main) Run(ctx context.Context) error {
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
		return m.importCSV(ctx, args)
	case "export":
		return m.export(ctx, args)
	case "migrate":
		return m.migrate(ctx)
	case "render-examples":
		return m.renderExamples(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	return fmt.Errorf("unknown command %q", sub)
}

func (m *Main) logger() *slog.Logger {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(m.Getenv("OKRBOT_LOG_LEVEL"))); err != nil || m.Getenv("OKRBOT_LOG_LEVEL") == "" {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
}

// openStore opens and migrates the database named by DATABASE_URL.
func (m *Main) openStore(ctx context.Context, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, m.Getenv("DATABASE_URL"), log)
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

func (m *Main) service(st *store.Store, log *slog.Logger, rd commands.ReminderDefaults) *commands.Service {
	return commands.New(commands.Config{Store: st, Now: m.Now, Admins: splitList(m.Getenv("OKRBOT_ADMINS")), Logger: log, Reminders: rd})
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
	as := fs.String("as", defaultName(m.Getenv("USER")), "who you are in the console")
	if err := fs.Parse(args); err != nil {
		return err
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
	c := &console.Console{Handler: m.service(st, log, rd), In: m.Stdin, Out: m.Stdout,
		User: bot.User{ID: name, Name: name, TZ: time.Local.String()}}
	if f, ok := m.Stdin.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(m.Stdout, "okrbot console, as @%s. Type /okr help, or exit.\n", name)
			c.Prompt = "> "
		}
	}
	return c.Run(ctx)
}

func defaultName(user string) string {
	if user == "" {
		return "me"
	}
	return user
}

func (m *Main) serve(ctx context.Context) error {
	log := m.logger()
	botToken, appToken, secret := m.Getenv("SLACK_BOT_TOKEN"), m.Getenv("SLACK_APP_TOKEN"), m.Getenv("SLACK_SIGNING_SECRET")
	switch {
	case botToken == "":
		return errors.New("SLACK_BOT_TOKEN is not set (xoxb-…); to try okrbot without Slack, run: okrbot console")
	case appToken == "" && secret == "":
		return errors.New("set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode")
	}
	rd, rcfg, remindersOn, err := m.reminderSettings()
	if err != nil {
		return err
	}
	st, err := m.openStore(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	// The scheduler is made after the adapter it sends through, which needs
	// the service; the service wakes the scheduler after check-ins.
	var sched *reminders.Scheduler
	rd.OnCheckIn = func() {
		if sched != nil {
			sched.Wake()
		}
	}
	svc := m.service(st, log, rd)
	adapter := slackbot.New(slackbot.Config{BotToken: botToken, AppToken: appToken, SigningSecret: secret,
		APIURL: m.Getenv("SLACK_API_URL"), Logger: log, Now: m.Now}, svc)
	svc.SetPoster(slackbot.Platform, adapter)
	checkCtx, cancelCheck := context.WithTimeout(ctx, 15*time.Second)
	teamID, err := adapter.TeamID(checkCtx)
	cancelCheck()
	if err != nil {
		return err
	}
	log.Info("connected to Slack", "team", teamID)
	if remindersOn {
		rcfg.TeamID = teamID
		rcfg.Store, rcfg.Commands, rcfg.Sender, rcfg.Directory, rcfg.Logger = st, svc, adapter, adapter, log
		rcfg.Platform = slackbot.Platform
		sched = reminders.New(rcfg)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	if secret != "" {
		mux.Handle("POST /slack/events", adapter)
	}
	api.New(st, svc, m.Now, log).Register(mux)
	addr := m.Getenv("OKRBOT_ADDR")
	if addr == "" {
		addr = ":3000"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if m.Listening != nil {
		m.Listening(ln.Addr().String())
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 4)
	go func() {
		log.Info("listening", "addr", ln.Addr().String(), "http_mode", secret != "")
		if err := server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errs <- err
			return
		}
		errs <- nil
	}()
	running := 1
	if appToken != "" {
		running++
		go func() {
			log.Info("connecting to Slack in Socket Mode")
			errs <- adapter.RunSocketMode(ctx)
		}()
	}
	if sched != nil {
		running++
		go func() { errs <- sched.Run(ctx) }()
	}
	running++
	go func() { errs <- m.watchKPIs(ctx, svc, log) }()

	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
		running--
	}
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	server.Shutdown(shutdown)
	for ; running > 0; running-- {
		if err := <-errs; first == nil {
			first = err
		}
	}
	if err := adapter.Drain(shutdown); err != nil {
		log.Warn("replies still being sent at shutdown were dropped", "err", err)
	}
	log.Info("stopped")
	return first
}

// splitList reads a comma-separated setting.
func splitList(s string) []string {
	var list []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			list = append(list, v)
		}
	}
	return list
}
