package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/internal/loadtest"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestLoadtest runs okrbot loadtest for a short burst at a low rate
// against okrbot serve on a fake Slack, as someone measuring would: it
// seeds the scenario into okrbot's database, sends signed /okr list all
// commands and "Nothing changed" clicks, then the same commands to the
// baseline, and every reply is the one asked for.
func TestLoadtest(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			sc := loadtest.Standard
			fake := fakeslack.New(t, fakeslack.WithTeam(sc.Team))
			for _, id := range sc.PeopleIDs() {
				fake.AddUser(fakeslack.User{ID: id, Name: id, TZ: "Europe/Berlin"})
			}
			base := server(t, fake, dbURL)

			var out bytes.Buffer
			m := &Main{Args: []string{"loadtest", "--target", base, "--secret", slackSigningSecret, "--database", dbURL, "--seed",
				"--rate", "20", "--duration", "1s", "--clicks", "0.25", "--baseline", "--json"},
				Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: testLog{t}}
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			var rep loadtest.Report
			if err := json.NewDecoder(io.Reader(&out)).Decode(&rep); err != nil {
				t.Fatalf("report: %v\n%s", err, out.String())
			}
			type counts struct {
				target, sent                                          string
				count, ackNot200, correct, busy, errs, missing, dupes int
			}
			var got []counts
			for _, r := range rep.Results {
				got = append(got, counts{r.Target, r.Sent, r.Count, r.AckNot200, r.Correct, r.Busy, r.Errors, r.Missing, r.Duplicates})
			}
			want := []counts{
				{"okrbot", "/okr list all", 15, 0, 15, 0, 0, 0, 0},
				{"okrbot", `"Nothing changed" clicks`, 5, 0, 5, 0, 0, 0, 0},
				{"baseline", "/okr list all", 20, 0, 20, 0, 0, 0, 0},
			}
			if len(got) != len(want) {
				t.Fatalf("results = %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("result %d = %+v, want %+v; examples %q", i, got[i], want[i], rep.Results[i].Examples)
				}
			}
		})
	}
}

// runAsOkrbot, set in the environment, makes the test binary okrbot
// itself: okrbot loadtest starts "okrbot serve" as os.Executable, which in
// a test is the test binary.
const runAsOkrbot = "OKRBOT_TEST_RUN_AS_OKRBOT"

func TestMain(m *testing.M) {
	if os.Getenv(runAsOkrbot) != "" {
		// What main.go does, in the test binary.
		m := &Main{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
		if err := m.Run(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "okrbot:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestLoadtestWave runs okrbot loadtest with a small Monday wave: it
// starts okrbot serve itself, with its scheduler on, and the check-in
// prompts of the wave's people fall due as the commands start; half the
// requests click "Nothing changed", on a wave person's prompt once one is
// out. Every person gets their prompt once, and every command and click
// its answer.
func TestLoadtestWave(t *testing.T) {
	t.Setenv(runAsOkrbot, "1")
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			var out bytes.Buffer
			m := &Main{Args: []string{"loadtest", "--database", dbURL, "--rate", "10", "--duration", "2s",
				"--clicks", "0.5", "--wave", "20", "--wave-rate", "20", "--json"},
				Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: testLog{t}}
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			var rep loadtest.Report
			if err := json.NewDecoder(io.Reader(&out)).Decode(&rep); err != nil {
				t.Fatalf("report: %v\n%s", err, out.String())
			}
			if len(rep.Results) != 2 {
				t.Fatalf("%d results, want the commands' and the clicks'", len(rep.Results))
			}
			for _, r := range rep.Results {
				if r.Count != 10 || r.Correct != 10 || r.AckNot200+r.Busy+r.Errors+r.Missing+r.Duplicates != 0 {
					t.Errorf("%s: %d sent, %d correct, %d acks not 200, %d busy, %d errors, %d missing, %d duplicates; examples %q",
						r.Sent, r.Count, r.Correct, r.AckNot200, r.Busy, r.Errors, r.Missing, r.Duplicates, r.Examples)
				}
			}
			if w := rep.Wave; w == nil || w.People != 20 || w.Sent != 20 || w.Duplicates != 0 || w.Missing != 0 {
				t.Errorf("wave = %+v, want 20 prompts sent, each once", w)
			}
		})
	}
}
