package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakecalls"
)

// Team and bot identity that auth.test reports.
const (
	TeamID    = "T0FAKE"
	BotUserID = "U0BOT"
	BotID     = "B0BOT"
)

// ResponseURLMethod is the Call.Method of posts to a response URL.
const ResponseURLMethod = "response_url"

// User is a member of the fake workspace, as users.info reports them.
type User struct {
	ID       string
	Name     string
	RealName string
	TZ       string
	IsAdmin  bool
	IsOwner  bool
	// IsRestricted is a multi-channel guest, IsUltraRestricted a
	// single-channel one.
	IsRestricted      bool
	IsUltraRestricted bool
	Deleted           bool
	// Email is the address users.lookupByEmail finds them by.
	Email string
}

// Fault is a failure the fake answers with instead of doing the call.
type Fault struct {
	// Status is the HTTP status to answer; 0 means 200 with Error in the body.
	Status int
	// Error is a Slack error code such as "account_inactive", answered as
	// {"ok":false,"error":...}.
	Error string
	// RetryAfter is sent as the Retry-After header with Status 429.
	RetryAfter time.Duration
	// Times is how many calls fail; 0 means every call until ClearFaults.
	Times int
}

// SlackError is a Fault answering ok:false with code.
func SlackError(code string) Fault { return Fault{Error: code} }

// HTTPError is a Fault answering an HTTP error status, such as 503.
func HTTPError(status int) Fault { return Fault{Status: status} }

