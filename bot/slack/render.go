package slack

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// Block Kit limits. Slack refuses a whole message or view when one part is
// over its limit, so text meant for people is cut or split to fit, while
// identifiers and values that would change meaning if cut are refused here
// with an error instead.
const (
	maxMessageBlocks = 50
	maxModalBlocks   = 100
	maxHomeBlocks    = 100
	maxText          = 3000 // section and context text, and the notification text
	maxActions       = 25   // elements in one actions block
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxActionID      = 255
	maxBlockID       = 255
	maxCallbackID    = 255
	maxModalTitle    = 24 // also the submit and close buttons
	maxMetadata      = 3000
	maxLabel         = 2000 // input labels and hints
	maxPlaceholder   = 150
	maxOptions       = 100
	maxOptionText    = 75
	maxOptionValue   = 150
	maxConfirmTitle  = 100
	maxConfirmText   = 300
	maxConfirmButton = 30
)

// valueActionID is the action_id of every form input: the block_id already
// names the field, and a fixed action_id makes state decoding trivial.
const valueActionID = "value"

// dupSep marks the copy number on an action_id that repeats within a block.
const dupSep = "~"

var errEmptyMessage = errors.New("message has no text")

func plain(s string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.PlainTextType, Text: s}
}

func mrkdwnObject(s string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.MarkdownType, Text: s}
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes text safe for mrkdwn: Slack reads &, < and > as the start
// of entities, mentions and links, so "<!channel>" in a title would ping.
func escape(s string) string { return escaper.Replace(s) }

// Mrkdwn renders text as Slack's mrkdwn, escaping everything people and
// data wrote.
func Mrkdwn(t bot.Text) string {
	var b strings.Builder
	writeMrkdwn(&b, t)
	return b.String()
}

func writeMrkdwn(b *strings.Builder, t bot.Text) {
	for _, in := range t {
		switch in.Kind {
		case bot.BoldKind:
			emphasise(b, "*", in.Inner)
		case bot.ItalicKind:
			emphasise(b, "_", in.Inner)
		case bot.CodeKind:
			if in.Text != "" {
				b.WriteString("`" + escape(in.Text) + "`")
			}
		case bot.MentionKind:
			b.WriteString("<@" + in.ID + ">")
		case bot.ChannelKind:
			if in.ID == "" {
				b.WriteString("#" + escape(in.Text))
			} else {
				b.WriteString("<#" + in.ID + ">")
			}
		case bot.LinkKind:
			b.WriteString("<" + linkEscaper.Replace(in.ID))
			if in.Text != "" {
				b.WriteString("|" + escape(in.Text))
			}
			b.WriteString(">")
		default:
			b.WriteString(escape(in.Text))
		}
	}
}

var linkEscaper = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C")

// emphasise wraps inner in mark. Slack ignores a mark next to a space on
// its inner side, so spaces at either end go outside the marks.
func emphasise(b *strings.Builder, mark string, inner bot.Text) {
	s := Mrkdwn(inner)
	body := strings.TrimSpace(s)
	if body == "" {
		b.WriteString(s)
		return
	}
	lead := s[:strings.Index(s, body)]
	b.WriteString(lead + mark + body + mark + s[len(lead)+len(body):])
}

// plainText cuts plain text for a plain_text field to max characters.
func plainText(s string, max int) string { return cut(s, max) }

// cut shortens s to at most max characters, ending with an ellipsis when
// something was cut.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return s[:runeOffset(s, max-1)] + "…"
}

// cutMarkup is cut for mrkdwn: it never leaves half an entity or mention
// (such as "&am" or "<@U12") that Slack would show as garbage.
func cutMarkup(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	head := s[:runeOffset(s, max-1)]
	return head[:markupBoundary(head)] + "…"
}

// runeOffset is the byte offset of the n-th character of s.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// markupBoundary is the largest offset up to len(head) that does not fall
// inside a <...> link or mention or an &...; entity.
func markupBoundary(head string) int {
	end := len(head)
	if i := strings.LastIndexByte(head, '<'); i > 0 && i > strings.LastIndexByte(head, '>') {
		end = i
	}
	if i := strings.LastIndexByte(head[:end], '&'); i > 0 && i > strings.LastIndexByte(head[:end], ';') && end-i < len("&amp;") {
		end = i
	}
	return end
}

// splitMarkup splits mrkdwn into chunks of at most max characters,
// preferring line breaks, then spaces, so a long section becomes several
// section blocks that read as one.
func splitMarkup(s string, max int) []string {
	var out []string
	for utf8.RuneCountInString(s) > max {
		head := s[:runeOffset(s, max)]
		i := strings.LastIndexByte(head, '\n')
		if i <= 0 {
			i = strings.LastIndexByte(head, ' ')
		}
		if i <= 0 {
			i = markupBoundary(head)
		}
		out = append(out, strings.TrimRight(s[:i], "\n"))
		s = s[i:]
		if s[0] == '\n' || s[0] == ' ' {
			s = s[1:]
		}
	}
	out = append(out, s)
	kept := out[:0]
	for _, c := range out {
		if strings.TrimSpace(c) != "" {
			kept = append(kept, c)
		}
	}
	return kept
}

