// Package web is okrbot's dashboard: server-rendered pages of a
// workspace's OKRs and KPIs (Home, the period's tree, an objective, the
// scorecard, a KPI, the review), the sign-in that opens them and the
// sessions that keep people signed in.
//
// Every page is HTML from html/template, readable at 375 px and usable
// without JavaScript; its stylesheet and charts are served by the binary
// (embed and the chart package), so a page loads nothing from elsewhere
// and its Content-Security-Policy can say so. A person signs in with a
// link from /okr dashboard, which shows a "Continue as" button and is used
// up only by that button's POST: chat apps open links to preview them.
// Sessions live in the database (only hashes of their ids), so any
// replica serves any person, and every read is scoped by the session's
// workspace: an id of another workspace is simply not found.
//
// It imports store and okr for the data and its rules, chart for the
// pictures and commands for what sign-in links share with /okr dashboard.
// It knows no chat platform and must never import an adapter, bot or the
// scheduler.
package web
