package slack

import (
	"context"
	"errors"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// exchange is one request from Slack and where its answers go.
type exchange struct {
	a           *Adapter
	id          string // ties together the log lines of the request
	log         *slog.Logger
	track       *bot.Track
	req         bot.Request
	responseURL string
	triggerID   string
	view        *slack.View // the modal an action happened in, if any
	// accepted says that the queue took a place for the request's work
	// before its ack (see Adapter.accept); noRoom, that it had none, and
	// the person is still to be told so.
	accepted, noRoom bool
	// quietWhenBusy says that nobody waits for an answer (a Home tab
	// opened): when okrbot is busy, it says nothing.
	quietWhenBusy bool
	// refused says why the request is not served (see Adapter.refusal),
	// for the person to read; "" when it is served.
	refused string
}

// newExchange starts the exchange of a request that t follows; kind names
// it in the logs.
func (a *Adapter) newExchange(t *bot.Track, kind string, ws bot.Workspace, channel string, user bot.User) *exchange {
	id := bot.NewRequestID()
	return &exchange{
		a:     a,
		id:    id,
		log:   a.log.With("req", id, "kind", kind, "team", ws.TeamID, "user", user.ID),
		track: t,
		req:   bot.Request{Workspace: ws, User: user, Address: address(ws, channel, user.ID), ShowsImages: true, Capabilities: Capabilities},
	}
}

// workspace is a request's workspace: its team, and the Enterprise Grid
// organization when the payload names one.
func workspace(team, org string) bot.Workspace {
	return bot.Workspace{Platform: Platform, TeamID: team, Org: org}
}

// afterAck is the work a request leaves for after its ack.
type afterAck func(context.Context)

// refuse marks a request as not served, and why, in the log and for the
// person.
func (x *exchange) refuse(why string) {
	x.refused = why
	x.log.Warn("request refused", "org", x.req.Workspace.Org, "why", why)
}

// refusedAck is the ack of a slash command that is refused: why, as a
// message only its sender sees.
func refusedAck(why string) any {
	return struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}{slack.ResponseTypeEphemeral, why}
}

// command turns a slash command into the work to do after its ack. A
// refused command (x.refused) has none: its ack says why.
func (a *Adapter) command(ctx context.Context, t *bot.Track, cmd slack.SlashCommand) (*exchange, afterAck) {
	t.SetKind(bot.KindCommand)
	x := a.newExchange(t, "command", workspace(cmd.TeamID, cmd.EnterpriseID), cmd.ChannelID, bot.User{ID: cmd.UserID, Name: cmd.UserName})
	if why := a.refusal(ctx, x.req.Workspace); why != "" {
		x.refuse(why)
		return x, nil
	}
	x.req.Command = cmd.Command
	x.req.Text, x.req.People, x.req.Channels = NeutralText(cmd.Text)
	x.req.CanOpenForm = cmd.TriggerID != ""
	x.responseURL, x.triggerID = cmd.ResponseURL, cmd.TriggerID
	x.log.Info("slash command", "command", cmd.Command, "channel", cmd.ChannelID)
	return x, func(ctx context.Context) {
		x.enrichUser(ctx)
		var reply bot.Reply
		if x.call(func() { reply = a.h.Command(ctx, x.req) }) {
			x.send(ctx, bot.Message{Summary: bot.T(somethingWentWrong)})
			return
		}
		x.deliver(ctx, reply)
	}
}

