package slack

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack/install"
)

// Platform is the bot.Workspace.Platform of Slack workspaces.
const Platform = "slack"

// Capabilities are what Slack can do: okrbot posts and sends direct
// messages on its own, and asks Slack who people are.
var Capabilities = bot.Capabilities{PlatformName: "Slack", Delivers: true, Directory: true}

// Config is what the adapter needs from the environment.
type Config struct {
	BotToken      string // SLACK_BOT_TOKEN xoxb-…: serve the one workspace of this token
	AppToken      string // SLACK_APP_TOKEN xapp-…, enables Socket Mode
	SigningSecret string // SLACK_SIGNING_SECRET, HTTP mode
	APIURL        string // SLACK_API_URL override of https://slack.com/api/
	// Installations, when set instead of BotToken, serves every workspace
	// okrbot is installed in, each with its own token.
	Installations Installations
	// Allowed are the teams and organizations okrbot serves
	// (OKRBOT_SLACK_TEAMS); requests from others are refused. nil allows
	// any.
	Allowed install.Allowed
	Logger  *slog.Logger
	Now     func() time.Time // for signature timestamp checks; default time.Now
	// Observer, when set, is told of every request and every Web API call
	// (for metrics).
	Observer bot.Observer
	// Queue runs the work that follows acks; by default one of the
	// adapter's own, sized for the machine.
	Queue *bot.Queue
}

// Installations are the workspaces okrbot is installed in, when one okrbot
// serves many (installed from /slack/install).
type Installations interface {
	// Token is the bot token serving a workspace: its own installation's,
	// or its Enterprise Grid organization's (org may be empty).
	Token(ctx context.Context, org, team string) (string, error)
	// Installed reports whether okrbot is installed in a workspace now,
	// as last read (and read again with ctx when that is long ago).
	Installed(ctx context.Context, org, team string) bool
	// InstalledNow is Installed, reading the installations again when
	// those last read do not have the workspace: a request may come from
	// a workspace that another replica installed okrbot in a moment ago.
	InstalledNow(ctx context.Context, org, team string) bool
	// Uninstalled is told that Slack took okrbot's token away from a
	// workspace, or from a whole organization (team empty), and why (the
	// event that said so).
	Uninstalled(ctx context.Context, org, team, reason string)
	// TokenRefused is told that Slack refused token, the one okrbot used
	// for a workspace, with one of TokenErrors (code): the installation
	// serving the workspace no longer works, unless that token was
	// replaced meanwhile.
	TokenRefused(ctx context.Context, org, team, token, code string)
}

const (
	// submitTimeout leaves room, within the 3 seconds Slack waits for the
	// ack of a view submission, for the network and for writing the answer.
	submitTimeout = 2500 * time.Millisecond
	// userTTL is how long a users.info answer is trusted: admin rights and
	// time zones change rarely, and users.info is rate limited.
	userTTL = 10 * time.Minute
	// userRetryAfter is how long a failed users.info is not asked again
	// for a request's rights: the request that just waited for it would
	// only wait again.
	userRetryAfter = 5 * time.Second
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
	api      *slack.Client // with SLACK_BOT_TOKEN, and the app token for Socket Mode
	apiURL   string
	installs Installations
	allowed  install.Allowed
	secret   string
	appToken string
	log      *slog.Logger
	now      func() time.Time
	users    *userCache
	userWait time.Duration
	obs      bot.Observer
	queue    *bot.Queue
	http     *http.Transport // of every Web API client, shared to reuse connections
	apiPath  string          // the path of apiURL, which Web API method names follow

	mu      sync.Mutex
	dms     map[userKey]string       // the DM channels this adapter opened, for addresses without a Ref
	clients map[string]*slack.Client // by bot token, with Installations
	// owners are the workspaces each token of clients was used for, so
	// that a token Slack refuses is traced to its installation.
	owners map[string]bot.Workspace
	files  files // pictures uploaded (images.go)

	// inflight counts the work started outside the queue: people looked
	// up, forms handled before their ack in Socket Mode.
	inflight sync.WaitGroup
	// team is the workspace of SLACK_BOT_TOKEN, from auth.test.
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
		apiURL:   apiURL,
		installs: cfg.Installations,
		allowed:  cfg.Allowed,
		secret:   cfg.SigningSecret,
		appToken: cfg.AppToken,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		now:      cfg.Now,
		userWait: userWait,
		obs:      cfg.Observer,
		queue:    cfg.Queue,
		http:     bot.NewTransport(),
		dms:      map[userKey]string{},
		clients:  map[string]*slack.Client{},
		owners:   map[string]bot.Workspace{},
		files:    files{ids: map[fileKey]string{}},
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.queue == nil {
		a.queue = bot.NewDefaultQueue()
	}
	if u, err := url.Parse(apiURL); err == nil {
		a.apiPath = u.Path
	}
	a.api = a.newClient(cfg.BotToken)
	a.users = &userCache{
		fetch:    a.fetchUser,
		now:      a.now,
		ttl:      userTTL,
		timeout:  webTimeout,
		inflight: &a.inflight,
		entries:  map[userKey]*userEntry{},
	}
	return a
}

