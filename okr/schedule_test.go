package okr

import (
	"testing"
	"time"
)

func TestWeeklyNextInBerlinAcrossDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	monday9 := WeeklyTime{Weekday: time.Monday, Minute: 9 * 60, EveryWeeks: 1}
	sunday0230 := WeeklyTime{Weekday: time.Sunday, Minute: 2*60 + 30, EveryWeeks: 1}
	tests := []struct {
		name  string
		w     WeeklyTime
		after string
		want  time.Time
	}{
		{"monday before spring forward", monday9, "2026-03-20 12:00", at("2026-03-23 09:00")},
		{"monday after spring forward", monday9, "2026-03-23 09:00", at("2026-03-30 09:00")},
		{"monday before fall back", monday9, "2026-10-20 12:00", at("2026-10-26 09:00")},
		{"monday after fall back", monday9, "2026-10-26 09:00", at("2026-11-02 09:00")},
		// 02:30 does not exist on 2026-03-29: the clocks go from 02:00 to 03:00.
		{"time inside the gap goes to the gap's end", sunday0230, "2026-03-28 12:00", at("2026-03-29 03:00")},
		{"the week after the gap is normal", sunday0230, "2026-03-29 03:00", at("2026-04-05 02:30")},
		// 02:30 happens twice on 2026-10-25: prompt once, at the first.
		{"time repeated by fall back is asked once", sunday0230, "2026-10-24 12:00",
			time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.w.Next(at(tt.after), berlin)
			if !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.In(berlin), tt.want.In(berlin))
			}
		})
	}
	t.Run("nine o'clock local on either side of both changes", func(t *testing.T) {
		next := at("2026-03-01 00:00")
		for range 40 {
			next = monday9.Next(next, berlin)
			if l := next.In(berlin); l.Hour() != 9 || l.Minute() != 0 || l.Weekday() != time.Monday {
				t.Fatalf("prompt at %s", l)
			}
		}
	})
	t.Run("repeated time is not asked twice", func(t *testing.T) {
		first := sunday0230.Next(at("2026-10-24 12:00"), berlin)
		second := sunday0230.Next(first, berlin)
		if second.Sub(first) < 6*24*time.Hour {
			t.Errorf("asked at %s and again at %s", first, second)
		}
	})
}

func TestWeeklyEveryTwoWeeks(t *testing.T) {
	w := WeeklyTime{Weekday: time.Monday, Minute: 9 * 60, EveryWeeks: 2}
	a := w.Next(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.UTC)
	b := w.Next(a, time.UTC)
	if b.Sub(a) != 14*24*time.Hour {
		t.Errorf("%s then %s, want 2 weeks apart", a, b)
	}
}