// sectionChunks renders a section's text and items as mrkdwn chunks of at
// most max characters each, breaking between items (and inside one only
// when it alone is too long).
func sectionChunks(s bot.Section, max int) []string {
	var lines []string
	if !s.Text.IsEmpty() {
		lines = append(lines, Mrkdwn(s.Text))
	}
	for _, it := range s.Items {
		lines = append(lines, Mrkdwn(it))
	}
	var (
		chunks []string
		cur    strings.Builder
		n      int
	)
	flush := func() {
		if cur.Len() > 0 {
			chunks = append(chunks, cur.String())
			cur.Reset()
			n = 0
		}
	}
	for _, l := range lines {
		ln := utf8.RuneCountInString(l)
		if ln > max {
			flush()
			chunks = append(chunks, splitMarkup(l, max)...)
			continue
		}
		if n > 0 && n+1+ln > max {
			flush()
		}
		if n > 0 {
			cur.WriteByte('\n')
			n++
		}
		cur.WriteString(l)
		n += ln
	}
	flush()
	kept := chunks[:0]
	for _, c := range chunks {
		if strings.TrimSpace(c) != "" {
			kept = append(kept, c)
		}
	}
	return kept
}

func checkLen(what, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s %.40q… is %d characters, Slack allows %d", what, s, n, max)
	}
	return nil
}

// RenderMessage turns a message into Slack's notification text and blocks,
// within Block Kit's limits, with each picture's alt text in its place (the
// adapter uploads pictures and shows them instead when it sends).
func RenderMessage(m bot.Message) (string, []slack.Block, error) {
	return renderBlocks(m, maxMessageBlocks, nil)
}

// renderBlocks is RenderMessage for a surface that takes up to maxBlocks
// blocks (a message 50, the Home tab 100), showing the picture of section
// i as the uploaded file files[i] when there is one.
func renderBlocks(m bot.Message, maxBlocks int, files []string) (string, []slack.Block, error) {
	sections := m.Sections
	if len(sections) == 0 {
		sections = []bot.Section{{Text: m.Summary}}
	}
	var blocks []slack.Block
	for i, s := range sections {
		for _, chunk := range sectionChunks(s, maxText) {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwnObject(chunk), nil, nil))
		}
		if s.Image != nil {
			id := ""
			if i < len(files) {
				id = files[i]
			}
			if b := imageBlock(s.Image, id); b != nil {
				blocks = append(blocks, b)
			}
		}
		if !s.Context.IsEmpty() {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwnObject(cutMarkup(Mrkdwn(s.Context), maxText))))
		}
		actions, err := renderButtons(s.Buttons)
		if err != nil {
			return "", nil, err
		}
		blocks = append(blocks, actions...)
	}
	if len(blocks) == 0 {
		return "", nil, errEmptyMessage
	}
	if len(blocks) > maxBlocks {
		blocks = append(blocks[:maxBlocks-1],
			slack.NewContextBlock("", mrkdwnObject("_This message was too long for Slack; the rest is not shown._")))
	}
	text := Mrkdwn(m.Summary)
	if strings.TrimSpace(text) == "" {
		text = Mrkdwn(sections[0].Text)
	}
	return cutMarkup(text, maxText), blocks, nil
}

// renderButtons puts buttons in actions blocks of at most 25, making
// repeated action_ids unique within each block as Slack requires.
func renderButtons(buttons []bot.Button) ([]slack.Block, error) {
	var blocks []slack.Block
	for len(buttons) > 0 {
		n := min(len(buttons), maxActions)
		seen := map[string]int{}
		var els []slack.BlockElement
		for _, b := range buttons[:n] {
			seen[b.ActionID]++
			id := b.ActionID
			if k := seen[b.ActionID]; k > 1 {
				id += dupSep + strconv.Itoa(k)
			}
			el, err := renderButton(id, b.Label, b.Value, b.Style, b.Confirm)
			if err != nil {
				return nil, err
			}
			el.URL = b.URL
			els = append(els, el)
		}
		blocks = append(blocks, slack.NewActionBlock("", els...))
		buttons = buttons[n:]
	}
	return blocks, nil
}

func renderButton(actionID, label, value string, style bot.ButtonStyle, confirm string) (*slack.ButtonBlockElement, error) {
	if err := checkLen("action_id", actionID, maxActionID); err != nil {
		return nil, err
	}
	if err := checkLen("button value", value, maxButtonValue); err != nil {
		return nil, err
	}
	el := slack.NewButtonBlockElement(actionID, value, plain(plainText(label, maxButtonText)))
	switch style {
	case bot.Primary:
		el.Style = slack.StylePrimary
	case bot.Danger:
		el.Style = slack.StyleDanger
	}
	if confirm != "" {
		el.Confirm = &slack.ConfirmationBlockObject{
			Title:   plain("Are you sure?"),
			Text:    mrkdwnObject(cutMarkup(escape(confirm), maxConfirmText)),
			Confirm: plain(plainText(cmp.Or(label, "Confirm"), maxConfirmButton)),
			Deny:    plain("Cancel"),
			Style:   el.Style,
		}
	}
	return el, nil
}

