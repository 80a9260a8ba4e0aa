package slack

import (
	"reflect"
	"strings"
	"testing"
)

func TestCuttingTextNeverBreaksMarkup(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"characters, not bytes", cut("Größenwachstum", 5), "Größ…"},
		{"short text untouched", cutMarkup("R&amp;D", 10), "R&amp;D"},
		{"not inside an entity", cutMarkup("R&amp;D rocks", 5), "R…"},
		{"not inside a mention", cutMarkup("owner <@U0ALICE> today", 12), "owner …"},
		{"after a whole mention", cutMarkup("<@U0ALICE> owns it all", 13), "<@U0ALICE> o…"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestSplittingTextNeverBreaksMarkup(t *testing.T) {
	a := strings.Repeat("a", 2998)
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"one line without spaces", strings.Repeat("x", 4000), []string{strings.Repeat("x", 3000), strings.Repeat("x", 1000)}},
		{"entity at the boundary", a + "&amp;bc", []string{a, "&amp;bc"}},
		{"mention at the boundary", a + "<@U0ALICE>", []string{a, "<@U0ALICE>"}},
		{"at a space", a + " bcd", []string{a, "bcd"}},
		{"blank chunks dropped", a + "\n\n\n", []string{a}},
	} {
		if got := splitMarkup(tc.in, 3000); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %d chunks of %v", tc.name, len(got), lens(got))
		}
	}
}

func lens(ss []string) []int {
	var out []int
	for _, s := range ss {
		out = append(out, len(s))
	}
	return out
}

func TestRepeatedActionIDsReadBack(t *testing.T) {
	for id, want := range map[string]string{
		"confidence~2": "confidence", "confidence": "confidence", "a~b": "a~b", "~3": "~3", "kr~12": "kr",
	} {
		if got := baseActionID(id); got != want {
			t.Errorf("baseActionID(%q) = %q, want %q", id, got, want)
		}
	}
}
