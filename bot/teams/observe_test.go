package teams_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// observer records what an adapter tells it.
type observer struct {
	mu    sync.Mutex
	acked []string // kind
	done  []string // kind/outcome
	calls []string // method, or method! for a failed call
}

func (o *observer) Acked(platform string, kind bot.RequestKind, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.acked = append(o.acked, string(kind))
}

func (o *observer) Done(platform string, kind bot.RequestKind, outcome bot.Outcome, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done = append(o.done, string(kind)+"/"+string(outcome))
}

func (o *observer) Called(platform, method string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		method += "!"
	}
	o.calls = append(o.calls, method)
}

func (o *observer) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return "acked " + strings.Join(o.acked, ",") + "; done " + strings.Join(o.done, ",") + "; calls " + strings.Join(o.calls, ",")
}

// TestObserverHearsOfRequestsAndCalls follows a command, one whose
// handler fails, a click, and a request without a token through the
// Observer, with the Bot Connector calls each made.
func TestObserverHearsOfRequestsAndCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	obs := &observer{}
	cfg := config(e.fake, e.clock)
	cfg.Observer = obs
	a, err := teams.New(cfg, e.h)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	e.post(e.fake.Message(p, ada, "okr boom"), faketeams.Claims{})
	card := e.fake.Messages(p.ConversationID)[0].Card()
	e.click(p, ada, card, "Snooze", nil)
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"type":"message"}`)))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("request without a token answered %d", rec.Code)
	}

	want := "acked command,command,action; done command/ok,command/failed,action/ok,unknown/refused; " +
		"calls token,sendToConversation,sendToConversation"
	if got := obs.String(); got != want {
		t.Errorf("observer heard\n%s\nwant\n%s", got, want)
	}
}
