package okr

import (
	"math"
	"strconv"
	"strings"
)

// ParseNumber reads a number the way people type it in chat: "1,200", "12.5",
// "-3", "40%" or "$1,200". The unit symbol, if any, is not part of the value.
// field names the input in the error.
func ParseNumber(field, text string) (float64, error) {
	s := strings.TrimSpace(text)
	s = strings.TrimSuffix(s, "%")
	// The sign may come before the currency: "-$1,200" is how FormatValue
	// prints a negative amount.
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	for _, currency := range []string{"$", "€", "£"} {
		if rest, ok := strings.CutPrefix(s, currency); ok {
			s = rest
			break
		}
	}
	s = sign + s
	if validGrouping(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	// strconv also reads Go syntax ("1_0", "0x1p4"); people do not write
	// numbers that way, and "1_0" must not silently become 10.
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || s == "" || strings.ContainsAny(s, "_xX") {
		if text == "" {
			return 0, Invalid(field, "%s needs a number, like 1,200, 12.5 or 40%%.", field)
		}
		return 0, Invalid(field, "%s: %q is not a number (try 1,200, 12.5 or 40%%).", field, text)
	}
	if math.Abs(v) > MaxNumber {
		return 0, Invalid(field, "%s: %q is larger than okrbot tracks (up to a quadrillion).", field, text)
	}
	return v, nil
}

// MaxNumber bounds the numbers okrbot accepts: far beyond any real metric,
// yet small enough that sums and weighted means stay exact and finite.
const MaxNumber = 1e15

// validGrouping reports whether the commas in s separate groups of three
// digits, so that "1,200" is read as 1200 and "1,2" is refused rather than
// silently becoming 12.
func validGrouping(s string) bool {
	if !strings.Contains(s, ",") {
		return false
	}
	digits := strings.TrimLeft(s, "+-")
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		if strings.Contains(digits[i:], ",") {
			return false // "1,234.5,6" is not 1234.56
		}
		digits = digits[:i]
	}
	groups := strings.Split(digits, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// FormatNumber prints v with thousands separators and without trailing zeros:
// 1200 → "1,200", 12.5 → "12.5", 0.333333 → "0.33".
func FormatNumber(v float64) string { return FormatDecimals(v, 2) }

// FormatDecimals is FormatNumber with at most decimals decimals.
func FormatDecimals(v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// FormatValue prints v with its unit the way people write it: "40%", "$1,200",
// "1,200 users".
func FormatValue(v float64, unit string) string { return WithUnit(FormatNumber(v), unit) }

// WithUnit writes an already formatted number with its unit as FormatValue
// does, for numbers formatted otherwise (a chart's "$1.2k").
func WithUnit(n, unit string) string {
	switch unit {
	case "":
		return n
	case "%":
		return n + "%"
	case "$", "€", "£":
		if rest, ok := strings.CutPrefix(n, "-"); ok {
			return "-" + unit + rest
		}
		return unit + n
	default:
		return n + " " + unit
	}
}
