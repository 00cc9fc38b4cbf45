package store

import "testing"

func TestParseLSN(t *testing.T) {
	tests := []struct {
		in   string
		want LSN
		ok   bool
	}{
		{"0/0", 0, true},
		{"16/B374D848", 0x16_B374D848, true},
		{"FFFFFFFF/FFFFFFFF", ^LSN(0), true},
		{"16/b374d848", 0x16_B374D848, true},
		{"", 0, false},
		{"16", 0, false},
		{"/1", 0, false},
		{"1/", 0, false},
		{"1/2/3", 0, false},
		{"G/1", 0, false},
		{"100000000/0", 0, false},
		{"-1/0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLSN(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseLSN(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			if tt.ok {
				if back, _ := ParseLSN(got.String()); back != got {
					t.Errorf("ParseLSN(%q.String()) = %v; want %v", got, back, got)
				}
			}
		})
	}
}
