package teams

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

var _ bot.Sender = (*Adapter)(nil)

// Serves reports whether ws is the tenant the bot is registered in.
func (a *Adapter) Serves(ws bot.Workspace) bool {
	return ws.Platform == Platform && ws.TeamID == a.tenant
}

// Send posts msg to an address: a person's one-to-one chat with the bot,
// created when the address names none, or a channel or group chat, in the
// thread of to.Thread when set. The returned MessageRef's Address carries
// the reference of the conversation written to, for the caller to keep.
// Errors are *bot.SendError.
func (a *Adapter) Send(ctx context.Context, to bot.Address, msg bot.Message) (bot.MessageRef, error) {
	ref, err := a.refFor(to)
	if err != nil {
		return bot.MessageRef{}, err
	}
	act := a.cards.message(msg)
	switch to.Kind {
	case bot.DirectChat:
		return a.sendDirect(ctx, to, ref, act)
	case bot.Channel:
		return a.sendChannel(ctx, to, ref, act)
	}
	return bot.MessageRef{}, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("teams: unknown address kind %q", to.Kind)}
}

// remember hands the Handler the reference of a one-to-one chat that Send
// created or found for a private answer, when the Handler keeps them: a
// restarted okrbot then reaches the person there without them writing
// first.
func (a *Adapter) remember(ctx context.Context, to bot.Address, sent bot.MessageRef) {
	r, ok := a.h.(bot.Rememberer)
	if !ok || sent.Address.Ref == to.Ref {
		return
	}
	if err := r.Remember(ctx, sent.Address); err != nil {
		a.log.WarnContext(ctx, "one-to-one chat not remembered", "tenant", to.Workspace.TeamID, "user", to.ID, "err", err)
	}
}

// Update replaces a message that Send sent.
func (a *Adapter) Update(ctx context.Context, mref bot.MessageRef, msg bot.Message) error {
	ref, err := a.refFor(mref.Address)
	if err != nil {
		return err
	}
	if mref.Conversation == "" || mref.ID == "" {
		return &bot.SendError{Kind: bot.Permanent, Err: errors.New("teams: update of a message without conversation or id")}
	}
	return a.conn.updateActivity(ctx, a.serviceURL(mref.Address.Workspace.TeamID, ref), mref.Conversation, mref.ID, a.cards.message(msg))
}

// UserInfo asks Teams for a person's display name. userID is their AAD
// object id (or "29:" id). It needs a conversation in the tenant that the
// bot is in, which okrbot learns from incoming activities.
func (a *Adapter) UserInfo(ctx context.Context, ws bot.Workspace, userID string) (bot.User, error) {
	svc, conv := "", ""
	if p := a.dir.person(ws.TeamID, userID).personal; p.isPersonalChat() {
		svc, conv = p.ServiceURL, p.Conversation
	} else if t := a.dir.tenant(ws.TeamID); t.conversation != "" {
		svc, conv = t.serviceURL, t.conversation
	}
	if conv == "" {
		return bot.User{}, fmt.Errorf("teams: no conversation known in tenant %s to look %s up in", ws.TeamID, userID)
	}
	m, err := a.conn.getMember(ctx, svc, conv, userID)
	if err != nil {
		return bot.User{}, fmt.Errorf("teams: member %s: %w", userID, err)
	}
	return bot.User{ID: cmp.Or(m.AADObjectID, userID), Name: m.Name, IsGuest: m.UserRole == "guest"}, nil
}

// refFor checks that to belongs to Teams and reads its Ref, learning the
// tenant's service URL from it.
func (a *Adapter) refFor(to bot.Address) (convRef, error) {
	if to.Workspace.Platform != Platform || to.Workspace.TeamID == "" {
		return convRef{}, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("teams: address in workspace %+v", to.Workspace)}
	}
	ref, ok := decodeRef(to.Ref)
	if to.Ref != "" && !ok {
		a.log.Warn("unreadable Teams address ref ignored", "ref", to.Ref)
	}
	if ref.Tenant != "" && ref.Tenant != to.Workspace.TeamID {
		return convRef{}, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("teams: ref of tenant %s in an address of tenant %s", ref.Tenant, to.Workspace.TeamID)}
	}
	ref.Tenant = to.Workspace.TeamID
	a.dir.learnRef(ref)
	return ref, nil
}

