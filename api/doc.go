// Package api is okrbot's HTTP API for programs: scripts and BI tools send
// KPI values with a bearer token that an admin creates with
// `/kpi token create`. It uses commands for the work and store for tokens;
// it never imports a chat adapter.
package api
