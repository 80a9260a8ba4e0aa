package teams

import (
	"encoding/json"
	"strings"
)

// activity is the part of a Bot Framework activity okrbot reads or writes.
type activity struct {
	Type          string          `json:"type"`
	ID            string          `json:"id,omitempty"`
	Name          string          `json:"name,omitempty"`
	ChannelID     string          `json:"channelId,omitempty"`
	ServiceURL    string          `json:"serviceUrl,omitempty"`
	From          *account        `json:"from,omitempty"`
	Recipient     *account        `json:"recipient,omitempty"`
	Conversation  *conversation   `json:"conversation,omitempty"`
	ReplyToID     string          `json:"replyToId,omitempty"`
	Text          string          `json:"text,omitempty"`
	Summary       string          `json:"summary,omitempty"`
	LocalTimezone string          `json:"localTimezone,omitempty"`
	Entities      []entity        `json:"entities,omitempty"`
	Attachments   []attachment    `json:"attachments,omitempty"`
	ChannelData   *channelData    `json:"channelData,omitempty"`
	Value         json.RawMessage `json:"value,omitempty"`
	// Action is an installationUpdate's: add, remove, add-upgrade or
	// remove-upgrade.
	Action string `json:"action,omitempty"`
	// MembersAdded and MembersRemoved are a conversationUpdate's: the bot
	// itself, or people.
	MembersAdded   []account `json:"membersAdded,omitempty"`
	MembersRemoved []account `json:"membersRemoved,omitempty"`
}

type account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

type conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

type channelData struct {
	Tenant  *idOnly `json:"tenant,omitempty"`
	Channel *idOnly `json:"channel,omitempty"`
	Team    *idOnly `json:"team,omitempty"`
	// EventType names a conversationUpdate in a team: teamMemberAdded,
	// teamMemberRemoved, channelCreated…
	EventType string `json:"eventType,omitempty"`
	// Settings carries the channel a person picked when adding the app
	// to a team (installationUpdate).
	Settings *struct {
		SelectedChannel *idOnly `json:"selectedChannel,omitempty"`
	} `json:"settings,omitempty"`
}

type idOnly struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// entity is a mention, Teams' clientInfo, or an entity okrbot ignores.
type entity struct {
	Type      string   `json:"type"`
	Text      string   `json:"text,omitempty"`
	Mentioned *account `json:"mentioned,omitempty"`
	// Timezone is clientInfo's IANA time zone.
	Timezone string `json:"timezone,omitempty"`
}

type attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content"`
}

const adaptiveCardType = "application/vnd.microsoft.card.adaptive"

// Teams conversation types.
const (
	personalChat = "personal"
	channelChat  = "channel"
	groupChat    = "groupChat"
)

// tenant is the activity's tenant id, wherever Teams put it.
func (a *activity) tenant() string {
	if a.Conversation != nil && a.Conversation.TenantID != "" {
		return a.Conversation.TenantID
	}
	if a.ChannelData != nil && a.ChannelData.Tenant != nil {
		return a.ChannelData.Tenant.ID
	}
	return ""
}

// kind is the conversation type: personal, channel or groupChat.
func (a *activity) kind() string {
	if a.Conversation == nil {
		return ""
	}
	if t := a.Conversation.ConversationType; t != "" {
		return t
	}
	if a.ChannelData != nil && a.ChannelData.Channel != nil {
		return channelChat
	}
	if a.Conversation.IsGroup {
		return groupChat
	}
	return personalChat
}

// timeZone is the IANA time zone the person's Teams client reported, or "".
func (a *activity) timeZone() string {
	tz := a.LocalTimezone
	for _, e := range a.Entities {
		if tz == "" && e.Type == "clientInfo" {
			tz = e.Timezone
		}
	}
	if !plausibleZone(tz) {
		return ""
	}
	return tz
}

// plausibleZone keeps obvious garbage out of Request.User.TZ; whether the
// zone exists is for the code that loads it to say.
func plausibleZone(tz string) bool {
	if tz == "" || len(tz) > 64 {
		return false
	}
	return strings.Trim(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") == ""
}

// splitThread splits a Teams channel conversation id such as
// "19:abc@thread.tacv2;messageid=1712" into the channel and the id of the
// thread's root message.
func splitThread(conversationID string) (channel, root string) {
	channel, root, _ = strings.Cut(conversationID, ";messageid=")
	return channel, root
}
