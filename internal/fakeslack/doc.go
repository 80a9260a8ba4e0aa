// Package fakeslack is a fake of the parts of Slack that okrbot talks to,
// for tests and benchmarks: the Web API methods the Slack adapter calls,
// response_url endpoints, and a Socket Mode WebSocket endpoint. It records
// every call so a test can assert what a user would have seen in Slack, and
// it can misbehave on purpose (rate limits, 5xx, Slack errors for chosen
// users or channels) so that retry and pacing code can be exercised without
// the network or the wall clock.
//
// Files are uploaded as files.uploadV2 does (files.getUploadURLExternal,
// the bytes posted to the upload URL, files.completeUploadExternal), and
// image blocks must name a complete image file of the posting team, so a
// test sees a picture arrive in Slack only when Slack would show it.
//
// It also builds the requests Slack sends to an app: signed slash commands
// and interaction payloads.
//
// For installs into many workspaces it plays Slack's OAuth side: teams
// (AddTeam), the install page (Approve, Deny), oauth.v2.access with codes
// and refresh tokens, tokens of each install that a Call names the team of,
// and uninstalls and revocations with the events Slack sends about them.
//
// fakeslack imports slack-go (for its types, so that recorded views and
// blocks decode exactly as Slack's own SDK reads them), gorilla/websocket,
// and internal/fakecalls, the call log it shares with faketeams. It must
// never import okrbot packages: it stands in for Slack, and Slack knows
// nothing about okrbot.
package fakeslack
