package site

import (
	"testing"
	"time"
)

func TestTodayAt(t *testing.T) {
	tests := []struct {
		now  string
		want string
	}{
		{"2026-02-28T22:59:59Z", "2026-02-28"}, // 23:59:59 in Paris (UTC+1)
		{"2026-02-28T23:00:00Z", "2026-03-01"}, // midnight in Paris, still 28 February in UTC
		{"2026-02-28T23:30:00Z", "2026-03-01"},
		{"2026-07-14T21:59:00Z", "2026-07-14"}, // summer time, UTC+2
		{"2026-07-14T22:00:00Z", "2026-07-15"},
		{"2026-07-15T01:59:00+02:00", "2026-07-15"},
		{"2026-03-01T00:30:00+01:00", "2026-03-01"},
		{"2026-03-01T08:30:00+10:00", "2026-02-28"}, // 23:30 in Paris the evening before
		{"2026-12-31T23:30:00Z", "2027-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			got := TodayAt(now)
			if got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 {
				t.Errorf("TodayAt(%s) = %v; want %s 00:00 UTC", tt.now, got, tt.want)
			}
		})
	}
}

func TestToday(t *testing.T) {
	before := TodayAt(time.Now())
	got := Today()
	after := TodayAt(time.Now())
	if got.Before(before) || got.After(after) {
		t.Errorf("Today() = %v; want between %v and %v", got, before, after)
	}
}
