package teams

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
)

// maxActivityBytes is the largest message okrbot sends: Teams refuses
// messages over 28 KB, and the Bot Connector adds a little of its own.
const maxActivityBytes = 27 * 1024

// somethingWentWrong is what a person sees when okrbot failed them.
const somethingWentWrong = "Something went wrong on our side. Please try again."

// outOfDate answers a click on a card whose data okrbot cannot trust.
const outOfDate = "This card is out of date. Please run the command again."

// cards renders bot.Message and bot.Form as Adaptive Cards 1.5, the
// version Teams renders with Action.Execute.
type cards struct {
	sign signer
	// pictures serves the pictures too big to ride in a card; nil
	// without OKRBOT_PUBLIC_URL.
	pictures *pictures
}

// imageMode is how a card shows the pictures of a message.
type imageMode int

const (
	// inlineImages carry each picture in the card, as a data URI.
	inlineImages imageMode = iota
	// linkedImages link to each picture, served by okrbot (pictures.go).
	linkedImages
	// altTexts show each picture's alt text instead.
	altTexts
)

type object = map[string]any

func adaptiveCard(body []any, actions []any, rt *richText, fallback string) object {
	c := object{
		"type":    "AdaptiveCard",
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": "1.5",
		"body":    body,
	}
	if len(actions) > 0 {
		c["actions"] = actions
	}
	if fallback != "" {
		c["fallbackText"] = fallback
	}
	teams := object{"width": "Full"}
	if rt != nil && len(rt.mentions) > 0 {
		teams["entities"] = rt.mentions
	}
	c["msteams"] = teams
	return c
}

// cardActivity is a message activity carrying one card. summary is the
// plain text Teams shows in notifications and previews.
func cardActivity(card object, summary string) *activity {
	return &activity{
		Type:        "message",
		Summary:     oneLine(summary, 200),
		Attachments: []attachment{{ContentType: adaptiveCardType, Content: card}},
	}
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

func size(a *activity) int {
	b, err := json.Marshal(a)
	if err != nil {
		return 0
	}
	return len(b)
}

// message renders msg as a card activity within maxActivityBytes. Its
// pictures ride in the card when they fit, else are linked when okrbot
// serves them, else give way to their alt text. A long message keeps the
// first items of each section up to a level found by bisection, the rest
// replaced by "…and N more": short sections stay whole, long ones are cut,
// and items are never cut in the middle.
func (c cards) message(ctx context.Context, ws bot.Workspace, msg bot.Message) *activity {
	summary := plain(msg.Summary)
	mode := inlineImages
	render := func(level int) *activity {
		keep := make([]int, len(msg.Sections))
		for i, s := range msg.Sections {
			keep[i] = min(len(s.Items), level)
		}
		return cardActivity(c.messageCard(ctx, ws, msg, keep, mode), summary)
	}
	most := 0
	for _, s := range msg.Sections {
		most = max(most, len(s.Items))
	}
	if act := render(most); size(act) <= maxActivityBytes {
		return act
	}
	if hasImages(msg) {
		// Too big with its pictures inside: link them, or show their alt
		// text, before cutting any items.
		mode = altTexts
		if c.pictures != nil {
			mode = linkedImages
		}
		if act := render(most); size(act) <= maxActivityBytes {
			return act
		}
	}
	best := render(0)
	if size(best) > maxActivityBytes {
		return c.tooLong(msg)
	}
	// render(lo) fits and render(hi) does not.
	lo, hi := 0, most
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if act := render(mid); size(act) <= maxActivityBytes {
			lo, best = mid, act
		} else {
			hi = mid
		}
	}
	return best
}

func hasImages(msg bot.Message) bool {
	return slices.ContainsFunc(msg.Sections, func(s bot.Section) bool { return s.Image != nil })
}

// image shows a picture of a workspace's message as mode says.
func (c cards) image(ctx context.Context, ws bot.Workspace, img *bot.Image, mode imageMode) object {
	alt := nameOr(img.Alt, img.Name)
	if mode == inlineImages {
		return object{"type": "Image", "url": "data:image/png;base64," + base64.StdEncoding.EncodeToString(img.PNG), "altText": alt, "size": "Stretch"}
	}
	if mode == linkedImages && c.pictures != nil {
		if url, ok := c.pictures.link(ctx, ws, img.PNG); ok {
			return object{"type": "Image", "url": url, "altText": alt, "size": "Stretch"}
		}
	}
	if img.Alt != "" {
		return container(plainBlocks(img.Alt, look{subtle: true}), "Small")
	}
	return nil
}

