// Package api is okrbot's HTTP API for programs: scripts and BI tools send
// KPI values, and import OKRs from a spreadsheet, with a bearer token that
// an admin creates with `/kpi token create`. It uses commands for the work,
// csvio to read files and store for tokens; it never imports a chat
// adapter.
package api
