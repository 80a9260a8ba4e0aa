package bot

import (
	"context"
	"errors"
	"time"
)

// Workspace identifies one installation of okrbot: a chat platform and the
// platform's id for the team (Slack's team_id, a Teams tenant id).
type Workspace struct {
	Platform string
	TeamID   string
	// Org is the organization the workspace belongs to, where the platform
	// has them (a Slack Enterprise Grid org); empty otherwise. It helps a
	// platform find the credentials of an organization-wide install.
	Org string
}

// User is a person as the platform knows them.
type User struct {
	ID   string
	Name string
	// IsAdmin is true for the platform's workspace admins and owners.
	IsAdmin bool
	// IsGuest is true for people the platform lets in as guests rather
	// than members (Slack's multi- and single-channel guests, a Teams
	// tenant's guests).
	IsGuest bool
	// RolesAt is when IsAdmin and IsGuest were read from the platform;
	// zero when nothing but the request's payload is known of the person,
	// so that neither can be relied on.
	RolesAt time.Time
	// TZ is an IANA time zone name such as "Europe/Berlin"; empty if unknown.
	TZ string
}

// ChannelInfo is a channel as the platform named it in a request.
type ChannelInfo struct {
	ID   string
	Name string
}

// Request is one thing a person asked of okrbot.
type Request struct {
	Workspace Workspace
	User      User
	// Address is where the request was made: a channel, or the person's
	// direct chat. A Ref in it is kept, so okrbot can write there later.
	Address Address
	// Command is the command without arguments, like "/okr".
	Command string
	// Text is what followed the command. Adapters turn the platform's
	// mentions into single words: "@KEY" names the person People[KEY] and
	// "#KEY" the channel Channels[KEY]. Any other "@name" or "#name" is a
	// name the person typed.
	Text     string
	People   map[string]User
	Channels map[string]ChannelInfo
	// CanOpenForm is true when the platform can open a form in answer to this
	// request; when false a Reply's Form is shown by its Fallback instead.
	CanOpenForm bool
	// ShowsImages is true when the answer to this request can show a
	// Section's Image. Charts cost a few milliseconds each to draw, so
	// commands draw them only when they will be seen.
	ShowsImages bool
	// Capabilities are what the platform the request came from can do.
	Capabilities
}

// Capabilities are what a chat platform can do beyond answering a request.
// Each adapter sets its own on every Request, and commands branch on them,
// never on a platform's name, so a new adapter needs no change there.
type Capabilities struct {
	// PlatformName is the platform as people call it in a sentence
	// ("Microsoft Teams").
	PlatformName string
	// Delivers is true when okrbot can write to the platform's
	// conversations on its own: post a digest to a channel, send someone
	// their check-in prompt.
	Delivers bool
	// Directory is true when the platform can be asked about its people:
	// who is an admin or a guest, and who has an email address.
	Directory bool
	// NamesArePeople is true where a person's id is their name, so a plain
	// @name names someone without a lookup.
	NamesArePeople bool
}

// Reply answers a Request or an Action. At most one of Message and Form is
// set.
type Reply struct {
	Message *Message
	Form    *Form
}

// Visibility says who sees a message that answers a request.
type Visibility uint8

const (
	// OnlyAsker messages answer the person who asked, quietly where the
	// platform can (Slack: an ephemeral message). Teams has no such
	// messages: a question asked in a channel or group chat is public
	// there, and is answered in its thread.
	OnlyAsker Visibility = iota
	// Conversation messages are seen by everyone in the conversation the
	// request came from.
	Conversation
	// Private messages are the asker's own and no one else's: an API
	// token, a preview they asked for privately (Slack: an ephemeral
	// message; Teams: their one-to-one chat, wherever they asked).
	Private
)

// Message is a chat message: a summary and sections under it.
type Message struct {
	// Summary is one line for notifications and previews, and the whole
	// message when there are no Sections.
	Summary  Text
	Sections []Section
	// Visibility applies to replies; messages sent to an Address are seen
	// by everyone there.
	Visibility Visibility
}

// Section is one block of a message: text, then lines of items, an image,
// small print and buttons. Renderers split a long section between several
// of their platform's blocks at item and line boundaries, never inside an
// item, and say how much they left out when a message is too long for the
// platform.
type Section struct {
	Text  Text
	Items []Text
	// Image, when set, is shown under the text and items.
	Image *Image
	// Context is small print under the text: owners, dates, hints.
	Context Text
	Buttons []Button
}

// Image is a picture in a message, such as a chart. Each adapter delivers
// it as its platform can (an upload, a link, a file); where it cannot, the
// Alt text is shown in its place, so no message depends on its picture.
type Image struct {
	// PNG is the picture, encoded as PNG.
	PNG []byte
	// Alt says what the picture shows, with its numbers, for screen
	// readers and for places that show no pictures. Plain text.
	Alt string
	// Name is a short name for the picture's file, without extension, such
	// as "kpi-churn-rate".
	Name string
}

