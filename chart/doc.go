// Package chart draws okrbot's pictures: a KPI's trend against its target
// and thresholds, a key result's burn-up across its period, an objective's
// key results side by side, and the leadership digest's small multiples of
// the KPIs needing attention with a bar per team's OKR score against pace.
//
// It owns the look of those pictures (layout, palette of the 🔴 🟡 🟢
// bands, embedded Liberation Sans fonts, 2× pixel density for retina
// screens) and their alt text, which carries the numbers so that a chart is
// never the only way to read them. Output is deterministic: the same input
// gives the same PNG bytes, which is what lets the tests compare golden
// files.
//
// Its input types are plain values (times, numbers, names, units and the
// okr enums); callers copy what they have into them. It imports okr for the
// domain's rules (bands, health, pace) and gonum.org/v1/plot for drawing,
// and must never import the store, the commands, the reminders, the bot
// model or any adapter: it knows nothing of chat or of the database.
package chart
