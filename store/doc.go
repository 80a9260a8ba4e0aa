// Package store keeps okrbot's data with gorm: the models, the versioned
// migrations (pressly/goose, one folder per dialect) and the queries.
// SQLite is the embedded default; Postgres is used when DATABASE_URL says so.
// It also owns the backup archive: every table of every model, written and
// restored generically, so that either dialect restores the other's.
//
// Slack installations keep their tokens sealed (SetSealer; the secret
// package seals), so a dump of the database shows no token. PurgeWorkspace
// deletes a workspace from every table at once.
//
// Every query is scoped by workspace: an id from another workspace is simply
// not found. Backup and Restore are the exception: they are for the
// operator, and cover every workspace. store imports okr for domain types and rules, and must never
// import commands, reminders or any chat adapter.
package store
