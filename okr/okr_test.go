package okr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestParseConfidence(t *testing.T) {
	tests := []struct {
		in   string
		want okr.Confidence
		ok   bool
	}{
		{"on-track", okr.OnTrack, true},
		{"on track", okr.OnTrack, true},
		{"on_track", okr.OnTrack, true},
		{"On Track", okr.OnTrack, true},
		{"  ON-TRACK  ", okr.OnTrack, true},
		{"at-risk", okr.AtRisk, true},
		{"at risk", okr.AtRisk, true},
		{"At_Risk", okr.AtRisk, true},
		{"off-track", okr.OffTrack, true},
		{"off track", okr.OffTrack, true},
		{"OFF_TRACK", okr.OffTrack, true},
		{"", "", false},
		{"ontrack", "", false},
		{"on", "", false},
		{"maybe", "", false},
		{"on  track", "", false},
		{"on-track!", "", false},
	}
	for _, tt := range tests {
		got, ok := okr.ParseConfidence(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseConfidence(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestConfidenceLabel(t *testing.T) {
	tests := []struct {
		c    okr.Confidence
		want string
	}{
		{okr.OnTrack, "on track"},
		{okr.AtRisk, "at risk"},
		{okr.OffTrack, "off track"},
		{"", "no confidence yet"},
		{"bogus", "no confidence yet"},
	}
	for _, tt := range tests {
		if got := tt.c.Label(); got != tt.want {
			t.Errorf("Confidence(%q).Label() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestValidateTitle(t *testing.T) {
	tests := []struct {
		name  string
		title string
		ok    bool
		parts []string
	}{
		{"ordinary", "Create wildly loyal customers", true, nil},
		{"one character", "x", true, nil},
		{"150 characters", strings.Repeat("a", 150), true, nil},
		{"150 after trimming", "  " + strings.Repeat("a", 150) + "\t\n", true, nil},
		{"150 two-byte runes", strings.Repeat("é", 150), true, nil},
		{"150 four-byte runes", strings.Repeat("🚀", 150), true, nil},
		{"150 CJK", strings.Repeat("目", 150), true, nil},
		{"empty", "", false, []string{"objective", "empty"}},
		{"whitespace", " \t\n ", false, []string{"objective", "empty"}},
		{"151 characters", strings.Repeat("a", 151), false, []string{"objective", "151 characters", "150"}},
		{"151 two-byte runes", strings.Repeat("é", 151), false, []string{"151 characters"}},
		{"151 four-byte runes", strings.Repeat("🚀", 151), false, []string{"151 characters"}},
		{"300 characters", strings.Repeat("ab", 150), false, []string{"300 characters"}},
	}
	for _, tt := range tests {
		err := okr.ValidateTitle("objective", tt.title)
		if tt.ok {
			if err != nil {
				t.Errorf("%s: ValidateTitle error: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: ValidateTitle = nil, want an error", tt.name)
			continue
		}
		t.Run(tt.name, func(t *testing.T) { wantInvalid(t, err, "objective", tt.parts...) })
	}
}

func TestInvalid(t *testing.T) {
	err := okr.Invalid("target", "%s: %q is wrong", "target", "x")
	wantInvalid(t, err, "target", `target: "x" is wrong`)
	if errors.Is(err, okr.ErrNotFound) || errors.Is(err, okr.ErrForbidden) {
		t.Errorf("a ValidationError is not ErrNotFound or ErrForbidden")
	}
}
