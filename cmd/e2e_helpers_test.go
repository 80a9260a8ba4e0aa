package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// waitLimit bounds every wait of the end-to-end tests: one that takes
// longer has failed.
const waitLimit = 10 * time.Second

// clock is the fake clock of the okrbot processes, the fakes and the test.
type clock = fakeclock.Clock

// testTick is OKRBOT_REMINDER_TICK in the end-to-end tests: a wait of
// exactly this long is the scheduler waiting for its next round.
const testTick = 17 * time.Minute

// rounds drives the scheduler of one okrbot process (Main.After): it runs
// a round when the test calls run, and any other wait (pacing, retries)
// moves the clock on at once, so nothing sleeps.
type rounds struct {
	clock *clock

	mu   sync.Mutex
	next chan time.Time // the tick the scheduler waits for; nil while it runs
	idle chan struct{}  // closed when the scheduler next waits for a tick
}

func newRounds(c *clock) *rounds { return &rounds{clock: c, idle: make(chan struct{})} }

func (r *rounds) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d != testTick {
		r.clock.Advance(d)
		ch <- r.clock.Now()
		return ch
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next = ch
	close(r.idle)
	r.idle = make(chan struct{})
	return ch
}

// waiting returns the scheduler's tick once it waits for one.
func (r *rounds) waiting(t *testing.T) chan time.Time {
	t.Helper()
	for {
		r.mu.Lock()
		next, idle := r.next, r.idle
		r.mu.Unlock()
		if next != nil {
			return next
		}
		select {
		case <-idle:
		case <-time.After(waitLimit):
			t.Fatal("the scheduler did not finish its round")
		}
	}
}

// fire starts a round of the scheduler at the clock's time. It returns the
// tick it sent, which the scheduler has taken once the tick is empty, and
// what is closed when the scheduler next waits.
func (r *rounds) fire(t *testing.T) (chan time.Time, <-chan struct{}) {
	t.Helper()
	next := r.waiting(t)
	r.mu.Lock()
	idle := r.idle
	r.next = nil
	r.mu.Unlock()
	next <- r.clock.Now()
	return next, idle
}

// round runs one round of the schedulers of processes at once, and returns
// when every one is done. A round the scheduler ran because it was woken
// (after a change) does not count: the tick sent for it was never taken.
func round(t *testing.T, ps ...*process) {
	t.Helper()
	pending := ps
	for len(pending) > 0 {
		ticks := make([]chan time.Time, len(pending))
		idles := make([]<-chan struct{}, len(pending))
		for i, p := range pending {
			ticks[i], idles[i] = p.rounds.fire(t)
		}
		var again []*process
		for i, idle := range idles {
			select {
			case <-idle:
			case <-time.After(waitLimit):
				t.Fatal("a scheduler's round did not end")
			}
			if len(ticks[i]) > 0 {
				again = append(again, pending[i])
			}
		}
		pending = again
	}
}

// process is one okrbot serve under test.
type process struct {
	base   string
	rounds *rounds
}

// start runs okrbot serve with env on the clock, its scheduler driven by
// the test, and its log in the test's log.
func start(t *testing.T, c *clock, env map[string]string) *process {
	t.Helper()
	return startLogging(t, c, env, testLog{t})
}

// startLogging is start with the log written to log.
func startLogging(t *testing.T, c *clock, env map[string]string, log io.Writer) *process {
	t.Helper()
	env["OKRBOT_ADDR"] = "127.0.0.1:0"
	env["OKRBOT_REMINDER_TICK"] = testTick.String()
	if env["OKRBOT_LOG_LEVEL"] == "" {
		env["OKRBOT_LOG_LEVEL"] = "warn"
	}
	p := &process{rounds: newRounds(c)}
	p.base = serve(t, env, func(m *Main) {
		m.Now, m.After, m.Stderr = c.Now, p.rounds.After, log
	})
	return p
}

// logBuffer collects serve's log, written from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines decodes the log's JSON lines.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, v)
	}
	return out
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testLog writes okrbot's log to the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// teamsEnv is the environment of an okrbot serving the fake's tenant.
func teamsEnv(fake *faketeams.Server, databaseURL string) map[string]string {
	return map[string]string{
		"TEAMS_APP_ID": faketeams.AppID, "TEAMS_APP_PASSWORD": faketeams.AppPassword, "TEAMS_TENANT_ID": faketeams.TenantID,
		"TEAMS_OPENID_METADATA_URL": fake.OpenIDMetadataURL(), "TEAMS_TOKEN_URL": fake.TokenURL(),
		"TEAMS_SERVICE_URL_HOSTS": "127.0.0.1", "DATABASE_URL": databaseURL,
	}
}

