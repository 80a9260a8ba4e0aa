// Package teams connects okrbot to Microsoft Teams through the Bot
// Framework, on plain net/http (there is no maintained Go SDK). It owns
// everything Teams-specific:
//
//   - Incoming: the messaging endpoint (POST /api/messages). Every request
//     must carry the Bot Connector's JWT: RS256/384/512 with a key from the
//     OpenID metadata's key set, issuer https://api.botframework.com,
//     audience the app id, alive within 5 minutes' skew, a serviceurl claim
//     equal to the activity's serviceUrl, the key's endorsements (when it
//     lists any) naming the activity's channel, and a serviceUrl host that
//     may receive the bot's token. Anything else is 401 with nothing done.
//   - Activities → bot.Request: messages in personal chats, channels and
//     group chats, with the bot's own mention removed and other mentions
//     as "@KEY"/"#KEY" words; invokes for card buttons
//     (adaptiveCard/action) and dialogs (task/fetch, task/submit).
//   - Rendering: bot.Message and bot.Form as Adaptive Cards 1.5 whose text
//     is TextRuns, never Markdown, so it reads the same on every Teams
//     client (richtext.go), within Teams' 28 KB. Pictures
//     ride in the card as data URIs when they fit, else are linked, at
//     signed and expiring links okrbot serves under OKRBOT_PUBLIC_URL
//     (pictures.go), else give way to their alt text.
//   - Outgoing: the Bot Connector REST API with a client-credentials
//     token (a client secret, or a client assertion signed with a
//     certificate) of the tenant's cloud, sent only to allowed service URL
//     hosts; Send and Update implement bot.Sender, with Microsoft's errors,
//     in both their envelopes, classified as bot.SendError (errors.go).
//   - The Teams app package (manifest and icons).
//
// Where answers go. A message is acknowledged at once and handled in a
// bounded pool; its reply is posted afterwards where the question was (a
// channel's thread, a group chat), and in the person's one-to-one chat
// with the bot only when it is theirs alone (bot.Private: an API token, a
// preview), which is created when needed. Nothing private is ever posted in a channel; when
// Teams will not open the one-to-one chat, the channel gets a note saying
// so. An invoke is answered in its HTTP response, with the handler bounded
// to 10 seconds. A card button's answer replaces the card in a one-to-one
// chat (the next step of a sequence, such as "Snoozed" on a weekly prompt);
// in a channel or group chat the card stays as everyone sees it, the answer
// goes to the thread or, when private, to the person's one-to-one chat, and
// the click is confirmed with a short note.
//
// Forms. A form answering a typed command shows inline in a one-to-one
// chat; in a channel or group chat a card with an "Open" button opens it as
// a dialog, so that each person fills in their own. A form answering a
// card button replaces that card in place for the person who clicked
// (Action.Execute cannot open a dialog). Submissions come back as strings
// and are checked (required fields, offered choices) before the handler
// sees them; errors show next to their fields. Adaptive Cards have no
// confirmation dialog: a button with Confirm reveals the question and the
// real button under the card (Action.ShowCard).
//
// Commands. People type okrbot's commands as messages, "okr list all" (or
// "/okr list all"), which the adapter hands on as the core's "/okr"; code
// in messages that names a command ("/okr show 42") is shown the same way
// it is typed, "okr show 42", so help and hints say what to type in Teams.
//
// Card data. Buttons carry their action and value, and forms their whole
// definition, through the Teams client, since okrbot keeps no state
// between replicas. Each payload is signed with a key derived from the app
// password and refused when it comes back altered.
//
// Address.Ref. A conversation reference, JSON with short keys: {"k": kind
// (personal, channel, groupChat), "s": service URL, "c": conversation id
// ("a:…" personal, "19:…" channel without ";messageid=", group chat), "t":
// tenant id, "b": the bot's "28:" id, "u": the person's "29:" id in a
// personal chat}. A person's id is their AAD object id; the workspace is
// the tenant. A DirectChat address whose Ref names no personal chat gets
// one created, at the Ref's service URL, else the tenant's last known one,
// else Microsoft's global one; the MessageRef returned carries the new
// Ref. A private answer sent to such a new chat is handed to the
// bot.Handler to keep when it is a bot.Rememberer, so that a restarted
// okrbot reaches the person there.
//
// Installs and rosters. installationUpdate and conversationUpdate tell the
// bot.InstallHandler (when the Handler is one) where okrbot was added or
// removed, before Teams gets its answer; the welcome it returns is sent
// once, after the roster of a team or group chat okrbot was added to is
// read (pagedmembers, page by page) and handed over with each member's
// "29:" id in their address. Teams opens a one-to-one chat by "29:" id
// with a member of a team okrbot is in, and by Entra object id only with
// someone the app is installed for; when it refuses, okrbot installs the
// app for the person through Microsoft Graph (graph.go) if
// TEAMS_GRAPH_INSTALL is on, and else reports them bot.Unreachable.
//
// It imports bot and libraries only. It must never import store, okr,
// commands or reminders: use cases reach it through bot.Handler, and
// scheduled sends call Send and Update.
package teams
