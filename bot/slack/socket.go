package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/okrbot/okrbot/bot"
)

// ackTimeout bounds queueing an ack for the socket; it only waits when the
// connection is being replaced.
const ackTimeout = 5 * time.Second

var errNoAppToken = errors.New("slack: Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-…)")

// RunSocketMode receives Slack's requests over a Socket Mode WebSocket
// until ctx is done, then returns nil. slack-go's client reconnects by
// itself when the connection drops or Slack asks it to, backing off while
// Slack is unreachable; RunSocketMode returns an error only when Slack
// refuses the app token, which no retry would fix.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.appToken == "" {
		return errNoAppToken
	}
	client := socketmode.New(a.api)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case evt := <-client.Events:
			a.socketEvent(ctx, client, evt)
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		}
	}
}

// socketEvent handles one event from the socket. It must not block: the
// client waits for it before reading the next request.
func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	t := bot.NewTrack(a.obs, Platform, bot.KindUnknown)
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("slack socket connecting")
	case socketmode.EventTypeConnected:
		a.log.Info("slack socket connected")
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack socket connection failed; retrying", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack refused the app token")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack socket error", "type", evt.Type, "err", evt.Data)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return
		}
		x, after := a.command(ctx, t, cmd)
		if x.refused != "" {
			a.ack(ctx, client, evt.Request, refusedAck(x.refused))
			t.Acked()
			x.track.Done(false)
			return
		}
		if !a.accept(x) {
			a.ack(ctx, client, evt.Request, busyAck)
			t.Acked()
			x.track.Done(false)
			return
		}
		a.ack(ctx, client, evt.Request, nil)
		t.Acked()
		a.later(ctx, x, after)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return
		}
		if cb.Type != slack.InteractionTypeViewSubmission {
			a.ack(ctx, client, evt.Request, nil)
			x, _, after := a.interaction(ctx, t, &cb)
			t.Acked()
			a.later(ctx, x, after)
			return
		}
		// The handler's answer goes in the ack, so it runs off the event
		// loop.
		a.inflight.Add(1)
		go func() {
			defer a.inflight.Done()
			x, ack, after := a.interaction(ctx, t, &cb)
			var payload any // a nil *ViewSubmissionResponse would be sent as null
			if ack != nil {
				payload = ack
			}
			a.ack(ctx, client, evt.Request, payload)
			t.Acked()
			a.later(ctx, x, after)
		}()
	case socketmode.EventTypeEventsAPI:
		a.ack(ctx, client, evt.Request, nil)
		t.SetKind(bot.KindEvent)
		t.Acked()
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			a.event(ctx, t, ev)
		} else {
			t.Done(false)
		}
	default:
		a.log.Debug("slack socket event", "type", evt.Type)
	}
}

// ack acknowledges an envelope; payload, when not nil, is the answer Slack
// acts on (a view submission's errors).
func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := client.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		a.log.Warn("slack ack failed", "envelope", req.EnvelopeID, "err", err)
	}
}
