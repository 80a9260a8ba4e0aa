package okr_test

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestParseNumberAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"0", 0},
		{"3", 3},
		{"-3", -3},
		{"+3", 3},
		{"12.5", 12.5},
		{".5", 0.5},
		{"1,200", 1200},
		{"1,234,567", 1234567},
		{"1,200.75", 1200.75},
		{"-1,200", -1200},
		{"40%", 40},
		{"12.5%", 12.5},
		{"1,200%", 1200},
		{"$1,200", 1200},
		{"€99.90", 99.9},
		{"£5", 5},
		{"-$1,200", -1200}, // what FormatValue prints for a negative amount
		{"$-1,200", -1200},
		{"-€3.5", -3.5},
		{"  42  ", 42},
		{"1200", 1200},
		{"1e3", 1000},
	}
	for _, tt := range tests {
		got, err := okr.ParseNumber("target", tt.in)
		if err != nil {
			t.Errorf("ParseNumber(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseNumberRefuses(t *testing.T) {
	tests := []string{
		"abc",
		"1,2",       // not groups of three: must not silently become 12
		"1,2345",    // idem
		",200",      // no leading group
		"1,200,",    // empty trailing group
		"1,,200",    // empty group
		"1234,567",  // leading group too long
		"1,234.5,6", // comma in the fraction must not be dropped
		"12.5.3",
		"NaN",
		"nan",
		"Inf",
		"-Inf",
		"+Inf",
		"Infinity",
		"1e400", // overflows to infinity
		"%",
		"$",
		"$%",
		"40%%",
		"--3",
		"-$-3",
		"1_0", // Go digit separators are not how people write numbers
		"1_000",
		"0x10", // nor hexadecimal
		"0x1p4",
		"12 apples",
		"   ",
	}
	for _, in := range tests {
		got, err := okr.ParseNumber("target", in)
		if err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", in, got)
			continue
		}
		t.Run(in, func(t *testing.T) {
			wantInvalid(t, err, "target", "target", strconv.Quote(in))
		})
	}
}

func TestParseNumberEmpty(t *testing.T) {
	_, err := okr.ParseNumber("current", "")
	wantInvalid(t, err, "current", "current needs a number", "1,200")
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{12, "12"},
		{123, "123"},
		{1200, "1,200"},
		{12345, "12,345"},
		{123456, "123,456"},
		{1234567, "1,234,567"},
		{1000000000, "1,000,000,000"},
		{0.5, "0.5"},
		{12.5, "12.5"},
		{12.50, "12.5"},
		{0.05, "0.05"},
		{0.333333, "0.33"},
		{2.0 / 3, "0.67"},
		{1200.75, "1,200.75"},
		{1999.999, "2,000"},
		{-3, "-3"},
		{-0.5, "-0.5"},
		{-1200, "-1,200"},
		{-1234567.891, "-1,234,567.89"},
		{-0.004, "0"}, // rounds to zero: no "-0"
		{0.004, "0"},
	}
	for _, tt := range tests {
		if got := okr.FormatNumber(tt.in); got != tt.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{1200, "", "1,200"},
		{40, "%", "40%"},
		{12.5, "%", "12.5%"},
		{-5, "%", "-5%"},
		{1200, "$", "$1,200"},
		{-1200, "$", "-$1,200"},
		{0.5, "€", "€0.5"},
		{-99.9, "£", "-£99.9"},
		{-0.001, "$", "$0"}, // rounds to zero: not "-$"
		{0, "$", "$0"},
		{1200, "users", "1,200 users"},
		{1, "customers", "1 customers"},
		{-3, "users", "-3 users"},
	}
	for _, tt := range tests {
		if got := okr.FormatValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

// Whatever the bot prints for a number or a currency or percentage value, a
// person can paste back.
func TestFormattedValuesParseBack(t *testing.T) {
	values := []float64{0, 1, -1, 0.5, -0.5, 12.34, 1200, -1200, 1234567.89, -1234567.89, 1e15}
	for _, v := range values {
		for _, unit := range []string{"", "%", "$", "€", "£"} {
			s := okr.FormatValue(v, unit)
			got, err := okr.ParseNumber("value", s)
			if err != nil {
				t.Errorf("ParseNumber(FormatValue(%v, %q) = %q) error: %v", v, unit, s, err)
				continue
			}
			if got != v {
				t.Errorf("ParseNumber(%q) = %v, want %v", s, got, v)
			}
		}
	}
}

// roundTo2 is v rounded to two decimals the way a person would do it on
// paper, from v's exact value. (math.Round(v*100)/100 is not that: v*100 can
// itself round up to a half, as for 1.115.)
func roundTo2(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	if err != nil {
		panic(err)
	}
	return r
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{
		"1,200", "12.5", "40%", "$1,200", "-3", "-$1,200", "€0.005", "1.115",
		"abc", "", "1,2", "12.5.3", "NaN", "Inf", "1e308", "-0", "1,234.5,6",
		"0x1p4", "1_0", "9,999,999,999,999,999.99",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := okr.ParseNumber("n", in)
		if err != nil {
			var ve *okr.ValidationError
			if !errors.As(err, &ve) || ve.Field != "n" || ve.Msg == "" {
				t.Fatalf("ParseNumber(%q) error %v is not a ValidationError for field n", in, err)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseNumber(%q) = %v", in, v)
		}
		s := okr.FormatNumber(v)
		w, err := okr.ParseNumber("n", s)
		if err != nil {
			t.Fatalf("ParseNumber(%q) = %v, but its FormatNumber %q does not parse: %v", in, v, s, err)
		}
		if want := roundTo2(v); w != want {
			t.Fatalf("ParseNumber(%q) = %v; FormatNumber = %q parses to %v, want %v", in, v, s, w, want)
		}
		if again := okr.FormatNumber(w); again != s {
			t.Fatalf("FormatNumber is not stable: %q then %q", s, again)
		}
	})
}