// RateLimited is a Fault answering 429 with a Retry-After header.
func RateLimited(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Call is one request the fake received.
type Call struct {
	// Method is the Web API method, such as "chat.postMessage", or
	// ResponseURLMethod for a post to a response URL.
	Method string
	// Path is the request path; for a response URL it names the URL.
	Path  string
	Token string
	// TeamID and EnterpriseID are whose token the call used: the team (or,
	// for an org-wide install, the organization) the fake issued it to.
	// Both are empty for tokens the fake did not issue.
	TeamID       string
	EnterpriseID string
	// Params holds the form fields, or a JSON body's top-level fields: strings
	// as they are, anything else as its JSON text.
	Params url.Values
	// Blocks and View are decoded from the "blocks" and "view" parameters
	// with slack-go's own types.
	Blocks []slack.Block
	View   *slack.View
	// Status and Error are what the fake answered.
	Status int
	Error  string
	At     time.Time
}

// Text is the call's "text" parameter.
func (c Call) Text() string { return c.Params.Get("text") }

// Option configures a Server.
type Option func(*Server)

// WithTeam makes the fake a workspace other than TeamID, for tests of
// several workspaces, each on its own fake.
func WithTeam(id string) Option { return func(s *Server) { s.team = id } }

// WithClock makes the fake read time from now, for rate limits and Call.At.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithChannelRateLimit lets at most n chat.postMessage calls per channel
// through in any window of length per; the rest get 429 with Retry-After, as
// Slack does (about one message per second per channel).
func WithChannelRateLimit(n int, per time.Duration) Option {
	return func(s *Server) { s.rateN, s.ratePer = n, per }
}

// WithWorkspaceRateLimit lets at most n chat.postMessage calls through in
// any window of length per, across all channels; the rest get 429 with
// Retry-After, like Slack's workspace-wide cap on messages.
func WithWorkspaceRateLimit(n int, per time.Duration) Option {
	return func(s *Server) { s.wsRateN, s.wsRatePer = n, per }
}

// WithRandom429 answers a fraction of Web API calls (all but
// apps.connections.open) with 429 and Retry-After: 1, chosen by a random
// source seeded with seed, so that a run can be repeated.
func WithRandom429(fraction float64, seed uint64) Option {
	return func(s *Server) {
		s.random429 = fraction
		s.rng = rand.New(rand.NewPCG(seed, seed))
	}
}

type faultKey struct{ kind, id string }

// Server is a fake Slack. It is safe for concurrent use.
type Server struct {
	t    testing.TB
	srv  *httptest.Server
	now  func() time.Time
	team string // the workspace's team id

	rateN     int
	ratePer   time.Duration
	random429 float64
	rng       *rand.Rand

	wsRateN   int
	wsRatePer time.Duration
	wsPosted  []time.Time // recent accepted chat.postMessage times, oldest first

	// calls wakes its waiters also when a call comes to be held, for
	// WaitHeld.
	calls *fakecalls.Log[Call]

	mu       sync.Mutex
	users    map[string]User
	dms      map[string]string      // user ID → DM channel ID
	dmUser   map[string]string      // DM channel ID → user ID
	messages map[string]bool        // channel+"/"+ts of every posted message
	views    map[string]string      // view ID → current hash
	files    map[string]*File       // by file ID
	posted   map[string][]time.Time // channel → recent chat.postMessage times, for the rate limit
	faults   map[faultKey]*Fault
	holds    map[string]chan struct{}
	held     map[string]int // calls of a method waiting on its hold now
	seq      int            // source of ts, view, DM and envelope ids

	app      App
	teams    map[string]Team
	installs map[string]*installation // by team id, or enterprise id when org-wide
	tokens   map[string]*token
	codes    map[string]*code
	// openIDCodes are Sign in with Slack's codes (openid.go).
	openIDCodes map[string]*openIDCode

	sock socketState
}

// New starts a fake Slack that is shut down when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	s := Start(opts...)
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake Slack outside a test, for okrbot loadtest: it
// answers like one made with New, but WaitCalls, WaitHeld and Deliver,
// which fail a test, are not for it. Close shuts it down.
func Start(opts ...Option) *Server {
	s := &Server{
		team:     TeamID,
		now:      time.Now,
		calls:    fakecalls.New("fakeslack", func(c Call) string { return c.Method }),
		users:    map[string]User{},
		dms:      map[string]string{},
		dmUser:   map[string]string{},
		messages: map[string]bool{},
		views:    map[string]string{},
		files:    map[string]*File{},
		posted:   map[string][]time.Time{},
		faults:   map[faultKey]*Fault{},
		holds:    map[string]chan struct{}{},
		held:     map[string]int{},
		teams:    map[string]Team{},
		installs: map[string]*installation{},
		tokens:   map[string]*token{},
		codes:    map[string]*code{},

		openIDCodes: map[string]*openIDCode{},
	}
	s.sock.init()
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/response/{id}", s.serveResponseURL)
	mux.HandleFunc("POST /upload/{id}", s.serveUpload)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("GET /.well-known/openid-configuration", s.serveOpenIDConfig)
	mux.HandleFunc("GET /openid/connect/keys", s.serveOpenIDKeys)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close shuts the fake down, letting held calls go first.
func (s *Server) Close() {
	// Hijacked WebSocket connections outlive httptest's bookkeeping, so
	// they are closed here or Close would not wait for them.
	s.closeSockets()
	s.mu.Lock()
	for m, c := range s.holds {
		close(c)
		delete(s.holds, m)
	}
	s.mu.Unlock()
	s.srv.Close()
}

// URL is the fake's root, such as http://127.0.0.1:4321.
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the Web API base to give slack-go's slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL is a response_url for a payload; posts to it are recorded
// with Method ResponseURLMethod and Path "/response/"+id.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/response/" + id }

// AddUser adds or replaces a member of the workspace.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// DMChannel is the direct message channel conversations.open gives for a
// user, opening it if needed.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmLocked(userID)
}

func (s *Server) dmLocked(userID string) string {
	if ch, ok := s.dms[userID]; ok {
		return ch
	}
	s.seq++
	ch := fmt.Sprintf("D%06d", s.seq)
	s.dms[userID], s.dmUser[ch] = ch, userID
	return ch
}

// FailMethod makes calls of a method fail.
func (s *Server) FailMethod(method string, f Fault) { s.fail("method", method, f) }

// FailUser makes calls about a user fail: users.info and conversations.open
// for them, and messages to them or to their DM channel.
func (s *Server) FailUser(userID string, f Fault) { s.fail("user", userID, f) }

// FailChannel makes messages to a channel fail.
func (s *Server) FailChannel(channelID string, f Fault) { s.fail("channel", channelID, f) }

func (s *Server) fail(kind, id string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[faultKey{kind, id}] = &f
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Hold makes calls of a method wait until release is called, so a test can
// observe what happens while Slack is slow without sleeping.
func (s *Server) Hold(method string) (release func()) {
	c := make(chan struct{})
	s.mu.Lock()
	s.holds[method] = c
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.holds[method] == c {
				delete(s.holds, method)
				close(c)
			}
			s.mu.Unlock()
		})
	}
}

