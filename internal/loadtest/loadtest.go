package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Options are what okrbot loadtest is asked to do.
type Options struct {
	// Target is the base URL of an okrbot already running, serving Slack
	// over HTTP with Secret; PID, when not 0, is its process, for its CPU
	// time. Without a Target, the tool starts okrbot itself: Executable
	// serve, with Env.
	Target     string
	Secret     string
	PID        int
	Executable string
	Env        []string
	// Database is okrbot's database: where Seed puts the scenario and the
	// baseline reads. Without it and without a Target, a new SQLite
	// database in a temporary directory. Without a Target, the scenario
	// is always seeded.
	Database string
	Seed     bool
	Scenario Scenario

	Rate     float64
	Duration time.Duration
	Wait     time.Duration
	// Command is the slash command sent, like "/okr list all"; Expect is
	// what its reply must show, the scenario's titles when empty.
	Command string
	Expect  []string
	// ClickShare is the share of requests that click "Nothing changed"
	// on the check-in prompt instead.
	ClickShare float64
	// Listen is the address of the response_url sink; ReplyDelay how
	// long it takes to answer each reply (Sink.Delay).
	Listen     string
	ReplyDelay time.Duration
	// Baseline runs the same commands against Baseline after okrbot.
	Baseline bool
	// Wave, when it has people, makes their check-in prompts due as the
	// load starts; it needs okrbot started here, on a workspace seeded
	// afresh.
	Wave Wave
}

