package teams

import (
	"net/http"
	"testing"

	"github.com/okrbot/okrbot/bot"
)

// Both envelopes of Microsoft's "Status codes from bot conversational
// APIs", and bodies in neither.
func TestErrorEnvelopesAreRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		code   string
		kind   bot.Failure
	}{
		{"error object", 403, `{"error":{"code":"BotNotInConversationRoster","message":"The bot isn't part of the conversation roster."}}`, "BotNotInConversationRoster", bot.Gone},
		{"errorCode with a subCode", 403, `{"errorCode":209,"message":"{\"subCode\":\"MessageWritesBlocked\"}"}`, "MessageWritesBlocked", bot.Gone},
		{"errorCode with a plain message", 403, `{"errorCode":209,"message":"Forbidden"}`, "209", bot.Permanent},
		{"message gone", 404, `{"error":{"code":"ActivityNotFoundInConversation","message":"Conversation not found."}}`, "ActivityNotFoundInConversation", bot.Permanent},
		{"ActivityNotFound is not Teams' code", 404, `{"error":{"code":"ActivityNotFound","message":"x"}}`, "ActivityNotFound", bot.Gone},
		{"gateway page", 504, `<html>Gateway Timeout</html>`, "", bot.Temporary},
		{"nothing", 503, ``, "", bot.Temporary},
		{"another cloud", 403, `{"error":{"code":"InvalidBotApiHost","message":"Invalid bot api host."}}`, "InvalidBotApiHost", bot.Permanent},
		{"user not found", 404, `{"error":{"code":"MemberNotFound","message":"x"}}`, "MemberNotFound", bot.Gone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			se := classify("POST /v3/conversations", tc.status, http.Header{}, []byte(tc.body))
			if se.Kind != tc.kind || codeOf(se) != tc.code {
				t.Fatalf("%v: kind %v code %q, want %v %q", se, se.Kind, codeOf(se), tc.kind, tc.code)
			}
		})
	}
}

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	t.Parallel()
	h := http.Header{"Retry-After": {"3"}}
	if got := retryAfter(h); got.Seconds() != 3 {
		t.Errorf("seconds: %v", got)
	}
	if got := retryAfter(http.Header{"Retry-After": {"soon"}}); got != defaultRetryAfter {
		t.Errorf("junk: %v", got)
	}
}
