// Package csvio reads and writes okrbot's CSV files: KPI imports (all or
// nothing, through commands), and the exports of KPIs, measurements, OKRs
// and check-ins that `okrbot export` writes and an import reads back.
//
// csvio knows the file format; what a row means and whether it may be
// imported is decided by commands. It imports commands, store and okr, and
// must never import a chat adapter or bot.
package csvio
