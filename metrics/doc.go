// Package metrics exports what okrbot does in the Prometheus format, with
// the official client: requests and their latency, the work waiting after
// acks, deliveries, calls to the chat platforms, the scheduler's lag, the
// database pool and the build.
//
// It is told of requests and platform calls as a bot.Observer and of
// deliveries as a reminders.Observer, and reads the rest when scraped.
// Nothing else in okrbot imports Prometheus: adapters and the scheduler know
// only their observers. metrics imports bot and reminders (for the names
// of kinds and results), and must never import an adapter or the store.
package metrics