// baseActionID undoes the copy number renderButtons adds to a repeated
// action_id.
func baseActionID(id string) string {
	i := strings.LastIndex(id, dupSep)
	if i <= 0 {
		return id
	}
	if _, err := strconv.Atoi(id[i+len(dupSep):]); err != nil {
		return id
	}
	return id[:i]
}

// renderModal turns a form into a modal view.
func renderModal(f bot.Form) (slack.ModalViewRequest, error) {
	if err := checkLen("private_metadata", f.State, maxMetadata); err != nil {
		return slack.ModalViewRequest{}, err
	}
	if err := checkLen("callback_id", f.CallbackID, maxCallbackID); err != nil {
		return slack.ModalViewRequest{}, err
	}
	var blocks []slack.Block
	for _, field := range f.Fields {
		b, err := renderField(field)
		if err != nil {
			return slack.ModalViewRequest{}, fmt.Errorf("field %q: %w", field.ID, err)
		}
		if b != nil {
			blocks = append(blocks, b)
		}
	}
	// Over the limit Slack would refuse the form; the first hundred fields
	// are the ones a person would have reached anyway.
	blocks = blocks[:min(len(blocks), maxModalBlocks)]
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      f.CallbackID,
		Title:           plain(plainText(cmp.Or(f.Title, "okrbot"), maxModalTitle)),
		Submit:          plain(plainText(cmp.Or(f.SubmitText, "Submit"), maxModalTitle)),
		Close:           plain("Cancel"),
		PrivateMetadata: f.State,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}, nil
}

func renderField(f bot.Field) (slack.Block, error) {
	if err := checkLen("block_id", f.ID, maxBlockID); err != nil {
		return nil, err
	}
	switch f.Kind {
	case bot.Note:
		if f.Note.IsEmpty() {
			return nil, nil
		}
		return slack.NewSectionBlock(mrkdwnObject(cutMarkup(Mrkdwn(f.Note), maxText)), nil, nil, slack.SectionBlockOptionBlockID(f.ID)), nil
	case bot.ActionButton:
		// The button's value is the field's Initial, so one action can
		// serve several buttons ("remove key result 2").
		el, err := renderButton(f.ActionID, f.Label, f.Initial, bot.Default, "")
		if err != nil {
			return nil, err
		}
		return slack.NewActionBlock(f.ID, el), nil
	}
	var el slack.BlockElement
	var placeholder *slack.TextBlockObject
	if f.Placeholder != "" {
		placeholder = plain(plainText(f.Placeholder, maxPlaceholder))
	}
	switch f.Kind {
	case bot.Select:
		if len(f.Options) == 0 {
			return nil, errors.New("a select needs options")
		}
		sel := &slack.SelectBlockElement{Type: slack.OptTypeStatic, ActionID: valueActionID, Placeholder: placeholder}
		for _, o := range f.Options[:min(len(f.Options), maxOptions)] {
			if err := checkLen("option value", o.Value, maxOptionValue); err != nil {
				return nil, err
			}
			opt := slack.NewOptionBlockObject(o.Value, plain(plainText(cmp.Or(o.Label, o.Value), maxOptionText)), nil)
			sel.Options = append(sel.Options, opt)
			if f.Initial != "" && o.Value == f.Initial {
				sel.InitialOption = opt
			}
		}
		el = sel
	case bot.UserSelect:
		el = &slack.SelectBlockElement{Type: slack.OptTypeUser, ActionID: valueActionID, Placeholder: placeholder, InitialUser: f.Initial}
	default:
		el = &slack.PlainTextInputBlockElement{
			Type:         slack.METPlainTextInput,
			ActionID:     valueActionID,
			Placeholder:  placeholder,
			InitialValue: f.Initial,
			Multiline:    f.Kind == bot.LongText,
		}
	}
	var hint *slack.TextBlockObject
	if f.Hint != "" {
		hint = plain(plainText(f.Hint, maxLabel))
	}
	in := slack.NewInputBlock(f.ID, plain(plainText(cmp.Or(f.Label, f.ID), maxLabel)), hint, el)
	in.Optional = f.Optional
	return in, nil
}

// submission reads a modal's current values, keyed by block_id, which is
// the field's ID.
func submission(v *slack.View) *bot.Submission {
	sub := &bot.Submission{CallbackID: v.CallbackID, State: v.PrivateMetadata, Values: map[string]string{}}
	if v.State == nil {
		return sub
	}
	for blockID, actions := range v.State.Values {
		for _, a := range actions {
			sub.Values[blockID] = actionValue(a)
		}
	}
	return sub
}

// actionValue is what an element holds: a button's or text input's value,
// the chosen option's value, or the chosen user's ID.
func actionValue(a slack.BlockAction) string {
	switch string(a.Type) {
	case slack.OptTypeStatic:
		return a.SelectedOption.Value
	case slack.OptTypeUser:
		return a.SelectedUser
	}
	return a.Value
}

// firstInput is the block_id of a modal's first input, where an error that
// belongs to no field in particular can be shown.
func firstInput(v *slack.View) string {
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			return in.BlockID
		}
	}
	return ""
}
