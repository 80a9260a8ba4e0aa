package bot

import "context"

// Member is a person in a team okrbot was added to, as the platform's
// roster lists them.
type Member struct {
	// User is the person; their ID is the platform id okrbot knows people
	// by.
	User  User
	Email string
	// MemberID is the platform's own id of the person in the team, where
	// it differs from User.ID (Teams: their "29:" id).
	MemberID string
	// Address is the person's direct chat, with a Ref that lets the
	// adapter open it later without a request from them.
	Address Address
}

// Install is a place okrbot was added to or removed from.
type Install struct {
	// At is a person's direct chat (okrbot installed for them), or the
	// channel of a team that okrbot was added from.
	At Address
	// Team is the platform's id of the team, when okrbot was added to one.
	Team string
	// By is who installed or removed okrbot, when the platform says.
	By User
}

// InstallHandler is a Handler that follows where okrbot is installed and
// who is in the teams it was added to. Adapters of platforms that report
// installs (Teams) call it when the Handler has it.
type InstallHandler interface {
	// Installed records that okrbot was added, and returns the welcome to
	// send at in.At the first time, else nil.
	Installed(ctx context.Context, in Install) (*Message, error)
	// Removed records that okrbot was removed: nothing is sent there any
	// more until it is added again.
	Removed(ctx context.Context, in Install) error
	// Roster replaces what is known of the members of in.Team.
	Roster(ctx context.Context, in Install, members []Member) error
	// RosterChanged adds people to, and removes people (by User.ID) from,
	// what is known of the members of in.Team.
	RosterChanged(ctx context.Context, in Install, added []Member, removed []User) error
	// Teams lists the teams okrbot is in, for the adapter to read their
	// rosters again.
	Teams(ctx context.Context, ws Workspace) ([]Install, error)
}
