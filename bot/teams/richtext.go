package teams

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/okrbot/okrbot/bot"
)

// Text in okrbot's cards is never Markdown. TextBlocks read a small
// Markdown, and what a person typed would have to be escaped in it with
// backslashes, which Teams for desktop and web hide but Teams for iOS and
// Android show (R\&D, 1\. Grow); and layout by leading spaces is Markdown
// too (four spaces make a code block). So every text is a RichTextBlock of
// TextRuns, which Adaptive Cards never read as Markdown: each run is shown
// exactly as it is, and emphasis, code and links are properties of a run
// (weight, italic, fontType, selectAction), not characters in the text.
// Indentation is a column of the card's layout.
//
// The one exception is a mention: Teams turns "<at>name</at>" into a
// mention only in a TextBlock. A line with mentions is a row of columns,
// each mention alone in a TextBlock of its own, whose name okrbot strips
// of anything Markdown would read.

// mention is an msteams mention entity of a card.
type mention struct {
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Mentioned account `json:"mentioned"`
}

// look is how a text shows.
type look struct {
	heading bool   // the card's title: a larger size
	subtle  bool   // small print
	color   string // "Attention" for errors
	spacing string // the spacing above the text
}

// richText renders bot.Text for one card, collecting its mentions.
type richText struct {
	mentions []mention
	seen     map[mention]bool
}

// run is a piece of a line in one style.
type run struct {
	text         string
	bold, italic bool
	code         bool
	link         string
	mention      *mention
}

// blocks renders t as card elements, one a line.
func (r *richText) blocks(t bot.Text, lk look) []any {
	var out []any
	gap := lk.spacing
	for _, line := range splitLines(r.runs(nil, t, false, false)) {
		indent := trimIndent(line)
		line = dropEmpty(line)
		if len(line) == 0 {
			// A blank line: more space above the next line.
			if len(out) > 0 {
				gap = "Medium"
			}
			continue
		}
		el := r.line(line, lk)
		if indent > 0 {
			// Indentation is layout: a narrow empty column before the
			// line, never leading spaces, which Markdown would read.
			el = object{"type": "ColumnSet", "columns": []any{
				object{"type": "Column", "width": indentWidth(indent), "items": []any{}},
				object{"type": "Column", "width": "stretch", "items": []any{el}, "spacing": "None"},
			}}
		}
		switch {
		case gap != "":
			el["spacing"] = gap
		case len(out) > 0:
			el["spacing"] = "None"
		}
		gap = ""
		out = append(out, el)
	}
	if len(out) == 0 {
		el := r.line([]run{{text: " "}}, lk)
		if lk.spacing != "" {
			el["spacing"] = lk.spacing
		}
		out = append(out, el)
	}
	return out
}

// plainBlocks renders text okrbot shows as it is: hints, errors, alt
// texts.
func plainBlocks(s string, lk look) []any {
	var r richText
	return r.blocks(bot.T(s), lk)
}

// indentWidth is the width of the column that indents a line by n spaces.
func indentWidth(n int) string {
	return strconv.Itoa(min(n, 12)*4) + "px"
}

// line renders one line: a RichTextBlock, or a row of columns when it
// mentions someone.
func (r *richText) line(runs []run, lk look) object {
	hasMention := false
	for _, rn := range runs {
		hasMention = hasMention || rn.mention != nil
	}
	if !hasMention {
		return richTextBlock(runs, lk)
	}
	var cols []any
	var pending []run
	space := false // whitespace before the next column
	flush := func() {
		text := trimRuns(pending)
		pending = nil
		if len(text.runs) == 0 {
			space = space || text.leading || text.trailing
			return
		}
		cols = append(cols, column(richTextBlock(text.runs, lk), len(cols) > 0, space || text.leading))
		space = text.trailing
	}
	for _, rn := range runs {
		if rn.mention == nil {
			pending = append(pending, rn)
			continue
		}
		flush()
		tb := object{"type": "TextBlock", "text": rn.mention.Text, "wrap": true}
		lk.apply(tb)
		cols = append(cols, column(tb, len(cols) > 0, space))
		space = false
	}
	flush()
	last := cols[len(cols)-1].(object)
	last["width"] = "stretch"
	return object{"type": "ColumnSet", "columns": cols}
}

// column is one piece of a row; after the first, with a little space
// where the text had a space, else none.
func column(item object, after, spaced bool) object {
	c := object{"type": "Column", "width": "auto", "items": []any{item}}
	switch {
	case !after:
	case spaced:
		c["spacing"] = "Small"
	default:
		c["spacing"] = "None"
	}
	return c
}

func (lk look) apply(el object) {
	if lk.heading {
		el["size"] = "Medium"
	}
	if lk.subtle {
		el["isSubtle"], el["size"] = true, "Small"
	}
	if lk.color != "" {
		el["color"] = lk.color
	}
}

