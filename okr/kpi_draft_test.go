package okr_test

import (
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

var flagLabels = map[string]string{okr.KPIFieldTarget: "--target", okr.KPIFieldWarn: "--warn", okr.KPIFieldCrit: "--crit", okr.KPIFieldCadence: "--cadence"}

func TestKPIDraftApplyNew(t *testing.T) {
	tests := []struct {
		name  string
		draft okr.KPIDraft
		want  okr.KPIDefinition
	}{
		{"defaults", okr.KPIDraft{Name: " Signups ", Target: "100"},
			okr.KPIDefinition{Name: "Signups", Direction: okr.HigherIsBetter, Target: 100, Warn: 95, Crit: 90, Cadence: okr.Weekly}},
		{"lower is better", okr.KPIDraft{Name: "Churn", Target: "2", Direction: okr.LowerIsBetter, Unit: "%", Cadence: "Monthly"},
			okr.KPIDefinition{Name: "Churn", Unit: "%", Direction: okr.LowerIsBetter, Target: 2, Warn: 2.1, Crit: 2.2, Cadence: okr.Monthly}},
		{"a percent target gives the unit", okr.KPIDraft{Name: "NPS", Target: "40%"},
			okr.KPIDefinition{Name: "NPS", Unit: "%", Direction: okr.HigherIsBetter, Target: 40, Warn: 38, Crit: 36, Cadence: okr.Weekly}},
		{"thresholds given", okr.KPIDraft{Name: "Uptime", Target: "99.9", Warn: "99.5", Crit: "99", Description: " up "},
			okr.KPIDefinition{Name: "Uptime", Description: "up", Direction: okr.HigherIsBetter, Target: 99.9, Warn: 99.5, Crit: 99, Cadence: okr.Weekly}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.draft.Labels = flagLabels
			got, err := tt.draft.Apply(okr.KPIDefinition{}, true)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got.Warn, tt.want.Warn) || !near(got.Crit, tt.want.Crit) {
				t.Errorf("thresholds = %v/%v, want %v/%v", got.Warn, got.Crit, tt.want.Warn, tt.want.Crit)
			}
			got.Warn, got.Crit, tt.want.Warn, tt.want.Crit = 0, 0, 0, 0
			if got != tt.want {
				t.Errorf("Apply = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKPIDraftApplyRefuses(t *testing.T) {
	tests := []struct {
		name  string
		draft okr.KPIDraft
		field string
		parts []string
	}{
		{"no name", okr.KPIDraft{Target: "1"}, "name", []string{"needs a name"}},
		{"a name like an id", okr.KPIDraft{Name: "#12", Target: "1"}, "name", []string{"looks like an id"}},
		{"no target", okr.KPIDraft{Name: "Signups"}, "target", []string{"needs a target"}},
		{"a target that is no number", okr.KPIDraft{Name: "Signups", Target: "lots"}, "target", []string{"--target", "lots"}},
		{"a warn that is no number", okr.KPIDraft{Name: "Signups", Target: "5", Warn: "x"}, "warn", []string{"--warn"}},
		{"a long unit", okr.KPIDraft{Name: "Signups", Target: "5", Unit: strings.Repeat("u", 21)}, "unit", []string{"21 characters", "20 or fewer"}},
		{"a threshold on the good side", okr.KPIDraft{Name: "Signups", Target: "100", Warn: "120"}, "warn", nil},
		{"an unknown cadence", okr.KPIDraft{Name: "Signups", Target: "5", Cadence: "hourly"}, "cadence", []string{"hourly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.draft.Labels = flagLabels
			_, err := tt.draft.Apply(okr.KPIDefinition{}, true)
			wantInvalid(t, err, tt.field, tt.parts...)
		})
	}
}

func TestKPIDraftApplyEdit(t *testing.T) {
	was := okr.KPIDefinition{Name: "Signups", Unit: "people", Direction: okr.HigherIsBetter, Target: 100, Warn: 90, Crit: 80, Cadence: okr.Daily}
	tests := []struct {
		name  string
		draft okr.KPIDraft
		want  okr.KPIDefinition
	}{
		{"nothing given keeps everything", okr.KPIDraft{}, was},
		{"a new target derives both thresholds", okr.KPIDraft{Target: "200"},
			okr.KPIDefinition{Name: "Signups", Unit: "people", Direction: okr.HigherIsBetter, Target: 200, Warn: 190, Crit: 180, Cadence: okr.Daily}},
		{"one threshold keeps the other", okr.KPIDraft{Warn: "95"},
			okr.KPIDefinition{Name: "Signups", Unit: "people", Direction: okr.HigherIsBetter, Target: 100, Warn: 95, Crit: 80, Cadence: okr.Daily}},
		{"the same target keeps the thresholds", okr.KPIDraft{Target: "100"}, was},
		{"a rename", okr.KPIDraft{Name: "Sign-ups"},
			okr.KPIDefinition{Name: "Sign-ups", Unit: "people", Direction: okr.HigherIsBetter, Target: 100, Warn: 90, Crit: 80, Cadence: okr.Daily}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.draft.Apply(was, false)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Apply = %+v, want %+v", got, tt.want)
			}
		})
	}
}
