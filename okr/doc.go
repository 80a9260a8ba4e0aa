// Package okr is the domain of okrbot: objectives, key results, check-ins and
// periods, and the pure rules that score them, pace them, forecast them,
// schedule their grading and coach their authors.
//
// It performs no I/O and must never import the store, the chat adapters or any
// other package of okrbot; everything else builds on it.
package okr
