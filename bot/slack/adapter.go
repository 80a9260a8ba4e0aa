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
// Mode (RunSocketMode), and sends messages outside of requests (Post,
// Update). It is safe for concurrent use.
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

// Post sends a message to a channel, or to a person by their user ID (in
// their direct messages with okrbot), in the thread of threadTS if set.
// Errors keep slack-go's types; see RetryAfter, IsGone and IsTemporary.
func (a *Adapter) Post(ctx context.Context, channelOrUserID, threadTS string, msg bot.Message) (bot.MessageRef, error) {
	text, blocks, err := renderMessage(msg)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("slack: render message: %w", err)
	}
	channel, err := a.openDM(ctx, channelOrUserID)
	if err != nil {
		return bot.MessageRef{}, err
	}
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	ch, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		if IsGone(err) {
			a.forgetDM(channelOrUserID)
		}
		return bot.MessageRef{}, fmt.Errorf("slack: post to %s: %w", channelOrUserID, err)
	}
	return bot.MessageRef{Channel: ch, TS: ts}, nil
}

// Update replaces a message sent by Post.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	text, blocks, err := renderMessage(msg)
	if err != nil {
		return fmt.Errorf("slack: render message: %w", err)
	}
	_, _, _, err = a.api.UpdateMessageContext(ctx, ref.Channel, ref.TS,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		return fmt.Errorf("slack: update %s/%s: %w", ref.Channel, ref.TS, err)
	}
	return nil
}

// UserInfo returns what Slack knows about a user: name, admin rights, time
// zone. Answers are cached for a few minutes. A deactivated user is
// ErrDeactivated.
func (a *Adapter) UserInfo(ctx context.Context, userID string) (bot.User, error) {
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

// isUserID tells user IDs (U…, or W… on Enterprise Grid) from channel IDs.
func isUserID(id string) bool { return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") }

// openDM resolves a user ID to the ID of the bot's direct message channel
// with them; channel IDs pass through.
func (a *Adapter) openDM(ctx context.Context, id string) (string, error) {
	if !isUserID(id) {
		return id, nil
	}
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
