package slack_test

import (
	"reflect"
	"testing"

	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
)

func TestNeutralText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		people         map[string]bot.User
		channels       map[string]bot.ChannelInfo
	}{
		{name: "a person by handle", in: `kr 1 "Ship" --owner <@U1|ada>`, want: `kr 1 "Ship" --owner @ada`,
			people: map[string]bot.User{"ada": {ID: "U1", Name: "ada"}}},
		{name: "a person without a name", in: "list <@W2>", want: "list @W2",
			people: map[string]bot.User{"W2": {ID: "W2"}}},
		{name: "a channel", in: "digest <#C1|leads> weekly monday 09:00", want: "digest #leads weekly monday 09:00",
			channels: map[string]bot.ChannelInfo{"leads": {ID: "C1", Name: "leads"}}},
		{name: "escapes read back, typed markup stays text", in: `new "R&amp;D &lt;!channel&gt; &lt;@U9&gt;"`, want: `new "R&D <!channel> <@U9>"`},
		{name: "special mentions and links as typed", in: "new <!here> <https://x.test|x.test> <!subteam^S1|@sales>", want: "new @here x.test @sales"},
		{name: "a label with an escape", in: "new <https://x.test?a=1&amp;b=2|R&amp;D>", want: "new R&D"},
	} {
		text, people, channels := slackbot.NeutralText(tc.in)
		if text != tc.want || !reflect.DeepEqual(people, tc.people) || !reflect.DeepEqual(channels, tc.channels) {
			t.Errorf("%s: NeutralText(%q) = %q, %v, %v", tc.name, tc.in, text, people, channels)
		}
	}
}
