package bot_test

import (
	"reflect"
	"testing"

	"github.com/okrbot/okrbot/bot"
)

func TestTextf(t *testing.T) {
	ada := bot.Mention("U1", "ada")
	for _, tc := range []struct {
		name string
		got  bot.Text
		want bot.Text
	}{
		{"plain arguments stay plain", bot.Textf("Title %q by %s", "*<!channel>*", "`x`"),
			bot.Text{bot.Plain("Title \"*<!channel>*\" by `x`")}},
		{"inline arguments are placed as they are", bot.Textf("Owner %s, score %.1f.", ada, 0.44),
			bot.Text{bot.Plain("Owner "), ada, bot.Plain(", score 0.4.")}},
		{"backquotes in the format are code", bot.Textf("Usage: `/okr show %d`, like `/okr show 42`.", 7),
			bot.Text{bot.Plain("Usage: "), bot.Code("/okr show 7"), bot.Plain(", like "), bot.Code("/okr show 42"), bot.Plain(".")}},
		{"an inline inside code is its plain text", bot.Textf("`/okr list %s`", ada),
			bot.Text{bot.Code("/okr list @ada")}},
		{"percent signs", bot.Textf("100%% of %d", 3), bot.Text{bot.Plain("100% of 3")}},
		{"a missing argument is shown, not a panic", bot.Textf("%d and %d", 1),
			bot.Text{bot.Plain("1 and %!d(MISSING)")}},
		{"text arguments are spliced", bot.Textf("%s!", bot.T("a ", bot.Bold("b"))),
			bot.Text{bot.Plain("a "), bot.Bold("b"), bot.Plain("!")}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestPlainString(t *testing.T) {
	got := bot.T(bot.Bold("#1 ", bot.Italic("Grow")), " owner ", bot.Mention("U1", "ada"), " in ",
		bot.ChannelRef("C1", ""), " · ", bot.Code("/okr"), " ", bot.Link("https://x.test", "docs")).String()
	want := "#1 Grow owner @ada in #C1 · /okr docs (https://x.test)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIsEmpty(t *testing.T) {
	for _, tc := range []struct {
		t    bot.Text
		want bool
	}{
		{nil, true}, {bot.T(" ", bot.Bold("\n")), true}, {bot.T(bot.Mention("U1", "")), false}, {bot.T(bot.Italic("x")), false},
	} {
		if got := tc.t.IsEmpty(); got != tc.want {
			t.Errorf("%#v.IsEmpty() = %v", tc.t, got)
		}
	}
}
