package faketeams

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
)

// Card is an Adaptive Card as JSON.
type Card map[string]any

// Card decodes the activity's Adaptive Card, or returns nil.
func (a Activity) Card() Card {
	for _, att := range a.Attachments {
		if att.ContentType == "application/vnd.microsoft.card.adaptive" {
			var c Card
			if json.Unmarshal(att.Content, &c) == nil {
				return c
			}
		}
	}
	return nil
}

// InvokeAnswer is how Teams reads a bot's answer to an invoke.
type InvokeAnswer struct {
	// StatusCode, Type and Value answer adaptiveCard/action: Type is
	// "application/vnd.microsoft.card.adaptive" with a card,
	// "application/vnd.microsoft.activity.message" with a text, or
	// "application/vnd.microsoft.error".
	StatusCode int             `json:"statusCode"`
	Type       string          `json:"type"`
	Value      json.RawMessage `json:"value"`
	// Task answers task/fetch and task/submit; nil closes a dialog.
	Task *struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	} `json:"task"`
}

// ReadAnswer decodes an invoke's HTTP response body; an empty body is the
// zero InvokeAnswer.
func ReadAnswer(body []byte) (InvokeAnswer, error) {
	var a InvokeAnswer
	if len(strings.TrimSpace(string(body))) == 0 {
		return a, nil
	}
	err := json.Unmarshal(body, &a)
	return a, err
}

// Card is the card an answer shows: the updated card of an
// adaptiveCard/action, or a dialog's card.
func (a InvokeAnswer) Card() Card {
	var c Card
	switch {
	case a.Type == "application/vnd.microsoft.card.adaptive":
		_ = json.Unmarshal(a.Value, &c)
	case a.Task != nil && a.Task.Type == "continue":
		var v struct {
			Card struct {
				Content Card `json:"content"`
			} `json:"card"`
		}
		_ = json.Unmarshal(a.Task.Value, &v)
		c = v.Card.Content
	}
	return c
}

// Message is the text an answer shows: an adaptiveCard/action's message or
// error, or a dialog's message.
func (a InvokeAnswer) Message() string {
	var s string
	switch {
	case a.Type == "application/vnd.microsoft.activity.message":
		_ = json.Unmarshal(a.Value, &s)
	case a.Type == "application/vnd.microsoft.error":
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(a.Value, &e)
		s = e.Message
	case a.Task != nil && a.Task.Type == "message":
		_ = json.Unmarshal(a.Task.Value, &s)
	}
	return s
}

// Text is what the card shows as text, one line each: TextBlocks as sent
// (Markdown: Teams reads it), RichTextBlocks as their runs with the
// styles Teams shows (bold as **run**, italic as *run*, a link as
// [run](url)), a row of columns on one line, input labels as "label:",
// and actions as "[title]". Cards revealed by Action.ShowCard are
// included after their button.
func (c Card) Text() string {
	var b strings.Builder
	var visit func(v any)
	visit = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				visit(x)
			}
		case map[string]any:
			switch v["type"] {
			case "TextBlock", "RichTextBlock", "ColumnSet":
				fmt.Fprintln(&b, inline(v))
				return
			case "Input.Text", "Input.ChoiceSet":
				fmt.Fprintf(&b, "%v:\n", v["label"])
			case "Action.Execute", "Action.Submit", "Action.ShowCard", "Action.OpenUrl":
				fmt.Fprintf(&b, "[%v]\n", v["title"])
			}
			for _, k := range []string{"body", "items", "columns", "actions", "card"} {
				if x, ok := v[k]; ok {
					visit(x)
				}
			}
		}
	}
	visit(map[string]any(c))
	return b.String()
}

