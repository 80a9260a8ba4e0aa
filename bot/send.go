package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AddressKind is the kind of conversation an Address names.
type AddressKind string

const (
	// DirectChat is a person's one-to-one chat with okrbot; the Address's ID
	// is the person's platform id.
	DirectChat AddressKind = "direct"
	// Channel is a channel or a group chat; the Address's ID is its
	// platform id.
	Channel AddressKind = "channel"
)

// Address is where a message goes: a person's direct chat or a channel, and
// optionally a thread in it.
type Address struct {
	Workspace Workspace
	Kind      AddressKind
	// ID is the person's platform id (DirectChat) or the channel's
	// (Channel).
	ID string
	// Thread, when set, is the platform id of the message to reply under.
	Thread string
	// Ref is what the platform needs to reach the conversation later,
	// without a request to answer or a call to open it (Slack: a person's
	// DM channel id; Teams: its service URL, conversation id and tenant).
	// It is opaque outside the adapter that made it; the store keeps it,
	// and adapters refresh it whenever the platform tells them something
	// new.
	Ref string
}

// InThread is the address of a reply under the message ref points at.
func (ref MessageRef) InThread() Address {
	a := ref.Address
	a.Thread = ref.ID
	return a
}

// MessageRef points at a message that was sent, so it can be updated or
// replied to in a thread.
type MessageRef struct {
	// Address is where the message was sent, with the Ref of the
	// conversation it went to: one the Sender learnt (a direct chat it
	// opened) differs from the Ref it was given, and is for the caller to
	// keep (see Rememberer).
	Address Address
	// Conversation is the platform's id of the conversation the message is
	// in (a Slack channel or DM, a Teams conversation).
	Conversation string
	// ID is the platform's id of the message (Slack's ts, Teams' activity
	// id).
	ID string
}

// Sender sends messages outside of a request: prompts, digests, alerts. Each
// adapter implements it; errors it returns are classified with FailureOf.
type Sender interface {
	// Serves reports whether the Sender can reach a workspace: it has
	// credentials for it. Work for other workspaces (another deployment's,
	// sharing the database) is left to the deployment that serves them.
	Serves(ctx context.Context, ws Workspace) bool
	// Send posts msg to an address. A Ref in the address saves the
	// platform calls that would find the conversation; a Ref the platform
	// no longer knows is replaced by a new one, in the MessageRef.
	Send(ctx context.Context, to Address, msg Message) (MessageRef, error)
	// Update replaces a message that Send sent.
	Update(ctx context.Context, ref MessageRef, msg Message) error
}

// Opener is a Sender that opens some conversations before it can post in
// them: Slack opens a person's direct chat with a call of its own, unless
// the address's Ref names it. Open does that ahead of Send, which then
// posts at once, so that a caller pacing its messages paces the posts
// alone; the platform limits opening apart from posting.
type Opener interface {
	Open(ctx context.Context, to Address) error
}

// Rememberer keeps the Refs that Send learnt, so that the next message to
// the same address needs no platform call to find it, even after a
// restart. Whoever sends to a person keeps what comes back: the
// scheduler, and an adapter answering privately when its Handler is a
// Rememberer. It writes only when a Ref changed.
type Rememberer interface {
	Remember(ctx context.Context, to Address) error
}

// Senders routes each message to the Sender of its workspace's platform. A
// platform with no Sender (such as the console) gets a permanent error.
type Senders map[string]Sender

// Serves reports whether the Sender of ws's platform serves it.
func (s Senders) Serves(ctx context.Context, ws Workspace) bool {
	sender := s[ws.Platform]
	return sender != nil && sender.Serves(ctx, ws)
}

// Send sends with the Sender of to's platform.
func (s Senders) Send(ctx context.Context, to Address, msg Message) (MessageRef, error) {
	sender, err := s.of(to.Workspace)
	if err != nil {
		return MessageRef{}, err
	}
	return sender.Send(ctx, to, msg)
}

// Update updates with the Sender of ref's platform.
func (s Senders) Update(ctx context.Context, ref MessageRef, msg Message) error {
	sender, err := s.of(ref.Address.Workspace)
	if err != nil {
		return err
	}
	return sender.Update(ctx, ref, msg)
}

// Open opens to with the Sender of its platform, when that Sender is an
// Opener.
func (s Senders) Open(ctx context.Context, to Address) error {
	sender, err := s.of(to.Workspace)
	if err != nil {
		return err
	}
	if o, ok := sender.(Opener); ok {
		return o.Open(ctx, to)
	}
	return nil
}

func (s Senders) of(ws Workspace) (Sender, error) {
	if sender := s[ws.Platform]; sender != nil {
		return sender, nil
	}
	return nil, &SendError{Kind: Permanent, Err: fmt.Errorf("no sender for platform %q", ws.Platform)}
}

// Failure is what a failed send means for trying again.
type Failure int

const (
	// Permanent failures fail the same way when retried.
	Permanent Failure = iota
	// Temporary failures (a 5xx, a network error) are retried with backoff.
	Temporary
	// RateLimited failures are retried after the wait the platform asked
	// for.
	RateLimited
	// Gone means the recipient is gone for good: a person who left, a
	// channel deleted or archived, or one okrbot may not post in.
	Gone
	// Unreachable means the platform will not let okrbot start a chat
	// with the person until an admin installs okrbot for them (Teams
	// refuses a bot that is not installed in their personal scope or in
	// a team of theirs). Trying again changes nothing; installing does.
	Unreachable
)

func (f Failure) String() string {
	switch f {
	case Temporary:
		return "temporary"
	case RateLimited:
		return "rate-limited"
	case Gone:
		return "gone"
	case Unreachable:
		return "unreachable"
	}
	return "permanent"
}

// SendError is a send that failed, classified by the adapter that tried.
type SendError struct {
	Kind Failure
	// Wait is how long the platform asked to wait (RateLimited).
	Wait time.Duration
	Err  error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// FailureOf classifies err: the kind of the first SendError in its chain, and
// Permanent for any other error.
func FailureOf(err error) (Failure, time.Duration) {
	if se, ok := errors.AsType[*SendError](err); ok {
		return se.Kind, se.Wait
	}
	return Permanent, 0
}
