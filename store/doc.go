// Package store keeps okrbot's data with gorm: the models, the versioned
// migrations (pressly/goose, one folder per dialect) and the queries.
// SQLite is the embedded default; Postgres is used when DATABASE_URL says so.
//
// Slack installations keep their tokens sealed (SetSealer; the secret
// package seals), so a dump of the database shows no token. PurgeWorkspace
// deletes a workspace from every table at once.
//
// Every query is scoped by workspace: an id from another workspace is simply
// not found. store imports okr for domain types and rules, and must never
// import commands, reminders or any chat adapter.
package store
