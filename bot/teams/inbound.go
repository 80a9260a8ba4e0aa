package teams

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// maxBody bounds a request body; Teams activities are far smaller.
const maxBody = 1 << 20

// memberLookupTimeout bounds resolving one mentioned person.
const memberLookupTimeout = 5 * time.Second

// ServeHTTP answers the Bot Connector at the bot's messaging endpoint
// (POST /api/messages). Every request must carry the Bot Connector's
// signed token; anything else is refused with 401 and nothing is done.
// Messages are acknowledged at once and handled afterwards; invokes (card
// buttons, dialogs) are answered in the response, within Teams' 15 seconds.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := bot.NewTrack(a.obs, Platform, bot.KindUnknown)
	if r.Method != http.MethodPost {
		t.Refused()
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		t.Refused()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		t.Refused()
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	var act activity
	if err := json.Unmarshal(body, &act); err != nil {
		t.Refused()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if err := a.auth.verify(r.Context(), authz, &act); err != nil {
		t.Refused()
		a.log.Warn("teams request refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	t.SetKind(kindOf(&act))
	id, log := a.requestLog(&act)
	ctx := bot.WithRequestID(r.Context(), id)
	if tenant := act.tenant(); tenant != a.tenant {
		// A bot registered in one tenant answers that tenant only: its
		// token and its stored data belong to it.
		t.Refused()
		log.Warn("activity from another tenant refused", "tenant", tenant)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if act.ChannelID != "msteams" {
		log.Debug("activity from another channel ignored", "channel", act.ChannelID)
		w.WriteHeader(http.StatusOK)
		t.Acked()
		t.Done(false)
		return
	}
	a.dir.observe(&act)
	switch act.Type {
	case "message":
		w.WriteHeader(http.StatusOK)
		t.Acked()
		a.queue.Later(ctx, t, log, func(ctx context.Context) { a.onMessage(ctx, t, log, &act) },
			func(ctx context.Context) { a.tellBusyOf(ctx, t, log, &act) })
	case "invoke":
		a.onInvoke(ctx, w, t, log, &act)
	case "installationUpdate", "conversationUpdate":
		a.onEvent(ctx, w, t, log, &act)
	default:
		log.Debug("activity ignored")
		w.WriteHeader(http.StatusOK)
		t.Acked()
		t.Done(false)
	}
}

// kindOf is what an activity is, as metrics count it.
func kindOf(act *activity) bot.RequestKind {
	switch {
	case act.Type == "message":
		return bot.KindCommand
	case act.Type == "invoke" && act.Name == "adaptiveCard/action":
		return bot.KindAction
	case act.Type == "invoke" && strings.HasPrefix(act.Name, "task/"):
		return bot.KindForm
	}
	return bot.KindEvent
}

// exchange is one activity from Teams and where its answers go.
type exchange struct {
	a     *Adapter
	log   *slog.Logger
	track *bot.Track
	act   *activity
	req   bot.Request
}

var errAnonymous = errors.New("activity without a tenant or an AAD user")

func (a *Adapter) newExchange(t *bot.Track, log *slog.Logger, act *activity) (*exchange, error) {
	tenant := act.tenant()
	if tenant == "" || act.From == nil || act.From.AADObjectID == "" || act.Conversation == nil {
		return nil, errAnonymous
	}
	ws := bot.Workspace{Platform: Platform, TeamID: tenant}
	ref := refOf(act)
	addr := bot.Address{Workspace: ws, Kind: bot.Channel, ID: ref.Conversation, Ref: ref.encode()}
	if ref.Kind == personalChat {
		addr.Kind, addr.ID = bot.DirectChat, act.From.AADObjectID
	} else if ref.Kind == channelChat {
		_, addr.Thread = splitThread(act.Conversation.ID)
	}
	return &exchange{a: a, log: log, track: t, act: act, req: bot.Request{
		Workspace:    ws,
		User:         bot.User{ID: act.From.AADObjectID, Name: act.From.Name, TZ: act.timeZone()},
		Address:      addr,
		CanOpenForm:  true,
		ShowsImages:  true,
		Capabilities: Capabilities,
	}}, nil
}

func (x *exchange) personal() bool { return x.act.kind() == personalChat }

// onMessage handles a message after its ack: a command typed to the bot.
func (a *Adapter) onMessage(ctx context.Context, t *bot.Track, log *slog.Logger, act *activity) {
	x, err := a.newExchange(t, log, act)
	if err != nil {
		log.Warn("message ignored", "err", err)
		return
	}
	x.req.Command, x.req.Text = x.command(ctx)
	log.Info("command", "command", x.req.Command, "conversation", act.kind())
	var reply bot.Reply
	if !x.call(func() { reply = a.h.Command(ctx, x.req) }) {
		x.private(ctx, bot.Message{Summary: bot.T(somethingWentWrong)})
		return
	}
	switch {
	case reply.Form != nil:
		x.showForm(ctx, *reply.Form)
	case reply.Message != nil:
		x.deliver(ctx, *reply.Message)
	}
}

// tellBusyOf tells the person who sent a message that okrbot is busy,
// where the reply to it would have gone.
func (a *Adapter) tellBusyOf(ctx context.Context, t *bot.Track, log *slog.Logger, act *activity) {
	x, err := a.newExchange(t, log, act)
	if err != nil {
		log.Warn("busy reply not sent", "err", err)
		return
	}
	x.deliver(ctx, bot.BusyMessage())
}

// call runs a handler, turning a panic into a logged error. It reports
// whether the handler returned normally.
func (x *exchange) call(fn func()) (ok bool) { return x.track.Handle(x.log, fn) }

// command turns the message into the command and its text, with mentions
// of the bot removed, people as "@KEY" and channels as "#KEY". A message
// is "okr …", "/okr …", "kpi …", "/kpi …"; anything else, such as "help",
// goes to /okr.
func (x *exchange) command(ctx context.Context) (command, text string) {
	text = x.act.Text
	var botID string
	if x.act.Recipient != nil {
		botID = x.act.Recipient.ID
	}
	people, channels := 0, 0
	for _, e := range x.act.Entities {
		if e.Type != "mention" || e.Mentioned == nil || e.Text == "" {
			continue
		}
		id := e.Mentioned.ID
		var word string
		switch {
		case id == botID:
		case strings.HasPrefix(id, "19:"):
			channels++
			key := "c" + strconv.Itoa(channels)
			if x.req.Channels == nil {
				x.req.Channels = map[string]bot.ChannelInfo{}
			}
			x.req.Channels[key] = bot.ChannelInfo{ID: id, Name: e.Mentioned.Name}
			word = "#" + key
		case strings.HasPrefix(id, "29:") || strings.HasPrefix(id, "8:orgid:"):
			people++
			key := "p" + strconv.Itoa(people)
			if x.req.People == nil {
				x.req.People = map[string]bot.User{}
			}
			x.req.People[key] = bot.User{ID: x.aadOf(ctx, id, e.Mentioned.AADObjectID), Name: e.Mentioned.Name}
			word = "@" + key
		default:
			// Other bots and tags are no one okrbot can name: keep the text.
			word = "@" + strings.Join(strings.Fields(e.Mentioned.Name), "")
		}
		text = replaceWord(text, e.Text, word)
	}
	// Teams sends HTML entities (&nbsp;, &amp;) in message text.
	text = strings.ReplaceAll(html.UnescapeString(text), "\u00a0", " ")
	return parseCommand(strings.TrimSpace(text))
}

// replaceWord replaces the first old in s with word, keeping word apart
// from the text around it.
func replaceWord(s, old, word string) string {
	i := strings.Index(s, old)
	if i < 0 {
		return s
	}
	before, after := s[:i], s[i+len(old):]
	if word != "" && before != "" && !strings.HasSuffix(before, " ") {
		word = " " + word
	}
	if word != "" && after != "" && !strings.HasPrefix(after, " ") {
		word += " "
	}
	return before + word + after
}

// aadOf is the AAD object id of a mentioned person: from the mention when
// Teams gives it, else from the Bot Connector's members API. When that
// fails the "29:" id stands in, which okrbot will not know.
func (x *exchange) aadOf(ctx context.Context, user, aad string) string {
	tenant := x.act.tenant()
	if aad != "" {
		x.a.dir.learnMember(tenant, user, aad)
		return aad
	}
	if aad, ok := x.a.dir.member(tenant, user); ok {
		return aad
	}
	conv, _ := splitThread(x.act.Conversation.ID)
	if cd := x.act.ChannelData; cd != nil && cd.Team != nil && cd.Team.ID != "" {
		conv = cd.Team.ID // channel members are the team's
	}
	ctx, cancel := context.WithTimeout(ctx, memberLookupTimeout)
	defer cancel()
	m, err := x.a.conn.getMember(ctx, x.act.ServiceURL, conv, user)
	if team := x.a.dir.tenant(tenant).team; err != nil && team != "" && team != conv {
		// Teams answers only for members of the conversation asked: a
		// person mentioned in a one-to-one chat is found in a team.
		m, err = x.a.conn.getMember(ctx, x.act.ServiceURL, team, user)
	}
	if err != nil || m.AADObjectID == "" {
		x.log.Warn("mentioned person not resolved", "user", user, "err", err)
		return user
	}
	x.a.dir.learnMember(tenant, user, m.AADObjectID)
	return m.AADObjectID
}

// deliver sends a reply message where the question was: in a channel,
// into its thread; in a group chat, into the chat. Only what is the
// person's own (bot.Private) goes to their one-to-one chat: Teams has no
// messages that one person in a conversation sees alone.
func (x *exchange) deliver(ctx context.Context, msg bot.Message) {
	if msg.Visibility == bot.Private && !x.personal() {
		x.private(ctx, msg)
		return
	}
	if err := x.reply(ctx, x.a.cards.message(ctx, x.req.Workspace, msg)); err != nil {
		x.track.Fail()
		x.log.Error("reply not sent", "err", err)
	}
}

// reply posts act into the conversation the activity came from; in a
// channel, into its thread.
func (x *exchange) reply(ctx context.Context, act *activity) error {
	conv := x.act.Conversation.ID
	replyTo := ""
	if x.act.kind() == channelChat {
		if _, root := splitThread(conv); root != "" {
			replyTo = root
		} else {
			replyTo = x.act.ID
		}
	}
	_, err := x.a.conn.sendActivity(ctx, x.act.ServiceURL, conv, replyTo, act)
	return err
}

// private sends msg to the person's one-to-one chat with the bot. If Teams
// will not let okrbot write there, the conversation gets a note that says
// so and nothing of the message.
func (x *exchange) private(ctx context.Context, msg bot.Message) {
	to := x.directAddress()
	sent, err := x.a.Send(ctx, to, msg)
	if err == nil {
		x.a.remember(ctx, to, sent)
		return
	}
	if x.personal() {
		x.track.Fail()
		x.log.Error("private reply not sent", "err", err)
		return
	}
	x.log.Warn("private reply not sent; telling the conversation", "err", err)
	text := bot.T(bot.Mention(x.req.User.ID, x.req.User.Name),
		", I could not send you a private answer. Open a chat with okrbot in Teams and try again.")
	if err := x.reply(ctx, x.a.cards.message(ctx, x.req.Workspace, bot.Message{Summary: text})); err != nil {
		x.track.Fail()
		x.log.Error("note about the private reply not sent", "err", err)
	}
}

// directAddress is the asker's one-to-one chat.
func (x *exchange) directAddress() bot.Address {
	ref := convRef{Kind: personalChat, ServiceURL: x.act.ServiceURL, Tenant: x.act.tenant(), User: x.act.From.ID}
	if x.act.Recipient != nil {
		ref.Bot = x.act.Recipient.ID
	}
	if x.personal() {
		ref = refOf(x.act)
	}
	return bot.Address{Workspace: x.req.Workspace, Kind: bot.DirectChat, ID: x.req.User.ID, Ref: ref.encode()}
}

// showForm answers a typed command with a form: in a one-to-one chat the
// form itself, elsewhere a card whose button opens it as a dialog, so that
// each person fills in their own.
func (x *exchange) showForm(ctx context.Context, f bot.Form) {
	card := x.a.cards.launcher(f, x.req.User)
	if x.personal() {
		card = x.a.cards.form(f, inlineForm, nil, nil)
	}
	act := cardActivity(card, f.Title)
	if size(act) > maxActivityBytes {
		x.log.Error("form too large for Teams", "callback_id", f.CallbackID)
		x.deliver(ctx, formFallback(f))
		return
	}
	if err := x.reply(ctx, act); err != nil {
		x.track.Fail()
		x.log.Error("form not sent", "err", err)
	}
}

// formFallback is what a person gets when a form cannot be shown.
func formFallback(f bot.Form) bot.Message {
	if f.Fallback.IsEmpty() {
		return bot.Message{Summary: bot.T(somethingWentWrong)}
	}
	return bot.Message{Summary: bot.T("This needs a form that Teams could not show here. ", f.Fallback)}
}
