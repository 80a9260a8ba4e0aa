package teams

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
)

// maxInputBytes bounds one submitted value; the core has its own, smaller
// limits, this one keeps abuse out of them.
const maxInputBytes = 16 << 10

// Universal Actions answer types (adaptiveCard/action invokes).
const (
	cardAnswer    = adaptiveCardType
	messageAnswer = "application/vnd.microsoft.activity.message"
	errorAnswer   = "application/vnd.microsoft.error"
)

// onInvoke answers an invoke in the HTTP response: Teams shows nothing
// until it has the answer. Work the person need not wait for (a reply
// message, a private note) goes after it.
func (a *Adapter) onInvoke(ctx context.Context, w http.ResponseWriter, t *bot.Track, log *slog.Logger, act *activity) {
	x, err := a.newExchange(t, log, act)
	if err != nil {
		log.Warn("invoke ignored", "err", err)
		w.WriteHeader(http.StatusOK)
		t.Acked()
		t.Done(false)
		return
	}
	var value struct {
		Action struct {
			Verb string         `json:"verb"`
			Data map[string]any `json:"data"`
		} `json:"action"`
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(act.Value, &value) // a bad value is a stale card below
	// The handler runs before the answer, so the queue's place is taken
	// first: when it is full, the answer says so and nothing is done.
	// (A dialog opened, task/fetch, runs no handler.)
	handled := act.Name == "adaptiveCard/action" || act.Name == "task/submit"
	if handled && !a.queue.Accept() {
		a.queue.NoRoom(t, log)
		answer := answerMessage(bot.Busy)
		if act.Name != "adaptiveCard/action" {
			answer = object{"task": object{"type": "message", "value": bot.Busy}}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(answer)
		t.Acked()
		t.Done(false)
		return
	}
	answerCtx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	var answer any
	var after func(context.Context)
	switch act.Name {
	case "adaptiveCard/action":
		answer, after = x.cardAction(answerCtx, value.Action.Data)
	case "task/fetch":
		answer = x.taskFetch(value.Data)
	case "task/submit":
		answer, after = x.taskSubmit(answerCtx, value.Data)
	default:
		log.Debug("invoke ignored")
	}
	if answer == nil {
		w.WriteHeader(http.StatusOK)
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(answer)
	}
	t.Acked()
	if handled {
		a.queue.RunAccepted(ctx, t, log, after)
	} else {
		t.Done(false)
	}
}

func answerCard(card object) object {
	return object{"statusCode": http.StatusOK, "type": cardAnswer, "value": card}
}

func answerMessage(text string) object {
	return object{"statusCode": http.StatusOK, "type": messageAnswer, "value": text}
}

func answerError(status int, text string) object {
	return object{"statusCode": status, "type": errorAnswer, "value": object{"code": http.StatusText(status), "message": text}}
}

// answerForm shows f in place of the card that was clicked; the new card is
// the clicking person's own view.
func (x *exchange) answerForm(ctx context.Context, f bot.Form, values, errs map[string]string) object {
	card := x.a.cards.form(f, inlineForm, values, errs)
	if size(cardActivity(card, "")) > maxActivityBytes {
		x.log.Error("form too large for Teams", "callback_id", f.CallbackID)
		return answerCard(x.a.cards.messageCard(ctx, x.req.Workspace, formFallback(f), []int{}, altTexts))
	}
	return answerCard(card)
}

// cardAction answers a click on an Action.Execute button.
func (x *exchange) cardAction(ctx context.Context, data map[string]any) (any, func(context.Context)) {
	p, err := x.a.cards.sign.open(data)
	if err != nil || p.Kind == kindOpen {
		x.log.Warn("card action refused", "err", err)
		return answerError(http.StatusBadRequest, outOfDate), nil
	}
	x.log.Info("card action", "kind", p.Kind, "action", p.Action)
	switch p.Kind {
	case kindSubmit:
		values, errs := formValues(*p.Form, data, true)
		if len(errs) > 0 {
			return x.answerForm(ctx, *p.Form, values, errs), nil
		}
		res, ok := x.submit(ctx, *p.Form, values)
		switch {
		case !ok:
			return x.answerForm(ctx, *p.Form, values, map[string]string{"": somethingWentWrong}), nil
		case len(res.Errors) > 0:
			return x.answerForm(ctx, *p.Form, values, res.Errors), nil
		case res.Message != nil:
			return answerCard(x.a.cards.message(ctx, x.req.Workspace, *res.Message).card()), nil
		}
		return answerCard(note("✓ Done")), nil
	case kindFormButton:
		values, _ := formValues(*p.Form, data, false)
		reply, ok := x.callAct(ctx, bot.Action{ID: p.Action, Form: &bot.Submission{CallbackID: p.Form.CallbackID, State: p.Form.State, Values: values}})
		switch {
		case !ok:
			return x.answerForm(ctx, *p.Form, values, map[string]string{"": somethingWentWrong}), nil
		case reply.Form != nil:
			return x.answerForm(ctx, *reply.Form, nil, nil), nil
		case reply.Message != nil:
			return answerCard(x.a.cards.message(ctx, x.req.Workspace, *reply.Message).card()), nil
		}
		return x.answerForm(ctx, *p.Form, values, nil), nil
	}
	reply, ok := x.callAct(ctx, bot.Action{ID: p.Action, Value: p.Value})
	switch {
	case !ok:
		return answerError(http.StatusInternalServerError, somethingWentWrong), nil
	case reply.Form != nil:
		return x.answerForm(ctx, *reply.Form, nil, nil), nil
	case reply.Message != nil && x.personal():
		// The person's own chat: the answer takes the card's place, as the
		// next step of what they clicked through.
		return answerCard(x.a.cards.message(ctx, x.req.Workspace, *reply.Message).card()), nil
	case reply.Message != nil:
		// A card everyone sees stays as it is; the answer goes where its
		// visibility says, and a short note confirms the click.
		msg := *reply.Message
		toast := oneLine(plain(msg.Summary), 200)
		if msg.Visibility != bot.Conversation {
			// A click is one person's: its answer is theirs alone.
			msg.Visibility = bot.Private
			toast = "I sent you the answer in your chat with okrbot."
		}
		return answerMessage(toast), func(ctx context.Context) { x.deliver(ctx, msg) }
	}
	return answerMessage("Done."), nil
}

// taskFetch opens a form as a dialog.
func (x *exchange) taskFetch(data map[string]any) any {
	p, err := x.a.cards.sign.open(data)
	if err != nil || p.Kind != kindOpen {
		x.log.Warn("dialog refused", "err", err)
		return object{"task": object{"type": "message", "value": outOfDate}}
	}
	x.log.Info("dialog opened", "callback_id", p.Form.CallbackID)
	return x.dialog(*p.Form, nil, nil)
}

func (x *exchange) dialog(f bot.Form, values, errs map[string]string) object {
	card := x.a.cards.form(f, dialogForm, values, errs)
	if size(cardActivity(card, "")) > maxActivityBytes {
		x.log.Error("form too large for Teams", "callback_id", f.CallbackID)
		return object{"task": object{"type": "message", "value": plain(formFallback(f).Summary)}}
	}
	return dialog(nameOr(f.Title, "okrbot"), card)
}

// taskSubmit answers a dialog's submission: the form again with errors
// next to the fields, or nothing, which closes the dialog; the result goes
// to the person's chat afterwards.
func (x *exchange) taskSubmit(ctx context.Context, data map[string]any) (any, func(context.Context)) {
	p, err := x.a.cards.sign.open(data)
	if err != nil || (p.Kind != kindSubmit && p.Kind != kindFormButton) {
		x.log.Warn("dialog submission refused", "err", err)
		return object{"task": object{"type": "message", "value": outOfDate}}, nil
	}
	f := *p.Form
	x.log.Info("dialog submitted", "callback_id", f.CallbackID, "kind", p.Kind)
	if p.Kind == kindFormButton {
		values, _ := formValues(f, data, false)
		reply, ok := x.callAct(ctx, bot.Action{ID: p.Action, Form: &bot.Submission{CallbackID: f.CallbackID, State: f.State, Values: values}})
		switch {
		case !ok:
			return x.dialog(f, values, map[string]string{"": somethingWentWrong}), nil
		case reply.Form != nil:
			return x.dialog(*reply.Form, nil, nil), nil
		case reply.Message != nil:
			return nil, x.sendPrivately(*reply.Message)
		}
		return x.dialog(f, values, nil), nil
	}
	values, errs := formValues(f, data, true)
	if len(errs) > 0 {
		return x.dialog(f, values, errs), nil
	}
	res, ok := x.submit(ctx, f, values)
	switch {
	case !ok:
		return x.dialog(f, values, map[string]string{"": somethingWentWrong}), nil
	case len(res.Errors) > 0:
		return x.dialog(f, values, res.Errors), nil
	case res.Message != nil:
		return nil, x.sendPrivately(*res.Message)
	}
	return nil, nil
}

// sendPrivately is the after-answer work of sending msg to the person
// alone: their one-to-one chat.
func (x *exchange) sendPrivately(msg bot.Message) func(context.Context) {
	msg.Visibility = bot.Private
	return func(ctx context.Context) { x.deliver(ctx, msg) }
}

func (x *exchange) callAct(ctx context.Context, act bot.Action) (reply bot.Reply, ok bool) {
	ok = x.call(func() { reply = x.a.h.Act(ctx, x.req, act) })
	return reply, ok
}

func (x *exchange) submit(ctx context.Context, f bot.Form, values map[string]string) (res bot.SubmitResult, ok bool) {
	sub := bot.Submission{CallbackID: f.CallbackID, State: f.State, Values: values}
	ok = x.call(func() { res = x.a.h.Submit(ctx, x.req, sub) })
	return res, ok
}

// formValues reads a form's inputs from an action's data. Teams sends
// every input as a string; anything else, or a choice that was not
// offered, is an error next to its field, as is an empty required field
// when required is set (Teams checks that too, but clients can lie).
func formValues(f bot.Form, data map[string]any, required bool) (values, errs map[string]string) {
	values, errs = map[string]string{}, map[string]string{}
	for _, fl := range f.Fields {
		if fl.Kind == bot.Note || fl.Kind == bot.ActionButton {
			continue
		}
		raw, present := data[inputPrefix+fl.ID]
		s, isString := raw.(string)
		switch {
		case present && !isString:
			errs[fl.ID] = "This value is not valid."
			continue
		case len(s) > maxInputBytes:
			errs[fl.ID] = "This is too long."
			continue
		case !utf8.ValidString(s):
			errs[fl.ID] = "This value is not valid."
			continue
		}
		values[fl.ID] = s
		switch {
		case required && !fl.Optional && strings.TrimSpace(s) == "":
			errs[fl.ID] = nameOr(fl.Label, "This field") + " is required."
		case fl.Kind == bot.Select && s != "" && !slices.ContainsFunc(fl.Options, func(o bot.Option) bool { return o.Value == s }):
			errs[fl.ID] = "Choose one of the options."
		}
	}
	return values, errs
}