func richTextBlock(runs []run, lk look) object {
	inlines := make([]any, 0, len(runs))
	for _, rn := range runs {
		tr := object{"type": "TextRun", "text": rn.text}
		if rn.bold || rn.code {
			tr["weight"] = "Bolder"
		}
		if rn.italic {
			tr["italic"] = true
		}
		if rn.code {
			tr["fontType"] = "Monospace"
		}
		if rn.link != "" {
			tr["selectAction"] = object{"type": "Action.OpenUrl", "url": rn.link}
		}
		lk.apply(tr)
		inlines = append(inlines, tr)
	}
	return object{"type": "RichTextBlock", "inlines": inlines}
}

// trimmed is a piece of a line between mentions, without the whitespace
// at its ends, which columns replace with their spacing.
type trimmed struct {
	runs              []run
	leading, trailing bool
}

func trimRuns(runs []run) trimmed {
	var t trimmed
	for len(runs) > 0 {
		s := strings.TrimLeftFunc(runs[0].text, unicode.IsSpace)
		t.leading = t.leading || s != runs[0].text
		if s != "" {
			runs[0].text = s
			break
		}
		runs = runs[1:]
	}
	for len(runs) > 0 {
		n := len(runs) - 1
		s := strings.TrimRightFunc(runs[n].text, unicode.IsSpace)
		t.trailing = t.trailing || s != runs[n].text
		if s != "" {
			runs[n].text = s
			break
		}
		runs = runs[:n]
	}
	t.runs = runs
	return t
}

// runs flattens t into styled runs.
func (r *richText) runs(out []run, t bot.Text, bold, italic bool) []run {
	for _, in := range t {
		switch in.Kind {
		case bot.BoldKind:
			out = r.runs(out, in.Inner, true, italic)
		case bot.ItalicKind:
			out = r.runs(out, in.Inner, bold, true)
		case bot.CodeKind:
			out = append(out, run{text: typed(in.Text), code: true, italic: italic})
		case bot.MentionKind:
			m := r.mention(in.ID, in.Text)
			out = append(out, run{mention: &m})
		case bot.ChannelKind:
			// Bots cannot mention channels; the name is the best there is.
			out = append(out, run{text: "#" + nameOr(in.Text, in.ID), bold: bold, italic: italic})
		case bot.LinkKind:
			out = append(out, linkRun(in.ID, in.Text, bold, italic))
		default:
			out = append(out, run{text: in.Text, bold: bold, italic: italic})
		}
	}
	return out
}

// linkRun links web and mail links; anything else, which Teams would not
// open, shows its label with the URL in plain text.
func linkRun(raw, label string, bold, italic bool) run {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto") || strings.ContainsAny(raw, " \t\n") {
		if label == "" || label == raw {
			return run{text: raw, bold: bold, italic: italic}
		}
		return run{text: label + " (" + raw + ")", bold: bold, italic: italic}
	}
	return run{text: nameOr(label, raw), link: u.String(), bold: bold, italic: italic}
}

// splitLines cuts runs at line breaks.
func splitLines(runs []run) [][]run {
	lines := [][]run{nil}
	for _, rn := range runs {
		if rn.mention != nil {
			lines[len(lines)-1] = append(lines[len(lines)-1], rn)
			continue
		}
		parts := strings.Split(strings.ReplaceAll(rn.text, "\r", ""), "\n")
		for i, p := range parts {
			if i > 0 {
				lines = append(lines, nil)
			}
			if p != "" {
				piece := rn
				piece.text = p
				lines[len(lines)-1] = append(lines[len(lines)-1], piece)
			}
		}
	}
	return lines
}

// trimIndent removes the spaces a line starts with and returns how many
// there were (a tab counts four).
func trimIndent(line []run) int {
	n := 0
	for i := range line {
		if line[i].mention != nil {
			break
		}
		s := line[i].text
		j := 0
		for ; j < len(s) && (s[j] == ' ' || s[j] == '\t'); j++ {
			if s[j] == '\t' {
				n += 4
			} else {
				n++
			}
		}
		line[i].text = s[j:]
		if j < len(s) {
			break
		}
	}
	return n
}

func dropEmpty(line []run) []run {
	out := line[:0]
	for _, rn := range line {
		if rn.mention != nil || rn.text != "" {
			out = append(out, rn)
		}
	}
	if len(out) == 0 {
		return nil
	}
	blank := true
	for _, rn := range out {
		blank = blank && rn.mention == nil && strings.TrimSpace(rn.text) == ""
	}
	if blank {
		return nil
	}
	return out
}

// mention is a person as "<at>name</at>", with the entity Teams needs to
// turn it into a mention. id is an AAD object id or a "29:" id; Teams
// accepts both.
func (r *richText) mention(id, name string) mention {
	// The name goes into a TextBlock, so it keeps nothing Markdown reads.
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>*_[]\#`+"`", r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" {
		name = "someone"
	}
	e := mention{Type: "mention", Text: "<at>" + name + "</at>", Mentioned: account{ID: id, Name: name}}
	if r.seen == nil {
		r.seen = map[mention]bool{}
	}
	if !r.seen[e] {
		r.seen[e] = true
		r.mentions = append(r.mentions, e)
	}
	return e
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}
