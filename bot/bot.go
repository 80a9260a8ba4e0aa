package bot

import (
	"context"
	"strings"
)

// Workspace identifies one installation of okrbot: a chat platform and the
// platform's id for the team (Slack's team_id).
type Workspace struct {
	Platform string
	TeamID   string
}

// User is the person making a request, as the platform knows them.
type User struct {
	ID   string
	Name string
	// IsAdmin is true for the platform's workspace admins and owners.
	IsAdmin bool
	// TZ is an IANA time zone name such as "Europe/Berlin"; empty if unknown.
	TZ string
}

// Request is one thing a person asked of okrbot.
type Request struct {
	Workspace Workspace
	User      User
	// Channel is where the request was made; empty for forms.
	Channel string
	// Command is the slash command without arguments, like "/okr".
	Command string
	// Text is what followed the command.
	Text string
	// CanOpenForm is true when the platform can open a form in answer to this
	// request; when false a Reply's Form is shown by its Fallback instead.
	CanOpenForm bool
}

// Reply answers a Request or an Action. At most one of Message and Form is
// set.
type Reply struct {
	Message *Message
	Form    *Form
}

// Message is a chat message: a summary line and sections under it.
type Message struct {
	// Text is a one-line summary used in notifications, and the whole message
	// when there are no Sections.
	Text     string
	Sections []Section
	// Public messages are seen by the whole channel; others only by the
	// person who asked.
	Public bool
}

// Section is one block of a message.
type Section struct {
	Text string
	// Context is small print under the text: owners, dates, hints.
	Context string
	Buttons []Button
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
}

// ButtonStyle colours a button.
type ButtonStyle string

const (
	Default ButtonStyle = ""
	Primary ButtonStyle = "primary"
	Danger  ButtonStyle = "danger"
)

// Form is a dialog that collects fields (a Slack modal).
type Form struct {
	// CallbackID routes the submission back to the code that built the form.
	CallbackID string
	Title      string
	SubmitText string
	// State is carried through the form untouched and returned on submit.
	State  string
	Fields []Field
	// Fallback is the command line that does the same, for platforms and
	// moments where a form cannot be opened.
	Fallback string
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
	// Note is not an input: Label is shown as text in the form.
	Note FieldKind = "note"
)

// Field is one input of a form.
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

// Text returns a Reply with a single private message.
func Text(text string) Reply { return Reply{Message: &Message{Text: text}} }

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes user text safe to put into a message.
func Escape(s string) string { return escaper.Replace(s) }

var unescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// Unescape reverses Escape, for adapters that show plain text.
func Unescape(s string) string { return unescaper.Replace(s) }

// Mention refers to a person by id in a message.
func Mention(userID string) string { return "<@" + userID + ">" }

// MessageRef points at a message that was sent, so it can be updated or
// replied to in a thread.
type MessageRef struct {
	Channel string
	TS      string
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
