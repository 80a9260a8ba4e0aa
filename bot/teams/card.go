package teams

import (
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

func adaptiveCard(body []any, actions []any, md *markdown, fallback string) object {
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
	if md != nil && len(md.mentions) > 0 {
		teams["entities"] = md.mentions
	}
	c["msteams"] = teams
	return c
}

func textBlock(text string) object {
	return object{"type": "TextBlock", "text": text, "wrap": true}
}

func subtle(text string) object {
	return object{"type": "TextBlock", "text": text, "wrap": true, "isSubtle": true, "size": "Small", "spacing": "Small"}
}

func plainMD(s string) string {
	w := newMDWriter(true)
	escapeTo(w, s)
	return w.String()
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
func (c cards) message(msg bot.Message) *activity {
	summary := plain(msg.Summary)
	mode := inlineImages
	render := func(level int) *activity {
		keep := make([]int, len(msg.Sections))
		for i, s := range msg.Sections {
			keep[i] = min(len(s.Items), level)
		}
		return cardActivity(c.messageCard(msg, keep, mode), summary)
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

// image shows a picture as mode says.
func (c cards) image(img *bot.Image, mode imageMode) object {
	alt := nameOr(img.Alt, img.Name)
	switch {
	case mode == inlineImages:
		return object{"type": "Image", "url": "data:image/png;base64," + base64.StdEncoding.EncodeToString(img.PNG), "altText": alt, "size": "Stretch"}
	case mode == linkedImages && c.pictures != nil:
		return object{"type": "Image", "url": c.pictures.link(img.PNG), "altText": alt, "size": "Stretch"}
	case img.Alt != "":
		return subtle(plainMD(img.Alt))
	}
	return nil
}

func (c cards) messageCard(msg bot.Message, keep []int, mode imageMode) object {
	md := &markdown{}
	var body []any
	if !msg.Summary.IsEmpty() {
		tb := textBlock(md.render(msg.Summary))
		if len(msg.Sections) > 0 {
			tb["weight"] = "Bolder"
		}
		body = append(body, tb)
	}
	for i, s := range msg.Sections {
		var items []any
		if !s.Text.IsEmpty() {
			items = append(items, textBlock(md.render(s.Text)))
		}
		for _, it := range s.Items[:keep[i]] {
			tb := textBlock(md.render(it))
			tb["spacing"] = "Small"
			items = append(items, tb)
		}
		if n := len(s.Items) - keep[i]; n > 0 {
			items = append(items, subtle(fmt.Sprintf("…and %d more", n)))
		}
		if s.Image != nil {
			if img := c.image(s.Image, mode); img != nil {
				items = append(items, img)
			}
		}
		if !s.Context.IsEmpty() {
			items = append(items, subtle(md.render(s.Context)))
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
		body = append(body, textBlock(" "))
	}
	return adaptiveCard(body, nil, md, plain(msg.Summary))
}

// tooLong stands in for a message that does not fit even without items.
func (c cards) tooLong(msg bot.Message) *activity {
	summary := oneLine(plain(msg.Summary), 1000)
	body := []any{
		textBlock(plainMD(summary)),
		subtle("This message is too long to show in Teams."),
	}
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
			"body":    []any{textBlock(plainMD(b.Confirm))},
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
	md := &markdown{}
	var body []any
	if mode == inlineForm && f.Title != "" {
		body = append(body, object{"type": "TextBlock", "text": plainMD(f.Title), "wrap": true, "weight": "Bolder", "size": "Medium"})
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
			body = append(body, textBlock(md.render(fl.Note)))
		case bot.ActionButton:
			body = append(body, object{"type": "ActionSet", "actions": []any{
				c.formAction(mode, fl.Label, fl.ActionID, payload{Kind: kindFormButton, Action: fl.ActionID, Form: &f}, ""),
			}})
		default:
			body = append(body, input(fl, value))
		}
		if fl.Hint != "" {
			h := subtle(plainMD(fl.Hint))
			h["spacing"] = "None"
			body = append(body, h)
		}
		if msg := errs[fl.ID]; msg != "" && ids[fl.ID] {
			body = append(body, errorBlock(msg))
		}
	}
	submit := c.formAction(mode, nameOr(f.SubmitText, "Submit"), f.CallbackID, payload{Kind: kindSubmit, Form: &f}, "positive")
	return adaptiveCard(body, []any{submit}, md, f.Title)
}

func errorBlock(msg string) object {
	return object{"type": "TextBlock", "text": plainMD(msg), "wrap": true, "color": "Attention", "size": "Small", "spacing": "None"}
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
	md := &markdown{}
	body := []any{textBlock(md.render(bot.T(bot.Mention(asker.ID, asker.Name), " ", bot.Bold(nameOr(f.Title, "Form")))))}
	if !f.Fallback.IsEmpty() {
		body = append(body, subtle(md.render(f.Fallback)))
	}
	data := c.sign.data(payload{Kind: kindOpen, Form: &f})
	data["msteams"] = object{"type": "task/fetch"}
	open := object{"type": "Action.Submit", "title": "Open", "data": data, "style": "positive"}
	return adaptiveCard(body, []any{open}, md, f.Title)
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
	return adaptiveCard([]any{textBlock(plainMD(text))}, nil, nil, text)
}

// card is the card a cardActivity carries.
func (a *activity) card() object { return a.Attachments[0].Content.(object) }