// Button is a clickable action. Its click comes back as an Action with the
// same ID and Value.
type Button struct {
	ActionID string
	Label    string
	Value    string
	Style    ButtonStyle
	// Confirm, when set, is a question the person must confirm first.
	Confirm string
	// URL, when set, makes the button open this web page. Platforms that
	// also report such a click (Slack) send it as an Action with ActionID,
	// which its handler answers with nothing.
	URL string
}

// ButtonStyle colours a button.
type ButtonStyle string

const (
	Default ButtonStyle = ""
	Primary ButtonStyle = "primary"
	Danger  ButtonStyle = "danger"
)

// Form is a dialog that collects fields (a Slack modal, a Teams dialog).
type Form struct {
	// CallbackID routes the submission back to the code that built the form.
	CallbackID string
	Title      string
	SubmitText string
	// State is carried through the form untouched and returned on submit.
	State  string
	Fields []Field
	// Fallback says how to do the same with commands, for platforms and
	// moments where a form cannot be opened.
	Fallback Text
}

// FieldKind is the kind of input a field takes.
type FieldKind string

const (
	TextInput  FieldKind = "text"
	LongText   FieldKind = "long_text"
	Select     FieldKind = "select"
	UserSelect FieldKind = "user_select"
	// ActionButton is not an input: it is a button inside the form, such as
	// "Add key result", whose Action carries the form's current values.
	ActionButton FieldKind = "button"
	// Note is not an input: its Note is shown as text in the form.
	Note FieldKind = "note"
)

// Field is one input of a form. Labels, hints, placeholders and initial
// values are plain text.
type Field struct {
	// ID names the field in a Submission's Values and in FormErrors.
	ID          string
	Label       string
	Kind        FieldKind
	Optional    bool
	Initial     string
	Placeholder string
	Hint        string
	Options     []Option
	// ActionID is the action an ActionButton fires.
	ActionID string
	// Note is the text of a Note field.
	Note Text
}

// Option is one choice of a Select field.
type Option struct {
	Value string
	Label string
}

// Submission is a submitted form.
type Submission struct {
	CallbackID string
	State      string
	// Values maps field IDs to what was entered: the text, the chosen option's
	// Value, or the chosen user's ID.
	Values map[string]string
}

// SubmitResult answers a Submission. With Errors the form stays open and each
// message is shown next to its field; otherwise it closes and Message, if
// set, is sent to the person who submitted.
type SubmitResult struct {
	Errors  map[string]string
	Message *Message
}

// Action is a click on a Button or an ActionButton.
type Action struct {
	ID    string
	Value string
	// Form is the open form's current values when the click happened inside
	// a form; a Reply with a Form then replaces that form.
	Form *Submission
}

// Handler is what adapters hand requests to.
type Handler interface {
	Command(ctx context.Context, req Request) Reply
	Submit(ctx context.Context, req Request, sub Submission) SubmitResult
	Act(ctx context.Context, req Request, act Action) Reply
}

// Say returns a Reply with a single message that only the asker sees. Parts
// are as for T.
func Say(parts ...any) Reply {
	return Reply{Message: &Message{Summary: T(parts...)}}
}

// ConsolePlatform is the Workspace.Platform of the terminal adapter, where a
// person's ID is their name, so "@ada" names someone without a lookup.
const ConsolePlatform = "console"

// HomeHandler is a Handler that also fills a person's own page in the
// platform, such as Slack's App Home tab. Adapters use it when the Handler
// has it.
type HomeHandler interface {
	Home(ctx context.Context, req Request) *Message
}

// People finds people on a workspace's platform and reads their rights
// there. Adapters whose platform can look people up implement it.
type People interface {
	// PersonByEmail is the member with an email address, for an import
	// that names owners by email. It returns ErrNoPerson when the platform
	// has no such member, and an error that wraps errors.ErrUnsupported
	// when it cannot look people up by email.
	PersonByEmail(ctx context.Context, ws Workspace, email string) (User, error)
	// Person is the member with a platform id, or ErrNoPerson.
	Person(ctx context.Context, ws Workspace, id string) (User, error)
	// RecentUser is what the platform says of a person of ws, read no
	// longer than maxAge ago: asked again when the last answer is older,
	// for decisions that must not rest on an old answer (an admin-only
	// change) or on none (a guest). Its RolesAt says when it was read.
	RecentUser(ctx context.Context, ws Workspace, userID string, maxAge time.Duration) (User, error)
}

// ErrNoPerson is People's answer for someone the platform does not have, or
// no longer has (a deactivated account).
var ErrNoPerson = errors.New("no such person on the platform")

// ErrRolesUnknown is People's answer on a platform that cannot be asked
// who is an admin or a guest: what okrbot stored stands.
var ErrRolesUnknown = errors.New("the platform cannot be asked who is an admin or a guest")
