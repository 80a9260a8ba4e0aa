package faketeams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Activity is a Bot Framework activity, in the shape Teams sends and the
// Bot Connector stores.
type Activity struct {
	Type          string          `json:"type"`
	ID            string          `json:"id,omitempty"`
	Name          string          `json:"name,omitempty"`
	Timestamp     string          `json:"timestamp,omitempty"`
	ChannelID     string          `json:"channelId,omitempty"`
	ServiceURL    string          `json:"serviceUrl,omitempty"`
	From          *Account        `json:"from,omitempty"`
	Recipient     *Account        `json:"recipient,omitempty"`
	Conversation  *Conversation   `json:"conversation,omitempty"`
	ReplyToID     string          `json:"replyToId,omitempty"`
	Text          string          `json:"text,omitempty"`
	TextFormat    string          `json:"textFormat,omitempty"`
	Summary       string          `json:"summary,omitempty"`
	Locale        string          `json:"locale,omitempty"`
	LocalTimezone string          `json:"localTimezone,omitempty"`
	Entities      []Entity        `json:"entities,omitempty"`
	Attachments   []Attachment    `json:"attachments,omitempty"`
	ChannelData   *ChannelData    `json:"channelData,omitempty"`
	Value         json.RawMessage `json:"value,omitempty"`
	// Action is an installationUpdate's: add, remove, add-upgrade or
	// remove-upgrade.
	Action string `json:"action,omitempty"`
	// MembersAdded and MembersRemoved are a conversationUpdate's.
	MembersAdded   []Account `json:"membersAdded,omitempty"`
	MembersRemoved []Account `json:"membersRemoved,omitempty"`
}

// Account is a person or bot in an activity.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// Conversation is an activity's conversation.
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

// Entity is a mention or Teams' clientInfo.
type Entity struct {
	Type      string   `json:"type"`
	Text      string   `json:"text,omitempty"`
	Mentioned *Account `json:"mentioned,omitempty"`
	Locale    string   `json:"locale,omitempty"`
	Country   string   `json:"country,omitempty"`
	Platform  string   `json:"platform,omitempty"`
	Timezone  string   `json:"timezone,omitempty"`
}

// Attachment is a card.
type Attachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content"`
}

// ChannelData is Teams' channelData.
type ChannelData struct {
	Tenant  *IDName `json:"tenant,omitempty"`
	Team    *IDName `json:"team,omitempty"`
	Channel *IDName `json:"channel,omitempty"`
	// EventType names a conversationUpdate in a team, such as
	// teamMemberAdded.
	EventType string    `json:"eventType,omitempty"`
	Settings  *Settings `json:"settings,omitempty"`
	Source    *IDName   `json:"source,omitempty"`
}

// Settings are an installationUpdate's: the channel picked when the app
// was added to a team.
type Settings struct {
	SelectedChannel *IDName `json:"selectedChannel,omitempty"`
}

// IDName is an id with an optional name.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Place is where a person writes to the bot.
type Place struct {
	// Kind is "personal", "channel" or "groupChat".
	Kind string
	// ConversationID is the personal chat's or group chat's id, or the
	// channel's id.
	ConversationID string
	// TeamID is the team of a channel (its General channel's id).
	TeamID string
	// Thread, for a channel, is the root message of the thread written in;
	// empty starts a new thread with each message.
	Thread string
}

