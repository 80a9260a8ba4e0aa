// Package bot is okrbot's neutral chat model: the requests people make, the
// replies, messages and forms that answer them, where messages go
// (Address), and the one interface every platform sends through (Sender),
// with nothing specific to Slack, Teams or any other platform.
//
// Text in messages is structured (Text: plain text, bold, italic, code,
// mentions, channels, links), never markup: commands build it without
// knowing any platform's syntax or limits, and each adapter renders it in
// its own markup (Slack mrkdwn, Adaptive Card markdown, plain text),
// escaping what its platform would read as markup and cutting it to the
// platform's limits. A title such as "<!channel> hi" therefore never pings
// anyone anywhere.
//
// Adapters tell an Observer of each request and each call to their
// platform (for metrics), and carry a request id in the context of
// everything a request does (for logs); bot defines both, and knows
// nothing of how they are exported.
//
// bot imports nothing of okrbot's; commands, reminders and adapters import it.
package bot
