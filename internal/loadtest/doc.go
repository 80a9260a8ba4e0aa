// Package loadtest is okrbot loadtest: an open-loop generator of signed
// Slack slash commands and button clicks against an okrbot serving Slack
// over HTTP, with a response_url sink of its own that checks every reply.
//
// Open loop means requests go out on a fixed schedule whatever the server
// does, as people do: a slow answer never holds the next request back. Each
// request gets a response_url of its own, so every reply is matched to its
// request and classed as the list asked for (correct), okrbot's "busy"
// answer (busy), anything else (error), or nothing before the deadline
// (missing).
//
// It can start okrbot itself (the same binary, "serve", against a fake
// Slack from internal/fakeslack), seed the scenario the numbers in
// docs/BENCHMARKS.md are measured on, and run a bare handler with one
// hand-written query beside okrbot as the baseline. With a Wave, the
// check-in prompts of many more people fall due as the load starts, and
// the prompts okrbot's scheduler sends meanwhile are counted at the fake
// Slack.
//
// It stands outside okrbot as Slack does: it speaks to okrbot over HTTP
// only, and imports the store to seed and for the baseline's database
// handle, okr for the period, and commands for the name of the button it
// clicks. No okrbot package may import it.
package loadtest
