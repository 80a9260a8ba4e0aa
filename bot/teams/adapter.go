package teams

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

const (
	// maxWorkers bounds the handlers running after their ack at once;
	// requests beyond it wait for a free worker.
	maxWorkers = 16
	// afterAckTimeout bounds the work done after an ack: the handler and
	// the delivery of its reply.
	afterAckTimeout = time.Minute
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

	auth    *authenticator
	tokens  *tokenSource
	conn    *connector
	cards   cards
	dir     *directory
	workers chan struct{}

	inflight sync.WaitGroup
}

// New returns an adapter that hands requests to h.
func New(cfg Config, h bot.Handler) (*Adapter, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	hosts, err := parseHosts(cfg.ServiceURLHosts)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	client := &http.Client{
		Timeout: httpTimeout,
		// A redirect could carry the bot's token to a host nobody vetted.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	tokens := newTokenSource(cfg, client, now)
	var pics *pictures
	if cfg.PublicURL != "" {
		pics = newPictures(cfg.PublicURL, cfg.AppPassword, now)
	}
	return &Adapter{
		h:       h,
		log:     cmp.Or(cfg.Logger, slog.Default()),
		now:     now,
		appID:   cfg.AppID,
		tenant:  cfg.TenantID,
		auth:    newAuthenticator(cfg, hosts, client, now),
		tokens:  tokens,
		conn:    &connector{http: client, tokens: tokens, hosts: hosts},
		cards:   cards{sign: newSigner(cfg.AppPassword), pictures: pics},
		dir:     newDirectory(),
		workers: make(chan struct{}, maxWorkers),
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
// TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID work.
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
func (a *Adapter) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		a.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// requestLog is the logger for one request, tagged with an id that ties
// together the lines its ack, handler and delivery write.
func (a *Adapter) requestLog(act *activity) *slog.Logger {
	var b [6]byte
	_, _ = rand.Read(b[:])
	kind := act.Type
	if act.Name != "" {
		kind += "/" + act.Name
	}
	user := ""
	if act.From != nil {
		user = act.From.AADObjectID
	}
	return a.log.With("req", hex.EncodeToString(b[:]), "kind", kind, "tenant", act.tenant(), "user", user)
}

// later runs the part of a request that comes after its answer, in a
// bounded pool, detached from the request's cancellation.
func (a *Adapter) later(ctx context.Context, log *slog.Logger, fn func(context.Context)) {
	if fn == nil {
		return
	}
	a.inflight.Add(1)
	go func() {
		defer a.inflight.Done()
		a.workers <- struct{}{}
		defer func() { <-a.workers }()
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic after ack", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterAckTimeout)
		defer cancel()
		fn(ctx)
	}()
}