func (a *Adapter) newClient(botToken string) *slack.Client {
	return slack.New(botToken,
		slack.OptionAPIURL(a.apiURL),
		slack.OptionAppLevelToken(a.appToken),
		slack.OptionHTTPClient(&http.Client{Timeout: webTimeout, Transport: &apiTransport{a: a, base: a.http, token: botToken}}),
	)
}

// client is the Web API client with the bot token of ws.
func (a *Adapter) client(ctx context.Context, ws bot.Workspace) (*slack.Client, error) {
	if a.installs == nil {
		if !a.Serves(ctx, ws) {
			return nil, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("slack: workspace %s is not SLACK_BOT_TOKEN's", ws.TeamID)}
		}
		return a.api, nil
	}
	token, err := a.installs.Token(ctx, ws.Org, ws.TeamID)
	if err != nil {
		return nil, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("slack: workspace %s: %w", ws.TeamID, err)}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.clients[token]
	if c == nil {
		if len(a.clients) > 10_000 {
			// refreshed tokens leave old clients behind
			clear(a.clients)
			clear(a.owners)
		}
		c = a.newClient(token)
		a.clients[token] = c
		a.owners[token] = ws
	}
	return c, nil
}

// TeamID asks Slack (auth.test) which workspace SLACK_BOT_TOKEN belongs to,
// which also proves that the token works.
func (a *Adapter) TeamID(ctx context.Context) (string, error) {
	resp, err := a.AuthTest(ctx)
	if err != nil {
		return "", fmt.Errorf("slack: auth.test with SLACK_BOT_TOKEN: %w", err)
	}
	return resp.TeamID, nil
}

// AuthTest asks Slack who SLACK_BOT_TOKEN is (auth.test), which proves
// that the token works, and serves the workspace it names from then on.
// Its error is slack-go's, unwrapped: a slack.SlackErrorResponse when
// Slack refused the token.
func (a *Adapter) AuthTest(ctx context.Context) (*slack.AuthTestResponse, error) {
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return nil, err
	}
	a.team.Store(&resp.TeamID)
	return resp, nil
}

// Backlog is how much work that follows acks (handlers and the delivery
// of their replies) was accepted and is not finished yet.
func (a *Adapter) Backlog() int { return a.queue.Backlog(Platform) }

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
		return a.queue.Drain(ctx)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Serves reports whether the adapter can send to ws: a Slack workspace
// okrbot is installed in, or the one of SLACK_BOT_TOKEN once TeamID has
// learnt it, and that OKRBOT_SLACK_TEAMS allows.
func (a *Adapter) Serves(ctx context.Context, ws bot.Workspace) bool {
	if ws.Platform != Platform || !a.allowed.Serves(ws.Org, ws.TeamID) {
		// Installed before OKRBOT_SLACK_TEAMS left it out: no message
		// goes there either.
		return false
	}
	if a.installs != nil {
		return a.installs.Installed(ctx, ws.Org, ws.TeamID)
	}
	team := a.team.Load()
	return team != nil && ws.TeamID == *team
}

var _ bot.Sender = (*Adapter)(nil)

