package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind is what an Inline is.
type Kind uint8

const (
	// PlainKind is text shown as it is. A newline in it is a line break.
	PlainKind Kind = iota
	// BoldKind and ItalicKind emphasise their Inner text.
	BoldKind
	ItalicKind
	// CodeKind is a command or value shown in a fixed-width font.
	CodeKind
	// MentionKind names a person: ID is their platform id, Text their
	// display name (which may be empty).
	MentionKind
	// ChannelKind names a channel: ID is its platform id, Text its name
	// (which may be empty).
	ChannelKind
	// LinkKind is a link: ID is its URL, Text its label (empty for the URL
	// itself).
	LinkKind
)

// Inline is one piece of a Text.
type Inline struct {
	Kind  Kind
	Text  string
	ID    string
	Inner Text
}

// Text is a message's text: a run of plain text, emphasis, code, mentions,
// channels and links. It holds no platform syntax, so it needs no escaping;
// every adapter renders it in its own markup and escapes what the platform
// would otherwise read as markup.
type Text []Inline

// Plain is text shown exactly as it is.
func Plain(s string) Inline { return Inline{Kind: PlainKind, Text: s} }

// Bold emphasises its parts strongly. Parts are as for T.
func Bold(parts ...any) Inline { return Inline{Kind: BoldKind, Inner: T(parts...)} }

// Italic emphasises its parts lightly. Parts are as for T.
func Italic(parts ...any) Inline { return Inline{Kind: ItalicKind, Inner: T(parts...)} }

// Code shows a command or value in a fixed-width font.
func Code(s string) Inline { return Inline{Kind: CodeKind, Text: s} }

// Mention names a person by their platform id, with the display name to use
// where the platform cannot resolve the id.
func Mention(id, name string) Inline { return Inline{Kind: MentionKind, ID: id, Text: name} }

// ChannelRef names a channel by its platform id.
func ChannelRef(id, name string) Inline { return Inline{Kind: ChannelKind, ID: id, Text: name} }

// Link links to url under label; an empty label shows the URL.
func Link(url, label string) Inline { return Inline{Kind: LinkKind, ID: url, Text: label} }

// T joins parts into a Text: a string is plain text, an Inline or a Text is
// taken as it is, and anything else is formatted with fmt.Sprint.
func T(parts ...any) Text {
	var t Text
	for _, p := range parts {
		t = appendPart(t, p)
	}
	return t
}

func appendPart(t Text, p any) Text {
	switch v := p.(type) {
	case nil:
		return t
	case string:
		if v == "" {
			return t
		}
		return append(t, Plain(v))
	case Inline:
		return append(t, v)
	case Text:
		return append(t, v...)
	case []Inline:
		return append(t, v...)
	}
	return append(t, Plain(fmt.Sprint(p)))
}

// Textf formats like fmt.Sprintf, except that an Inline or Text argument of
// a %s or %v verb is placed into the result as it is, keeping its emphasis,
// mentions and links, and that text between backquotes in the format is
// code (an Inline or Text argument inside it shows as plain text). The rest
// of the format, and every argument, is plain text: nothing in an argument
// is ever read as code or markup.
func Textf(format string, args ...any) Text {
	var (
		t      Text
		lit    strings.Builder
		next   int
		inCode bool
	)
	flush := func() {
		if lit.Len() == 0 && !inCode {
			return
		}
		if inCode {
			t = append(t, Code(lit.String()))
		} else {
			t = append(t, Plain(lit.String()))
		}
		lit.Reset()
	}
	for i := 0; i < len(format); {
		switch c := format[i]; c {
		case '`':
			flush()
			inCode = !inCode
			i++
			continue
		case '%':
		default:
			lit.WriteByte(c)
			i++
			continue
		}
		end := verbEnd(format, i+1)
		verb := format[i:end]
		i = end
		if verb == "%%" {
			lit.WriteByte('%')
			continue
		}
		if next >= len(args) {
			lit.WriteString("%!" + verb[len(verb)-1:] + "(MISSING)")
			continue
		}
		arg := args[next]
		next++
		if !inCode && (verb == "%s" || verb == "%v") {
			switch arg.(type) {
			case Inline, Text, []Inline:
				if lit.Len() > 0 {
					t = append(t, Plain(lit.String()))
					lit.Reset()
				}
				t = appendPart(t, arg)
				continue
			}
		}
		switch v := arg.(type) {
		case Inline:
			arg = Text{v}.String()
		case Text:
			arg = v.String()
		case []Inline:
			arg = Text(v).String()
		}
		lit.WriteString(fmt.Sprintf(verb, arg))
	}
	if next < len(args) {
		lit.WriteString(fmt.Sprintf("%%!(EXTRA %d)", len(args)-next))
	}
	if lit.Len() > 0 {
		flush()
	}
	return t
}

// verbEnd is the index just past the formatting verb whose flags start at
// i: flags, width, precision and the verb letter.
func verbEnd(format string, i int) int {
	for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
		i++
	}
	if i < len(format) {
		_, size := utf8.DecodeRuneInString(format[i:])
		i += size
	}
	return i
}

// Lines joins texts with line breaks.
func Lines(lines ...Text) Text { return Join(lines, "\n") }

// Join joins texts with sep between them.
func Join(texts []Text, sep string) Text {
	var t Text
	for i, x := range texts {
		if i > 0 && sep != "" {
			t = append(t, Plain(sep))
		}
		t = append(t, x...)
	}
	return t
}

// IsEmpty reports whether t shows nothing.
func (t Text) IsEmpty() bool {
	for _, in := range t {
		switch in.Kind {
		case BoldKind, ItalicKind:
			if !in.Inner.IsEmpty() {
				return false
			}
		case PlainKind, CodeKind:
			if strings.TrimSpace(in.Text) != "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// String is t as plain text, for places that show no markup at all: CSV
// files, API errors, logs. People and channels appear by name, links as
// "label (URL)".
func (t Text) String() string {
	var b strings.Builder
	t.writePlain(&b)
	return b.String()
}

func (t Text) writePlain(b *strings.Builder) {
	for _, in := range t {
		switch in.Kind {
		case BoldKind, ItalicKind:
			in.Inner.writePlain(b)
		case MentionKind:
			b.WriteString("@" + nameOr(in))
		case ChannelKind:
			b.WriteString("#" + nameOr(in))
		case LinkKind:
			if in.Text == "" || in.Text == in.ID {
				b.WriteString(in.ID)
			} else {
				b.WriteString(in.Text + " (" + in.ID + ")")
			}
		default:
			b.WriteString(in.Text)
		}
	}
}

func nameOr(in Inline) string {
	if in.Text != "" {
		return in.Text
	}
	return in.ID
}

// Unstyled is t without its emphasis, for one-line summaries such as a
// notification's preview.
func (t Text) Unstyled() Text {
	var out Text
	for _, in := range t {
		if in.Kind == BoldKind || in.Kind == ItalicKind {
			out = append(out, in.Inner.Unstyled()...)
			continue
		}
		out = append(out, in)
	}
	return out
}
