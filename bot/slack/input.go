package slack

import (
	"regexp"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

// slackRef is one of Slack's <…> forms in the text of a command: a person
// (<@U123|ada>), a channel (<#C123|general>), a special mention (<!here>,
// <!subteam^S1|@sales>) or a link (<https://…|label>).
var slackRef = regexp.MustCompile(`<([^<>]*)>`)

var unescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// NeutralText turns the text of a slash command, as Slack sends it
// (escaped, with its <…> forms), into the neutral text of a bot.Request:
// people become "@handle" and channels "#name" (or "@ID" and "#ID" when
// Slack gave no name), with who and what they are in the maps; special
// mentions and links become the words people typed; and Slack's &amp; &lt;
// &gt; are read back.
func NeutralText(text string) (string, map[string]bot.User, map[string]bot.ChannelInfo) {
	var (
		b        strings.Builder
		people   map[string]bot.User
		channels map[string]bot.ChannelInfo
		last     int
	)
	for _, m := range slackRef.FindAllStringSubmatchIndex(text, -1) {
		b.WriteString(unescaper.Replace(text[last:m[0]]))
		last = m[1]
		target, label, _ := strings.Cut(text[m[2]:m[3]], "|")
		label = unescaper.Replace(label)
		switch {
		case strings.HasPrefix(target, "@") && len(target) > 1:
			id := target[1:]
			if people == nil {
				people = map[string]bot.User{}
			}
			key := wordOr(label, id)
			people[key] = bot.User{ID: id, Name: label}
			b.WriteString("@" + key)
		case strings.HasPrefix(target, "#") && len(target) > 1:
			id := target[1:]
			if channels == nil {
				channels = map[string]bot.ChannelInfo{}
			}
			key := wordOr(label, id)
			channels[key] = bot.ChannelInfo{ID: id, Name: label}
			b.WriteString("#" + key)
		case strings.HasPrefix(target, "!") && label == "":
			special, _, _ := strings.Cut(target[1:], "^")
			b.WriteString("@" + special)
		case label != "":
			b.WriteString(label)
		default:
			b.WriteString(unescaper.Replace(target))
		}
	}
	b.WriteString(unescaper.Replace(text[last:]))
	return b.String(), people, channels
}

// wordOr is name when it is one word, which reads naturally where the
// mention stands in text (Slack's handles and channel names are one word
// and unique), else id.
func wordOr(name, id string) string {
	if name == "" || strings.ContainsAny(name, " \t\n\"“”") {
		return id
	}
	return name
}

// address is where a request from channel was made: a direct message
// channel (its id starts with D) is the person's direct chat, and so is no
// channel at all. It carries no Ref: a DM between two people has a D… id
// too, and a slash command works there, but okrbot cannot post in it.
func address(ws bot.Workspace, channel, user string) bot.Address {
	if channel == "" || strings.HasPrefix(channel, "D") {
		return bot.Address{Workspace: ws, Kind: bot.DirectChat, ID: user}
	}
	return bot.Address{Workspace: ws, Kind: bot.Channel, ID: channel}
}
