package slack

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// ErrDeactivated is returned by UserInfo for a user who has been deactivated
// in Slack; IsGone reports true for it.
var ErrDeactivated = errors.New("slack: user is deactivated")

// goneErrors are Slack error codes that will not change by retrying: the
// recipient no longer exists or cannot be reached by the bot. Errors about
// okrbot's own token are not among them (see TokenErrors): they say
// nothing of the person written to.
var goneErrors = map[string]bool{
	"user_not_found":    true,
	"users_not_found":   true,
	"user_disabled":     true,
	"channel_not_found": true,
	"is_archived":       true,
	"not_in_channel":    true,
	"cannot_dm_bot":     true,
}

// TokenErrors are the Slack error codes that say okrbot's own token does
// not work: the installation is gone (uninstalled, its tokens revoked, the
// workspace deactivated), not the person or channel written to.
var TokenErrors = []string{"account_inactive", "invalid_auth", "token_revoked", "token_expired", "not_authed"}

// IsTokenRefused reports whether err is Slack refusing okrbot's token,
// and with which code.
func IsTokenRefused(err error) (string, bool) {
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	if ok && slices.Contains(TokenErrors, se.Err) {
		return se.Err, true
	}
	return "", false
}

// temporaryErrors are Slack error codes, answered with HTTP 200, that Slack
// documents as worth retrying.
var temporaryErrors = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"ratelimited":         true,
}

// classify wraps err in a *bot.SendError that says what it means for
// trying again.
func classify(err error) error {
	kind := bot.Permanent
	wait, limited := RetryAfter(err)
	switch {
	case limited:
		kind = bot.RateLimited
	case IsGone(err):
		kind = bot.Gone
	case IsTemporary(err):
		kind = bot.Temporary
	}
	return &bot.SendError{Kind: kind, Wait: wait, Err: err}
}

// RetryAfter reports how long Slack asked to wait when err is a rate limit
// (HTTP 429 with Retry-After).
func RetryAfter(err error) (time.Duration, bool) {
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return rl.RetryAfter, true
	}
	return 0, false
}

// IsGone reports whether err means the recipient is gone for good: an
// unknown or deactivated user, a deleted or archived channel, a channel the
// bot is not in. Sending again will fail the same way.
func IsGone(err error) bool {
	if errors.Is(err, ErrDeactivated) {
		return true
	}
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	return ok && goneErrors[se.Err]
}

// isStaleDM reports whether err, posting to a DM channel okrbot kept,
// says that the channel is not the person's DM with okrbot any more:
// opening the DM again finds the one that is, or says the person is gone.
func isStaleDM(err error) bool {
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	return ok && (se.Err == "channel_not_found" || se.Err == "is_archived" || se.Err == "not_in_channel")
}

// IsTemporary reports whether the same call may succeed later: a rate limit
// (see RetryAfter for how long to wait), a 5xx from Slack, a Slack error
// that says it was Slack's fault, or a network failure.
func IsTemporary(err error) bool {
	if _, ok := RetryAfter(err); ok {
		return true
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		return sc.Retryable()
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return temporaryErrors[se.Err]
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return !errors.Is(err, context.Canceled)
	}
	return false
}
