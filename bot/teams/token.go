package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenEarly is how long before its expiry a token is replaced, so that a
// token never expires between being read here and arriving at Microsoft.
const tokenEarly = 5 * time.Minute

// tokenSource gets and caches the bot's client-credentials token. It
// fetches with golang.org/x/oauth2/clientcredentials, and caches itself:
// a burst of sends must cost one request to the token endpoint, and a
// token the Bot Connector refused must be dropped (forget), which oauth2's
// ReuseTokenSource cannot do.
type tokenSource struct {
	url, clientID, secret, scope string
	cert                         *certificate
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

func newTokenSource(cfg Config, cert *certificate, client *http.Client, now func() time.Time,
	called func(ctx context.Context, op string, start time.Time, err error)) *tokenSource {
	return &tokenSource{
		called:   called,
		url:      cfg.tokenURL(),
		clientID: cfg.AppID,
		secret:   cfg.AppPassword,
		cert:     cert,
		scope:    cfg.cloud().Scope,
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
	cc := clientcredentials.Config{
		ClientID:     s.clientID,
		ClientSecret: s.secret,
		TokenURL:     s.url,
		Scopes:       []string{s.scope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	if s.cert != nil {
		assertion, err := s.cert.assertion(s.clientID, s.url, s.now())
		if err != nil {
			return "", 0, &bot.SendError{Kind: bot.Permanent, Err: err}
		}
		cc.EndpointParams = url.Values{
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion},
		}
	}
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, s.http))
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		// A 4xx means the app id, credential or tenant is wrong: retrying
		// will not help until someone fixes the settings.
		kind := bot.Permanent
		if re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests {
			kind = bot.Temporary
		}
		return "", 0, &bot.SendError{Kind: kind, Err: fmt.Errorf("token endpoint answered %s: %s", re.Response.Status, oauthError(re.Body))}
	}
	if err != nil {
		return "", 0, &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("token request: %w", err)}
	}
	// Microsoft's v2 endpoint sends a number, the v1 endpoint a string;
	// oauth2 turns it into an Expiry of the wall clock, and okrbot's clock
	// may be another.
	secs, err := strconv.Atoi(strings.Trim(fmt.Sprint(tok.Extra("expires_in")), `"`))
	if err != nil || secs <= 0 {
		return "", 0, &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("token endpoint answered expires_in %v", tok.Extra("expires_in"))}
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
