package teams

import (
	"encoding/json"
	"strings"
	"sync"
)

// convRef is a conversation reference: what okrbot needs to write into a
// Teams conversation without a request to answer. It travels through the
// core as bot.Address.Ref, JSON-encoded with short keys because the store
// keeps one per person and channel.
type convRef struct {
	// Kind is the Teams conversation type: personal, channel or groupChat.
	Kind       string `json:"k,omitempty"`
	ServiceURL string `json:"s"`
	// Conversation is the conversation id: "a:…" for a personal chat, the
	// channel's "19:…@thread.tacv2" (without ";messageid="), or a group
	// chat's "19:…@thread.v2".
	Conversation string `json:"c,omitempty"`
	Tenant       string `json:"t"`
	// Bot is the bot's "28:…" id in the conversation.
	Bot string `json:"b,omitempty"`
	// User is the person's "29:…" id, for personal chats.
	User string `json:"u,omitempty"`
}

func (r convRef) encode() string {
	b, _ := json.Marshal(r) // a struct of strings always marshals
	return string(b)
}

// decodeRef reads an Address.Ref. An empty or unreadable Ref is the zero
// convRef: the caller then falls back on what it knows of the tenant.
func decodeRef(s string) (convRef, bool) {
	var r convRef
	if s == "" || json.Unmarshal([]byte(s), &r) != nil {
		return convRef{}, false
	}
	return r, true
}

// personalChat reports whether r names an existing one-to-one chat.
func (r convRef) isPersonalChat() bool { return r.Kind == personalChat && r.Conversation != "" }

// maxRemembered bounds each map of the directory; past it the map starts
// over, which costs a lookup or a conversation creation, never a failure.
const maxRemembered = 20000

// directory remembers what incoming activities taught okrbot: each tenant's
// service URL and a conversation in it, each person's "29:" id and their
// one-to-one chat. It only speeds things up and fills gaps; the store's
// copies of Address.Ref are the lasting record.
type directory struct {
	mu      sync.Mutex
	tenants map[string]tenantInfo
	people  map[personKey]personInfo // by AAD object id
	members map[personKey]string     // "29:" id → AAD object id
}

type tenantInfo struct {
	serviceURL   string
	conversation string // some conversation the bot is in, for member lookups
	// team is a team the bot is in: people mentioned elsewhere (in a
	// one-to-one chat) are looked up in it.
	team string
}

type personKey struct{ tenant, id string }

type personInfo struct {
	user     string  // "29:" id
	personal convRef // their one-to-one chat, if known
}

func newDirectory() *directory {
	return &directory{
		tenants: map[string]tenantInfo{},
		people:  map[personKey]personInfo{},
		members: map[personKey]string{},
	}
}

// observe learns from an authenticated activity.
func (d *directory) observe(a *activity) {
	tenant := a.tenant()
	if tenant == "" || a.ServiceURL == "" || a.Conversation == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// Member lookups in a channel go to its team: channels have no roster
	// of their own.
	conv, _ := splitThread(a.Conversation.ID)
	if a.ChannelData != nil && a.ChannelData.Team != nil && a.ChannelData.Team.ID != "" {
		conv = a.ChannelData.Team.ID
	}
	t := tenantInfo{serviceURL: a.ServiceURL, conversation: conv, team: d.tenants[tenant].team}
	if a.ChannelData != nil && a.ChannelData.Team != nil && a.ChannelData.Team.ID != "" {
		t.team = a.ChannelData.Team.ID
	}
	d.tenants[tenant] = t
	if a.From == nil || a.From.AADObjectID == "" || !strings.HasPrefix(a.From.ID, "29:") {
		return
	}
	d.learnMemberLocked(tenant, a.From.ID, a.From.AADObjectID)
	k := personKey{tenant, a.From.AADObjectID}
	p := d.people[k]
	p.user = a.From.ID
	if a.kind() == personalChat {
		p.personal = refOf(a)
	}
	d.setPersonLocked(k, p)
}

// learnRef takes the service URL of a Ref the core handed back, so a
// restarted okrbot can reach a tenant before anyone there writes to it.
func (d *directory) learnRef(r convRef) {
	if r.Tenant == "" || r.ServiceURL == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[r.Tenant]
	if t.serviceURL == "" {
		t.serviceURL = r.ServiceURL
	}
	if t.conversation == "" {
		t.conversation = r.Conversation
	}
	d.tenants[r.Tenant] = t
}

// learnTeam records a team the bot is in, from its roster.
func (d *directory) learnTeam(tenant, serviceURL, team string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[tenant]
	t.team = team
	if t.serviceURL == "" {
		t.serviceURL = serviceURL
	}
	d.tenants[tenant] = t
}

// learnUser records a person's "29:" id, from a roster.
func (d *directory) learnUser(tenant, aad, user string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := personKey{tenant, aad}
	p := d.people[k]
	p.user = user
	d.setPersonLocked(k, p)
}

func (d *directory) tenant(id string) tenantInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tenants[id]
}

func (d *directory) person(tenant, aad string) personInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.people[personKey{tenant, aad}]
}

// setPersonal records a person's one-to-one chat, or forgets it when r is
// the zero convRef.
func (d *directory) setPersonal(tenant, aad string, r convRef) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := personKey{tenant, aad}
	p := d.people[k]
	p.personal = r
	if r.User != "" {
		p.user = r.User
	}
	d.setPersonLocked(k, p)
}

func (d *directory) setPersonLocked(k personKey, p personInfo) {
	if _, ok := d.people[k]; !ok && len(d.people) >= maxRemembered {
		clear(d.people)
	}
	d.people[k] = p
}

func (d *directory) member(tenant, user string) (aad string, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	aad, ok = d.members[personKey{tenant, user}]
	return aad, ok
}

func (d *directory) learnMember(tenant, user, aad string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.learnMemberLocked(tenant, user, aad)
}

func (d *directory) learnMemberLocked(tenant, user, aad string) {
	k := personKey{tenant, user}
	if _, ok := d.members[k]; !ok && len(d.members) >= maxRemembered {
		clear(d.members)
	}
	d.members[k] = aad
}

// refOf is the reference of the conversation an activity came from; for a
// channel it names the channel, not the thread.
func refOf(a *activity) convRef {
	r := convRef{Kind: a.kind(), ServiceURL: a.ServiceURL, Tenant: a.tenant()}
	if a.Conversation != nil {
		r.Conversation, _ = splitThread(a.Conversation.ID)
	}
	if a.Recipient != nil {
		r.Bot = a.Recipient.ID
	}
	if r.Kind == personalChat && a.From != nil {
		r.User = a.From.ID
	}
	return r
}
