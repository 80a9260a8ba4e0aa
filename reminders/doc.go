// Package reminders sends the weekly check-in prompts: it plans each
// person's next prompt in their own time zone, claims due prompts from the
// database so that every replica can run it and none sends twice, sends them
// through a Sender at a pace Slack accepts, nudges once, and redraws a prompt
// once its person has checked in. Digests, KPI alerts and the prompts to
// grade objectives at the end of their period go through the same claims,
// pacing and retries.
//
// The schedule, every person's next due time and every delivery live in the
// database (store); this package keeps nothing that matters in memory. A
// delivery is recorded, under a unique key of (schedule, occurrence,
// person), in the same transaction that moves the person's next due time,
// before anything is sent.
//
// What became of each delivery (sent, retried, rate-limited, gone, failed,
// skipped) is counted by kind, and told to an Observer when one is set;
// Lag says how far behind the scheduler is. Metrics read both; reminders
// knows nothing of how they are exported.
//
// reminders imports store, commands (for the messages and schedule rules)
// and bot (types only). It must never import a chat adapter such as
// bot/slack: what an adapter's errors mean comes in through Config.Classify.
package reminders
