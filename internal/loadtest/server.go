package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
)

// Server is an okrbot serve the load tool started as a child process,
// serving the scenario's workspace of a fake Slack over HTTP.
type Server struct {
	// URL is okrbot's base URL; Metrics is where its /metrics are.
	URL, Metrics string
	// Secret is the signing secret it checks requests with.
	Secret string
	cmd    *exec.Cmd
	slack  *fakeslack.Server
	exited chan struct{}
	err    error
}

// readyLimit bounds how long okrbot may take to start: its migrations and
// the fake Slack's auth.test.
const readyLimit = time.Minute

// StartServer runs exe (okrbot itself) serve on the database at
// databaseURL, with env as its environment apart from the settings of
// Slack, Teams, the database and the addresses, which it sets: a fake
// Slack whose workspace is the scenario's, a random signing secret, and
// free ports on 127.0.0.1. okrbot's log goes to log. It returns once
// okrbot is ready.
//
// With a wave, the fake Slack knows its people too and takes wave.Rate
// messages a second from the workspace, as Slack does; okrbot's scheduler
// looks for due prompts every second and sends at that rate.
func StartServer(ctx context.Context, exe string, env []string, databaseURL string, sc Scenario, wave Wave, log io.Writer) (*Server, error) {
	opts := []fakeslack.Option{fakeslack.WithTeam(sc.Team)}
	if wave.People > 0 {
		opts = append(opts, fakeslack.WithWorkspaceRateLimit(wave.Rate, time.Second))
	}
	fake := fakeslack.Start(opts...)
	for _, id := range append(sc.PeopleIDs(), wave.PeopleIDs()...) {
		fake.AddUser(fakeslack.User{ID: id, Name: id, RealName: id, TZ: "Europe/Berlin"})
	}
	addrs, err := freeAddrs(2)
	if err != nil {
		fake.Close()
		return nil, err
	}
	s := &Server{URL: "http://" + addrs[0], Metrics: "http://" + addrs[1] + "/metrics", Secret: randomHex(16),
		slack: fake, exited: make(chan struct{})}
	s.cmd = exec.Command(exe, "serve")
	for _, kv := range env {
		if !strings.HasPrefix(kv, "SLACK_") && !strings.HasPrefix(kv, "TEAMS_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Env = append(s.cmd.Env, "SLACK_SIGNING_SECRET="+s.Secret, "SLACK_BOT_TOKEN=xoxb-loadtest",
		"SLACK_API_URL="+fake.APIURL(), "DATABASE_URL="+databaseURL,
		"OKRBOT_ADDR="+addrs[0], "OKRBOT_METRICS_ADDR="+addrs[1])
	if wave.People > 0 {
		s.cmd.Env = append(s.cmd.Env, "OKRBOT_REMINDERS=on", "OKRBOT_REMINDER_TICK=1s",
			fmt.Sprintf("OKRBOT_REMINDER_RATE=%d", wave.Rate))
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		fake.Close()
		return nil, fmt.Errorf("start %s serve: %w", exe, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	if err := WaitReady(ctx, s.URL, s.exited); err != nil {
		s.Stop()
		if s.err != nil {
			err = fmt.Errorf("%w (okrbot serve: %v)", err, s.err)
		}
		return nil, err
	}
	return s, nil
}

// PID is the process id of okrbot serve.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Slack is the fake Slack okrbot talks to.
func (s *Server) Slack() *fakeslack.Server { return s.slack }

// CPU reads the processor time okrbot serve has used.
func (s *Server) CPU() (time.Duration, error) { return ProcessCPU(s.PID()) }

// Stop stops okrbot as systemd would (SIGTERM, then SIGKILL if it takes
// more than its drain), and then the fake Slack.
func (s *Server) Stop() {
	defer s.slack.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// WaitReady waits until the okrbot at base says at /readyz that it takes
// requests. exited, when closed, says it stopped trying to start.
func WaitReady(ctx context.Context, base string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyLimit)
	defer cancel()
	last := "no answer"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = strings.TrimSpace(string(body))
		}
		select {
		case <-exited:
			return fmt.Errorf("okrbot at %s stopped before it was ready", base)
		case <-ctx.Done():
			return fmt.Errorf("okrbot at %s is not ready (%s): %w", base, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freeAddrs finds n free ports on 127.0.0.1.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
