package fakeslack

import (
	"fmt"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits that Slack enforces by refusing the whole call. The fake
// checks the ones okrbot could run into, so that a rendering bug fails a
// test here rather than a user's request in production.
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
)

func tooLong(what string, s string, max int) string {
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%s is %d characters, more than %d", what, n, max)
	}
	return ""
}

func checkText(what string, t *slack.TextBlockObject, max int, plainOnly bool) string {
	switch {
	case t == nil || t.Text == "":
		return what + " must not be empty"
	case plainOnly && t.Type != slack.PlainTextType:
		return what + " must be plain_text"
	}
	return tooLong(what, t.Text, max)
}

func optionalText(what string, t *slack.TextBlockObject, max int) string {
	if t == nil {
		return ""
	}
	return checkText(what, t, max, true)
}

func first(checks ...string) string {
	for _, c := range checks {
		if c != "" {
			return c
		}
	}
	return ""
}

func validateView(v *slack.View) string {
	if why := validateBlocks(v.Blocks.BlockSet, maxViewBlocks); why != "" {
		return why
	}
	if v.Type != slack.VTModal {
		return ""
	}
	hasInput := false
	for _, b := range v.Blocks.BlockSet {
		if b.BlockType() == slack.MBTInput {
			hasInput = true
		}
	}
	if hasInput && v.Submit == nil {
		return "a modal with input blocks needs submit"
	}
	return first(
		checkText("title", v.Title, 24, true),
		optionalText("submit", v.Submit, 24),
		optionalText("close", v.Close, 24),
		tooLong("private_metadata", v.PrivateMetadata, 3000),
		tooLong("callback_id", v.CallbackID, 255),
	)
}

func validateBlocks(blocks []slack.Block, max int) string {
	if len(blocks) > max {
		return fmt.Sprintf("%d blocks, no more than %d allowed", len(blocks), max)
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		if id := b.ID(); id != "" {
			if ids[id] {
				return fmt.Sprintf("block %d: duplicate block_id %q", i, id)
			}
			ids[id] = true
			if why := tooLong("block_id", id, 255); why != "" {
				return fmt.Sprintf("block %d: %s", i, why)
			}
		}
		if why := validateBlock(b); why != "" {
			return fmt.Sprintf("block %d (%s): %s", i, b.BlockType(), why)
		}
	}
	return ""
}

func validateBlock(b slack.Block) string {
	switch b := b.(type) {
	case *slack.SectionBlock:
		if b.Text == nil && len(b.Fields) == 0 {
			return "section needs text or fields"
		}
		if b.Text != nil {
			return checkText("text", b.Text, 3000, false)
		}
	case *slack.ContextBlock:
		els := b.ContextElements.Elements
		if len(els) == 0 || len(els) > 10 {
			return fmt.Sprintf("%d elements, 1 to 10 allowed", len(els))
		}
		for _, e := range els {
			if t, ok := e.(*slack.TextBlockObject); ok {
				if why := checkText("text", t, 3000, false); why != "" {
					return why
				}
			}
		}
	case *slack.ActionBlock:
		if b.Elements == nil || len(b.Elements.ElementSet) == 0 || len(b.Elements.ElementSet) > 25 {
			return "actions need 1 to 25 elements"
		}
		actionIDs := map[string]bool{}
		for _, e := range b.Elements.ElementSet {
			if why := validateElement(e, actionIDs); why != "" {
				return why
			}
		}
	case *slack.InputBlock:
		if b.Element == nil {
			return "input needs an element"
		}
		return first(
			checkText("label", b.Label, 2000, true),
			optionalText("hint", b.Hint, 2000),
			validateElement(b.Element, map[string]bool{}),
		)
	}
	return ""
}

func validateElement(e slack.BlockElement, actionIDs map[string]bool) string {
	var actionID string
	var why string
	switch e := e.(type) {
	case *slack.ButtonBlockElement:
		actionID = e.ActionID
		why = first(checkText("button text", e.Text, 75, true), tooLong("button value", e.Value, 2000))
		if why == "" && e.Confirm != nil {
			why = first(
				checkText("confirm title", e.Confirm.Title, 100, true),
				checkText("confirm text", e.Confirm.Text, 300, false),
				checkText("confirm button", e.Confirm.Confirm, 30, true),
				optionalText("deny button", e.Confirm.Deny, 30),
			)
		}
	case *slack.SelectBlockElement:
		actionID = e.ActionID
		why = optionalText("placeholder", e.Placeholder, 150)
		if why == "" && e.Type == slack.OptTypeStatic {
			if len(e.Options) == 0 || len(e.Options) > 100 {
				return fmt.Sprintf("%d options, 1 to 100 allowed", len(e.Options))
			}
			for _, o := range e.Options {
				if why = first(checkText("option text", o.Text, 75, true), tooLong("option value", o.Value, 150)); why != "" {
					break
				}
			}
		}
	case *slack.PlainTextInputBlockElement:
		actionID = e.ActionID
		why = optionalText("placeholder", e.Placeholder, 150)
	}
	if why != "" {
		return why
	}
	if actionID != "" {
		if actionIDs[actionID] {
			return fmt.Sprintf("duplicate action_id %q", actionID)
		}
		actionIDs[actionID] = true
	}
	return tooLong("action_id", actionID, 255)
}
