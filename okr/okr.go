package okr

import (
	"strings"
	"unicode/utf8"
)

// Status is where an objective is in its life.
type Status string

const (
	Active   Status = "active"
	Closed   Status = "closed"
	Archived Status = "archived"
)

// Kind says how a key result is measured.
type Kind string

const (
	// Metric key results move a number from a start value to a target.
	Metric Kind = "metric"
	// Milestone key results are done or not done.
	Milestone Kind = "milestone"
)

// Confidence is the owner's judgement, at a check-in, of whether a key result
// will be reached.
type Confidence string

const (
	OnTrack  Confidence = "on-track"
	AtRisk   Confidence = "at-risk"
	OffTrack Confidence = "off-track"
)

// ParseConfidence reads a confidence as people type it: "on-track",
// "on track", "at_risk", "off-track" and so on.
func ParseConfidence(text string) (Confidence, bool) {
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.NewReplacer(" ", "-", "_", "-").Replace(s)
	switch Confidence(s) {
	case OnTrack, AtRisk, OffTrack:
		return Confidence(s), true
	}
	return "", false
}

// Label is the confidence in plain words.
func (c Confidence) Label() string {
	switch c {
	case OnTrack:
		return "on track"
	case AtRisk:
		return "at risk"
	case OffTrack:
		return "off track"
	}
	return "no confidence yet"
}

// MaxTitle is the longest title, in characters, that an objective or key
// result may have: long enough for a sentence, short enough for a list.
const MaxTitle = 150

// ValidateTitle refuses empty and overlong titles.
func ValidateTitle(field, title string) error {
	title = strings.TrimSpace(title)
	if title == "" {
		return Invalid(field, "The %s is empty: write it in double quotes, like \"Grow revenue\".", field)
	}
	if n := utf8.RuneCountInString(title); n > MaxTitle {
		return Invalid(field, "The %s is %d characters long; keep it to %d or fewer.", field, n, MaxTitle)
	}
	return nil
}
