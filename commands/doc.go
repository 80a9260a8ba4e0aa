// Package commands holds okrbot's use cases, written once for every chat
// platform: it parses what a person typed or submitted, applies the okr rules
// and the store in one transaction, and answers with a bot.Reply.
//
// commands builds neutral messages and forms; it never builds Slack JSON or
// anything else of one platform. Charts (charts.go) are drawn by the chart
// package and handed over as bot.Image, with their alt text, for each
// adapter to deliver. It imports okr, chart, store and bot, and must never
// import a chat adapter or the scheduler.
package commands