// item is the element of one item of a section: its one line, or its
// lines in a container, so that an item is never cut in the middle.
func item(blocks []any) any {
	if len(blocks) == 1 {
		return blocks[0]
	}
	return container(blocks, "Small")
}

// container groups the blocks of one text, so that it is one item of a
// section, with spacing above it.
func container(blocks []any, spacing string) object {
	c := object{"type": "Container", "items": blocks}
	if spacing != "" {
		c["spacing"] = spacing
	}
	return c
}

func (c cards) messageCard(ctx context.Context, ws bot.Workspace, msg bot.Message, keep []int, mode imageMode) object {
	rt := &richText{}
	var body []any
	if !msg.Summary.IsEmpty() {
		body = append(body, rt.blocks(msg.Summary, look{heading: len(msg.Sections) > 0})...)
	}
	for i, s := range msg.Sections {
		var items []any
		if !s.Text.IsEmpty() {
			items = append(items, rt.blocks(s.Text, look{})...)
		}
		for _, it := range s.Items[:keep[i]] {
			items = append(items, item(rt.blocks(it, look{spacing: "Small"})))
		}
		if n := len(s.Items) - keep[i]; n > 0 {
			items = append(items, plainBlocks(fmt.Sprintf("…and %d more", n), look{subtle: true, spacing: "Small"})...)
		}
		if s.Image != nil {
			if img := c.image(ctx, ws, s.Image, mode); img != nil {
				items = append(items, img)
			}
		}
		if !s.Context.IsEmpty() {
			items = append(items, rt.blocks(s.Context, look{subtle: true, spacing: "Small"})...)
		}
		if len(s.Buttons) > 0 {
			var actions []any
			for _, b := range s.Buttons {
				actions = append(actions, c.button(b))
			}
			items = append(items, object{"type": "ActionSet", "actions": actions})
		}
		if len(items) == 0 {
			continue
		}
		body = append(body, object{"type": "Container", "items": items, "separator": len(body) > 0, "spacing": "Medium"})
	}
	if len(body) == 0 {
		body = append(body, plainBlocks(" ", look{})...)
	}
	return adaptiveCard(body, nil, rt, plain(msg.Summary))
}

// tooLong stands in for a message that does not fit even without items.
func (c cards) tooLong(msg bot.Message) *activity {
	summary := oneLine(plain(msg.Summary), 1000)
	body := append(plainBlocks(summary, look{}), plainBlocks("This message is too long to show in Teams.", look{subtle: true, spacing: "Small"})...)
	return cardActivity(adaptiveCard(body, nil, nil, summary), summary)
}

func buttonStyle(s bot.ButtonStyle) string {
	switch s {
	case bot.Primary:
		return "positive"
	case bot.Danger:
		return "destructive"
	}
	return ""
}

// button renders a bot.Button as Action.Execute, whose click comes back as
// an adaptiveCard/action invoke. Adaptive Cards have no confirmation
// dialog, so a button with Confirm opens the question under the card
// first (Action.ShowCard), with the real button beneath it.
func (c cards) button(b bot.Button) object {
	if b.URL != "" {
		return object{"type": "Action.OpenUrl", "title": nameOr(b.Label, b.ActionID), "url": b.URL}
	}
	exec := object{
		"type":  "Action.Execute",
		"title": nameOr(b.Label, b.ActionID),
		"verb":  b.ActionID,
		"data":  c.sign.data(payload{Kind: kindButton, Action: b.ActionID, Value: b.Value}),
	}
	if st := buttonStyle(b.Style); st != "" {
		exec["style"] = st
	}
	if b.Confirm == "" {
		return exec
	}
	confirm := object{
		"type":  "Action.ShowCard",
		"title": exec["title"],
		"card": object{
			"type":    "AdaptiveCard",
			"body":    plainBlocks(b.Confirm, look{}),
			"actions": []any{exec},
		},
	}
	if st := buttonStyle(b.Style); st != "" {
		confirm["style"] = st
	}
	return confirm
}

// formMode says where a form is shown and so which action submits it.
type formMode int

const (
	// inlineForm is a card in the conversation, submitted with
	// Action.Execute (an adaptiveCard/action invoke).
	inlineForm formMode = iota
	// dialogForm is a card in a dialog, submitted with Action.Submit (a
	// task/submit invoke).
	dialogForm
)