// Calls returns the calls of a method received so far, failed ones
// included, in the order they were answered. With no method it returns all.
func (s *Server) Calls(method string) []Call { return s.calls.Calls(method) }

// Wait blocks until at least n calls of method have been answered, and
// returns them.
func (s *Server) Wait(ctx context.Context, method string, n int) ([]Call, error) {
	return s.calls.Wait(ctx, method, n)
}

// WaitCalls is Wait for tests: it fails the test if the calls do not come
// within a generous bound. Call it from the test's goroutine.
func (s *Server) WaitCalls(method string, n int) []Call {
	s.t.Helper()
	return s.calls.WaitCalls(s.t, method, n)
}

// answer is what the fake replies to one call.
type answer struct {
	status     int
	retryAfter time.Duration
	body       map[string]any
}

func ok(fields map[string]any) answer {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return answer{status: http.StatusOK, body: fields}
}

func slackErr(code string, messages ...string) answer {
	body := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": messages}
	}
	return answer{status: http.StatusOK, body: body}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	c, err := readCall(r, r.PathValue("method"))
	if err != nil {
		s.reply(w, &c, slackErr("invalid_form_data", err.Error()))
		return
	}
	s.hold(r.Context(), c.Method)
	s.mu.Lock()
	c.At = s.now()
	a := s.apiLocked(&c)
	s.mu.Unlock()
	s.reply(w, &c, a)
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	c, err := readCall(r, ResponseURLMethod)
	if err != nil {
		s.reply(w, &c, answer{status: http.StatusBadRequest})
		return
	}
	s.hold(r.Context(), c.Method)
	s.mu.Lock()
	c.At = s.now()
	a, faulted := s.faultLocked(&c, "")
	if !faulted {
		if c.Text() == "" && len(c.Blocks) == 0 {
			a = slackErr("no_text")
		} else if why := first(validateBlocks(c.Blocks, maxMessageBlocks), s.checkImagesLocked(c.Blocks, "")); why != "" {
			a = slackErr("invalid_blocks", why)
		} else {
			a = ok(nil)
		}
	}
	s.mu.Unlock()
	s.reply(w, &c, a)
}

func (s *Server) hold(ctx context.Context, method string) {
	s.mu.Lock()
	c := s.holds[method]
	if c != nil {
		s.held[method]++
	}
	s.mu.Unlock()
	if c == nil {
		return
	}
	s.calls.Notify()
	select {
	case <-c:
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.held[method]--
	s.mu.Unlock()
}

// WaitHeld waits until a call of method is waiting on its Hold, and fails
// the test if none comes within a generous bound.
func (s *Server) WaitHeld(method string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fakecalls.WaitTimeout)
	defer cancel()
	held := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.held[method] > 0
	}
	if s.calls.Until(ctx, held) != nil {
		s.t.Fatalf("fakeslack: no %s call arrived to be held", method)
	}
}

