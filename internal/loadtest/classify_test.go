package loadtest

import (
	"testing"
	"time"
)

// TestClassify reads replies as a person would: the list they asked for,
// okrbot saying it is busy (in the ack or at the response_url), or
// anything else.
func TestClassify(t *testing.T) {
	titles := []string{"Grow revenue", "Delight customers"}
	for _, tc := range []struct {
		name string
		body string
		want Class
	}{
		{"the list in blocks", `{"response_type":"ephemeral","text":"All objectives in 2026-Q4","blocks":[
			{"type":"section","text":{"type":"mrkdwn","text":"*All objectives in 2026-Q4* (2)"}},
			{"type":"section","text":{"type":"mrkdwn","text":"• *#1 Grow revenue*  0.4 · <@U1>\n• *#2 Delight customers*  0.7 · <@U2>"}}]}`, Correct},
		{"the list in plain text", "#1 Grow revenue\n#2 Delight customers\n", Correct},
		{"a title escaped in JSON", `{"text":"#1 Grow revenue \u0026 more, #2 Delight customers"}`, Correct},
		{"part of the list", `{"text":"#1 Grow revenue"}`, Error},
		{"busy in the ack", `{"response_type":"ephemeral","text":"okrbot is busy, try again in a minute."}`, Busy},
		{"busy at the response_url, in blocks", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"⏳ Okrbot is busy; try again in a minute."}}]}`, Busy},
		{"something went wrong", `{"response_type":"ephemeral","text":"Something went wrong. Try again in a moment."}`, Error},
		{"an empty message", `{"text":""}`, Error},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify([]byte(tc.body), titles); got != tc.want {
				t.Errorf("classify(%s) = %s, want %s", tc.body, got, tc.want)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	// The command may hold spaces and parentheses; utime is 1234 ticks and
	// stime 56.
	line := "4242 (okrbot (serve) x) S 1 4242 4242 0 -1 4194560 3000 0 0 0 1234 56 0 0 20 0 9 0 100 0 0\n"
	got, err := parseStat(line)
	if err != nil || got != 12900*time.Millisecond {
		t.Errorf("parseStat = %v, %v; want 12.9s", got, err)
	}
	if _, err := parseStat("4242 (okrbot) S 1"); err == nil {
		t.Error("a short line was read")
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	want := Latencies{N: 100, P50: 50 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if got := summarize(nil); got != (Latencies{}) {
		t.Errorf("summarize(nil) = %+v", got)
	}
}
