// Package install puts okrbot into many Slack workspaces: the "Add to
// Slack" page, the OAuth v2 redirect that turns Slack's code into an
// installation, and the refresh of rotating tokens before they expire.
//
// It owns the OAuth state (random, single use, time-limited, bound to the
// browser by a signed cookie) and the scopes okrbot asks for. It keeps
// installations through a Store that main backs with okrbot's database.
//
// install imports slack-go and the standard library only; it must never
// import okrbot's store, commands or reminders.
package install
