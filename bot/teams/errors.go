package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// Microsoft's "Status codes from bot conversational APIs" and "Rate limits
// for bots" say which answers to retry and which mean the conversation is
// gone. The codes below are the ones okrbot acts on.
const (
	// codeActivityNotFound: the message to update or reply to is no longer
	// in the conversation.
	codeActivityNotFound = "ActivityNotFoundInConversation"
	// codeWritesBlocked arrives as the subCode of the errorCode 209 shape:
	// the person blocked or uninstalled the bot.
	codeWritesBlocked = "MessageWritesBlocked"
)

// goneCodes mean the recipient cannot be written to until something
// changes on their side: the bot is removed from the conversation (until
// an installationUpdate says it was added again), blocked, disabled by the
// tenant's admin, or the conversation or person no longer exists.
var goneCodes = map[string]bool{
	codeWritesBlocked:            true,
	"ConversationNotFound":       true,
	"BotNotInConversationRoster": true,
	"ConversationBlockedByUser":  true,
	"BotDisabledByAdmin":         true,
	"UserNotFound":               true,
	"MemberNotFound":             true,
}

// apiError is an error answer of the Bot Connector. Teams sends two
// shapes: {"error":{"code":"ConversationNotFound","message":"…"}}, and
// {"errorCode":209,"message":"{\"subCode\":\"MessageWritesBlocked\"}"},
// whose message is JSON in a string; Code is then the subCode.
type apiError struct {
	What    string // the call, as "POST /v3/conversations/…"
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("%s: %d", e.What, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" && e.Message != e.Code {
		s += ": " + e.Message
	}
	return s
}

// parseAPIError reads an error answer in either shape. A body in neither
// (a gateway's HTML page, nothing at all) leaves Code empty.
func parseAPIError(what string, status int, body []byte) *apiError {
	e := &apiError{What: what, Status: status}
	var answer struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		ErrorCode json.RawMessage `json:"errorCode"`
		Message   string          `json:"message"`
	}
	if json.Unmarshal(body, &answer) != nil {
		e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		return e
	}
	switch {
	case answer.Error != nil:
		e.Code, e.Message = answer.Error.Code, answer.Error.Message
	case answer.ErrorCode != nil:
		e.Message = answer.Message
		var sub struct {
			SubCode string `json:"subCode"`
		}
		if json.Unmarshal([]byte(answer.Message), &sub) == nil && sub.SubCode != "" {
			e.Code = sub.SubCode
		} else {
			e.Code = strings.Trim(string(answer.ErrorCode), `"`)
		}
	}
	return e
}

// codeOf is the Bot Connector's error code in err's chain, if any.
func codeOf(err error) string {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e.Code
	}
	return ""
}

// classify turns a Bot Connector error answer into a bot.SendError:
// rate-limited for 429 (with its Retry-After), temporary for the statuses
// Microsoft says to retry with backoff, gone for the codes of goneCodes
// and any other 404 (the conversation or person is not there, unless it
// is only the message), and permanent for the rest, which Microsoft says
// not to retry.
func classify(what string, status int, header http.Header, body []byte) *bot.SendError {
	e := parseAPIError(what, status, body)
	switch {
	case status == http.StatusTooManyRequests:
		return &bot.SendError{Kind: bot.RateLimited, Wait: retryAfter(header), Err: e}
	case retryable(status):
		return &bot.SendError{Kind: bot.Temporary, Err: e}
	case goneCodes[e.Code]:
		return &bot.SendError{Kind: bot.Gone, Err: e}
	case e.Code == "InvalidBotApiHost":
		// The conversation is in another cloud than okrbot was set up for.
		return &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("%w (the tenant is in a government cloud: set TEAMS_CLOUD)", e)}
	case status == http.StatusNotFound && e.Code != codeActivityNotFound:
		return &bot.SendError{Kind: bot.Gone, Err: e}
	}
	return &bot.SendError{Kind: bot.Permanent, Err: e}
}

// retryable are the statuses Microsoft says to retry with exponential
// backoff: 412 (concurrent operations on one conversation), 500, 502, 503
// and 504.
func retryable(status int) bool {
	switch status {
	case http.StatusPreconditionFailed, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter reads Retry-After, in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return defaultRetryAfter
}

const (
	// callAttempts is how many times one call is tried when the Bot
	// Connector answers with a status to retry; after that the error goes
	// to the caller, whose own retries (the scheduler's) wait longer.
	callAttempts = 3
	// backoffBase is the first backoff; each next one doubles, and each
	// wait is drawn at random below it ("full jitter"), so that replicas
	// and conversations retrying together spread out.
	backoffBase = 100 * time.Millisecond
	// maxInlineWait is the longest Retry-After waited for inside a call;
	// a longer one goes to the caller as RateLimited.
	maxInlineWait = 2 * time.Second
)

// retryWait is how long to wait before attempt (from 1) of a call that
// failed with se, and whether to try again at all.
func retryWait(se *bot.SendError, header http.Header, attempt int) (time.Duration, bool) {
	if attempt >= callAttempts {
		return 0, false
	}
	switch se.Kind {
	case bot.Temporary:
		if _, ok := errors.AsType[*apiError](se); !ok {
			return 0, false // a network error: the caller decides
		}
	case bot.RateLimited:
		if header.Get("Retry-After") != "" {
			if se.Wait > maxInlineWait {
				return 0, false
			}
			return se.Wait + jitter(backoffBase), true
		}
	default:
		return 0, false
	}
	return jitter(backoffBase << (attempt - 1)), true
}

// jitter is a random wait in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
