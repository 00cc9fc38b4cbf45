package pack

import (
	"testing"
	"time"
)

func TestCellFrench(t *testing.T) {
	m2 := 1234567.25
	small := 12.0
	pct := 40
	d := time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    cell
		want string
	}{
		{"area", area(&m2), "1\u202f234\u202f567,2"},
		{"small area", area(&small), "12,0"},
		{"no area", area(nil), ""},
		{"day", day(&d), "10/03/2022"},
		{"percent", percent(&pct), "40"},
		{"count", count(1000), "1\u202f000"},
		{"text", text("=1+1"), "=1+1"}, // html/template escapes it; only spreadsheets run formulas
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.French(); got != tt.want {
				t.Errorf("French(%+v) = %q; want %q", tt.c, got, tt.want)
			}
		})
	}
}