func (s *Server) reply(w http.ResponseWriter, c *Call, a answer) {
	c.Status = a.status
	if e, _ := a.body["error"].(string); e != "" {
		c.Error = e
		if m, ok := a.body["response_metadata"].(map[string]any); ok && s.t != nil {
			s.t.Logf("fakeslack: %s answered %s: %v", c.Method, e, m["messages"])
		}
	}
	s.calls.Record(*c)
	switch {
	case a.status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int((a.retryAfter+time.Second-1)/time.Second)))
		w.WriteHeader(a.status)
	case a.status != http.StatusOK:
		// Slack answers server errors with an HTML page, not JSON.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(a.status)
		fmt.Fprintf(w, "<html><body>%d</body></html>", a.status)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a.body)
	}
}

// readCall parses a request the way Slack accepts them: form-encoded or
// JSON, with the token in the form or in an Authorization header.
func readCall(r *http.Request, method string) (Call, error) {
	c := Call{Method: method, Path: r.URL.Path, Params: url.Values{}}
	c.Token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// oauth.v2.access takes the app's credentials as HTTP Basic auth too.
	id, secret, basic := r.BasicAuth()
	if basic {
		c.Token = ""
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return c, err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if len(body) > 0 {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(body, &fields); err != nil {
				return c, err
			}
			for k, v := range fields {
				var str string
				if json.Unmarshal(v, &str) == nil {
					c.Params.Set(k, str)
				} else {
					c.Params.Set(k, string(v))
				}
			}
		}
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return c, err
		}
		for k, v := range r.URL.Query() {
			c.Params[k] = v
		}
		for k, v := range form {
			c.Params[k] = v
		}
	}
	if basic && c.Params.Get("client_id") == "" {
		c.Params.Set("client_id", id)
		c.Params.Set("client_secret", secret)
	}
	if tok := c.Params.Get("token"); tok != "" && c.Token == "" {
		c.Token = tok
	}
	c.Params.Del("token")
	if b := c.Params.Get("blocks"); b != "" && b != "null" {
		var blocks slack.Blocks
		if err := json.Unmarshal([]byte(b), &blocks); err != nil {
			return c, fmt.Errorf("blocks: %w", err)
		}
		c.Blocks = blocks.BlockSet
	}
	if v := c.Params.Get("view"); v != "" {
		c.View = new(slack.View)
		if err := json.Unmarshal([]byte(v), c.View); err != nil {
			return c, fmt.Errorf("view: %w", err)
		}
	}
	return c, nil
}

// faultLocked finds the fault that applies to a call, if any, counting it
// down. channel is the channel the call resolves to.
func (s *Server) faultLocked(c *Call, channel string) (answer, bool) {
	keys := []faultKey{{"method", c.Method}}
	for _, u := range strings.Split(c.Params.Get("users"), ",") {
		keys = append(keys, faultKey{"user", u})
	}
	keys = append(keys,
		faultKey{"user", c.Params.Get("user")},
		faultKey{"user", c.Params.Get("user_id")},
		faultKey{"user", c.Params.Get("channel")},
		faultKey{"user", s.dmUser[channel]},
		faultKey{"channel", c.Params.Get("channel")},
		faultKey{"channel", channel},
	)
	for _, k := range keys {
		if k.id == "" {
			continue
		}
		f := s.faults[k]
		if f == nil {
			continue
		}
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				delete(s.faults, k)
			}
		}
		if f.Status != 0 {
			return answer{status: f.Status, retryAfter: f.RetryAfter}, true
		}
		return slackErr(f.Error), true
	}
	return answer{}, false
}

// channelLocked resolves a chat call's channel: a user ID means the
// app's DM with that user, as in Slack.
func (s *Server) channelLocked(ch string) string {
	if _, ok := s.users[ch]; ok {
		return s.dmLocked(ch)
	}
	return ch
}