// interaction turns an interaction payload into the ack's payload (nil for
// an empty ack) and the work to do after the ack.
func (a *Adapter) interaction(ctx context.Context, t *bot.Track, cb *slack.InteractionCallback) (*exchange, *slack.ViewSubmissionResponse, afterAck) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		t.SetKind(bot.KindAction)
	case slack.InteractionTypeViewSubmission, slack.InteractionTypeViewClosed:
		t.SetKind(bot.KindForm)
	default:
		t.SetKind(bot.KindEvent)
	}
	x := a.newExchange(t, string(cb.Type), interactionWorkspace(cb), cb.Channel.ID, bot.User{ID: cb.User.ID, Name: cb.User.Name})
	x.req.CanOpenForm = cb.TriggerID != ""
	x.responseURL, x.triggerID = cb.ResponseURL, cb.TriggerID
	if why := a.refusal(ctx, x.req.Workspace); why != "" {
		x.refuse(why)
		return x, refusedInteraction(cb, why), x.tellRefused()
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return x, nil, x.blockActions(cb)
	case slack.InteractionTypeViewSubmission:
		ack, after := x.viewSubmission(ctx, &cb.View)
		return x, ack, after
	case slack.InteractionTypeViewClosed:
		x.log.Debug("modal closed", "callback_id", cb.View.CallbackID)
	default:
		x.log.Debug("interaction ignored")
	}
	return x, nil, nil
}

// refusedInteraction is the ack of a refused interaction: a form stays
// open and says why next to its first field; anything else is just
// acknowledged, and told after.
func refusedInteraction(cb *slack.InteractionCallback, why string) *slack.ViewSubmissionResponse {
	if cb.Type != slack.InteractionTypeViewSubmission {
		return nil
	}
	if id := firstInput(&cb.View); id != "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{id: why})
	}
	return nil
}

// tellRefused tells the person why their request was refused, where the
// request left a response URL to answer at: no token is needed there, and
// a workspace that is refused may have none.
func (x *exchange) tellRefused() afterAck {
	if x.responseURL == "" {
		return nil
	}
	return func(ctx context.Context) { x.send(ctx, bot.Message{Summary: bot.T(x.refused)}) }
}

func (x *exchange) blockActions(cb *slack.InteractionCallback) afterAck {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return nil
	}
	ba := cb.ActionCallback.BlockActions[0]
	act := bot.Action{ID: baseActionID(ba.ActionID), Value: actionValue(*ba)}
	if cb.View.ID != "" && cb.View.Type == slack.VTModal {
		x.view = &cb.View
		act.Form = submission(&cb.View)
	}
	x.log.Info("action", "action_id", act.ID, "in_modal", x.view != nil)
	return func(ctx context.Context) {
		x.enrichUser(ctx)
		var reply bot.Reply
		if x.call(func() { reply = x.a.h.Act(ctx, x.req, act) }) {
			x.send(ctx, bot.Message{Summary: bot.T(somethingWentWrong)})
			return
		}
		x.deliver(ctx, reply)
	}
}

// viewSubmission runs the handler before the ack, because Slack shows
// validation errors only when they come in the ack. User details come from
// the cache alone: there is no time to ask Slack.
func (x *exchange) viewSubmission(ctx context.Context, v *slack.View) (*slack.ViewSubmissionResponse, afterAck) {
	sub := submission(v)
	x.log.Info("form submitted", "callback_id", sub.CallbackID)
	if !x.a.accept(x) {
		// The form stays open with what the person typed, to submit
		// again in a minute; a form with nothing typed closes, and the
		// person is told after the ack.
		if id := firstInput(v); id != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{id: bot.Busy}), nil
		}
		x.noRoom = true
		return nil, nil
	}
	ctx = bot.WithRequestID(ctx, x.id)
	if u, ok := x.a.users.peek(ctx, x.req.Workspace, x.req.User); ok {
		x.req.User = u
	} else {
		x.log.Debug("user details not cached; using the payload's")
	}
	ctx, cancel := context.WithTimeout(ctx, submitTimeout)
	defer cancel()
	var res bot.SubmitResult
	if x.call(func() { res = x.a.h.Submit(ctx, x.req, *sub) }) {
		// Keep the form open, with what the person typed, when there is a
		// field to show the error next to.
		if id := firstInput(v); id != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{id: somethingWentWrong}), nil
		}
		res = bot.SubmitResult{Message: &bot.Message{Summary: bot.T(somethingWentWrong)}}
	}
	if len(res.Errors) > 0 {
		x.log.Info("form refused", "errors", len(res.Errors))
		return slack.NewErrorsViewSubmissionResponse(res.Errors), nil
	}
	if res.Message == nil {
		return nil, nil
	}
	msg := *res.Message
	return nil, func(ctx context.Context) { x.send(ctx, msg) }
}

