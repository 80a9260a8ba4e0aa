// Package faketeams is a fake of the parts of Microsoft's cloud that a
// Teams bot talks to, for tests and benchmarks:
//
//   - the Bot Framework's OpenID metadata and signing key set, with a key
//     endorsed for msteams, a key endorsed for another channel only, and
//     key rotation;
//   - a client-credentials token endpoint that checks the client id,
//     secret and scope;
//   - a Bot Connector: creating one-to-one chats, posting, replying to and
//     updating activities, and looking members up, with every call
//     recorded so that a test can assert what a person would see, and
//     faults on demand (429 with Retry-After, 403, 404, 5xx).
//
// It also plays the Teams side of a conversation: it builds the activities
// Teams sends (messages in personal chats, channels and group chats, with
// mentions and the person's time zone; card clicks and dialogs) and signs
// them as the Bot Connector does, and it can click a button of a card the
// bot sent, with inputs filled in.
//
// faketeams imports golang-jwt for signing, and internal/fakecalls, the call
// log it shares with fakeslack. It must never import okrbot packages: it
// stands in for Microsoft, which knows nothing about okrbot.
package faketeams
