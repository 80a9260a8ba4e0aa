// Package sources fetches a KPI's value from where it already lives: a
// JSON API over HTTP, a CSV at a URL, a SQL database or Prometheus. Each
// kind is a small type behind one interface, Fetcher, and every error is
// written for the KPI's owner: it says what came back ("HTTP 401 from
// bi.example.com: check BI_TOKEN", "cell B7 is \"n/a\", not a number").
//
// It owns where okrbot may connect (Hosts, checked after DNS resolution and
// on every redirect) and how secrets are named ({env:NAME}, expanded only
// at the moment of a fetch and never kept in a Spec). It imports nothing of
// okrbot's: no store, no chat.
package sources