// call runs a handler, turning a panic into a logged error. It reports
// whether the handler panicked.
func (x *exchange) call(fn func()) (panicked bool) { return !x.track.Handle(x.log, fn) }

// enrichUser adds what users.info knows about the person to the request.
func (x *exchange) enrichUser(ctx context.Context) {
	u, ok := x.a.users.enrich(ctx, x.req.Workspace, x.req.User, x.a.userWait)
	if !ok {
		x.log.Warn("users.info not available in time; going on with the payload's user")
	}
	x.req.User = u
}

func (x *exchange) deliver(ctx context.Context, r bot.Reply) {
	switch {
	case r.Form != nil:
		x.openForm(ctx, *r.Form)
	case r.Message != nil:
		x.send(ctx, *r.Message)
	}
}

var errNoTrigger = errors.New("no trigger_id to open a modal with")

// openForm opens a form as a modal, or replaces the modal an action came
// from. When Slack will not open it (trigger_ids expire after 3 seconds),
// the person gets the form's command-line fallback instead.
func (x *exchange) openForm(ctx context.Context, f bot.Form) {
	view, err := renderModal(f)
	var api *slack.Client
	if err == nil {
		api, err = x.a.client(ctx, x.req.Workspace)
	}
	switch {
	case err != nil:
	case x.view != nil:
		_, err = api.UpdateViewContext(ctx, view, "", x.view.Hash, x.view.ID)
	case x.triggerID != "":
		_, err = api.OpenViewContext(ctx, x.triggerID, view)
	default:
		err = errNoTrigger
	}
	if err == nil {
		return
	}
	x.track.Fail()
	x.log.Warn("form not opened", "callback_id", f.CallbackID, "err", err)
	text := bot.T(somethingWentWrong)
	if !f.Fallback.IsEmpty() {
		text = bot.T("This needs a form that Slack could not open here. ", f.Fallback)
	}
	x.send(ctx, bot.Message{Summary: text})
}

// send delivers a message: to the response_url of the request when it has
// one (so it appears where the person acted), else as a direct message.
func (x *exchange) send(ctx context.Context, m bot.Message) {
	if _, _, err := RenderMessage(m); err != nil {
		x.track.Fail()
		x.log.Error("message not rendered", "err", err)
		m = bot.Message{Summary: bot.T(somethingWentWrong)}
	}
	if x.responseURL == "" {
		to := bot.Address{Workspace: x.req.Workspace, Kind: bot.DirectChat, ID: x.req.User.ID}
		if x.req.Address.Kind == bot.DirectChat {
			to.Ref = x.req.Address.Ref
		}
		sent, err := x.a.Send(ctx, to, m)
		if err != nil {
			x.track.Fail()
			x.log.Error("reply not sent", "err", err)
			return
		}
		x.a.remember(ctx, to, sent)
		return
	}
	responseType := slack.ResponseTypeEphemeral
	if m.Visibility == bot.Conversation {
		responseType = slack.ResponseTypeInChannel
	}
	// A response URL takes no token, but pictures are uploaded with the
	// workspace's, which may cost a database read: only for pictures.
	var api *slack.Client
	if hasPictures(m) {
		if c, err := x.a.client(ctx, x.req.Workspace); err == nil {
			api = c
		}
	}
	err := x.a.post(ctx, api, x.req.Workspace, m, maxMessageBlocks, x.log, func(text string, blocks []slack.Block) error {
		_, _, err := x.a.api.PostMessageContext(ctx, "",
			slack.MsgOptionResponseURL(x.responseURL, responseType),
			slack.MsgOptionText(text, false),
			slack.MsgOptionBlocks(blocks...))
		return err
	})
	if err != nil {
		x.track.Fail()
		x.log.Error("reply not sent", "err", err)
	}
}
