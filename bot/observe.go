package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// RequestKind is what a request from a platform was, as metrics count it.
type RequestKind string

const (
	// KindCommand is a command typed by a person (a slash command, a
	// message to the bot).
	KindCommand RequestKind = "command"
	// KindAction is a click on a button or a choice in a menu.
	KindAction RequestKind = "action"
	// KindForm is a form opened, submitted or closed.
	KindForm RequestKind = "form"
	// KindEvent is anything else the platform tells the bot: a tab opened,
	// an app uninstalled, a member added.
	KindEvent RequestKind = "event"
	// KindUnknown is a request refused before it could be read.
	KindUnknown RequestKind = "unknown"
)

// RequestKinds lists every RequestKind.
var RequestKinds = []RequestKind{KindCommand, KindAction, KindForm, KindEvent, KindUnknown}

// Outcome is how a request ended.
type Outcome string

const (
	// OutcomeOK is a request handled and answered.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed is a request whose handler failed or whose reply could
	// not be delivered: the person saw an error, or nothing.
	OutcomeFailed Outcome = "failed"
	// OutcomeRefused is a request refused unread: a bad signature or
	// token, another tenant's, a body that is not what the platform sends.
	OutcomeRefused Outcome = "refused"
	// OutcomeBusy is a request okrbot had no room for: it was acknowledged
	// and the person was told that okrbot is busy (see Queue).
	OutcomeBusy Outcome = "busy"
)

// Outcomes lists every Outcome.
var Outcomes = []Outcome{OutcomeOK, OutcomeFailed, OutcomeRefused, OutcomeBusy}

// Observer is told what an adapter does, so that something outside it
// (okrbot's metrics) can count it. It is called on every request and every
// call to the platform, from many goroutines: its methods must be quick
// and safe for concurrent use.
type Observer interface {
	// Acked is told that a request of kind was acknowledged, took after it
	// arrived.
	Acked(platform string, kind RequestKind, took time.Duration)
	// Done is told that a request ended. replied is how long after its
	// arrival the work that followed its ack (the handler and the delivery
	// of its reply) was done; zero when there was none.
	Done(platform string, kind RequestKind, outcome Outcome, replied time.Duration)
	// Called is told of one call to the platform's API, by the API's name
	// for it, with its error (nil when it succeeded).
	Called(platform, method string, err error)
}

// Track follows one request for an Observer: when it arrived, what it is,
// and whether anything of it failed. A nil Observer makes every method a
// no-op. Fail may be called from any goroutine; Acked and Done once each.
type Track struct {
	obs      Observer
	platform string
	kind     RequestKind
	start    time.Time
	failed   atomic.Bool
	busy     atomic.Bool
}

// NewTrack starts following a request that arrived now.
func NewTrack(obs Observer, platform string, kind RequestKind) *Track {
	return &Track{obs: obs, platform: platform, kind: kind, start: time.Now()}
}

// SetKind names the kind of a request once it has been read.
func (t *Track) SetKind(kind RequestKind) { t.kind = kind }

// Acked records that the request was acknowledged.
func (t *Track) Acked() {
	if t.obs != nil {
		t.obs.Acked(t.platform, t.kind, time.Since(t.start))
	}
}

// Fail marks the request as failed.
func (t *Track) Fail() { t.failed.Store(true) }

// Handle runs a handler of the request, turning a panic into a failed
// request and an error in log. It reports whether the handler returned
// normally.
func (t *Track) Handle(log *slog.Logger, handler func()) (ok bool) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			ok = false
			t.Fail()
			log.Error("handler panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	handler()
	log.Debug("handler done", "took", time.Since(start))
	return true
}

// Busy marks the request as one okrbot had no room for.
func (t *Track) Busy() { t.busy.Store(true) }

// Refused records a request refused unread; it is not acknowledged.
func (t *Track) Refused() {
	if t.obs != nil {
		t.obs.Done(t.platform, t.kind, OutcomeRefused, 0)
	}
}

// Done records the end of the request; replied says whether work followed
// its ack.
func (t *Track) Done(replied bool) {
	if t.obs == nil {
		return
	}
	outcome, took := OutcomeOK, time.Duration(0)
	switch {
	case t.failed.Load():
		outcome = OutcomeFailed
	case t.busy.Load():
		outcome = OutcomeBusy
	}
	if replied {
		took = time.Since(t.start)
	}
	t.obs.Done(t.platform, t.kind, outcome, took)
}

type requestIDKey struct{}

// NewRequestID makes the id that ties together the log lines of one
// request, from the adapter that receives it to the store and the reply.
func NewRequestID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WithRequestID returns ctx carrying a request's id, for the logs of
// everything done with ctx.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id of the request ctx is part of, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
