package teams

import (
	"strings"

	"github.com/okrbot/okrbot/bot"
)

// How commands are typed in Teams. The core names its commands as
// bot.Request.Command does, "/okr" and "/kpi", and writes them as code in
// messages ("`/okr list all` shows them"). In Teams they are plain
// messages to okrbot: "okr list all" (a leading "/" is accepted too). The
// adapter reads them that way and shows them that way, so that help,
// hints and errors say what to type here.

// commandNames are the core's commands without their "/".
var commandNames = []string{"okr", "kpi"}

// parseCommand splits a message into the core's command and its text.
// Anything that does not start with a command's name, such as "help",
// goes to /okr.
func parseCommand(text string) (command, rest string) {
	first, rest, _ := strings.Cut(text, " ")
	name := strings.ToLower(strings.TrimPrefix(first, "/"))
	for _, n := range commandNames {
		if name == n {
			return "/" + n, strings.TrimSpace(rest)
		}
	}
	return "/okr", text
}

// typed is code as it is typed in Teams: a command without its "/".
func typed(code string) string {
	for _, n := range commandNames {
		if rest, ok := strings.CutPrefix(code, "/"+n); ok && (rest == "" || rest[0] == ' ') {
			return n + rest
		}
	}
	return code
}

// plain is t as plain text, for notifications, previews and fallbacks,
// with commands as they are typed in Teams.
func plain(t bot.Text) string { return asTyped(t).String() }

func asTyped(t bot.Text) bot.Text {
	out := make(bot.Text, len(t))
	for i, in := range t {
		switch in.Kind {
		case bot.CodeKind:
			in.Text = typed(in.Text)
		case bot.BoldKind, bot.ItalicKind:
			in.Inner = asTyped(in.Inner)
		}
		out[i] = in
	}
	return out
}
