package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/slack/install"
)

// maxBody bounds a request body. The largest Slack sends are interactions
// from a modal, which carry the whole view: up to 100 blocks and their
// state.
const maxBody = 4 << 20

// maxClockSkew is how far a request's timestamp may be from our clock;
// older requests could be replays.
const maxClockSkew = 5 * time.Minute

// ServeHTTP answers Slack's requests to the app's request URL (slash
// commands, interactivity and the Events API all share one endpoint). Each
// request must carry a valid signature made with the signing secret.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := bot.NewTrack(a.obs, Platform, bot.KindUnknown)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		t.Refused()
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		t.Refused()
		a.log.Warn("slack request refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		a.serveEvent(r.Context(), t, w, body)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		t.Refused()
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	switch {
	case r.PostForm.Has("payload"):
		cb, err := slack.InteractionCallbackParse(r)
		if err != nil {
			t.Refused()
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		x, ack, after := a.interaction(ctx, t, &cb)
		if ack != nil {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ack)
		} else {
			w.WriteHeader(http.StatusOK)
		}
		t.Acked()
		a.later(ctx, x, after)
	case r.PostForm.Has("command"):
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			t.Refused()
			http.Error(w, "bad command", http.StatusBadRequest)
			return
		}
		x, after := a.command(ctx, t, cmd)
		if x.refused != "" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(refusedAck(x.refused))
			t.Acked()
			x.track.Done(false)
			return
		}
		if !a.accept(x) {
			// The busy reply goes in the ack: no call to Slack, which
			// an overloaded okrbot could not afford.
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(busyAck)
			t.Acked()
			x.track.Done(false)
			return
		}
		// An empty 200 is the ack: Slack shows nothing until the reply
		// arrives at the response_url.
		w.WriteHeader(http.StatusOK)
		t.Acked()
		a.later(ctx, x, after)
	default:
		t.Refused()
		http.Error(w, "not a slash command or interaction", http.StatusBadRequest)
	}
}

// serveEvent answers the Events API: the request URL's challenge, then
// the events okrbot follows (see event).
func (a *Adapter) serveEvent(ctx context.Context, t *bot.Track, w http.ResponseWriter, body []byte) {
	t.SetKind(bot.KindEvent)
	var challenge struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &challenge); err != nil {
		t.Refused()
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if challenge.Type == "url_verification" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": challenge.Challenge})
		t.Acked()
		t.Done(false)
		return
	}
	// The signature proved where the body comes from; Events API tokens
	// are the older way of doing so.
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Refused()
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	t.Acked()
	a.event(ctx, t, ev)
}

// event handles an Events API event, from HTTP or Socket Mode, after its
// ack: app_home_opened publishes the person's Home tab; app_uninstalled and
// tokens_revoked tell the installations that okrbot lost a workspace.
func (a *Adapter) event(ctx context.Context, t *bot.Track, ev slackevents.EventsAPIEvent) {
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		if lostOrg, lostTeam, lost := install.Revocation(*cb); lost {
			a.log.Warn("okrbot was uninstalled, or its token revoked", "org", lostOrg, "team", lostTeam, "event", ev.InnerEvent.Type)
			if a.installs != nil {
				a.installs.Uninstalled(context.WithoutCancel(ctx), lostOrg, lostTeam, ev.InnerEvent.Type)
			}
			t.Done(false)
			return
		}
	}
	if home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
		ws := eventWorkspace(ev)
		if why := a.refusal(ctx, ws); why != "" {
			// Nobody waits for an answer: the log says why.
			a.log.Warn("event refused", "event", ev.InnerEvent.Type, "team", ws.TeamID, "org", ws.Org, "why", why)
			t.Done(false)
			return
		}
		x, after := a.appHome(t, ws, home.User, home.Channel, home.Tab)
		a.later(ctx, x, after)
		return
	}
	a.log.Debug("event ignored", "type", ev.Type, "event", ev.InnerEvent.Type, "team", ev.TeamID)
	t.Done(false)
}

var errNoSecret = errors.New("no signing secret configured")

// verify checks Slack's v0 request signature. It does the HMAC itself
// rather than with slack.NewSecretsVerifier because that one checks the
// timestamp against the wall clock, and this check must use Config.Now.
func (a *Adapter) verify(h http.Header, body []byte) error {
	if a.secret == "" {
		return errNoSecret
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return slack.ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", ts, slack.ErrInvalidSignature)
	}
	if skew := a.now().Sub(time.Unix(sec, 0)).Abs(); skew > maxClockSkew {
		return fmt.Errorf("%w (%s off)", slack.ErrExpiredTimestamp, skew.Round(time.Second))
	}
	mac := hmac.New(sha256.New, []byte(a.secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	want := "v0=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return slack.ErrInvalidSignature
	}
	return nil
}