// inline is a text element as one line: a row of columns joins its
// columns, with a space where the layout puts one.
func inline(e map[string]any) string {
	switch e["type"] {
	case "TextBlock":
		return fmt.Sprint(e["text"])
	case "RichTextBlock":
		var b strings.Builder
		runs, _ := e["inlines"].([]any)
		for _, r := range runs {
			run, _ := r.(map[string]any)
			text, _ := run["text"].(string)
			if run["weight"] == "Bolder" {
				text = "**" + text + "**"
			}
			if run["italic"] == true {
				text = "*" + text + "*"
			}
			if a, ok := run["selectAction"].(map[string]any); ok {
				text = fmt.Sprintf("[%s](%v)", text, a["url"])
			}
			b.WriteString(text)
		}
		return b.String()
	case "ColumnSet":
		var b strings.Builder
		cols, _ := e["columns"].([]any)
		for i, col := range cols {
			col, _ := col.(map[string]any)
			items, _ := col["items"].([]any)
			if len(items) == 0 {
				continue // an indent
			}
			if i > 0 && col["spacing"] != "None" && b.Len() > 0 {
				b.WriteByte(' ')
			}
			for _, it := range items {
				if it, ok := it.(map[string]any); ok {
					b.WriteString(inline(it))
				}
			}
		}
		return b.String()
	case "Container":
		var parts []string
		items, _ := e["items"].([]any)
		for _, it := range items {
			if it, ok := it.(map[string]any); ok {
				parts = append(parts, inline(it))
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// Elements returns the card's elements and actions of a type, such as
// "Input.Text" or "Action.Execute", in order.
func (c Card) Elements(typ string) []map[string]any {
	var out []map[string]any
	c.walk(func(e map[string]any) {
		if e["type"] == typ {
			out = append(out, e)
		}
	})
	return out
}

// walk visits every element and action, depth first, in display order.
func (c Card) walk(fn func(map[string]any)) {
	var visit func(v any)
	visit = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				visit(x)
			}
		case map[string]any:
			if _, ok := v["type"]; ok {
				fn(v)
			}
			for _, k := range []string{"body", "items", "columns", "inlines", "actions", "card"} {
				if x, ok := v[k]; ok {
					visit(x)
				}
			}
		}
	}
	visit(map[string]any(c))
}

// action finds the button titled title, in revealed cards too.
func (c Card) action(title string) (map[string]any, bool) {
	for _, typ := range []string{"Action.Execute", "Action.Submit"} {
		for _, a := range c.Elements(typ) {
			if a["title"] == title {
				return a, true
			}
		}
	}
	return nil, false
}

// inputs are the values a click sends: every input of the card with its
// current value, changed by typed.
func (c Card) inputs(typed map[string]string) (map[string]any, error) {
	values := map[string]any{}
	for _, typ := range []string{"Input.Text", "Input.ChoiceSet"} {
		for _, in := range c.Elements(typ) {
			id, _ := in["id"].(string)
			v, _ := in["value"].(string)
			values[id] = v
		}
	}
	for id, v := range typed {
		if _, ok := values[id]; !ok {
			return nil, fmt.Errorf("faketeams: the card has no input %q", id)
		}
		values[id] = v
	}
	return values, nil
}

// Click is the invoke Teams sends when from clicks the button titled title
// on card c in p, after typing into inputs (by input id). Action.Execute
// sends adaptiveCard/action; Action.Submit opening a dialog sends
// task/fetch; Action.Submit inside a dialog sends task/submit.
func (s *Server) Click(p Place, from User, c Card, title string, typed map[string]string, opts ...ActivityOption) (Activity, error) {
	a, ok := c.action(title)
	if !ok {
		return Activity{}, fmt.Errorf("faketeams: no button %q on the card:\n%s", title, c.Text())
	}
	data := map[string]any{}
	if d, ok := a["data"].(map[string]any); ok {
		data = maps.Clone(d)
	}
	inputs, err := c.inputs(typed)
	if err != nil {
		return Activity{}, err
	}
	switch a["type"] {
	case "Action.Execute":
		maps.Copy(data, inputs)
		value := map[string]any{
			"action":  map[string]any{"type": "Action.Execute", "title": title, "verb": a["verb"], "data": data},
			"trigger": "manual",
		}
		return s.Invoke(p, from, "adaptiveCard/action", value, opts...), nil
	case "Action.Submit":
		if m, _ := data["msteams"].(map[string]any); m["type"] == "task/fetch" {
			return s.Invoke(p, from, "task/fetch", map[string]any{"data": data, "context": map[string]any{"theme": "default"}}, opts...), nil
		}
		maps.Copy(data, inputs)
		return s.Invoke(p, from, "task/submit", map[string]any{"data": data, "context": map[string]any{"theme": "default"}}, opts...), nil
	}
	return Activity{}, errors.New("faketeams: unknown action type")
}