// serviceURL is where to reach a tenant: the Ref's service URL, else the
// last one the tenant's activities named, else Microsoft's global one.
func (a *Adapter) serviceURL(tenant string, ref convRef) string {
	return cmp.Or(ref.ServiceURL, a.dir.tenant(tenant).serviceURL, globalServiceURL)
}

func (a *Adapter) sendDirect(ctx context.Context, to bot.Address, ref convRef, act *activity) (bot.MessageRef, error) {
	tenant := to.Workspace.TeamID
	chat := ref
	if !chat.isPersonalChat() {
		chat = a.dir.person(tenant, to.ID).personal
	}
	if chat.isPersonalChat() {
		id, err := a.conn.sendActivity(ctx, chat.ServiceURL, chat.Conversation, "", act)
		if err == nil {
			return a.direct(to, chat, id), nil
		}
		if k, _ := bot.FailureOf(err); k != bot.Gone {
			return bot.MessageRef{}, err
		}
		// The person may have removed the chat's history, which deletes
		// the conversation; asking for one makes a new one.
		a.log.Info("one-to-one chat gone; opening a new one", "tenant", tenant, "user", to.ID, "err", err)
		a.dir.setPersonal(tenant, to.ID, convRef{})
	}
	chat, err := a.openPersonalChat(ctx, tenant, to.ID, ref)
	if err != nil {
		return bot.MessageRef{}, err
	}
	id, err := a.conn.sendActivity(ctx, chat.ServiceURL, chat.Conversation, "", act)
	if err != nil {
		return bot.MessageRef{}, err
	}
	return a.direct(to, chat, id), nil
}

func (a *Adapter) direct(to bot.Address, chat convRef, id string) bot.MessageRef {
	to.Ref, to.Thread = chat.encode(), ""
	return bot.MessageRef{Address: to, Conversation: chat.Conversation, ID: id}
}

// openPersonalChat creates the one-to-one chat with a person. Teams takes
// their "29:" id, or their AAD object id when the app is installed for
// them or in a team of theirs.
func (a *Adapter) openPersonalChat(ctx context.Context, tenant, aad string, hint convRef) (convRef, error) {
	svc := a.serviceURL(tenant, hint)
	memberID := cmp.Or(hint.User, a.dir.person(tenant, aad).user, aad)
	botID := cmp.Or(hint.Bot, "28:"+a.appID)
	conv, err := a.conn.createPersonalChat(ctx, svc, botID, memberID, tenant)
	if err != nil {
		return convRef{}, err
	}
	chat := convRef{Kind: personalChat, ServiceURL: svc, Conversation: conv, Tenant: tenant, Bot: botID}
	if strings.HasPrefix(memberID, "29:") {
		chat.User = memberID
	}
	a.dir.setPersonal(tenant, aad, chat)
	return chat, nil
}

func (a *Adapter) sendChannel(ctx context.Context, to bot.Address, ref convRef, act *activity) (bot.MessageRef, error) {
	conv := cmp.Or(to.ID, ref.Conversation)
	if conv == "" {
		return bot.MessageRef{}, &bot.SendError{Kind: bot.Permanent, Err: errors.New("teams: channel address without an id")}
	}
	replyTo := ""
	if to.Thread != "" {
		// A channel thread is a conversation of its own, named after its
		// first message; group chats ("…@thread.v2") have no threads, only
		// replies.
		if ref.Kind == channelChat || (ref.Kind == "" && !strings.HasSuffix(conv, "@thread.v2")) {
			conv += ";messageid=" + to.Thread
		}
		replyTo = to.Thread
	}
	id, err := a.conn.sendActivity(ctx, a.serviceURL(to.Workspace.TeamID, ref), conv, replyTo, act)
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{Address: to, Conversation: conv, ID: id}, nil
}
