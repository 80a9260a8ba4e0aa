package faketeams

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/fakecalls"
)

// The fake bot's and tenant's identity.
const (
	AppID       = "0a11ce00-0000-4000-8000-00000000b075"
	AppPassword = "fake-app-password"
	TenantID    = "7e5a0000-0000-4000-8000-0000000000aa"
	// BotID is the bot's id in conversations.
	BotID = "28:" + AppID
	// BotName is the bot's display name, as in "<at>okrbot</at>".
	BotName = "okrbot"
	// Issuer is the issuer of the tokens the Bot Connector signs, in the
	// public cloud.
	Issuer = "https://api.botframework.com"
	// Scope is the scope bots ask tokens for, in the public cloud.
	Scope = "https://api.botframework.com/.default"
	// GovIssuer and GovScope are the Azure Government Bot Framework's, for
	// GCC High and DoD tenants (WithGovernmentCloud).
	GovIssuer = "https://api.botframework.us"
	GovScope  = "https://api.botframework.us/.default"
	// ChannelID is the Bot Framework channel of Teams.
	ChannelID = "msteams"
)

// Key names one of the fake's signing keys.
type Key int

const (
	// EndorsedKey is the current key, endorsed for msteams.
	EndorsedKey Key = iota
	// UnendorsedKey is published too, but endorsed for webchat only.
	UnendorsedKey
	// ForeignKey is not published: tokens signed with it claim the kid of
	// EndorsedKey, as a forger would.
	ForeignKey
)

// testKeys are made once per process: RSA key generation is slow.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 6)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	return keys
})

type signingKey struct {
	kid          string
	priv         *rsa.PrivateKey
	endorsements []string
}

// Option configures a Server.
type Option func(*Server)

// WithClock makes the fake read time from now: token lifetimes, JWT times
// and Call.At.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithTokenLifetime sets the expires_in of the tokens the fake issues
// (default an hour, as Microsoft's).
func WithTokenLifetime(d time.Duration) Option { return func(s *Server) { s.tokenLife = d } }

// WithGovernmentCloud makes the fake the Bot Framework of Azure
// Government (GCC High, DoD): it signs its requests as GovIssuer and
// issues tokens for GovScope only.
func WithGovernmentCloud() Option {
	return func(s *Server) { s.issuer, s.scope = GovIssuer, GovScope }
}

// Server is a fake of the Bot Framework and the Bot Connector. It is safe
// for concurrent use.
type Server struct {
	t         testing.TB
	srv       *httptest.Server
	now       func() time.Time
	tokenLife time.Duration
	// issuer and scope are the cloud's: Issuer and Scope by default.
	issuer, scope string
	// certs are the certificates uploaded to the app registration, by
	// their SHA-256 thumbprint (x5t#S256); a client assertion must be
	// signed with the key of one of them.
	certs map[string]*x509.Certificate

	mu        sync.Mutex
	endorsed  signingKey
	published []signingKey
	foreign   signingKey
	rotations int

	tokens map[string]issued     // by token
	users  map[string]User       // by "29:" id
	codes  map[string]signInCode // Sign in with Microsoft's codes (entra.go)
	// installed are the people the app is installed for (personal scope),
	// by "29:" id.
	installed map[string]bool
	// rosters are the members ("29:" ids, in the order they joined) of
	// each team and group chat; botIn says which the bot is in now.
	rosters map[string][]string
	botIn   map[string]bool
	// catalogID is the app's id in the tenant's app catalog; "" when the
	// app was never uploaded there.
	catalogID string
	convs     map[string]*conv // by conversation id (channels without thread)
	faults    []*fault
	seq       int

	calls *fakecalls.Log[Call]
}

// New starts a fake that is shut down when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	keys := testKeys()
	s := &Server{
		t:         t,
		now:       time.Now,
		tokenLife: time.Hour,
		issuer:    Issuer,
		scope:     Scope,
		certs:     map[string]*x509.Certificate{},
		endorsed:  signingKey{kid: "key-endorsed-1", priv: keys[0], endorsements: []string{"msteams", "skype"}},
		tokens:    map[string]issued{},
		users:     map[string]User{},
		installed: map[string]bool{},
		rosters:   map[string][]string{},
		botIn:     map[string]bool{},
		catalogID: CatalogAppID,
		convs:     map[string]*conv{},
		calls:     fakecalls.New("faketeams", func(c Call) string { return c.Op }),
	}
	s.foreign = signingKey{kid: s.endorsed.kid, priv: keys[2]}
	s.published = []signingKey{s.endorsed, {kid: "key-webchat", priv: keys[1], endorsements: []string{"webchat"}}}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openid/.well-known/openidconfiguration", s.serveMetadata)
	mux.HandleFunc("GET /openid/keys", s.serveKeys)
	mux.HandleFunc("POST /oauth2/v2.0/token", s.serveToken)
	mux.HandleFunc("/amer/v3/", s.serveConnector)
	mux.HandleFunc("GET /graph/v1.0/appCatalogs/teamsApps", s.serveCatalog)
	mux.HandleFunc("POST /graph/v1.0/users/{id}/teamwork/installedApps", s.serveInstallApp)
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.serveEntraConfig)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.serveEntraKeys)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.serveSignInToken)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's root, such as http://127.0.0.1:4321.
func (s *Server) URL() string { return s.srv.URL }