// form renders f with values (nil: f's initial values) and errors next to
// their fields; errors for no field of f show at the top.
func (c cards) form(f bot.Form, mode formMode, values, errs map[string]string) object {
	rt := &richText{}
	var body []any
	if mode == inlineForm && f.Title != "" {
		body = append(body, rt.blocks(bot.T(bot.Bold(f.Title)), look{heading: true})...)
	}
	ids := map[string]bool{}
	for _, fl := range f.Fields {
		ids[fl.ID] = true
	}
	var general []string
	for id, msg := range errs {
		if !ids[id] {
			general = append(general, msg)
		}
	}
	slices.Sort(general)
	for _, msg := range general {
		body = append(body, errorBlock(msg))
	}
	for _, fl := range f.Fields {
		value := fl.Initial
		if values != nil {
			value = values[fl.ID]
		}
		switch fl.Kind {
		case bot.Note:
			body = append(body, rt.blocks(fl.Note, look{})...)
		case bot.ActionButton:
			body = append(body, object{"type": "ActionSet", "actions": []any{
				c.formAction(mode, fl.Label, fl.ActionID, payload{Kind: kindFormButton, Action: fl.ActionID, Form: &f}, ""),
			}})
		default:
			body = append(body, input(fl, value))
		}
		if fl.Hint != "" {
			body = append(body, plainBlocks(fl.Hint, look{subtle: true, spacing: "None"})...)
		}
		if msg := errs[fl.ID]; msg != "" && ids[fl.ID] {
			body = append(body, errorBlock(msg))
		}
	}
	submit := c.formAction(mode, nameOr(f.SubmitText, "Submit"), f.CallbackID, payload{Kind: kindSubmit, Form: &f}, "positive")
	return adaptiveCard(body, []any{submit}, rt, f.Title)
}

// errorBlock shows a validation error in red, which can quote what the
// person typed.
func errorBlock(msg string) object {
	return container(plainBlocks(msg, look{subtle: true, color: "Attention"}), "None")
}

// formAction is a button of a form: Action.Execute inline, Action.Submit
// in a dialog. Both send the form's inputs along.
func (c cards) formAction(mode formMode, title, verb string, p payload, style string) object {
	a := object{"title": title, "data": c.sign.data(p)}
	if mode == inlineForm {
		a["type"], a["verb"] = "Action.Execute", verb
	} else {
		a["type"] = "Action.Submit"
	}
	if style != "" {
		a["style"] = style
	}
	return a
}

// input renders an input field. Labels, placeholders and choices are plain
// text in Adaptive Cards; only TextBlocks read Markdown.
func input(fl bot.Field, value string) object {
	in := object{"id": inputPrefix + fl.ID, "label": fl.Label}
	if !fl.Optional {
		in["isRequired"] = true
		in["errorMessage"] = nameOr(fl.Label, "This field") + " is required."
	}
	if fl.Placeholder != "" {
		in["placeholder"] = fl.Placeholder
	}
	if value != "" {
		in["value"] = value
	}
	choices := make([]any, 0, len(fl.Options))
	for _, o := range fl.Options {
		choices = append(choices, object{"title": nameOr(o.Label, o.Value), "value": o.Value})
	}
	switch fl.Kind {
	case bot.Select:
		in["type"], in["choices"] = "Input.ChoiceSet", choices
	case bot.UserSelect:
		// Teams' people picker: it searches the tenant's directory as the
		// person types and answers the chosen person's AAD object id.
		in["type"], in["choices"] = "Input.ChoiceSet", choices
		in["choices.data"] = object{"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
	default:
		in["type"] = "Input.Text"
		if fl.Kind == bot.LongText {
			in["isMultiline"] = true
		}
	}
	return in
}

// launcher is the card that opens a form as a dialog: what a command typed
// in a channel or group chat gets, since only a click can open a dialog.
func (c cards) launcher(f bot.Form, asker bot.User) object {
	rt := &richText{}
	body := rt.blocks(bot.T(bot.Mention(asker.ID, asker.Name), " ", bot.Bold(nameOr(f.Title, "Form"))), look{})
	if !f.Fallback.IsEmpty() {
		body = append(body, rt.blocks(f.Fallback, look{subtle: true, spacing: "Small"})...)
	}
	data := c.sign.data(payload{Kind: kindOpen, Form: &f})
	data["msteams"] = object{"type": "task/fetch"}
	open := object{"type": "Action.Submit", "title": "Open", "data": data, "style": "positive"}
	return adaptiveCard(body, []any{open}, rt, f.Title)
}

// dialog is the task-module answer that shows a card in a dialog.
func dialog(title string, card object) object {
	return object{"task": object{"type": "continue", "value": object{
		"title": title,
		"card":  attachment{ContentType: adaptiveCardType, Content: card},
	}}}
}

// note is a card of one line of plain text.
func note(text string) object {
	return adaptiveCard(plainBlocks(text, look{}), nil, nil, text)
}

// card is the card a cardActivity carries.
func (a *activity) card() object { return a.Attachments[0].Content.(object) }
