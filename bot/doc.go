// Package bot is okrbot's neutral chat model: the requests people make, and
// the replies, messages and forms that answer them, with nothing specific to
// Slack or any other platform.
//
// Text in messages uses a small markup that every adapter understands:
// *bold*, _italic_, `code`, <@USERID> for a person, and &amp; &lt; &gt; for
// the three characters that would otherwise be markup. User text must go
// through Escape before it is put into a message, so that a title such as
// "<!channel> hi" never pings anyone. Adapters render the markup for their
// platform: Slack takes it as mrkdwn; the console prints it as plain text.
//
// bot imports nothing of okrbot's; commands, reminders and adapters import it.
package bot