// OpenIDMetadataURL is the setting for TEAMS_OPENID_METADATA_URL.
func (s *Server) OpenIDMetadataURL() string {
	return s.srv.URL + "/openid/.well-known/openidconfiguration"
}

// TokenURL is the setting for TEAMS_TOKEN_URL.
func (s *Server) TokenURL() string { return s.srv.URL + "/oauth2/v2.0/token" }

// ServiceURL is the Bot Connector's service URL that activities name, with
// a region path and trailing slash as Teams' have.
func (s *Server) ServiceURL() string { return s.srv.URL + "/amer/" }

// RotateKeys replaces the endorsed key with a new one under a new kid, as
// Microsoft does from time to time. Tokens signed afterwards use it.
func (s *Server) RotateKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rotations++
	keys := testKeys()
	next := signingKey{kid: fmt.Sprintf("key-endorsed-%d", s.rotations+1), priv: keys[3+(s.rotations-1)%3], endorsements: []string{"msteams"}}
	s.published[0], s.endorsed = next, next
	s.foreign.kid = next.kid
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	s.record(Call{Op: OpMetadata, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK})
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                "https://invalid.botframework.com/v1/.well-known/authorize",
		"jwks_uri":                              s.srv.URL + "/openid/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
}

func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	if f := s.takeFault(OpKeys); f != nil {
		s.answerFault(w, &Call{Op: OpKeys, Method: r.Method, Path: r.URL.Path}, f)
		return
	}
	s.mu.Lock()
	var keys []map[string]any
	for _, k := range s.published {
		pub := k.priv.PublicKey
		thumb := sha1.Sum(pub.N.Bytes())
		keys = append(keys, map[string]any{
			"kty":          "RSA",
			"use":          "sig",
			"kid":          k.kid,
			"x5t":          base64.RawURLEncoding.EncodeToString(thumb[:]),
			"n":            base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			"endorsements": k.endorsements,
		})
	}
	s.mu.Unlock()
	s.record(Call{Op: OpKeys, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK})
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// serveToken is the client-credentials grant of Microsoft's identity
// platform, for the fake app only.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	c := Call{Op: OpToken, Method: r.Method, Path: r.URL.Path}
	if f := s.takeFault(OpToken, ""); f != nil {
		s.answerFault(w, &c, f)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	c.Body = body
	form, _ := url.ParseQuery(string(body))
	refuse := func(status int, code, description string) {
		c.Status = status
		writeJSON(w, status, map[string]any{"error": code, "error_description": description})
	}
	assertion, hasAssertion := form["client_assertion"]
	switch {
	case form.Get("grant_type") != "client_credentials":
		refuse(http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
	case form.Get("client_id") != AppID:
		refuse(http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier was not found in the directory.")
	case form.Get("scope") != s.scope && form.Get("scope") != GraphScope:
		refuse(http.StatusBadRequest, "invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' isn't valid.")
	case hasAssertion && form.Has("client_secret"):
		refuse(http.StatusBadRequest, "invalid_request", "AADSTS90015: Requested query string is too long or the request has both a client secret and a client assertion.")
	case hasAssertion:
		if err := s.checkAssertion(form.Get("client_assertion_type"), assertion[0]); err != nil {
			refuse(http.StatusUnauthorized, "invalid_client", err.Error())
			break
		}
		s.issue(w, &c, form.Get("scope"))
	case form.Get("client_secret") != AppPassword:
		refuse(http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
	default:
		s.issue(w, &c, form.Get("scope"))
	}
	s.record(c)
}

// issue answers a token request with a new token.
func (s *Server) issue(w http.ResponseWriter, c *Call, scope string) {
	s.mu.Lock()
	s.seq++
	token := fmt.Sprintf("fake-token-%d", s.seq)
	s.tokens[token] = issued{scope: scope, expires: s.now().Add(s.tokenLife)}
	s.mu.Unlock()
	c.Status = http.StatusOK
	writeJSON(w, c.Status, map[string]any{"token_type": "Bearer", "expires_in": int(s.tokenLife.Seconds()), "ext_expires_in": int(s.tokenLife.Seconds()), "access_token": token})
}

// RevokeTokens makes every token issued so far invalid, as if Microsoft
// had rotated the app's secret.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// issued is a token the fake gave out: for the Bot Connector or for
// Graph, each refusing the other's.
type issued struct {
	scope   string
	expires time.Time
}

func (s *Server) tokenValid(token string) bool { return s.tokenFor(token, s.scope) }

func (s *Server) tokenFor(token, scope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[token]
	return ok && t.scope == scope && s.now().Before(t.expires)
}

// Operations a Call can be.
const (
	OpMetadata = "metadata"
	OpKeys     = "keys"
	OpToken    = "token"
	OpCreate   = "create"  // POST /v3/conversations
	OpSend     = "send"    // POST /v3/conversations/{id}/activities
	OpReply    = "reply"   // POST /v3/conversations/{id}/activities/{replyTo}
	OpUpdate   = "update"  // PUT /v3/conversations/{id}/activities/{id}
	OpMember   = "member"  // GET /v3/conversations/{id}/members/{member}
	OpRoster   = "roster"  // GET /v3/conversations/{id}/pagedmembers
	OpCatalog  = "catalog" // GET {graph}/v1.0/appCatalogs/teamsApps
	OpInstall  = "install" // POST {graph}/v1.0/users/{id}/teamwork/installedApps
	OpUnknown  = "unknown" // anything else
)

// Call is one request the fake answered.
type Call struct {
	Op     string
	Method string
	// Path is the request path, unescaped segment by segment.
	Path string
	// Conversation and ActivityID are the ids in the path, unescaped.
	Conversation string
	ActivityID   string
	// Token is the bearer token the request carried.
	Token string
	// Activity is the body of sends, replies and updates.
	Activity *Activity
	// Body is the raw request body of Bot Connector calls.
	Body   json.RawMessage
	Status int
	At     time.Time
}

// Calls returns the calls of an operation answered so far, failed ones
// included, in order. With no operation it returns all.
func (s *Server) Calls(op string) []Call { return s.calls.Calls(op) }

// Wait blocks until at least n calls of op have been answered, and returns
// them.
func (s *Server) Wait(ctx context.Context, op string, n int) ([]Call, error) {
	return s.calls.Wait(ctx, op, n)
}

// WaitCalls is Wait for tests: it fails the test if the calls do not come
// within a generous bound. Call it from the test's goroutine.
func (s *Server) WaitCalls(op string, n int) []Call {
	s.t.Helper()
	return s.calls.WaitCalls(s.t, op, n)
}

func (s *Server) record(c Call) {
	c.At = s.now()
	s.calls.Record(c)
}

// Fault is a failure the fake answers with instead of doing a call.
type Fault struct {
	// Status is the HTTP status to answer.
	Status int
	// Code is the Bot Connector error code, such as "MessageWritesBlocked"
	// or "ConversationNotFound", sent in the envelope Teams uses for it;
	// empty means the code Teams gives the status, if any.
	Code string
	// RetryAfter is sent as the Retry-After header, in seconds.
	RetryAfter time.Duration
	// Times is how many calls fail; 0 means every call until ClearFaults.
	Times int
}

type fault struct {
	Fault
	op, id string
	used   int
}

// FailConversation makes sends, replies and updates into a conversation
// fail; id may name a channel, which covers its threads.
func (s *Server) FailConversation(id string, f Fault) { s.addFault(OpSend, id, f) }

// FailCreate makes creating a one-to-one chat with member (a "29:" or AAD
// object id; "" for anyone) fail.
func (s *Server) FailCreate(member string, f Fault) { s.addFault(OpCreate, member, f) }

// FailTokens makes the token endpoint fail.
func (s *Server) FailTokens(f Fault) { s.addFault(OpToken, "", f) }

// FailKeys makes the signing key set fail to load.
func (s *Server) FailKeys(f Fault) { s.addFault(OpKeys, "", f) }

func (s *Server) addFault(op, id string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{Fault: f, op: op, id: id})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to a call, counting its use.
func (s *Server) takeFault(op string, ids ...string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.op != op || (f.Times > 0 && f.used >= f.Times) {
			continue
		}
		for _, id := range ids {
			if f.id == "" || f.id == id || strings.HasPrefix(id, f.id+";") {
				f.used++
				return f
			}
		}
		if len(ids) == 0 {
			f.used++
			return f
		}
	}
	return nil
}

func (s *Server) answerFault(w http.ResponseWriter, c *Call, f *fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(f.RetryAfter.Seconds())))
	}
	c.Status = f.Status
	writeError(w, f.Status, f.Code)
	s.record(*c)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
