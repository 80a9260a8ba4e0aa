package teams

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
)

const (
	// invokeTimeout bounds the handler behind an invoke, whose answer must
	// travel in the HTTP response within the 15 seconds Teams waits.
	invokeTimeout = 10 * time.Second
	// httpTimeout bounds one call to Microsoft.
	httpTimeout = 15 * time.Second
)

// Adapter connects a bot.Handler to Microsoft Teams through the Bot
// Framework: it answers the Bot Connector's requests (ServeHTTP) and sends
// messages outside of requests (Send, Update). It is safe for concurrent
// use.
type Adapter struct {
	h      bot.Handler
	log    *slog.Logger
	now    func() time.Time
	appID  string
	tenant string // the one tenant the bot is registered in
	// serviceURLOf is the cloud's service URL, for tenants no request has
	// named one for.
	serviceURLOf string

	auth   *authenticator
	tokens *tokenSource
	conn   *connector
	graph  *graph // nil unless TEAMS_GRAPH_INSTALL=on
	cards  cards
	dir    *directory
	// replaced are the messages Update posted anew (send.go).
	replaced replacements
	roles    roles
	queue    *bot.Queue
	obs      bot.Observer
}

// New returns an adapter that hands requests to h.
func New(cfg Config, h bot.Handler) (*Adapter, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	cloud := cfg.cloud()
	hosts, err := parseHosts(cfg.ServiceURLHosts, cloud.ServiceURLHosts)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	var cert *certificate
	if cfg.AppCertificate != "" {
		if cert, err = loadCertificate(cfg.AppCertificate); err != nil {
			return nil, fmt.Errorf("teams: %w", err)
		}
	}
	secret := signingSecret(cfg.AppPassword, cert)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	client := &http.Client{
		Timeout:   httpTimeout,
		Transport: bot.NewTransport(),
		// A redirect could carry the bot's token to a host nobody vetted.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	log := cmp.Or(cfg.Logger, slog.Default())
	called := func(ctx context.Context, method string, start time.Time, err error) {
		if cfg.Observer != nil {
			cfg.Observer.Called(Platform, method, err)
		}
		log.DebugContext(ctx, "teams API call", "method", method, "took", time.Since(start), "err", err)
	}
	tokens := newTokenSource(cfg, cert, client, now, called)
	var pics *pictures
	if cfg.PublicURL != "" {
		pics = newPictures(cfg.PublicURL, secret, now, cfg.Pictures, log)
	}
	queue := cfg.Queue
	if queue == nil {
		queue = bot.NewDefaultQueue()
	}
	var g *graph
	if cfg.GraphInstall {
		graphTokens := newTokenSource(cfg, cert, client, now, called)
		graphTokens.scope = cloud.GraphScope()
		g = &graph{http: client, tokens: graphTokens, base: strings.TrimRight(cmp.Or(cfg.GraphURL, cloud.Graph), "/"), appID: cfg.AppID, called: called}
	}
	return &Adapter{
		graph:        g,
		h:            h,
		log:          log,
		now:          now,
		appID:        cfg.AppID,
		tenant:       cfg.TenantID,
		auth:         newAuthenticator(cfg, hosts, client, now),
		tokens:       tokens,
		conn:         &connector{http: client, tokens: tokens, hosts: hosts, called: called},
		cards:        cards{sign: newSigner(secret), pictures: pics},
		serviceURLOf: cloud.ServiceURL,
		dir:          newDirectory(),
		queue:        queue,
		obs:          cfg.Observer,
	}, nil
}

// Pictures serves the pictures that cards link to, at ChartPath under
// OKRBOT_PUBLIC_URL; nil without one.
func (a *Adapter) Pictures() http.Handler {
	if a.cards.pictures == nil {
		return nil
	}
	return a.cards.pictures
}

// CheckCredentials asks the token endpoint for a token, which proves that
// TEAMS_APP_ID, its credential (TEAMS_APP_PASSWORD or
// TEAMS_APP_CERTIFICATE) and TEAMS_TENANT_ID work.
func (a *Adapter) CheckCredentials(ctx context.Context) error {
	if _, err := a.tokens.get(ctx); err != nil {
		return fmt.Errorf("teams: token for TEAMS_APP_ID: %w", err)
	}
	return nil
}

// Drain waits until the work started by past requests (handlers running
// after their ack, replies being delivered) has finished, or ctx is done.
// Call it after the HTTP server has stopped taking requests, so that a
// shutdown does not drop replies.
func (a *Adapter) Drain(ctx context.Context) error { return a.queue.Drain(ctx) }

// Backlog is how much work that follows answers (handlers and the delivery
// of their replies) was accepted and is not finished yet, running or
// waiting for a worker.
func (a *Adapter) Backlog() int { return a.queue.Backlog(Platform) }

// requestLog makes the id that ties together the lines one request's
// answer, handler and delivery write, and its logger.
func (a *Adapter) requestLog(act *activity) (string, *slog.Logger) {
	id := bot.NewRequestID()
	kind := act.Type
	if act.Name != "" {
		kind += "/" + act.Name
	}
	user := ""
	if act.From != nil {
		user = act.From.AADObjectID
	}
	return id, a.log.With("req", id, "kind", kind, "tenant", act.tenant(), "user", user)
}