// Personal is the one-to-one chat between the bot and u, as it is once u
// installed the app.
func (s *Server) Personal(u User) Place {
	s.AddUser(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installed[u.ID] = true
	return s.personalLocked(u)
}

func (s *Server) personalLocked(u User) Place {
	id := "a:1personal-" + u.AADObjectID
	s.convLocked(id, "personal", u.ID)
	return Place{Kind: "personal", ConversationID: id}
}

// Channel is a channel of a team the bot is installed in. Its team's
// roster is the people added with AddMember and those who wrote in it.
func (s *Server) Channel(teamID, channelID string) Place {
	s.mu.Lock()
	s.convLocked(channelID, "channel", "").team = teamID
	s.convLocked(teamID, "channel", "").team = teamID
	s.botIn[teamID] = true
	s.mu.Unlock()
	return Place{Kind: "channel", ConversationID: channelID, TeamID: teamID}
}

// GroupChat is a group chat the bot was added to.
func (s *Server) GroupChat(id string) Place {
	s.mu.Lock()
	s.convLocked(id, "groupChat", "").team = id
	s.botIn[id] = true
	s.mu.Unlock()
	return Place{Kind: "groupChat", ConversationID: id}
}

// InThread is p for messages in the thread under root.
func (p Place) InThread(root string) Place {
	p.Thread = root
	return p
}

// ActivityOption adds to an activity built by the fake.
type ActivityOption func(*Activity)

// WithMention declares "<at>u.Name</at>" in the text as a mention of u.
func WithMention(u User) ActivityOption {
	return func(a *Activity) {
		a.Entities = append(a.Entities, Entity{Type: "mention", Text: "<at>" + u.Name + "</at>", Mentioned: &Account{ID: u.ID, Name: u.Name}})
	}
}

// WithChannelMention declares "<at>name</at>" as a mention of a channel.
func WithChannelMention(channelID, name string) ActivityOption {
	return func(a *Activity) {
		a.Entities = append(a.Entities, Entity{Type: "mention", Text: "<at>" + name + "</at>", Mentioned: &Account{ID: channelID, Name: name}})
	}
}

// WithTimezone sets the person's time zone as the Teams client reports it:
// localTimezone and the clientInfo entity.
func WithTimezone(tz string) ActivityOption {
	return func(a *Activity) {
		a.LocalTimezone = tz
		a.Entities = append(a.Entities, Entity{Type: "clientInfo", Locale: "en-GB", Country: "GB", Platform: "Web", Timezone: tz})
	}
}

// WithServiceURL sets the activity's serviceUrl (the token's serviceurl
// claim follows it unless WithServiceURLClaim says otherwise).
func WithServiceURL(u string) ActivityOption { return func(a *Activity) { a.ServiceURL = u } }

// WithChannelID sets the Bot Framework channel, such as "webchat".
func WithChannelID(id string) ActivityOption { return func(a *Activity) { a.ChannelID = id } }

// Message is a message from a person. In a channel or group chat Teams
// only sends messages that mention the bot, so the text gets
// "<at>okrbot</at> " in front there.
func (s *Server) Message(p Place, from User, text string, opts ...ActivityOption) Activity {
	a := s.activity(p, from, "message")
	a.TextFormat = "plain"
	if p.Kind != "personal" {
		text = "<at>" + BotName + "</at> " + text
		a.Entities = append(a.Entities, Entity{Type: "mention", Text: "<at>" + BotName + "</at>", Mentioned: &Account{ID: BotID, Name: BotName}})
	}
	a.Text = text
	for _, o := range opts {
		o(&a)
	}
	// The message is in the conversation now: the bot may reply to it.
	s.mu.Lock()
	if c, ok := s.convs[p.ConversationID]; ok {
		c.known[a.ID] = true
	}
	s.mu.Unlock()
	return a
}

// Invoke is an invoke activity, such as "adaptiveCard/action", with value.
func (s *Server) Invoke(p Place, from User, name string, value any, opts ...ActivityOption) Activity {
	a := s.activity(p, from, "invoke")
	a.Name = name
	a.Value, _ = json.Marshal(value)
	for _, o := range opts {
		o(&a)
	}
	return a
}

func (s *Server) activity(p Place, from User, typ string) Activity {
	s.AddUser(from)
	s.mu.Lock()
	// Who writes in a team's channel or a group chat is in its roster.
	switch p.Kind {
	case "channel":
		s.addMemberLocked(p.TeamID, from.ID)
	case "groupChat":
		s.addMemberLocked(p.ConversationID, from.ID)
	}
	s.seq++
	id := fmt.Sprintf("16%011d", s.seq)
	now := s.now()
	s.mu.Unlock()
	a := Activity{
		Type:       typ,
		ID:         id,
		Timestamp:  now.UTC().Format(time.RFC3339Nano),
		ChannelID:  ChannelID,
		ServiceURL: s.ServiceURL(),
		From:       &Account{ID: from.ID, Name: from.Name, AADObjectID: from.AADObjectID},
		Recipient:  &Account{ID: BotID, Name: BotName},
		Locale:     "en-GB",
		Conversation: &Conversation{
			ID: p.ConversationID, ConversationType: p.Kind, TenantID: TenantID,
		},
		ChannelData: &ChannelData{Tenant: &IDName{ID: TenantID}},
	}
	switch p.Kind {
	case "channel":
		root := p.Thread
		if root == "" {
			root = id
		}
		a.Conversation.ID = p.ConversationID + ";messageid=" + root
		a.Conversation.IsGroup = true
		a.ChannelData.Team = &IDName{ID: p.TeamID}
		a.ChannelData.Channel = &IDName{ID: p.ConversationID}
	case "groupChat":
		a.Conversation.IsGroup = true
	}
	return a
}

// Claims are the claims of a token the fake signs; zero fields get the Bot
// Connector's values.
type Claims struct {
	Issuer     string
	Audience   string
	ServiceURL string
	NotBefore  time.Time
	Expires    time.Time
	// Key signs the token.
	Key Key
	// Kid, when set, replaces the key's id in the header.
	Kid string
}

// Token signs a token for an activity as the Bot Connector does.
func (s *Server) Token(a Activity, c Claims) string {
	now := s.now()
	if c.Issuer == "" {
		c.Issuer = s.issuer
	}
	if c.Audience == "" {
		c.Audience = AppID
	}
	if c.ServiceURL == "" {
		c.ServiceURL = a.ServiceURL
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = now.Add(-5 * time.Minute)
	}
	if c.Expires.IsZero() {
		c.Expires = now.Add(time.Hour)
	}
	s.mu.Lock()
	key := s.endorsed
	switch c.Key {
	case UnendorsedKey:
		key = s.published[1]
	case ForeignKey:
		key = s.foreign
	}
	s.mu.Unlock()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"serviceurl": c.ServiceURL,
		"nbf":        c.NotBefore.Unix(),
		"exp":        c.Expires.Unix(),
		"iss":        c.Issuer,
		"aud":        c.Audience,
	})
	t.Header["kid"] = key.kid
	if c.Kid != "" {
		t.Header["kid"] = c.Kid
	}
	signed, err := t.SignedString(key.priv)
	if err != nil {
		panic(err) // an RSA key always signs
	}
	return signed
}

// Request is the signed POST the Bot Connector makes to the bot's
// messaging endpoint with a.
func (s *Server) Request(endpoint string, a Activity, c Claims) *http.Request {
	body, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	r, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("Authorization", "Bearer "+s.Token(a, c))
	return r
}
