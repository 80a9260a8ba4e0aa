package slack

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// answerOf is a base transport that answers every call with body, as
// Slack would, without a network.
type answerOf string

func (a answerOf) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Request: r,
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:   io.NopCloser(strings.NewReader(string(a)))}, nil
}

// BenchmarkAPITransport is what reading Slack's answer for the metrics
// adds to one Web API call: a chat.postMessage answer read, checked for
// "ok": false, and handed on, with slack-go reading it after.
func BenchmarkAPITransport(b *testing.B) {
	answer := answerOf(`{"ok":true,"channel":"C0GENERAL","ts":"1700000000.000100","message":{"type":"message","text":"` +
		strings.Repeat("Check in on your key results. ", 20) + `","user":"U0BOT","bot_id":"B0BOT","ts":"1700000000.000100"}}`)
	a := New(Config{BotToken: "xoxb-bench", Logger: slog.New(slog.DiscardHandler)}, nil)
	for name, rt := range map[string]http.RoundTripper{"bare": answer, "observed": &apiTransport{a: a, base: answer}} {
		b.Run(name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodPost, "https://slack.com/api/chat.postMessage", nil)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
