package slack

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// Platform is the bot.Workspace.Platform of Slack workspaces.
const Platform = "slack"

// Config is what the adapter needs from the environment.
type Config struct {
	BotToken      string // SLACK_BOT_TOKEN xoxb-…
	AppToken      string // SLACK_APP_TOKEN xapp-…, enables Socket Mode
	SigningSecret string // SLACK_SIGNING_SECRET, HTTP mode
	APIURL        string // SLACK_API_URL override of https://slack.com/api/
	Logger        *slog.Logger
	Now           func() time.Time // for signature timestamp checks; default time.Now
}

const (
	// submitTimeout leaves room, within the 3 seconds Slack waits for the
	// ack of a view submission, for the network and for writing the answer.
	submitTimeout = 2500 * time.Millisecond
	// afterAckTimeout bounds the work done after an ack: the handler and
	// the delivery of its reply.
	afterAckTimeout = time.Minute
	// userTTL is how long a users.info answer is trusted: admin rights and
	// time zones change rarely, and users.info is rate limited.
	userTTL = 10 * time.Minute
	// userWait is how long a request waits for users.info before going on
	// with what its payload says.
	userWait = time.Second
	// webTimeout bounds one Web API call.
	webTimeout = 15 * time.Second
)

// somethingWentWrong is what a person sees when okrbot failed them.
const somethingWentWrong = "Something went wrong on our side. Please try again."

// Adapter connects a bot.Handler to Slack over HTTP (ServeHTTP) or Socket
// Mode (RunSocketMode), and sends messages outside of requests (it is a
// bot.Sender). It is safe for concurrent use.
type Adapter struct {
	h        bot.Handler
	api      *slack.Client
	secret   string
	appToken string
	log      *slog.Logger
	now      func() time.Time
	users    *userCache
	userWait time.Duration

	dmMu sync.Mutex
	dms  map[string]string // user ID → DM channel ID; they never change

	inflight sync.WaitGroup
	// team is the workspace of the bot token, from auth.test.
	team atomic.Pointer[string]
}

// New returns an adapter that hands requests to h.
func New(cfg Config, h bot.Handler) *Adapter {
	apiURL := cmp.Or(cfg.APIURL, slack.APIURL)
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go appends method names to it
	}
	a := &Adapter{
		h:        h,
		secret:   cfg.SigningSecret,
		appToken: cfg.AppToken,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		now:      cfg.Now,
		userWait: userWait,
		dms:      map[string]string{},
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.api = slack.New(cfg.BotToken,
		slack.OptionAPIURL(apiURL),
		slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{Timeout: webTimeout}),
	)
	a.users = &userCache{
		fetch:    a.fetchUser,
		now:      a.now,
		ttl:      userTTL,
		timeout:  webTimeout,
		inflight: &a.inflight,
		entries:  map[string]*userEntry{},
	}
	return a
}

// TeamID asks Slack (auth.test) which workspace the bot token belongs to,
// which also proves that the token works.
func (a *Adapter) TeamID(ctx context.Context) (string, error) {
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("slack: auth.test with SLACK_BOT_TOKEN: %w", err)
	}
	a.team.Store(&resp.TeamID)
	return resp.TeamID, nil
}

// Drain waits until the work started by past requests (handlers running
// after their ack, replies being delivered) has finished, or ctx is done.
// Call it after the HTTP server and Socket Mode have stopped taking
// requests, so that a shutdown does not drop replies.
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

// Serves reports whether the adapter can send to ws: a Slack workspace of
// the bot token, once TeamID has learnt it.
func (a *Adapter) Serves(ws bot.Workspace) bool {
	team := a.team.Load()
	return ws.Platform == Platform && team != nil && ws.TeamID == *team
}

var _ bot.Sender = (*Adapter)(nil)

// Send posts a message to a channel, or to a person (in their direct
// messages with okrbot), in the thread of to.Thread if set. Errors are
// *bot.SendError, classified for retrying.
func (a *Adapter) Send(ctx context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	text, blocks, err := RenderMessage(msg)
	if err != nil {
		return bot.MessageRef{}, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("slack: render message: %w", err)}
	}
	channel := to.ID
	if to.Kind == bot.DirectChat {
		if channel, err = a.openDM(ctx, to.ID); err != nil {
			return bot.MessageRef{}, classify(err)
		}
	}
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
	if to.Thread != "" {
		opts = append(opts, slack.MsgOptionTS(to.Thread))
	}
	ch, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		if IsGone(err) && to.Kind == bot.DirectChat {
			a.forgetDM(to.ID)
		}
		return bot.MessageRef{}, classify(fmt.Errorf("slack: post to %s: %w", to.ID, err))
	}
	return bot.MessageRef{Address: to, Conversation: ch, ID: ts}, nil
}

// Update replaces a message sent by Send.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	text, blocks, err := RenderMessage(msg)
	if err != nil {
		return &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("slack: render message: %w", err)}
	}
	_, _, _, err = a.api.UpdateMessageContext(ctx, ref.Conversation, ref.ID,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		return classify(fmt.Errorf("slack: update %s/%s: %w", ref.Conversation, ref.ID, err))
	}
	return nil
}

// UserInfo returns what Slack knows about a user of ws: name, admin rights,
// time zone. Answers are cached for a few minutes. A deactivated user is
// ErrDeactivated.
func (a *Adapter) UserInfo(ctx context.Context, ws bot.Workspace, userID string) (bot.User, error) {
	if !a.Serves(ws) {
		return bot.User{}, fmt.Errorf("slack: users.info %s: workspace %s is not this bot token's", userID, ws.TeamID)
	}
	return a.users.lookup(ctx, userID)
}

func (a *Adapter) fetchUser(ctx context.Context, id string) (bot.User, error) {
	u, err := a.api.GetUserInfoContext(ctx, id)
	if err != nil {
		return bot.User{}, fmt.Errorf("slack: users.info %s: %w", id, err)
	}
	if u.Deleted {
		return bot.User{}, fmt.Errorf("slack: users.info %s: %w", id, ErrDeactivated)
	}
	return bot.User{
		ID:      u.ID,
		Name:    cmp.Or(u.Profile.RealName, u.RealName, u.Name),
		IsAdmin: u.IsAdmin || u.IsOwner,
		TZ:      u.TZ,
	}, nil
}

// openDM resolves a user ID to the ID of the bot's direct message channel
// with them.
func (a *Adapter) openDM(ctx context.Context, id string) (string, error) {
	a.dmMu.Lock()
	ch, ok := a.dms[id]
	a.dmMu.Unlock()
	if ok {
		return ch, nil
	}
	c, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{id}})
	if err != nil {
		return "", fmt.Errorf("slack: open DM with %s: %w", id, err)
	}
	a.dmMu.Lock()
	a.dms[id] = c.ID
	a.dmMu.Unlock()
	return c.ID, nil
}

func (a *Adapter) forgetDM(id string) {
	a.dmMu.Lock()
	delete(a.dms, id)
	a.dmMu.Unlock()
}

// requestLog is the logger for one request, tagged with an id that ties
// together the lines its ack, handler and delivery write.
func (a *Adapter) requestLog(kind, team, user string) *slog.Logger {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return a.log.With("req", hex.EncodeToString(b[:]), "kind", kind, "team", team, "user", user)
}

// later runs the part of a request that comes after its ack, detached from
// the request's cancellation but keeping its context values.
func (a *Adapter) later(ctx context.Context, log *slog.Logger, fn func(context.Context)) {
	if fn == nil {
		return
	}
	a.inflight.Add(1)
	go func() {
		defer a.inflight.Done()
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
