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
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		a.log.Warn("slack request refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		a.serveEvent(r.Context(), w, body)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	switch {
	case r.PostForm.Has("payload"):
		cb, err := slack.InteractionCallbackParse(r)
		if err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		x, ack, after := a.interaction(ctx, &cb)
		if ack != nil {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ack)
		} else {
			w.WriteHeader(http.StatusOK)
		}
		a.later(ctx, x.log, after)
	case r.PostForm.Has("command"):
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad command", http.StatusBadRequest)
			return
		}
		// An empty 200 is the ack: Slack shows nothing until the reply
		// arrives at the response_url.
		w.WriteHeader(http.StatusOK)
		x, after := a.command(cmd)
		a.later(ctx, x.log, after)
	default:
		http.Error(w, "not a slash command or interaction", http.StatusBadRequest)
	}
}

// serveEvent answers the Events API: the request URL's challenge, and
// app_home_opened, which publishes the person's Home tab after the ack.
func (a *Adapter) serveEvent(ctx context.Context, w http.ResponseWriter, body []byte) {
	var ev struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		TeamID    string `json:"team_id"`
		Event     struct {
			Type string `json:"type"`
			User string `json:"user"`
			Tab  string `json:"tab"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if ev.Type == "url_verification" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": ev.Challenge})
		return
	}
	w.WriteHeader(http.StatusOK)
	if ev.Event.Type == "app_home_opened" {
		x, after := a.appHome(ev.TeamID, ev.Event.User, ev.Event.Tab)
		a.later(ctx, x.log, after)
		return
	}
	a.log.Debug("event ignored", "type", ev.Type, "event", ev.Event.Type, "team", ev.TeamID)
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