func (s *Server) apiLocked(c *Call) answer {
	if c.Method == "oauth.v2.access" || c.Method == "openid.connect.token" {
		if a, faulted := s.faultLocked(c, ""); faulted {
			return a
		}
		if c.Method == "openid.connect.token" {
			return s.openIDTokenLocked(c)
		}
		return s.oauthLocked(c)
	}
	if c.Token == "" {
		return slackErr("not_authed")
	}
	if a, valid := s.authLocked(c); !valid {
		return a
	}
	channel := s.channelLocked(c.Params.Get("channel"))
	if a, faulted := s.faultLocked(c, channel); faulted {
		return a
	}
	if c.Method == "apps.connections.open" {
		if !strings.HasPrefix(c.Token, "xapp-") {
			return slackErr("not_allowed_token_type")
		}
		s.sock.tickets++
		ws := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=" + strconv.Itoa(s.sock.tickets)
		return ok(map[string]any{"url": ws})
	}
	if s.rng != nil && s.rng.Float64() < s.random429 {
		return answer{status: http.StatusTooManyRequests, retryAfter: time.Second}
	}
	switch c.Method {
	case "auth.test":
		if _, issued := s.tokens[c.Token]; issued {
			return s.authTestLocked(c)
		}
		return ok(map[string]any{"url": s.srv.URL + "/", "team": "Fake", "user": "okrbot",
			"team_id": s.team, "user_id": BotUserID, "bot_id": BotID})
	case "auth.revoke":
		t, issued := s.tokens[c.Token]
		if issued && c.Params.Get("test") == "" {
			t.revoked = true
		}
		return ok(map[string]any{"revoked": true})
	case "users.info":
		u, found := s.users[c.Params.Get("user")]
		if !found {
			return slackErr("user_not_found")
		}
		return ok(map[string]any{"user": s.userJSON(u)})
	case "users.lookupByEmail":
		return s.lookupByEmailLocked(c)
	case "conversations.open":
		users := c.Params.Get("users")
		u, found := s.users[users]
		switch {
		case users == "":
			return slackErr("users_list_not_supplied")
		case !found:
			return slackErr("user_not_found")
		case u.Deleted:
			return slackErr("user_disabled")
		}
		return ok(map[string]any{"channel": map[string]any{"id": s.dmLocked(users)}})
	case "chat.postMessage":
		return s.postLocked(c, channel)
	case "chat.postEphemeral":
		if a, bad := s.checkMessageLocked(c, channel); bad {
			return a
		}
		s.seq++
		return ok(map[string]any{"message_ts": ts(s.seq)})
	case "chat.update":
		if a, bad := s.checkMessageLocked(c, channel); bad {
			return a
		}
		if !s.messages[channel+"/"+c.Params.Get("ts")] {
			return slackErr("message_not_found")
		}
		return ok(map[string]any{"channel": channel, "ts": c.Params.Get("ts"), "text": c.Text()})
	case "views.open", "views.update", "views.publish":
		return s.viewLocked(c)
	case "files.getUploadURLExternal":
		return s.getUploadURLLocked(c)
	case "files.completeUploadExternal":
		return s.completeUploadLocked(c)
	}
	return slackErr("unknown_method")
}

// lookupByEmailLocked answers users.lookupByEmail as Slack does: it needs
// the users:read.email scope (tokens the fake did not issue are taken to
// have it), and an address no member has is users_not_found.
func (s *Server) lookupByEmailLocked(c *Call) answer {
	if t, issued := s.tokens[c.Token]; issued && !slices.Contains(strings.Split(t.inst.scopes, ","), "users:read.email") {
		a := slackErr("missing_scope")
		a.body["needed"], a.body["provided"] = "users:read.email", t.inst.scopes
		return a
	}
	email := c.Params.Get("email")
	if email == "" {
		return slackErr("invalid_arguments", "email is required")
	}
	for _, u := range s.users {
		if u.Email != "" && strings.EqualFold(u.Email, email) {
			return ok(map[string]any{"user": s.userJSON(u)})
		}
	}
	return slackErr("users_not_found")
}

func (s *Server) checkMessageLocked(c *Call, channel string) (answer, bool) {
	switch {
	case channel == "", strings.HasPrefix(channel, "U"), strings.HasPrefix(channel, "W"):
		// A user ID still here is one the workspace does not have.
		return slackErr("channel_not_found"), true
	case c.Text() == "" && len(c.Blocks) == 0:
		return slackErr("no_text"), true
	}
	if why := first(validateBlocks(c.Blocks, maxMessageBlocks), s.checkImagesLocked(c.Blocks, c.TeamID)); why != "" {
		return slackErr("invalid_blocks", why), true
	}
	return answer{}, false
}

