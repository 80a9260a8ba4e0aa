package teams

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/okrbot/okrbot/bot"
)

// Adaptive Card TextBlocks in Teams read a small Markdown: **bold**,
// *italic*, "- " and "1. " lists and [links](url); "<at>name</at>" with a
// matching msteams entity is a mention. Everything else a person typed is
// escaped with backslashes, which CommonMark and Adaptive Cards' own parser
// both honour, so that "**x**", "[a](b)" or "<at>" in a title shows
// literally and pings no one.

// mention is an msteams mention entity of a card.
type mention struct {
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Mentioned account `json:"mentioned"`
}

// markdown renders bot.Text for one card, collecting its mentions.
type markdown struct {
	mentions []mention
	seen     map[mention]bool
}

// render returns t as card Markdown.
func (m *markdown) render(t bot.Text) string {
	w := newMDWriter(true)
	m.write(w, t, false, false)
	return w.String()
}

// mdWriter builds Markdown, knowing whether it is at the start of a line,
// where "#", "-", "+", "1." and ">" would start blocks.
type mdWriter struct {
	b         strings.Builder
	lineStart bool
}

func newMDWriter(lineStart bool) *mdWriter { return &mdWriter{lineStart: lineStart} }

func (w *mdWriter) str(s string) {
	if s != "" {
		w.b.WriteString(s)
		w.lineStart = s[len(s)-1] == '\n'
	}
}

func (w *mdWriter) char(c byte) {
	w.b.WriteByte(c)
	w.lineStart = c == '\n'
}

func (w *mdWriter) String() string { return w.b.String() }

func (m *markdown) write(w *mdWriter, t bot.Text, bold, italic bool) {
	for _, in := range t {
		switch in.Kind {
		case bot.BoldKind:
			m.emphasis(w, in.Inner, "**", bold, true, italic)
		case bot.ItalicKind:
			m.emphasis(w, in.Inner, "*", italic, bold, true)
		case bot.CodeKind:
			// Teams shows no code spans in cards; commands stand out in bold.
			m.emphasis(w, bot.Text{bot.Plain(typed(in.Text))}, "**", bold, true, italic)
		case bot.MentionKind:
			w.str(m.mention(in.ID, in.Text))
		case bot.ChannelKind:
			// Bots cannot mention channels; the name is the best there is.
			escapeTo(w, "#"+nameOr(in.Text, in.ID))
		case bot.LinkKind:
			writeLink(w, in.ID, in.Text)
		default:
			escapeTo(w, in.Text)
		}
	}
}

// emphasis wraps inner in delim, unless the text around is already so
// emphasised. Spaces stay outside the delimiters: "** x**" is no emphasis.
func (m *markdown) emphasis(w *mdWriter, inner bot.Text, delim string, already, bold, italic bool) {
	if already {
		m.write(w, inner, bold, italic)
		return
	}
	in := newMDWriter(w.lineStart)
	m.write(in, inner, bold, italic)
	body := in.String()
	trimmed := strings.TrimFunc(body, unicode.IsSpace)
	if trimmed == "" {
		w.str(body)
		return
	}
	lead := body[:strings.Index(body, trimmed)]
	trail := body[len(lead)+len(trimmed):]
	w.str(lead + delim + trimmed + delim + trail)
}

// mention renders a person as "<at>name</at>" and records the entity Teams
// needs to turn it into a mention. id is an AAD object id or a "29:" id;
// Teams accepts both.
func (m *markdown) mention(id, name string) string {
	// The name goes into the card verbatim, so it keeps no markup.
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>*_[]\`+"`", r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" {
		name = "someone"
	}
	e := mention{Type: "mention", Text: "<at>" + name + "</at>", Mentioned: account{ID: id, Name: name}}
	if m.seen == nil {
		m.seen = map[mention]bool{}
	}
	if !m.seen[e] {
		m.seen[e] = true
		m.mentions = append(m.mentions, e)
	}
	return e.Text
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// writeLink writes [label](url) for web and mail links and the label with
// the URL in plain text for anything else, which Teams would not open.
func writeLink(w *mdWriter, raw, label string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto") || strings.ContainsAny(raw, " \t\n") {
		if label == "" || label == raw {
			escapeTo(w, raw)
		} else {
			escapeTo(w, label+" ("+raw+")")
		}
		return
	}
	if label == "" {
		label = raw
	}
	w.str("[")
	escapeTo(w, label)
	w.str("](")
	w.str(strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(u.String()))
	w.str(")")
}

// escapeTo writes plain text so that it shows as it is.
func escapeTo(w *mdWriter, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\r':
			i++
			continue
		case c == '\n':
			// A lone newline is a space in Markdown; Teams documents a
			// blank line as the way to break a line in a TextBlock.
			w.str("\n\n")
			i++
			continue
		case strings.IndexByte("\\*_`[]<>&~", c) >= 0:
			w.char('\\')
		case w.lineStart && strings.IndexByte("#-+=|", c) >= 0:
			w.char('\\')
		case w.lineStart && '0' <= c && c <= '9':
			// "1. " and "1) " start ordered lists: escape the dot or
			// parenthesis after the digits.
			j := i
			for j < len(s) && '0' <= s[j] && s[j] <= '9' {
				j++
			}
			w.str(s[i:j])
			if j < len(s) && (s[j] == '.' || s[j] == ')') {
				w.char('\\')
			}
			i = j
			continue
		}
		w.char(c)
		i++
	}
}
