// Package chart draws okrbot's pictures: a KPI's trend against its target
// and thresholds (KPITrend), a key result's burn-up across its period
// (BurnUp), an objective's key results side by side (ObjectiveChart), and
// the leadership digest's small multiples of the KPIs needing attention
// with a bar per team's OKR score against pace (DigestPicture).
//
// It owns the look of those pictures and their alt text. Every chart is a
// PNG 640 logical pixels wide drawn at Scale (2×) for retina screens, in
// the palette of the 🔴 🟡 🟢 bands, with Liberation Sans compiled into the
// binary; its Image carries alt text with the chart's numbers, so that a
// chart is never the only way to read them. Dates are shown in the time
// zone of the now each function is given. Output is deterministic: the
// same input gives the same PNG bytes, which the golden files in testdata
// hold (go test ./chart -update rewrites them, to be looked at again).
//
// Its input types are plain values (times, numbers, names, units and the
// okr enums) that callers copy what they have into. Input no chart can be
// drawn from (NaN or infinite targets, a period that ends before it starts)
// is refused with an error naming it; odd but possible data (no values,
// one value, missing values, values far off the chart) is drawn as well as
// it can be.
//
// It imports okr for the domain's rules (bands, health, pace) and
// gonum.org/v1/plot for drawing, and must never import the store, the
// commands, the reminders, the bot model or any adapter: it knows nothing
// of chat or of the database.
package chart
