package commands

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
)

// tokenize splits a command line into words, keeping double-quoted text
// (straight or the curly quotes that phones and Macs type) as one word. A
// straight double quote after a backslash is part of the word, so that a
// query can hold one: "up{job=\"api\"}". Any other backslash is itself.
func tokenize(line string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inQuote bool
		started bool
	)
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == '\\' && i+1 < len(runes) && runes[i+1] == '"':
			cur.WriteRune('"')
			started = true
			i++
		case r == '"' || r == '“' || r == '”':
			inQuote = !inQuote
			started = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n'):
			if started {
				words = append(words, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if inQuote {
		return nil, okr.Invalid("text", "A double quote is not closed in: %s (write a double quote inside quoted text as \\\")", line)
	}
	if started {
		words = append(words, cur.String())
	}
	return words, nil
}

// args are a command's words after its name: positional words and --flags.
type args struct {
	pos   []string
	flags map[string]string
	// all holds every value of a valued flag given more than once, in
	// order; flags keeps the last.
	all map[string][]string
}

// parseArgs separates words into positional words and flags. valued flags
// take the next word (or "=value"); switches take none. Any other flag is
// refused, naming the ones the command knows.
func parseArgs(command string, words []string, valued, switches []string) (args, error) {
	a := args{flags: map[string]string{}, all: map[string][]string{}}
	isValued := func(name string) bool { return contains(valued, name) }
	for i := 0; i < len(words); i++ {
		w := words[i]
		name, ok := strings.CutPrefix(w, "--")
		if !ok || name == "" {
			a.pos = append(a.pos, w)
			continue
		}
		name, value, hasValue := strings.Cut(name, "=")
		switch {
		case isValued(name):
			if !hasValue {
				if i+1 >= len(words) {
					return a, okr.Invalid(name, "--%s needs a value.", name)
				}
				i++
				value = words[i]
			}
			a.flags[name] = value
			a.all[name] = append(a.all[name], value)
		case contains(switches, name) && !hasValue:
			a.flags[name] = "true"
		default:
			known := append(append([]string{}, valued...), switches...)
			if len(known) == 0 {
				return a, okr.Invalid(name, "%s takes no options, but got --%s.", command, name)
			}
			return a, okr.Invalid(name, "%s does not know --%s. It knows: --%s.", command, name, strings.Join(known, ", --"))
		}
	}
	return a, nil
}

func (a args) has(flag string) bool { _, ok := a.flags[flag]; return ok }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// refPattern is #42 or #42.1 (or without the #).
var refPattern = regexp.MustCompile(`^#?(\d+)(?:\.(\d+))?$`)

// mention is a person named in a command.
type mention struct {
	// ID is the platform id when the platform said who it is; empty for a
	// plain @name.
	ID   string
	Name string
}

// mention reads a word naming a person: "@KEY" of a person the platform
// resolved (bot.Request.People), or "@name" as typed.
func (c *caller) mention(word string) (mention, bool) {
	key, ok := strings.CutPrefix(word, "@")
	if !ok || key == "" {
		return mention{}, false
	}
	if u, ok := c.req.People[key]; ok {
		return mention{ID: u.ID, Name: u.Name}, true
	}
	return mention{Name: key}, true
}

// channelRef is a channel named in a command.
type channelRef struct {
	ID   string
	Name string
}

// channel reads a word naming a channel: "#KEY" of a channel the platform
// resolved (bot.Request.Channels), "#name" as typed, or "here" for the
// channel the command was typed in.
func (c *caller) channel(word string) (channelRef, bool) {
	if strings.EqualFold(word, "here") && c.req.Address.Kind == bot.Channel {
		return channelRef{ID: c.req.Address.ID}, true
	}
	key, ok := strings.CutPrefix(word, "#")
	if !ok || key == "" || refPattern.MatchString(word) {
		return channelRef{}, false
	}
	if ch, ok := c.req.Channels[key]; ok {
		return channelRef{ID: ch.ID, Name: ch.Name}, true
	}
	return channelRef{Name: key}, true
}

// ref is a short number a person typed: #42 (an objective or a key result)
// or #42.1 (key result 1 of objective 42).
type ref struct {
	Number   int64
	Position int // 0 unless written as #42.1
}

func (r ref) String() string {
	if r.Position > 0 {
		return fmt.Sprintf("#%d.%d", r.Number, r.Position)
	}
	return fmt.Sprintf("#%d", r.Number)
}

func parseRef(field, word string) (ref, error) {
	m := refPattern.FindStringSubmatch(strings.TrimSpace(word))
	if m == nil {
		return ref{}, okr.Invalid(field, "%q is not an objective or key result number like #42 or #42.1.", word)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return ref{}, okr.Invalid(field, "%q is not a number okrbot uses.", word)
	}
	r := ref{Number: n}
	if m[2] != "" {
		r.Position, err = strconv.Atoi(m[2])
		if err != nil || r.Position == 0 {
			return ref{}, okr.Invalid(field, "%q has no key result %s.", word, m[2])
		}
	}
	return r, nil
}