// teamsUser is someone in Teams talking to okrbot at endpoint, through the
// fake Bot Connector: what they type and click, and what they see.
type teamsUser struct {
	t        *testing.T
	fake     *faketeams.Server
	endpoint string
	faketeams.User
	// seen counts the messages of each conversation already read.
	seen map[string]int
}

// newTeamsUser adds u to the fake tenant, talking to the okrbot at base.
func newTeamsUser(t *testing.T, fake *faketeams.Server, base string, u faketeams.User) *teamsUser {
	fake.AddUser(u)
	return &teamsUser{t: t, fake: fake, endpoint: base + "/api/messages", User: u, seen: map[string]int{}}
}

// post sends a signed activity as the Bot Connector does.
func (u *teamsUser) post(act faketeams.Activity) (int, []byte) {
	u.t.Helper()
	resp, err := http.DefaultClient.Do(u.fake.Request(u.endpoint, act, faketeams.Claims{}))
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// say types text in p (a channel message mentions okrbot first).
func (u *teamsUser) say(p faketeams.Place, text string, opts ...faketeams.ActivityOption) {
	u.t.Helper()
	if code, body := u.post(u.fake.Message(p, u.User, text, opts...)); code != http.StatusOK {
		u.t.Fatalf("%q answered %d: %s", text, code, body)
	}
}

// ask types text in p and returns the next message okrbot writes in
// conversation conv.
func (u *teamsUser) ask(p faketeams.Place, conv, text string, opts ...faketeams.ActivityOption) string {
	u.t.Helper()
	u.say(p, text, opts...)
	return u.next(conv).Card().Text()
}

// askInThread types text in a channel and returns okrbot's answer in the
// thread of that message.
func (u *teamsUser) askInThread(p faketeams.Place, text string, opts ...faketeams.ActivityOption) string {
	u.t.Helper()
	act := u.fake.Message(p, u.User, text, opts...)
	if code, body := u.post(act); code != http.StatusOK {
		u.t.Fatalf("%q answered %d: %s", text, code, body)
	}
	return u.next(p.ConversationID + ";messageid=" + act.ID).Card().Text()
}

// invoke sends an invoke and reads the answer Teams shows.
func (u *teamsUser) invoke(act faketeams.Activity) faketeams.InvokeAnswer {
	u.t.Helper()
	code, body := u.post(act)
	if code != http.StatusOK {
		u.t.Fatalf("invoke %s answered %d: %s", act.Name, code, body)
	}
	ans, err := faketeams.ReadAnswer(body)
	if err != nil {
		u.t.Fatalf("invoke %s: %v: %s", act.Name, err, body)
	}
	return ans
}

// click clicks the button titled title on card in p, after typing inputs.
func (u *teamsUser) click(p faketeams.Place, card faketeams.Card, title string, inputs map[string]string) faketeams.InvokeAnswer {
	u.t.Helper()
	act, err := u.fake.Click(p, u.User, card, title, inputs)
	if err != nil {
		u.t.Fatal(err)
	}
	return u.invoke(act)
}

// await waits until cond holds, looking again after each call the fake
// answers.
func await(t *testing.T, fake *faketeams.Server, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for {
		n := len(fake.Calls(""))
		if cond() {
			return
		}
		if _, err := fake.Wait(ctx, "", n+1); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// next waits for the next message okrbot writes in conv and returns it.
func (u *teamsUser) next(conv string) faketeams.Activity {
	u.t.Helper()
	var msg faketeams.Activity
	await(u.t, u.fake, "a message in "+conv, func() bool {
		msgs := u.fake.Messages(conv)
		if len(msgs) <= u.seen[conv] {
			return false
		}
		msg = msgs[u.seen[conv]]
		u.seen[conv]++
		return true
	})
	return msg
}

// chat is the person's one-to-one chat with okrbot, once it exists.
func (u *teamsUser) chat() string {
	u.t.Helper()
	var id string
	await(u.t, u.fake, "a chat with "+u.Name, func() bool {
		var ok bool
		id, ok = u.fake.PersonalChat(u.ID)
		return ok
	})
	return id
}

// posted returns what okrbot posted into a conversation (a channel with
// all its threads), as one text.
func posted(fake *faketeams.Server, conv string) string {
	var b bytes.Buffer
	for _, op := range []string{faketeams.OpSend, faketeams.OpReply} {
		for _, c := range fake.Calls(op) {
			if c.Conversation == conv || strings.HasPrefix(c.Conversation, conv+";") {
				b.Write(c.Body)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}
