package teams_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// BenchmarkAuthenticatedRequest is the cost of checking the Bot
// Connector's token and acknowledging an activity: what stands between a
// request and its ack.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := newEnv(b)
	act := e.fake.Message(e.fake.Personal(ada), ada, "")
	act.Type = "typing" // checked, then ignored: no handler, no reply
	signed := e.fake.Request(endpoint, act, faketeams.Claims{})
	body, _ := io.ReadAll(signed.Body)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		req.Header = signed.Header
		rec := httptest.NewRecorder()
		e.a.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkSendLongList renders and sends a message far over Teams' 28 KB
// (1,200 key results with mentions), which is cut to fit.
func BenchmarkSendLongList(b *testing.B) {
	e := newEnv(b)
	var items []bot.Text
	for i := range 1200 {
		items = append(items, bot.T(fmt.Sprintf("KR %04d ", i), bot.Mention(fmt.Sprintf("aad-%04d", i), fmt.Sprintf("Person %04d", i)), " moved revenue to 42%"))
	}
	msg := bot.Message{Summary: bot.T("All key results"), Sections: []bot.Section{{Items: items}}}
	to := e.channel()
	for b.Loop() {
		if _, err := e.a.Send(context.Background(), to, msg); err != nil {
			b.Fatal(err)
		}
	}
}
