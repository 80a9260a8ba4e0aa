package teams

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/okrbot/okrbot/bot"
)

var _ bot.Sender = (*Adapter)(nil)

// Serves reports whether ws is the tenant the bot is registered in.
func (a *Adapter) Serves(_ context.Context, ws bot.Workspace) bool {
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
	act := a.cards.message(ctx, to.Workspace, msg)
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
	svc := a.serviceURL(mref.Address.Workspace.TeamID, ref)
	id := a.replaced.of(mref.Conversation, mref.ID)
	err = a.conn.updateActivity(ctx, svc, mref.Conversation, id, a.cards.message(ctx, mref.Address.Workspace, msg))
	if codeOf(err) != codeActivityNotFound {
		return err
	}
	// Teams no longer has the message (deleted, or past what it keeps):
	// the update is posted as a new message, which later updates of the
	// old one replace.
	a.log.InfoContext(ctx, "message to update is gone; posting it anew", "conversation", mref.Conversation, "activity", id)
	newID, err := a.conn.sendActivity(ctx, svc, mref.Conversation, "", a.cards.message(ctx, mref.Address.Workspace, msg))
	if err != nil {
		return err
	}
	a.replaced.set(mref.Conversation, mref.ID, newID)
	return nil
}

// replacements maps messages Teams lost to the ones posted in their
// place, so that each update of a lost message edits its replacement
// rather than posting yet another. It is bounded: when full it starts
// over, and the worst that costs is one more new message.
type replacements struct {
	mu sync.Mutex
	m  map[[2]string]string
}

const maxReplacements = 10000

func (r *replacements) of(conv, id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cmp.Or(r.m[[2]string{conv, id}], id)
}

func (r *replacements) set(conv, id, newID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.m) >= maxReplacements {
		r.m = map[[2]string]string{}
	}
	r.m[[2]string{conv, id}] = newID
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

var _ bot.People = (*Adapter)(nil)

// PersonByEmail finds a member of the tenant by email, which Teams takes as
// the member's user principal name in its members API. Like UserInfo it
// needs a conversation of the tenant that okrbot has seen.
func (a *Adapter) PersonByEmail(ctx context.Context, ws bot.Workspace, email string) (bot.User, error) {
	return a.Person(ctx, ws, email)
}

// Person finds a member of the tenant by AAD object id, "29:" id or user
// principal name; ErrNoPerson when Teams has no such member.
func (a *Adapter) Person(ctx context.Context, ws bot.Workspace, id string) (bot.User, error) {
	u, err := a.UserInfo(ctx, ws, id)
	if f, _ := bot.FailureOf(err); err != nil && f == bot.Gone {
		return bot.User{}, bot.ErrNoPerson
	}
	return u, err
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
// last one the tenant's activities named, else the cloud's.
func (a *Adapter) serviceURL(tenant string, ref convRef) string {
	return cmp.Or(ref.ServiceURL, a.dir.tenant(tenant).serviceURL, a.serviceURLOf)
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
// their "29:" id when the app is in a team of theirs (okrbot keeps the ids
// of the teams' rosters), or their Entra object id when the app is
// installed for them; otherwise it refuses with 403. okrbot then installs
// the app for them through Graph when TEAMS_GRAPH_INSTALL allows it, and
// else reports them unreachable until someone installs it.
func (a *Adapter) openPersonalChat(ctx context.Context, tenant, aad string, hint convRef) (convRef, error) {
	svc := a.serviceURL(tenant, hint)
	memberID := cmp.Or(hint.User, a.dir.person(tenant, aad).user, aad)
	botID := cmp.Or(hint.Bot, "28:"+a.appID)
	conv, err := a.conn.createPersonalChat(ctx, svc, botID, memberID, tenant)
	if err != nil && refusedCreate(err) && memberID != aad {
		// No team of theirs has okrbot any more; the app may still be
		// installed for them.
		memberID = aad
		conv, err = a.conn.createPersonalChat(ctx, svc, botID, memberID, tenant)
	}
	if err != nil && refusedCreate(err) {
		if a.graph == nil {
			return convRef{}, &bot.SendError{Kind: bot.Unreachable, Err: fmt.Errorf("teams: %s: %w (%w)", aad, errNotInstalled, err)}
		}
		if gerr := a.graph.install(ctx, aad); gerr != nil {
			return convRef{}, fmt.Errorf("teams: install okrbot for %s: %w", aad, gerr)
		}
		a.log.InfoContext(ctx, "okrbot installed through Graph", "tenant", tenant, "user", aad)
		conv, err = a.conn.createPersonalChat(ctx, svc, botID, memberID, tenant)
	}
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