// Send posts a message to a channel, or to a person (in their direct
// messages with okrbot), in the thread of to.Thread if set, with its
// pictures uploaded. A person's DM channel is one this adapter opened
// before, else to.Ref, else opened now (conversations.open); the
// returned MessageRef's Address carries it as its Ref, for the caller to
// keep. A kept DM channel that Slack no longer knows is opened again.
// Errors are *bot.SendError, classified for retrying.
func (a *Adapter) Send(ctx context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	if _, _, err := RenderMessage(msg); err != nil {
		return bot.MessageRef{}, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("slack: render message: %w", err)}
	}
	api, err := a.client(ctx, to.Workspace)
	if err != nil {
		return bot.MessageRef{}, err
	}
	channel, opened := to.ID, false
	if to.Kind == bot.DirectChat {
		if channel, opened, err = a.dm(ctx, api, to); err != nil {
			return bot.MessageRef{}, classify(err)
		}
	}
	var ch, ts string
	err = a.post(ctx, api, to.Workspace, msg, maxMessageBlocks, a.log, func(text string, blocks []slack.Block) (err error) {
		opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
		if to.Thread != "" {
			opts = append(opts, slack.MsgOptionTS(to.Thread))
		}
		ch, ts, err = api.PostMessageContext(ctx, channel, opts...)
		if err == nil || opened || to.Kind != bot.DirectChat || !isStaleDM(err) {
			return err
		}
		// A DM channel kept from before that Slack no longer knows (okrbot
		// was installed again, as another app, say): the person's DM
		// with okrbot now is another one.
		a.log.InfoContext(ctx, "kept DM channel is gone; opening the DM again", "team", to.Workspace.TeamID, "user", to.ID, "channel", channel, "err", err)
		a.forgetDM(to.Workspace, to.ID)
		if channel, err = a.openDM(ctx, api, to.Workspace, to.ID); err != nil {
			return err
		}
		opened = true
		ch, ts, err = api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		if IsGone(err) && to.Kind == bot.DirectChat {
			a.forgetDM(to.Workspace, to.ID)
		}
		return bot.MessageRef{}, classify(fmt.Errorf("slack: post to %s: %w", to.ID, err))
	}
	if to.Kind == bot.DirectChat {
		to.Ref = channel
	}
	return bot.MessageRef{Address: to, Conversation: ch, ID: ts}, nil
}

var _ bot.Opener = (*Adapter)(nil)

// Open opens the direct chat of a person (conversations.open) and keeps
// its channel for Send, unless to.Ref names it already or this adapter
// opened it before; other addresses need nothing. Errors are
// *bot.SendError.
func (a *Adapter) Open(ctx context.Context, to bot.Address) error {
	if to.Kind != bot.DirectChat || to.Ref != "" {
		return nil
	}
	api, err := a.client(ctx, to.Workspace)
	if err != nil {
		return err
	}
	if _, _, err := a.dm(ctx, api, to); err != nil {
		return classify(err)
	}
	return nil
}

// remember hands the Handler the DM channel that Send opened to answer a
// person, when the Handler keeps them: the next message to them, from any
// process, then needs no conversations.open.
func (a *Adapter) remember(ctx context.Context, to bot.Address, sent bot.MessageRef) {
	r, ok := a.h.(bot.Rememberer)
	if !ok || sent.Address.Ref == to.Ref {
		return
	}
	if err := r.Remember(ctx, sent.Address); err != nil {
		a.log.WarnContext(ctx, "DM channel not remembered", "team", to.Workspace.TeamID, "user", to.ID, "err", err)
	}
}

// Update replaces a message sent by Send.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	if _, _, err := RenderMessage(msg); err != nil {
		return &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("slack: render message: %w", err)}
	}
	api, err := a.client(ctx, ref.Address.Workspace)
	if err != nil {
		return err
	}
	err = a.post(ctx, api, ref.Address.Workspace, msg, maxMessageBlocks, a.log, func(text string, blocks []slack.Block) error {
		_, _, _, err := api.UpdateMessageContext(ctx, ref.Conversation, ref.ID,
			slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		return err
	})
	if err != nil {
		return classify(fmt.Errorf("slack: update %s/%s: %w", ref.Conversation, ref.ID, err))
	}
	return nil
}