func (s *Server) postLocked(c *Call, channel string) answer {
	if a, bad := s.checkMessageLocked(c, channel); bad {
		return a
	}
	now := c.At
	if s.wsRateN > 0 {
		i := 0
		for i < len(s.wsPosted) && !s.wsPosted[i].After(now.Add(-s.wsRatePer)) {
			i++
		}
		s.wsPosted = s.wsPosted[i:]
		if len(s.wsPosted) >= s.wsRateN {
			return answer{status: http.StatusTooManyRequests, retryAfter: s.wsPosted[0].Add(s.wsRatePer).Sub(now)}
		}
	}
	if s.rateN > 0 {
		recent := s.posted[channel]
		for len(recent) > 0 && !recent[0].After(now.Add(-s.ratePer)) {
			recent = recent[1:]
		}
		s.posted[channel] = recent
		if len(recent) >= s.rateN {
			return answer{status: http.StatusTooManyRequests, retryAfter: recent[0].Add(s.ratePer).Sub(now)}
		}
		s.posted[channel] = append(recent, now)
	}
	if s.wsRateN > 0 {
		s.wsPosted = append(s.wsPosted, now)
	}
	s.seq++
	t := ts(s.seq)
	s.messages[channel+"/"+t] = true
	return ok(map[string]any{"channel": channel, "ts": t,
		"message": map[string]any{"text": c.Text(), "ts": t, "thread_ts": c.Params.Get("thread_ts")}})
}

func (s *Server) viewLocked(c *Call) answer {
	if c.View == nil {
		return slackErr("invalid_arguments", "view is required")
	}
	if why := first(validateView(c.View), s.checkImagesLocked(c.View.Blocks.BlockSet, c.TeamID)); why != "" {
		return slackErr("invalid_arguments", why)
	}
	id := c.Params.Get("view_id")
	switch c.Method {
	case "views.open":
		if c.Params.Get("trigger_id") == "" {
			return slackErr("invalid_trigger_id")
		}
		s.seq++
		id = fmt.Sprintf("V%06d", s.seq)
	case "views.update":
		if id == "" && c.Params.Get("external_id") == "" {
			return slackErr("invalid_arguments", "view_id or external_id is required")
		}
		// Views this fake never opened (a test's hand-made payload) are
		// taken as they come; known ones must match their current hash.
		if cur, known := s.views[id]; known && c.Params.Get("hash") != "" && c.Params.Get("hash") != cur {
			return slackErr("hash_conflict")
		}
	case "views.publish":
		if c.Params.Get("user_id") == "" {
			return slackErr("invalid_arguments", "user_id is required")
		}
		s.seq++
		id = fmt.Sprintf("V%06d", s.seq)
	}
	s.seq++
	hash := fmt.Sprintf("%d.h%d", s.seq, s.seq)
	if id != "" {
		s.views[id] = hash
	}
	var view map[string]any
	_ = json.Unmarshal([]byte(c.Params.Get("view")), &view)
	view["id"], view["hash"] = id, hash
	view["state"] = map[string]any{"values": map[string]any{}}
	return ok(map[string]any{"view": view})
}

func ts(seq int) string { return fmt.Sprintf("%d.%06d", 1700000000+seq/1000000, seq%1000000) }

func (s *Server) userJSON(u User) map[string]any {
	return map[string]any{
		"id": u.ID, "team_id": s.team, "name": u.Name, "real_name": u.RealName, "tz": u.TZ,
		"is_admin": u.IsAdmin, "is_owner": u.IsOwner, "deleted": u.Deleted,
		"is_restricted": u.IsRestricted, "is_ultra_restricted": u.IsUltraRestricted,
		"profile": map[string]any{"real_name": u.RealName, "display_name": u.Name, "email": u.Email},
	}
}
