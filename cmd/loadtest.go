package cmd

import (
	"context"
	"errors"
	"flag"
	"os"
	"time"

	"github.com/okrbot/okrbot/internal/loadtest"
)

// loadtest runs "okrbot loadtest": signed slash commands (and clicks) at a
// fixed rate against an okrbot, every reply checked.
func (m *Main) loadtest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	o := loadtest.Options{Scenario: loadtest.Standard}
	fs.StringVar(&o.Target, "target", "", "base URL of a running okrbot; without it, okrbot serve is started on --database")
	fs.StringVar(&o.Secret, "secret", "", "the target's SLACK_SIGNING_SECRET")
	fs.IntVar(&o.PID, "pid", 0, "the target's process id, to measure its CPU time")
	fs.StringVar(&o.Database, "database", "", "okrbot's database (as DATABASE_URL); without it and --target, a new SQLite file")
	fs.BoolVar(&o.Seed, "seed", false, "with --target: put the scenario in --database first, unless it is there (always done without --target)")
	fs.StringVar(&o.Scenario.Team, "team", o.Scenario.Team, "the Slack team id of the scenario's workspace")
	fs.Float64Var(&o.Rate, "rate", 100, "requests a second")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to send")
	fs.DurationVar(&o.Wait, "wait", 30*time.Second, "how long replies may take after the last request; later ones are missing")
	fs.StringVar(&o.Command, "command", "/okr list all", "the slash command to send")
	fs.Func("expect", "what a correct reply shows (repeat for more); the scenario's objective titles by default", func(s string) error {
		o.Expect = append(o.Expect, s)
		return nil
	})
	fs.Float64Var(&o.ClickShare, "clicks", 0, `share of requests, 0 to 1, that click "Nothing changed" on the check-in prompt instead`)
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:0", "address of the response_url sink")
	fs.DurationVar(&o.ReplyDelay, "reply-delay", 0, "how long the response_url sink takes to answer each reply, as Slack's round trip does (like 150ms)")
	fs.BoolVar(&o.Baseline, "baseline", false, "then send the same commands to a bare handler with one SQL query, on the same database")
	fs.IntVar(&o.Wave.People, "wave", 0, "first seed this many more people whose weekly check-in prompt falls due as the load starts (needs no --target)")
	fs.IntVar(&o.Wave.Rate, "wave-rate", 200, "messages a second the fake Slack takes from the workspace, and okrbot sends at most, with --wave")
	fs.DurationVar(&o.Wave.Wait, "wave-wait", 0, "how long after the start every prompt must be out; twice the rate-limit minimum and a minute by default")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || o.ClickShare < 0 || o.ClickShare > 1 || o.ReplyDelay < 0 || o.Wave.People < 0 || o.Wave.Rate <= 0 {
		return errors.New("usage: okrbot loadtest [--target URL --secret S] [--database URL] [--seed] [--rate N] [--duration D] [--clicks 0..1] [--wave N [--wave-rate N]] [--baseline] [--json]")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// okrbot serve, when started here, gets the whole environment, not
	// only the settings Getenv reads: PATH, HOME, TZ and the like too.
	o.Executable, o.Env = exe, os.Environ()
	rep, err := loadtest.Main(ctx, o, m.Stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(m.Stdout)
	}
	return rep.WriteText(m.Stdout)
}