// UserInfo returns what Slack knows about a user of ws: name, admin rights,
// time zone. Answers are cached for a few minutes. A deactivated user is
// ErrDeactivated.
func (a *Adapter) UserInfo(ctx context.Context, ws bot.Workspace, userID string) (bot.User, error) {
	return a.users.lookup(ctx, userKey{ws, userID})
}

var _ bot.People = (*Adapter)(nil)

// RecentUser is UserInfo no older than maxAge: what okrbot decides on
// admin rights is asked of Slack again once the answer it has is older.
func (a *Adapter) RecentUser(ctx context.Context, ws bot.Workspace, userID string, maxAge time.Duration) (bot.User, error) {
	return a.users.lookupWithin(ctx, userKey{ws, userID}, maxAge, userRetryAfter)
}

func (a *Adapter) fetchUser(ctx context.Context, k userKey) (bot.User, error) {
	id := k.id
	api, err := a.client(ctx, k.ws)
	if err != nil {
		return bot.User{}, err
	}
	u, err := api.GetUserInfoContext(ctx, id)
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
		// Multi-channel guests are restricted, single-channel ones
		// ultra-restricted; either is a guest.
		IsGuest: u.IsRestricted || u.IsUltraRestricted,
		TZ:      u.TZ,
	}, nil
}

// dm is the channel of okrbot's direct messages with the person `to`
// names: the one this adapter opened, which Slack gave it, else to's Ref,
// else one opened now, which opened says.
func (a *Adapter) dm(ctx context.Context, api *slack.Client, to bot.Address) (channel string, opened bool, err error) {
	a.mu.Lock()
	ch, ok := a.dms[userKey{to.Workspace, to.ID}]
	a.mu.Unlock()
	switch {
	case ok:
		return ch, false, nil
	case to.Ref != "":
		return to.Ref, false, nil
	}
	ch, err = a.openDM(ctx, api, to.Workspace, to.ID)
	return ch, err == nil, err
}

// openDM asks Slack for the channel of okrbot's direct messages with a
// person of ws (conversations.open), and keeps it for this adapter.
func (a *Adapter) openDM(ctx context.Context, api *slack.Client, ws bot.Workspace, id string) (string, error) {
	k := userKey{ws, id}
	c, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{id}})
	if err != nil {
		return "", fmt.Errorf("slack: open DM with %s: %w", id, err)
	}
	a.mu.Lock()
	if len(a.dms) > maxCachedUsers {
		clear(a.dms)
	}
	a.dms[k] = c.ID
	a.mu.Unlock()
	return c.ID, nil
}

func (a *Adapter) forgetDM(ws bot.Workspace, id string) {
	a.mu.Lock()
	delete(a.dms, userKey{ws, id})
	a.mu.Unlock()
}

// later runs the part of a request that comes after its ack in the
// queue, or tells the person that okrbot is busy when the queue is full.
func (a *Adapter) later(ctx context.Context, x *exchange, fn afterAck) {
	ctx = bot.WithRequestID(ctx, x.id)
	var busy afterAck
	if !x.quietWhenBusy {
		busy = func(ctx context.Context) { x.send(ctx, bot.BusyMessage()) }
	}
	switch {
	case x.accepted:
		a.queue.RunAccepted(ctx, x.track, x.log, fn)
	case x.noRoom:
		a.queue.TellBusy(ctx, x.track, x.log, busy)
	default:
		a.queue.Later(ctx, x.track, x.log, fn, busy)
	}
}

// accept takes the queue's place for a request whose handler runs before
// its ack (a form) or whose ack says whether it was taken (a slash
// command); when the queue is full, the request is marked as one okrbot
// had no room for.
func (a *Adapter) accept(x *exchange) bool {
	x.accepted = a.queue.Accept()
	if !x.accepted {
		a.queue.NoRoom(x.track, x.log)
	}
	return x.accepted
}

// busyAck is the ack of a slash command the queue had no room for: a
// message only its sender sees.
// (slack.Msg would add fields such as "blocks": null.)
var busyAck = struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}{slack.ResponseTypeEphemeral, bot.Busy}
