package okr

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Inputs of a KPI's definition, as a command's flags, a form's fields and
// an import's columns name them; validation errors are filed under these.
const (
	KPIFieldName    = "name"
	KPIFieldUnit    = "unit"
	KPIFieldTarget  = "target"
	KPIFieldWarn    = "warn"
	KPIFieldCrit    = "crit"
	KPIFieldCadence = "cadence"
)

// MaxKPIUnit is the longest unit, in characters: "%", "$" or a word such
// as "customers", not a phrase.
const MaxKPIUnit = 20

// A KPIDefinition is what defines a KPI and its health: what it is called,
// which way is good, its target, thresholds and cadence.
type KPIDefinition struct {
	Name, Description, Unit string
	Direction               Direction
	Target, Warn, Crit      float64
	Cadence                 Cadence
}

// A KPIDraft is a KPI's definition as a person typed it, on a command line,
// in a form or in an import. Empty strings were not given.
type KPIDraft struct {
	Name, Description, Unit string
	Direction               Direction
	Target, Warn, Crit      string
	Cadence                 string
	// Labels name the inputs in messages, by field: "--target" on a
	// command line, "Target" in a form.
	Labels map[string]string
}

// Apply validates d and returns k with what d gives. fresh is true for a
// KPI being created, which needs a name and a target; an edit keeps what
// d leaves out. A change of target or direction re-derives the thresholds
// the draft does not give; an edit of one threshold keeps the other
// unless it no longer fits.
func (d KPIDraft) Apply(k KPIDefinition, fresh bool) (KPIDefinition, error) {
	if d.Name != "" || fresh {
		if err := ValidateKPIName(KPIFieldName, d.Name); err != nil {
			return k, err
		}
		k.Name = strings.TrimSpace(d.Name)
	}
	if d.Description != "" {
		k.Description = strings.TrimSpace(d.Description)
	}
	if d.Unit != "" {
		if n := utf8.RuneCountInString(strings.TrimSpace(d.Unit)); n > MaxKPIUnit {
			return k, Invalid(KPIFieldUnit, "The unit is %d characters long; keep it to %d or fewer.", n, MaxKPIUnit)
		}
		k.Unit = strings.TrimSpace(d.Unit)
	}
	reshaped := fresh
	if d.Direction != "" && d.Direction != k.Direction {
		k.Direction, reshaped = d.Direction, true
	}
	if k.Direction == "" {
		k.Direction = HigherIsBetter
	}
	if d.Target != "" {
		v, err := d.number(KPIFieldTarget, d.Target)
		if err != nil {
			return k, err
		}
		if k.Unit == "" && strings.HasSuffix(strings.TrimSpace(d.Target), "%") {
			k.Unit = "%"
		}
		if v != k.Target {
			k.Target, reshaped = v, true
		}
	} else if fresh {
		return k, Invalid(KPIFieldTarget, "A KPI needs a target: --target N.")
	}
	warn, err := d.optional(KPIFieldWarn, d.Warn)
	if err != nil {
		return k, err
	}
	crit, err := d.optional(KPIFieldCrit, d.Crit)
	if err != nil {
		return k, err
	}
	if !reshaped {
		// Keep the thresholds not given, unless they no longer fit.
		if warn == nil && crit != nil {
			w := k.Warn
			warn = &w
		}
		if crit == nil && warn != nil {
			cr := k.Crit
			crit = &cr
		}
	}
	if reshaped || warn != nil || crit != nil {
		t, err := ResolveThresholds(k.Direction, k.Target, warn, crit)
		if err != nil {
			return k, err
		}
		k.Warn, k.Crit = t.Warn, t.Crit
	}
	if d.Cadence != "" || fresh {
		cad, err := ParseCadence(KPIFieldCadence, d.Cadence)
		if err != nil {
			return k, err
		}
		k.Cadence = cad
	}
	return k, nil
}

// number reads a number typed into the input field; the error names the
// input as people know it and is filed under field.
func (d KPIDraft) number(field, text string) (float64, error) {
	label := d.Labels[field]
	if label == "" {
		label = field
	}
	v, err := ParseNumber(label, text)
	var ve *ValidationError
	if errors.As(err, &ve) {
		return v, &ValidationError{Field: field, Msg: ve.Msg}
	}
	return v, err
}

func (d KPIDraft) optional(field, text string) (*float64, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	v, err := d.number(field, text)
	return &v, err
}
