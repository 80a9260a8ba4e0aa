package loadtest

import (
	"encoding/json"
	"strings"
)

// Class is what a request's reply was.
type Class int

const (
	// Missing: no reply arrived before the deadline.
	Missing Class = iota
	// Correct: the reply shows what was asked for.
	Correct
	// Busy: okrbot said it is busy, in the ack or at the response_url.
	Busy
	// Error: any other reply, such as "Something went wrong", or an ack
	// that was not 200.
	Error
)

func (c Class) String() string {
	return [...]string{"missing", "correct", "busy", "error"}[c]
}

// busyWords are in the answer okrbot gives when its queue of work after
// acks is full.
const busyWords = "okrbot is busy"

// classify says what a reply body is: a Slack message as JSON (text,
// blocks) or plain text. It is correct when it shows every one of want.
func classify(body []byte, want []string) Class {
	text := shownText(body)
	switch {
	case strings.Contains(strings.ToLower(text), busyWords):
		return Busy
	case len(text) == 0:
		return Error
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			return Error
		}
	}
	return Correct
}

// shownText is every string in a JSON message (the text and each block's
// text, unescaped), one a line, or the body itself when it is not JSON.
func shownText(body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return string(body)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte('\n')
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}
