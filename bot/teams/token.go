package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// tokenEarly is how long before its expiry a token is replaced, so that a
// token never expires between being read here and arriving at Microsoft.
const tokenEarly = 5 * time.Minute

// tokenSource gets and caches the bot's client-credentials token.
type tokenSource struct {
	// scope is what the tokens are for: the Bot Connector, or Graph.
	url, clientID, secret, scope string
	http                         *http.Client
	now                          func() time.Time
	called                       func(ctx context.Context, op string, start time.Time, err error)

	// fetching is a lock held while a token is fetched, so that a burst of
	// sends costs one request to the token endpoint.
	fetching chan struct{}

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

func newTokenSource(cfg Config, client *http.Client, now func() time.Time,
	called func(ctx context.Context, op string, start time.Time, err error)) *tokenSource {
	return &tokenSource{
		called:   called,
		url:      cfg.tokenURL(),
		clientID: cfg.AppID,
		secret:   cfg.AppPassword,
		scope:    botFrameworkScope,
		http:     client,
		now:      now,
		fetching: make(chan struct{}, 1),
	}
}

// get returns a token that is good for a while yet.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	if t := s.cached(); t != "" {
		return t, nil
	}
	select {
	case s.fetching <- struct{}{}:
	case <-ctx.Done():
		return "", &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("waiting for a token: %w", ctx.Err())}
	}
	defer func() { <-s.fetching }()
	if t := s.cached(); t != "" { // fetched while we waited
		return t, nil
	}
	start := time.Now()
	t, life, err := s.fetch(ctx)
	s.called(ctx, "token", start, err)
	if err != nil {
		return "", err
	}
	early := min(tokenEarly, life/2)
	s.mu.Lock()
	s.token, s.renewAt = t, s.now().Add(life-early)
	s.mu.Unlock()
	return t, nil
}

func (s *tokenSource) cached() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.now().Before(s.renewAt) {
		return s.token
	}
	return ""
}

// forget drops the cached token after the Bot Connector refused it.
func (s *tokenSource) forget(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.token = ""
	}
}

func (s *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.clientID},
		"client_secret": {s.secret},
		"scope":         {s.scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("token request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		return "", 0, &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("token request: %w", err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		// A 4xx means the app id, secret or tenant is wrong: retrying will
		// not help until someone fixes the settings.
		kind := bot.Permanent
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			kind = bot.Temporary
		}
		return "", 0, &bot.SendError{Kind: kind, Err: fmt.Errorf("token endpoint answered %s: %s", resp.Status, oauthError(body))}
	}
	var tok struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", 0, &bot.SendError{Kind: bot.Temporary, Err: errors.New("token endpoint answered without an access_token")}
	}
	// Microsoft's v2 endpoint sends a number, the v1 endpoint a string.
	secs, err := strconv.Atoi(strings.Trim(string(tok.ExpiresIn), `"`))
	if err != nil || secs <= 0 {
		return "", 0, &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("token endpoint answered expires_in %s", tok.ExpiresIn)}
	}
	return tok.AccessToken, time.Duration(secs) * time.Second, nil
}

// oauthError is the useful part of an OAuth error answer.
func oauthError(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		first, _, _ := strings.Cut(e.Description, "\r\n")
		return strings.TrimSpace(e.Error + " " + first)
	}
	return strings.TrimSpace(string(body[:min(len(body), 200)]))
}