// Main runs okrbot loadtest: it prepares the database, starts okrbot
// when there is no target, sends the load, and returns the report. What
// it does meanwhile is said on progress.
func Main(ctx context.Context, o Options, progress io.Writer) (Report, error) {
	rep := Report{Scenario: o.Scenario.String(), Rate: o.Rate, Duration: o.Duration, Database: "the target's database"}
	if o.Target == "" {
		// The okrbot started here serves the scenario's workspace only.
		o.Seed = true
	}
	if o.Target == "" && o.Database == "" {
		dir, err := os.MkdirTemp("", "okrbot-loadtest-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		o.Database = "sqlite:" + filepath.Join(dir, "okrbot.db")
	}
	if (o.Seed || o.Baseline) && o.Database == "" {
		return rep, errors.New("--seed and --baseline need --database, the target's database")
	}
	if o.Wave.People > 0 && o.Target != "" {
		return rep, errors.New("--wave needs the okrbot started here, without --target: the prompts are counted at its fake Slack")
	}
	if o.Wave.People > 0 && o.Wave.Wait <= 0 {
		o.Wave.Wait = 2*time.Duration(float64(o.Wave.People)/float64(o.Wave.Rate)*float64(time.Second)) + time.Minute
	}
	var st *store.Store
	if o.Database != "" {
		var err error
		if st, err = openStore(ctx, o.Database); err != nil {
			return rep, err
		}
		defer st.Close()
		rep.Database = st.Dialect()
	}
	if o.Seed {
		if o.Wave.People > 0 {
			// Check-ins and prompts of an earlier run would change who is
			// prompted now: a wave starts from a workspace seeded afresh.
			if _, err := st.PurgeWorkspace(ctx, platform, o.Scenario.Team); err != nil && !errors.Is(err, okr.ErrNotFound) {
				return rep, fmt.Errorf("purge workspace %s: %w", o.Scenario.Team, err)
			}
		}
		seeded, err := o.Scenario.Seed(ctx, st, time.Now())
		if err != nil {
			return rep, err
		}
		if seeded {
			fmt.Fprintf(progress, "seeded %s\n", o.Scenario)
		} else {
			fmt.Fprintf(progress, "the database holds %s already\n", o.Scenario)
		}
		if o.Wave.People > 0 {
			if err := o.Wave.Seed(ctx, st, o.Scenario.Team, time.Now()); err != nil {
				return rep, err
			}
			fmt.Fprintf(progress, "seeded a wave of %d people\n", o.Wave.People)
		}
	}

	target := Target{Name: "okrbot", Events: o.Target + "/slack/events"}
	var prompts *promptWatch
	if o.Target == "" {
		logFile, err := os.CreateTemp("", "okrbot-loadtest-*.log")
		if err != nil {
			return rep, err
		}
		// okrbot's log is kept when something went wrong, to read why.
		defer func() {
			logFile.Close()
			if rep.clean() {
				os.Remove(logFile.Name())
			} else {
				fmt.Fprintf(progress, "okrbot's log is kept in %s\n", logFile.Name())
			}
		}()
		srv, err := StartServer(ctx, o.Executable, o.Env, o.Database, o.Scenario, o.Wave, logFile)
		if err != nil {
			return rep, err
		}
		defer srv.Stop()
		fmt.Fprintf(progress, "started okrbot serve (pid %d) at %s, metrics at %s\n", srv.PID(), srv.URL, srv.Metrics)
		target.Events, target.CPU, o.Secret = srv.URL+"/slack/events", srv.CPU, srv.Secret
		if o.Wave.People > 0 {
			prompts = watchPrompts(srv.Slack(), o.Wave)
		}
	} else {
		if o.Secret == "" {
			return rep, errors.New("--target needs --secret, its SLACK_SIGNING_SECRET")
		}
		if err := WaitReady(ctx, o.Target, nil); err != nil {
			return rep, err
		}
		if o.PID != 0 {
			target.CPU = func() (time.Duration, error) { return ProcessCPU(o.PID) }
		}
	}

	sink, err := ListenSink(o.Listen)
	if err != nil {
		return rep, err
	}
	sink.Delay = o.ReplyDelay
	defer sink.Close()
	want := o.Expect
	if len(want) == 0 {
		want = o.Scenario.Titles()
	}
	load := Load{Rate: o.Rate, Duration: o.Duration, Wait: o.Wait, Team: o.Scenario.Team, People: o.Scenario.PeopleIDs(),
		Secret: o.Secret, Command: SlashCommand(o.Command, want), Click: NothingChanged(), ClickShare: o.ClickShare}
	if prompts != nil {
		// People click on the prompts they got, once some are out.
		following, stop := context.WithCancel(ctx)
		defer stop()
		go prompts.follow(following)
		load.ClickAs = prompts.clicker
	}
	start := time.Now()
	if prompts != nil {
		occ, err := o.Wave.Due(ctx, st, o.Scenario.Team, start)
		if err != nil {
			return rep, err
		}
		fmt.Fprintf(progress, "%d check-in prompts due now (%s)\n", o.Wave.People, occ.Format("Monday 15:04 MST"))
	}
	fmt.Fprintf(progress, "sending %d requests to okrbot, replies to %s\n", load.Count(), sink.URL)
	results, err := Run(ctx, target, load, sink)
	if err != nil {
		return rep, err
	}
	rep.Results = results
	if prompts != nil {
		fmt.Fprintf(progress, "waiting up to %s after the start for every prompt\n", o.Wave.Wait)
		wave, err := prompts.wait(ctx, start, start.Add(o.Duration))
		if err != nil {
			return rep, err
		}
		rep.Wave = &wave
	}

	if o.Baseline {
		load.ClickShare, load.ClickAs = 0, nil
		res, err := runBaseline(ctx, st, load, sink)
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, res...)
	}
	return rep, nil
}

// openStore opens okrbot's database and brings its schema up to date, as
// okrbot serve does at start.
func openStore(ctx context.Context, url string) (*store.Store, error) {
	st, err := store.Open(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// baselineConns is the baseline's Postgres pool: a few connections per
// core answer best, and more only queue inside Postgres.
const baselineConns = 8

// runBaseline sends load to a Baseline on the same database, in this
// process.
func runBaseline(ctx context.Context, st *store.Store, load Load, sink *Sink) ([]Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if st.Dialect() == "postgres" {
		// A bounded pool, kept open: a bare handler done right.
		st.Pool().SetMaxOpenConns(baselineConns)
		st.Pool().SetMaxIdleConns(baselineConns)
	}
	srv := &http.Server{Handler: NewBaseline(st.Pool(), load.Secret, load.Team), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return Run(ctx, Target{Name: "baseline", Events: "http://" + ln.Addr().String() + "/slack/events"}, load, sink)
}
