// Package slack connects okrbot to Slack. It owns everything Slack-specific:
// verifying request signatures, decoding slash commands, interactions and
// Events API requests (over HTTP or Socket Mode), rendering the neutral
// bot.Message and bot.Form as Block Kit within Slack's limits, decoding
// modal state back into a bot.Submission, and the Web API calls that
// deliver replies. Pictures in messages are uploaded as files (cached by
// workspace and content) and shown by image blocks that name them, which
// needs no public URL; one that cannot be shown gives way to its alt text
// (images.go).
//
// It follows Slack's three-second rule: every request is acknowledged
// before any slow work starts. Slash commands and button clicks are handed
// to the bot.Handler after the ack; only a modal submission calls the
// handler before answering, because its validation errors must travel in
// the ack, and that call gets a deadline inside Slack's budget.
//
// Slack routes clicks by action_id and modals by callback_id; this package
// passes them through unchanged as bot.Action.ID and bot.Submission's
// CallbackID, with one exception: Slack requires action_ids to be unique
// within a block, so a second button with the same ActionID in one section
// is sent as "ID~2" and read back as "ID". ActionIDs must therefore not end
// in "~" and digits.
//
// Text arriving from bot is markup with user text already escaped, so it is
// passed to Slack as mrkdwn untouched; fields Slack shows as plain_text
// (titles, labels, buttons, options) are unescaped first.
//
// Address.Ref. A person's direct chat (bot.DirectChat, ID their user id)
// has okrbot's DM channel with them ("D…") as its Ref: the Home tab's
// event carries it, and Send returns it, having opened the DM with
// conversations.open when the address had none. (A slash command typed in
// a DM carries none: two people's DM has a D… id too.) Send posts straight
// to a Ref; one Slack answers channel_not_found, is_archived or
// not_in_channel for is opened again and replaced. Channels need no Ref. A private answer Send had to
// open a DM for is handed to the bot.Handler to keep when it is a
// bot.Rememberer.
//
// It imports bot and slack-go only. It must never import store, okr,
// commands or reminders: use cases reach it through bot.Handler, and
// scheduled sends call Post and Update.
package slack
